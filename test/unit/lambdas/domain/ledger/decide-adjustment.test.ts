import { describe, expect, it } from 'vitest';
import { decideAdjustment, resolveTakenAdjustmentKey } from '../../../../../lambdas/domain/ledger/decide-adjustment';
import type { CorrectionEntry, LedgerEntry, RecordedEntry, ReversalEntry } from '../../../../../lambdas/domain/ledger/ledger-entries';
import { catalog, NOW } from '../../../../support/ledger-fixtures';

const original: RecordedEntry = {
  kind: 'recorded',
  outcomeId: 'o-1',
  customerId: 'acme',
  metric: 'order.recovered',
  occurredAtMs: Date.parse('2026-11-01T10:00:00Z'),
  recordedAtMs: Date.parse('2026-11-01T10:00:01Z'),
  quantity: '1',
  value: { amount: '100', currency: 'USD' },
  attributesJson: undefined,
  billableRule: { when: 'immediately' },
  attributed: true,
};
const reversal: ReversalEntry = { ...pick(original), kind: 'reversed', reason: 'refunded', recordedAtMs: NOW - 1000 };
const correction: CorrectionEntry = {
  ...pick(original),
  kind: 'corrected',
  correctionId: 'c-1',
  quantity: undefined,
  value: { amount: '90', currency: 'USD' },
  reason: 'partial refund',
  recordedAtMs: NOW - 1000,
};

function pick(entry: RecordedEntry) {
  return { outcomeId: entry.outcomeId, customerId: entry.customerId, metric: entry.metric, occurredAtMs: entry.occurredAtMs };
}

describe('decideAdjustment', () => {
  it('refuses to adjust an outcome that was never recorded', () => {
    expect(decideAdjustment({ kind: 'reversed', outcomeId: 'o-1', reason: 'x', recordedAtMs: NOW }, [], catalog)).toMatchObject({
      kind: 'reject',
      code: 'UNKNOWN_OUTCOME',
    });
  });

  it("writes a new entry in the outcome's usage partition: its customer, metric and occurredAt, recorded now", () => {
    const decision = decideAdjustment({ kind: 'reversed', outcomeId: 'o-1', reason: 'refunded', recordedAtMs: NOW }, [original], catalog);
    expect(decision).toEqual({
      kind: 'write',
      entry: { kind: 'reversed', outcomeId: 'o-1', customerId: 'acme', metric: 'order.recovered', occurredAtMs: original.occurredAtMs, recordedAtMs: NOW, reason: 'refunded' },
    });
  });

  it('acknowledges an exact resend of an adjustment as a duplicate, whenever it arrives', () => {
    const existing: LedgerEntry[] = [original, reversal];
    expect(decideAdjustment({ kind: 'reversed', outcomeId: 'o-1', reason: 'refunded', recordedAtMs: NOW }, existing, catalog)).toMatchObject({
      kind: 'duplicate',
    });
    expect(
      decideAdjustment(
        { kind: 'corrected', outcomeId: 'o-1', correctionId: 'c-1', quantity: undefined, value: { amount: '90', currency: 'USD' }, reason: 'partial refund', recordedAtMs: NOW },
        [original, correction],
        catalog,
      ),
    ).toMatchObject({ kind: 'duplicate' });
  });

  it('refuses anything after a reversal, and a second reversal with another reason', () => {
    const existing: LedgerEntry[] = [original, reversal];
    for (const request of [
      { kind: 'reversed' as const, outcomeId: 'o-1', reason: 'other', recordedAtMs: NOW },
      { kind: 'verified' as const, outcomeId: 'o-1', verifiedAtMs: undefined, recordedAtMs: NOW },
      { kind: 'corrected' as const, outcomeId: 'o-1', correctionId: 'c-9', quantity: '2', value: undefined, reason: 'r', recordedAtMs: NOW },
    ]) {
      expect(decideAdjustment(request, existing, catalog)).toMatchObject({ kind: 'reject', code: 'ALREADY_REVERSED' });
    }
  });

  it('rejects a correction id reused with other content as a conflict', () => {
    expect(
      decideAdjustment(
        { kind: 'corrected', outcomeId: 'o-1', correctionId: 'c-1', quantity: '3', value: undefined, reason: 'partial refund', recordedAtMs: NOW },
        [original, correction],
        catalog,
      ),
    ).toMatchObject({ kind: 'reject', code: 'OUTCOME_CONFLICT', message: expect.stringMatching(/quantity, value\.amount, value\.currency/) });
  });

  it("checks a corrected value against the metric's currency", () => {
    expect(
      decideAdjustment(
        { kind: 'corrected', outcomeId: 'o-1', correctionId: 'c-2', quantity: undefined, value: { amount: '1', currency: 'EUR' }, reason: 'r', recordedAtMs: NOW },
        [original],
        catalog,
      ),
    ).toMatchObject({ kind: 'reject', code: 'INVALID_FIELD' });
  });

  it('resolves a lost race on an adjustment key the same way', () => {
    expect(resolveTakenAdjustmentKey(reversal, { ...reversal, recordedAtMs: NOW })).toEqual({ kind: 'duplicate' });
    expect(resolveTakenAdjustmentKey(reversal, { ...reversal, reason: 'other' })).toMatchObject({ kind: 'reject', code: 'ALREADY_REVERSED' });
  });
});

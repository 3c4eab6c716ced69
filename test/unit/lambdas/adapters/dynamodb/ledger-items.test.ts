import { describe, expect, it } from 'vitest';
import { fromLedgerItem, fromRejectionItem, toLedgerItem, toRejectionItem } from '../../../../../lambdas/adapters/dynamodb/ledger-items';
import type { LedgerEntry } from '../../../../../lambdas/domain/ledger/ledger-entries';
import type { RejectedOutcome } from '../../../../../lambdas/domain/ledger/rejection';

const base = {
  outcomeId: 'o#1',
  customerId: 'cust#with#hashes',
  metric: 'order.recovered',
  occurredAtMs: Date.parse('2026-11-30T23:59:59.999Z'),
  recordedAtMs: Date.parse('2026-12-01T00:00:01Z'),
};

const entries: LedgerEntry[] = [
  {
    ...base,
    kind: 'recorded',
    quantity: '2.5',
    value: { amount: '10.5', currency: 'USD' },
    attributesJson: '{"agent":"a"}',
    billableRule: { when: 'quiet-window', hours: 48 },
    attributed: false,
  },
  { ...base, kind: 'recorded', quantity: '1', value: undefined, attributesJson: undefined, billableRule: { when: 'verified' }, attributed: true },
  { ...base, kind: 'reversed', reason: 'refund' },
  { ...base, kind: 'corrected', correctionId: 'c#1', quantity: '3', value: undefined, reason: 'recount' },
  { ...base, kind: 'corrected', correctionId: 'c2', quantity: undefined, value: { amount: '1', currency: 'JPY' }, reason: 'fx' },
  { ...base, kind: 'verified', verifiedAtMs: Date.parse('2026-12-01T00:00:00Z') },
  { ...base, kind: 'verified', verifiedAtMs: undefined },
];

describe('ledger item mapping', () => {
  it.each(entries.map((entry) => [entry.kind, entry] as const))('round-trips a %s entry', (_kind, entry) => {
    expect(fromLedgerItem(toLedgerItem(entry))).toEqual(entry);
  });

  it('keys the usage index by metric, UTC month of occurredAt, shard and customer, sorted by recordedAt', () => {
    const item = toLedgerItem(entries[1] as LedgerEntry);
    expect(item.pk).toEqual({ S: 'O#o#1' });
    expect(item.sk).toEqual({ S: 'O' });
    expect(item.gsi1pk?.S).toMatch(/^order\.recovered#2026-11#[0-9a-f]#cust#with#hashes$/);
    expect(item.gsi1sk).toEqual({ S: String(base.recordedAtMs) });
    // Attributed outcomes stay out of the sparse listing index.
    expect(item.gsi2pk).toBeUndefined();
    expect(item.gsi2sk).toBeUndefined();
  });

  it('puts every entry of an outcome in the same usage partition', () => {
    const partitions = new Set(entries.map((entry) => toLedgerItem(entry).gsi1pk?.S));
    expect(partitions.size).toBe(1);
  });

  it('lists unattributed outcomes in the listing index', () => {
    const item = toLedgerItem(entries[0] as LedgerEntry);
    expect(item.gsi2pk?.S).toMatch(/^UA#[0-7]$/);
    expect(item.gsi2sk?.S).toBe(`${base.recordedAtMs}#o#1`);
  });

  it('round-trips a rejection and lists it by month of receipt', () => {
    const rejection: RejectedOutcome = {
      rejectionId: 'abc',
      code: 'UNKNOWN_METRIC',
      message: 'metric "x" is not in the metric catalog',
      receivedAt: '2026-11-15T12:00:00.000Z',
      messageId: 'msg-1',
      outcomeId: 'o-1',
      customerId: 'acme',
      detailType: 'Outcome Recorded',
      rawBody: '{}',
      rawBytes: 2,
      truncated: false,
    };
    const item = toRejectionItem(rejection);
    expect(item.gsi2pk?.S).toMatch(/^RJ#2026-11#[0-7]$/);
    expect(item.gsi1pk).toBeUndefined();
    expect(fromRejectionItem(item)).toEqual(rejection);
  });
});

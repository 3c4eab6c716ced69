import { describe, expect, it } from 'vitest';
import type { RecordedEntry } from '../../../../../lambdas/domain/ledger/ledger-entries';
import { contentHash, describeContentDifference, sameContent } from '../../../../../lambdas/domain/ledger/outcome-content';
import { prepareOutcomeMessage } from '../../../../../lambdas/domain/ledger/prepare-outcome-message';
import { context, envelope, validDetail } from '../../../../support/ledger-fixtures';

function entryOf(detail: Record<string, unknown>, nowOffset = 0, source = 'producer.test'): RecordedEntry {
  const body = envelope(detail).replace('"producer.test"', JSON.stringify(source));
  const result = prepareOutcomeMessage(body, { ...context, nowMs: context.nowMs + nowOffset });
  if (result.kind !== 'record') throw new Error(JSON.stringify(result));
  return result.entry;
}

describe('outcome content (duplicate or conflict)', () => {
  it('is the same for the same outcome written differently, sent later, by another producer', () => {
    const first = entryOf({ ...validDetail, quantity: 2, attributes: { b: 1, a: 'x' }, value: { amount: '10.50', currency: 'USD' } });
    const resend = entryOf(
      {
        ...validDetail,
        quantity: '2.000',
        occurredAt: '2026-11-15T09:15:00.000Z', // same instant as +01:00
        attributes: { a: 'x', b: 1 },
        value: { amount: '10.5', currency: 'USD' },
        schemaVersion: 1,
      },
      60_000,
      'another.producer',
    );
    expect(sameContent(first, resend)).toBe(true);
    expect(contentHash(first)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('differs when anything the producer said differs, and names what', () => {
    const base = entryOf(validDetail);
    const changes: [Record<string, unknown>, string][] = [
      [{ quantity: '2' }, 'quantity'],
      [{ customerId: 'globex' }, 'customerId'],
      [{ metric: 'lead.qualified' }, 'metric'],
      [{ occurredAt: '2026-11-15T09:15:01Z' }, 'occurredAt'],
      [{ attributes: { a: 1 } }, 'attributes'],
      [{ value: { amount: '1', currency: 'USD' } }, 'value.amount, value.currency'],
    ];
    for (const [change, named] of changes) {
      const other = entryOf({ ...validDetail, ...change });
      expect(sameContent(base, other)).toBe(false);
      expect(describeContentDifference(base, other)).toBe(named);
    }
  });
});

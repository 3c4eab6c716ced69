import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BILLING_CHUNK_BYTES,
  OutcomeBatchLimitError,
  batchOutcomes,
} from '../../../../../lambdas/domain/events/outcome-batches';
import { OutcomesRecordedDetailSchema } from '../../../../../lambdas/domain/ledger/outcome-events';

const outcome = (index: number, padding = 0) => ({
  outcomeId: `o-${index}`,
  customerId: 'acme',
  metric: 'ticket.resolved',
  occurredAt: '2026-11-15T10:00:00Z',
  ...(padding > 0 ? { attributes: { note: 'x'.repeat(padding) } } : {}),
});

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

describe('batchOutcomes (producer helper)', () => {
  it('fills events up to 100 outcomes, in order', () => {
    const outcomes = Array.from({ length: 250 }, (_, index) => outcome(index));
    const batches = batchOutcomes(outcomes);
    expect(batches.map((batch) => batch.outcomes.length)).toEqual([100, 100, 50]);
    expect(batches.flatMap((batch) => batch.outcomes)).toEqual(outcomes);
    for (const batch of batches) expect(OutcomesRecordedDetailSchema.safeParse(batch).success).toBe(true);
  });

  it('keeps every detail within one 64 KB billing chunk by default', () => {
    const outcomes = Array.from({ length: 150 }, (_, index) => outcome(index, 800 + (index % 50)));
    const batches = batchOutcomes(outcomes);
    expect(batches.length).toBeGreaterThan(2);
    for (const batch of batches) expect(bytes(batch)).toBeLessThanOrEqual(BILLING_CHUNK_BYTES - 1024);
  });

  it('never exceeds the byte budget and never splits or drops an outcome (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 240 }), { maxLength: 120 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 400, max: 8_000 }),
        (paddings, maxOutcomes, maxDetailBytes) => {
          const outcomes = paddings.map((padding, index) => outcome(index, padding));
          const batches = batchOutcomes(outcomes, { maxOutcomes, maxDetailBytes });
          expect(batches.flatMap((batch) => batch.outcomes)).toEqual(outcomes);
          for (const batch of batches) {
            expect(batch.outcomes.length).toBeGreaterThan(0);
            expect(batch.outcomes.length).toBeLessThanOrEqual(maxOutcomes);
            expect(bytes(batch)).toBeLessThanOrEqual(maxDetailBytes);
          }
        },
      ),
    );
  });

  it('refuses limits the ledger would not accept, and an outcome that cannot fit at all', () => {
    expect(() => batchOutcomes([outcome(1)], { maxOutcomes: 101 })).toThrow(OutcomeBatchLimitError);
    expect(() => batchOutcomes([outcome(1)], { maxDetailBytes: 300 * 1024 })).toThrow(/256 KB/);
    expect(() => batchOutcomes([outcome(1, 500)], { maxDetailBytes: 400 })).toThrow(/outcome "o-1" takes \d+ bytes/);
  });
});

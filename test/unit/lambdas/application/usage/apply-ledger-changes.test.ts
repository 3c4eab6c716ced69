// A stream batch of many adjustments (a bulk reversal, a backlog: the local
// reader's batches hold up to 10,000 records) reads its adjusted outcomes'
// entries a bounded number at a time, and still applies every one exactly.
import { describe, expect, it } from 'vitest';
import { ADJUSTED_OUTCOME_READ_CONCURRENCY, applyLedgerChanges } from '../../../../../lambdas/application/usage/apply-ledger-changes';
import type { RollupBatch, RollupStore } from '../../../../../lambdas/application/usage/ports';
import type { LedgerEntry, RecordedEntry } from '../../../../../lambdas/domain/ledger/ledger-entries';

const FROM = Date.parse('2026-11-03T10:00:00Z');

function original(index: number): RecordedEntry {
  return {
    kind: 'recorded', outcomeId: `o-${index}`, customerId: 'acme', metric: 'ticket.resolved', occurredAtMs: FROM, recordedAtMs: FROM + 1000,
    quantity: '1', value: undefined, attributesJson: undefined, billableRule: { when: 'immediately' }, attributed: true,
  };
}

describe('applyLedgerChanges', () => {
  it('reads the entries of a batch of 200 reversed outcomes at most 16 at a time, and takes every one of them back', async () => {
    const originals = Array.from({ length: 200 }, (_, index) => original(index));
    let inFlight = 0;
    let mostInFlight = 0;
    const batches: RollupBatch[] = [];
    const store: RollupStore = {
      readAppliedEntries: async () => new Map(),
      applyBatch: async (batch) => (batches.push(batch), { applied: true }),
      readCells: async () => [],
      recordedDayCellsFromMs: async () => undefined,
      replaceCells: async () => ({ written: 0 }),
    };
    const reversals: LedgerEntry[] = originals.map((entry) => ({ kind: 'reversed', outcomeId: entry.outcomeId, customerId: 'acme', metric: 'ticket.resolved', occurredAtMs: FROM, recordedAtMs: FROM + 60_000, reason: 'refunded' }));
    const result = await applyLedgerChanges(
      {
        rollups: store,
        ledger: {
          getOutcomeEntries: async (outcomeId) => {
            inFlight += 1;
            mostInFlight = Math.max(mostInFlight, inFlight);
            await new Promise((resolve) => setTimeout(resolve, 1));
            inFlight -= 1;
            return originals.filter((entry) => entry.outcomeId === outcomeId);
          },
        },
      },
      'batch-1',
      reversals.map((entry, index) => ({ sequence: String(index), entry })),
    );
    expect(mostInFlight).toBe(ADJUSTED_OUTCOME_READ_CONCURRENCY);
    expect(result.entries).toBe(200);
    // Every outcome taken back: the quarter-hour cell of the reversals' recordedAt counts -200 outcomes.
    const quarter = batches[0]?.changes.find((change) => change.key.occurredSpanMs === undefined && change.key.recordedBucketMs === FROM + 60_000 - ((FROM + 60_000) % (15 * 60_000)));
    expect(quarter?.fields.get('a.n')).toBe(-200n);
    expect(batches[0]?.appliedEntries.size).toBe(200);
  });
});

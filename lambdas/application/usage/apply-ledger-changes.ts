import type { LedgerEntry } from '../../domain/ledger/ledger-entries';
import { ledgerEntryKey, rollupChangeOf, sumDeltasByCell, withDailyCells, type RollupDelta } from '../../domain/ledger/usage-rollup';
import { mapWithConcurrency } from '../../shared/map-with-concurrency';
import type { LedgerChange, RollupLedger, RollupStore, UsageChangeListener } from './ports';

// Folds one batch of the ledger's change stream into the usage rollups: one
// write per touched cell, however many outcomes the batch holds. Originals
// need no read; an adjustment reads its outcome's entries and which of them
// are already applied, so its change is exact whatever order the entries were
// recorded in. The whole batch is applied once (the store keys it by batch
// id), so a redelivered batch counts nothing twice.

/**
 * Adjusted outcomes whose entries are read at once: a batch may hold up to
 * 10,000 records (a bulk reversal, a backlog), and each is a query.
 */
export const ADJUSTED_OUTCOME_READ_CONCURRENCY = 16;

export interface ApplyLedgerChangesDeps {
  readonly rollups: RollupStore;
  readonly ledger: Pick<RollupLedger, 'getOutcomeEntries'>;
  /** Threshold invoicing (the local engine); absent: the rollups only. */
  readonly usageChanges?: UsageChangeListener;
}

export interface ApplyLedgerChangesResult {
  readonly applied: boolean;
  readonly entries: number;
  readonly cells: number;
}

export async function applyLedgerChanges(
  deps: ApplyLedgerChangesDeps,
  batchId: string,
  changes: readonly LedgerChange[],
): Promise<ApplyLedgerChangesResult> {
  const adjustedIds = [...new Set(changes.filter((change) => change.entry.kind !== 'recorded').map((change) => change.entry.outcomeId))];
  const [appliedKeys, outcomeEntries] = await Promise.all([
    deps.rollups.readAppliedEntries(adjustedIds),
    mapWithConcurrency(adjustedIds, ADJUSTED_OUTCOME_READ_CONCURRENCY, async (outcomeId) => [outcomeId, await deps.ledger.getOutcomeEntries(outcomeId)] as const),
  ]);
  const entriesById = new Map(outcomeEntries);
  // Entries applied so far, per outcome, as this batch goes on.
  const applied = new Map<string, LedgerEntry[]>();
  const originalsInBatch = new Set(changes.filter((change) => change.entry.kind === 'recorded').map((change) => change.entry.outcomeId));
  for (const outcomeId of adjustedIds) {
    const known = entriesById.get(outcomeId) ?? [];
    const keys = appliedKeys.get(outcomeId);
    // No adjustment applied yet: only the original has been, unless it comes in this batch (the stream delivers an outcome's writes in order).
    const isApplied = (entry: LedgerEntry) =>
      keys === undefined ? entry.kind === 'recorded' && !originalsInBatch.has(outcomeId) : keys.includes(ledgerEntryKey(entry));
    applied.set(outcomeId, known.filter(isApplied));
  }
  const deltas: RollupDelta[] = [];
  for (const { entry } of changes) {
    const before = applied.get(entry.outcomeId) ?? [];
    deltas.push(...rollupChangeOf(before, entry));
    if (applied.has(entry.outcomeId)) applied.set(entry.outcomeId, [...before, entry]);
  }
  const cells = withDailyCells(sumDeltasByCell(deltas));
  const appliedEntries = new Map(adjustedIds.map((outcomeId) => [outcomeId, (applied.get(outcomeId) ?? []).map(ledgerEntryKey)]));
  const { applied: written } = await deps.rollups.applyBatch({ batchId, changes: cells, appliedEntries });
  // After the rollups hold the batch, so what the listener rates includes it; a redelivery tells it again.
  if (deps.usageChanges && changes.length > 0) {
    await deps.usageChanges.usageChanged([...new Set(changes.map((change) => change.entry.customerId))]);
  }
  return { applied: written, entries: changes.length, cells: cells.length };
}

import type { LedgerEntry } from '../../domain/ledger/ledger-entries';
import { isRecordedBefore, recordedSpanOf, rollupCellId, rollupCellsOf, spanOf, withDailyCells, ROLLUP_DAY_MS, type RollupCellKey, type RollupDelta } from '../../domain/ledger/usage-rollup';
import type { RollupLedger, RollupProgress, RollupStore } from './ports';

// Rebuilding and checking the rollups of one customer × metric × occurredAt
// window against the ledger itself. Both touch only sealed cells (recorded
// before the seal): those the stream has finished; newer ones are still
// being written and are read raw anyway.

/** Later than any recordedAt (sortable as 13 digits until the year 2286). */
const END_OF_LEDGER_MS = 9_999_999_999_999;

export interface RollupMaintenanceDeps {
  readonly rollups: Pick<RollupStore, 'readCells' | 'replaceCells'>;
  readonly progress: RollupProgress;
  readonly ledger: Pick<RollupLedger, 'streamUsageEntries'>;
}

export interface RollupWindow {
  readonly customerId: string;
  readonly metric: string;
  /** occurredAt window [fromMs, toMs), bucket-aligned. */
  readonly fromMs: number;
  readonly toMs: number;
}

async function expectedCells(deps: RollupMaintenanceDeps, window: RollupWindow) {
  const entries: LedgerEntry[] = [];
  for await (const page of deps.ledger.streamUsageEntries({ ...window, asOfMs: END_OF_LEDGER_MS })) entries.push(...page);
  return { cells: withDailyCells(rollupCellsOf(entries)), entries: entries.length };
}

export interface RebuildResult {
  readonly sealedBeforeMs: number | undefined;
  readonly entries: number;
  readonly cellsWritten: number;
}

/** Sets the window's sealed cells to what the ledger's entries make of them. */
export async function rebuildRollups(deps: RollupMaintenanceDeps, window: RollupWindow): Promise<RebuildResult> {
  const sealedBeforeMs = await deps.progress.sealedBeforeMs();
  if (sealedBeforeMs === undefined) return { sealedBeforeMs, entries: 0, cellsWritten: 0 };
  const expected = await expectedCells(deps, window);
  const { written } = await deps.rollups.replaceCells({ ...window, recordedBeforeMs: sealedBeforeMs }, expected.cells);
  return { sealedBeforeMs, entries: expected.entries, cellsWritten: written };
}

export interface CellDifference {
  readonly key: RollupCellKey;
  readonly field: string;
  /** 12-decimal fixed point integers, as strings. */
  readonly stored: string;
  readonly expected: string;
  /** The difference is in the day cell's recorded-first copy (what reads by recordedAt range use), not the cell itself. */
  readonly copy?: true;
}

export interface CheckResult {
  readonly sealedBeforeMs: number | undefined;
  readonly entries: number;
  readonly cellsCompared: number;
  readonly differences: readonly CellDifference[];
}

/** Every sealed cell field whose stored figure differs from what the ledger makes of it. */
export async function checkRollups(deps: RollupMaintenanceDeps, window: RollupWindow): Promise<CheckResult> {
  const sealedBeforeMs = await deps.progress.sealedBeforeMs();
  if (sealedBeforeMs === undefined) return { sealedBeforeMs, entries: 0, cellsCompared: 0, differences: [] };
  const [quarters, days, recordedDays, copies, expected] = await Promise.all([
    deps.rollups.readCells(window),
    deps.rollups.readCells({ ...window, daily: true }),
    deps.rollups.readCells({ ...window, daily: true, byRecordedDay: true }),
    deps.rollups.readCells({ ...window, daily: true, recorded: { fromMs: 0, toMs: sealedBeforeMs } }),
    expectedCells(deps, window),
  ]);
  const differences: CellDifference[] = [];
  const cells = compareCells([...quarters, ...days, ...recordedDays], expected.cells, sealedBeforeMs, differences, false);
  const dayCellsExpected = expected.cells.filter((cell) => spanOf(cell.key) === ROLLUP_DAY_MS && recordedSpanOf(cell.key) !== ROLLUP_DAY_MS);
  const copiesCompared = compareCells(copies, dayCellsExpected, sealedBeforeMs, differences, true);
  differences.sort((left, right) => left.key.occurredBucketMs - right.key.occurredBucketMs || left.key.recordedBucketMs - right.key.recordedBucketMs);
  return { sealedBeforeMs, entries: expected.entries, cellsCompared: cells + copiesCompared, differences };
}

/** Adds every differing field of the sealed cells to `differences`; returns how many stored cells were compared. */
function compareCells(stored: readonly RollupDelta[], expected: readonly RollupDelta[], sealedBeforeMs: number, differences: CellDifference[], copy: boolean): number {
  const sealed = (cells: readonly RollupDelta[]) => new Map(cells.filter((cell) => isRecordedBefore(cell.key, sealedBeforeMs)).map((cell) => [rollupCellId(cell.key), cell]));
  const storedById = sealed(stored);
  const expectedById = sealed(expected);
  for (const id of new Set([...storedById.keys(), ...expectedById.keys()])) {
    const storedCell = storedById.get(id);
    const expectedCell = expectedById.get(id);
    const key = (storedCell ?? expectedCell)?.key;
    if (key === undefined) continue;
    const fields = new Set([...(storedCell?.fields.keys() ?? []), ...(expectedCell?.fields.keys() ?? [])]);
    for (const field of [...fields].sort()) {
      const storedValue = storedCell?.fields.get(field) ?? 0n;
      const expectedValue = expectedCell?.fields.get(field) ?? 0n;
      if (storedValue !== expectedValue) differences.push({ key, field, stored: storedValue.toString(), expected: expectedValue.toString(), ...(copy ? { copy: true as const } : {}) });
    }
  }
  return storedById.size;
}

import type { LedgerEntry } from '../../domain/ledger/ledger-entries';
import type { RollupCellKey, RollupDelta, RollupFields } from '../../domain/ledger/usage-rollup';
import type { PeriodUsage } from '../../domain/rating/usage';
import type { UsageWindow } from '../../domain/rating/usage-window';
import type { LedgerRepository } from '../ports';

// What the usage rollup use cases need from the outside world.

/** One ledger entry as the table's change stream delivered it. */
export interface LedgerChange {
  /** The stream's sequence number of the record. */
  readonly sequence: string;
  readonly entry: LedgerEntry;
}

export interface RollupCell {
  readonly key: RollupCellKey;
  readonly fields: RollupFields;
}

/** One batch of stream records folded into cell changes, applied all or nothing per chunk. */
export interface RollupBatch {
  /** Identifies the batch across redeliveries (shard and sequence range). */
  readonly batchId: string;
  readonly changes: readonly RollupDelta[];
  /** Adjusted outcomes and the keys of every entry of theirs now applied. */
  readonly appliedEntries: ReadonlyMap<string, readonly string[]>;
}

export interface RollupCellQuery {
  readonly customerId: string;
  readonly metric: string;
  /** occurredAt bucket window [fromMs, toMs). */
  readonly fromMs: number;
  readonly toMs: number;
  /** The day cells (whose day starts in the window) instead of the quarter-hour ones. */
  readonly daily?: boolean;
  /** With `daily`: the occurredAt day × recordedAt day cells instead. */
  readonly byRecordedDay?: boolean;
  /** With `daily`: only the day cells recorded in [fromMs, toMs) (one key range, whatever the window). */
  readonly recorded?: { readonly fromMs: number; readonly toMs: number };
}

export interface RollupStore {
  /** Adds the changes once per batch id: a redelivered batch changes nothing. */
  applyBatch(batch: RollupBatch): Promise<{ readonly applied: boolean }>;
  /** Keys of the entries already applied, for outcomes that have been adjusted (absent: only the original, or nothing). */
  readAppliedEntries(outcomeIds: readonly string[]): Promise<Map<string, string[]>>;
  /** Every quarter-hour (or, with `daily`, day) cell of a customer × metric whose occurredAt bucket starts in the window, any recordedAt bucket. */
  readCells(query: RollupCellQuery): Promise<RollupCell[]>;
  /**
   * Recorded-day cells and recorded-first day cells hold every entry recorded
   * from this instant on (undefined: none written yet). Before it, only the
   * quarter-hour and day cells are complete.
   */
  recordedDayCellsFromMs(): Promise<number | undefined>;
  /** From when cells count their entries recorded at their bucket's first millisecond (see AT_BUCKET_START_FIELD); as recordedDayCellsFromMs. */
  bucketStartCountsFromMs?(): Promise<number | undefined>;
  /** Sets the cells (quarter-hour and day) of the window recorded before `recordedBeforeMs` to exactly `cells` (others there are zeroed). */
  replaceCells(query: RollupCellQuery & { readonly recordedBeforeMs: number }, cells: readonly RollupCell[]): Promise<{ readonly written: number }>;
}

/** Up to where the rollups are complete: every entry recorded before the returned bucket boundary is in the cells. */
export interface RollupProgress {
  sealedBeforeMs(): Promise<number | undefined>;
  /**
   * Where a stream reader that reads the ledger's stream itself (the local
   * engine's) last read every shard to its end; undefined where the stream is
   * read by Lambda, or before the first such pass. Read instead of
   * sealedBeforeMs, not as well.
   */
  lastDrain?(): Promise<LedgerDrain | undefined>;
}

/** A stream reader's last pass that found nothing left to apply. */
export interface LedgerDrain {
  /** As RollupProgress.sealedBeforeMs. */
  readonly sealedBeforeMs: number;
  /** When that pass ended, on the engine's clock: every entry in the cells was written, so recorded, by then. */
  readonly drainedAtMs: number;
  /**
   * Starts asking whether the ledger has had no write since that pass, and
   * returns the question's answer, to be awaited after reading the cells it
   * vouches for: true means the cells held every entry written so far, which
   * is all any scan of the ledger could see. What can be asked before the
   * cells are read (which shards, from where) is, so the answer comes sooner.
   */
  checkNothingWrittenSince(): () => Promise<boolean>;
}

/** The ledger as the rollups read it: the raw tail and single outcomes. */
export type RollupLedger = Pick<LedgerRepository, 'streamUsageEntries' | 'getOutcomeEntries'>;

/** A customer's usage window: requirements, occurredAt [from, to), recordedAt cutoff (domain/rating/usage-window.ts). */
export type UsageWindowRequest = UsageWindow;

/** Reads usage for explicit requirements (simulations read the union of two plan versions' needs). */
export interface UsageWindowReader {
  readUsage(request: UsageWindowRequest): Promise<PeriodUsage>;
}

/**
 * Told, after each stream batch is applied (also a redelivered one), which
 * customers' usage it changed: threshold invoicing runs here. A failure fails
 * the batch, which is retried; the rollups apply it once either way.
 */
export interface UsageChangeListener {
  usageChanged(customerIds: readonly string[]): Promise<void>;
}

import type { UsageReader, UsageRequest } from '../billing/ports';
import { mapWithConcurrency } from '../../shared/map-with-concurrency';
import type { LedgerEntry } from '../../domain/ledger/ledger-entries';
import { describeUsageQuery } from '../../domain/ledger/summarize-usage';
import {
  answerFromRollup,
  AT_BUCKET_START_FIELD,
  groupByOutcome,
  recordedSpanOf,
  ROLLUP_BUCKET_MS,
  isRollupAligned,
  rollupBucketOf,
  rollupDayOf,
  ROLLUP_DAY_MS,
  type RollupAnswer,
  type RollupTotals,
} from '../../domain/ledger/usage-rollup';
import type { UsageBasis } from '../../domain/ledger/summarize-usage';
import type { MetricUsage, PeriodUsage } from '../../domain/rating/usage';
import type { UsageRequirement } from '../../domain/rating/usage-requirements';
import { dependsOnPinnedRule, isRollupAnswerable, metricUsageFromRollup } from '../../domain/rating/usage-from-rollup';
import { requirementsByLedgerMetric, usageWindowBounds, usageWindowOfPeriod, windowUsage } from '../../domain/rating/usage-window';
import type { LedgerDrain, RollupCell, RollupLedger, RollupProgress, RollupStore, UsageWindowReader, UsageWindowRequest } from './ports';

// Usage for rating through the rollups: sealed cells plus the raw tail of
// entries recorded since, per ledger metric. What cells cannot answer exactly
// (max, latest, unique counts, per-outcome values, a window not on a bucket
// boundary, a quiet window ending inside a bucket at the cutoff, or no
// rollups yet) is read by the raw scan, so the answer is always the scan's.

/**
 * How far before the seal the tail query starts: an adjustment's recordedAt
 * can precede its original's by the clock skew between two ingest calls,
 * and the tail must see such an adjustment with its original.
 */
export const TAIL_SKEW_MARGIN_MS = 5 * 60_000;

/** What the progress said when it was read. */
interface ProgressObservation {
  readonly sealedBeforeMs: number | undefined;
  readonly drain?: LedgerDrain;
}

/** The cells' seal for one question; with a second, tail-free one to use if the ledger is unchanged since the stream was drained. */
interface Seal {
  readonly sealedBeforeMs: number;
  /**
   * The cutoff is on a bucket boundary (inclusive) and the stream has applied
   * every entry of the bucket starting there: the tail is only what was
   * recorded at that very millisecond, which the bucket's cells count.
   */
  readonly atBucketStart?: boolean;
  readonly ifNothingWritten?: { readonly sealedBeforeMs: number; readonly startCheck: () => () => Promise<boolean> };
}

export interface RollupUsageReaderDeps {
  readonly rollups: Pick<RollupStore, 'readCells' | 'recordedDayCellsFromMs' | 'bucketStartCountsFromMs'>;
  readonly progress: RollupProgress;
  readonly ledger: RollupLedger;
  /** The raw scan, for what the cells cannot answer. */
  readonly raw: UsageWindowReader;
  /** Ledger metrics read at the same time. @default 4 */
  readonly concurrency?: number;
}

export class RollupUsageReader implements UsageReader, UsageWindowReader {
  constructor(private readonly deps: RollupUsageReaderDeps) {}

  readPeriodUsage(request: UsageRequest): Promise<PeriodUsage> {
    return this.readUsage(usageWindowOfPeriod(request));
  }

  /** Reads the progress now, for one read to come: an earlier observation only ever means more tail, never a wrong answer. */
  beginRead(): Pick<UsageReader, 'readPeriodUsage'> {
    const progress = this.readProgress();
    // Awaited by the read; only a failure nobody reads (the caller failed first) is silenced here.
    progress.catch(() => undefined);
    return { readPeriodUsage: (request) => this.readUsage(usageWindowOfPeriod(request), progress) };
  }

  async readUsage(request: UsageWindowRequest, progress?: Promise<ProgressObservation>): Promise<PeriodUsage> {
    const bounds = usageWindowBounds(request);
    const { fromMs, toMs, asOfMs } = bounds;
    // The seal before any cell: cells only grow, so cells read after it hold at least every entry it vouches for.
    const seal = await this.seal(fromMs, toMs, asOfMs, progress);
    if (seal === undefined) return this.deps.raw.readUsage(request);
    // A pinned metric's billable basis is read raw: its rule may differ from the one the cells sorted by.
    const answerable = (requirement: UsageRequirement) => isRollupAnswerable(requirement) && !dependsOnPinnedRule(requirement, request.pinned);
    const byMetric = requirementsByLedgerMetric(request.requirements.filter(answerable));
    const rawRequirements = request.requirements.filter((requirement) => !answerable(requirement));
    const answers = await this.answerMetrics(request.customerId, [...byMetric.keys()], { fromMs, toMs, asOfMs }, seal);
    const perMetric = [...byMetric.entries()].map(([metric, requirements], index) => {
      const answer = answers[index] as RollupAnswer;
      if (!answer.exact) {
        rawRequirements.push(...requirements);
        return [];
      }
      return requirements.map(
        (requirement): MetricUsage => ({
          ...metricUsageFromRollup(requirement, answer.totals[requirement.eligibility]),
          query: describeUsageQuery({ customerId: request.customerId, metric, fromMs, toMs, asOfMs, basis: requirement.eligibility }),
        }),
      );
    });
    const raw = rawRequirements.length > 0 ? (await this.deps.raw.readUsage({ ...request, requirements: rawRequirements })).metrics : [];
    const answered = [...perMetric.flat(), ...raw];
    // The order the requirements came in, as the raw scan answers.
    const position = (usage: MetricUsage) =>
      request.requirements.findIndex((requirement) => requirement.ledgerMetric === usage.ledgerMetric && requirement.eligibility === usage.eligibility);
    return windowUsage(request.customerId, bounds, answered.sort((left, right) => position(left) - position(right)));
  }

  /**
   * One customer × metric's totals per basis over an occurredAt window as of a
   * cutoff, from the cells and the tail; undefined where only the raw scan
   * answers exactly (a window off the bucket boundaries, no rollups yet, a
   * quiet window split at the cutoff). Renewal risk reads its usage this way.
   */
  async totals(request: { readonly customerId: string; readonly metric: string; readonly from: Date; readonly to: Date; readonly asOf: Date }): Promise<Record<UsageBasis, RollupTotals> | undefined> {
    const { fromMs, toMs, asOfMs } = usageWindowBounds(request);
    const seal = await this.seal(fromMs, toMs, asOfMs);
    if (seal === undefined) return undefined;
    const [answer] = await this.answerMetrics(request.customerId, [request.metric], { fromMs, toMs, asOfMs }, seal);
    return answer?.exact ? answer.totals : undefined;
  }

  /** Each metric's answer, in order: through the drained stream's cells when it is still drained, else through the seal and the tail. */
  private async answerMetrics(customerId: string, metrics: readonly string[], window: { fromMs: number; toMs: number; asOfMs: number }, seal: Seal): Promise<RollupAnswer[]> {
    const answerAll = (sealedBeforeMs: number) =>
      mapWithConcurrency(metrics, this.deps.concurrency ?? 4, (metric) =>
        this.answer({ customerId, metric, ...window, sealedBeforeMs, ...(seal.atBucketStart && sealedBeforeMs === seal.sealedBeforeMs ? { atBucketStart: true } : {}) }),
      );
    if (seal.ifNothingWritten !== undefined) {
      const nothingWritten = seal.ifNothingWritten.startCheck();
      const answers = await answerAll(seal.ifNothingWritten.sealedBeforeMs);
      // Answered after the cells were read: a write since the drained pass may or may not be in them, so they are not used then.
      if (await nothingWritten()) return answers;
    }
    return answerAll(seal.sealedBeforeMs);
  }

  /**
   * Where the cells end and the tail begins for this window, or undefined
   * when the cells cannot be used for it: the last bucket boundary the seal
   * allows at which every entry recorded before it was recorded by the
   * cutoff (inclusive). A cutoff a millisecond before a sealed boundary
   * (the end of a period) leaves no tail at all. Asked as of the local stream
   * reader's last drained pass or later, also a seal with no tail, to be used
   * if nothing has been written to the ledger since that pass: every entry in
   * the cells was then written, so recorded, before the cutoff, and they hold
   * every entry written so far.
   */
  private async seal(fromMs: number, toMs: number, asOfMs: number, observed?: Promise<ProgressObservation>): Promise<Seal | undefined> {
    if (!isRollupAligned(fromMs) || !isRollupAligned(toMs)) return undefined;
    const { drain, sealedBeforeMs: progress } = await (observed ?? this.readProgress());
    if (progress === undefined) return undefined;
    const sealedBeforeMs = Math.min(rollupBucketOf(asOfMs + 1), progress);
    if (progress > asOfMs && sealedBeforeMs === asOfMs) return { sealedBeforeMs, atBucketStart: true };
    if (drain === undefined || asOfMs < drain.drainedAtMs || sealedBeforeMs > asOfMs) return { sealedBeforeMs };
    // The next UTC midnight: past every cell, and whole recorded days are one cell each.
    return { sealedBeforeMs, ifNothingWritten: { sealedBeforeMs: rollupDayOf(asOfMs) + ROLLUP_DAY_MS, startCheck: () => drain.checkNothingWrittenSince() } };
  }

  /** The stream's progress: the local reader's last drained pass where there is one, else the seal alone. */
  private async readProgress(): Promise<ProgressObservation> {
    const drain = this.deps.progress.lastDrain ? await this.deps.progress.lastDrain() : undefined;
    return drain !== undefined ? { drain, sealedBeforeMs: drain.sealedBeforeMs } : { sealedBeforeMs: await this.deps.progress.sealedBeforeMs() };
  }

  /** One customer × metric from the cells and the tail; not exact only where a quiet window splits a bucket. */
  async answer(question: {
    readonly customerId: string;
    readonly metric: string;
    readonly fromMs: number;
    readonly toMs: number;
    readonly asOfMs: number;
    readonly sealedBeforeMs: number;
    /** The cutoff is the seal's own boundary and the bucket starting there is applied whole (see Seal). */
    readonly atBucketStart?: boolean;
  }): Promise<RollupAnswer> {
    const { customerId, metric, fromMs, toMs, asOfMs, sealedBeforeMs } = question;
    const cellQuery = { customerId, metric, fromMs, toMs };
    // The tail is what was recorded at the cutoff's very millisecond: the cells of the bucket starting there say whether anything was.
    const bucketStartsCounted = question.atBucketStart === true && (await this.bucketStartsCounted(sealedBeforeMs));
    // Whole days from day cells; quarter hours only on the window's edge days.
    const firstWholeDay = Math.ceil(fromMs / ROLLUP_DAY_MS) * ROLLUP_DAY_MS;
    const endWholeDays = rollupDayOf(toMs);
    const edges = firstWholeDay < endWholeDays ? [[fromMs, firstWholeDay], [endWholeDays, toMs]] : [[fromMs, toMs]];
    const wholeDays = { ...cellQuery, fromMs: firstWholeDay, toMs: endWholeDays, daily: true };
    // Days recorded before the seal's day by recordedAt day (a cell or two per day of the window, however
    // many outcomes), the seal's day by quarter hour; unless the window's cells predate the recorded-day ones.
    const recordedDaysBeforeMs = firstWholeDay < endWholeDays && (await this.recordedDaysComplete(firstWholeDay)) ? rollupDayOf(sealedBeforeMs) : undefined;
    const recordedUntilMs = bucketStartsCounted ? sealedBeforeMs + ROLLUP_BUCKET_MS : sealedBeforeMs;
    const tailQuery = { customerId, metric, fromMs, toMs, asOfMs, sealedBeforeMs };
    const tailRead = bucketStartsCounted ? undefined : this.tailOutcomes(tailQuery);
    // Awaited below; only a failure left unread because a cell read failed first is silenced here.
    tailRead?.catch(() => undefined);
    const [days, edgeQuarters] = await Promise.all([
      firstWholeDay >= endWholeDays
        ? []
        : recordedDaysBeforeMs === undefined
          ? this.deps.rollups.readCells(wholeDays)
          : Promise.all([
              this.deps.rollups.readCells({ ...wholeDays, byRecordedDay: true }),
              this.deps.rollups.readCells({ ...wholeDays, recorded: { fromMs: recordedDaysBeforeMs, toMs: recordedUntilMs } }),
            ]).then((parts) => parts.flat()),
      Promise.all(edges.filter(([from, to]) => (from as number) < (to as number)).map(([from, to]) => this.deps.rollups.readCells({ ...cellQuery, fromMs: from as number, toMs: to as number }))),
    ]);
    const cells = [...days, ...edgeQuarters.flat()];
    const tailOutcomes = bucketStartsCounted && entriesAtBucketStart(cells, sealedBeforeMs) === 0n ? [] : await (tailRead ?? this.tailOutcomes(tailQuery));
    const answer = answerFromRollup(
      { fromMs, toMs, asOfMs, sealedBeforeMs, useDailyCells: true, ...(recordedDaysBeforeMs === undefined ? {} : { recordedDaysBeforeMs }) },
      cells,
      tailOutcomes,
    );
    if (answer.exact) return answer;
    // A quiet window ends inside a day at the cutoff: quarter hours may still split it.
    const quarters = await this.deps.rollups.readCells(cellQuery);
    return answerFromRollup({ fromMs, toMs, asOfMs, sealedBeforeMs, useDailyCells: false }, quarters, tailOutcomes);
  }

  /** Whether every cell of the bucket starting at `bucketMs` counts its entries recorded at that millisecond. */
  private async bucketStartsCounted(bucketMs: number): Promise<boolean> {
    const from = this.deps.rollups.bucketStartCountsFromMs ? await this.deps.rollups.bucketStartCountsFromMs() : undefined;
    return from !== undefined && from <= bucketMs;
  }

  /**
   * Whether the recorded-day cells hold every entry of the cell partitions
   * (UTC months of occurredAt) from the one of `fromMs` on: their entries
   * were recorded at most a day before the month began (the ledger refuses
   * occurredAt more than minutes ahead of its clock).
   */
  private async recordedDaysComplete(fromMs: number): Promise<boolean> {
    const from = await this.deps.rollups.recordedDayCellsFromMs();
    const start = new Date(fromMs);
    return from !== undefined && from <= Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), 1) - ROLLUP_DAY_MS;
  }

  /** Every outcome with an entry recorded in [sealedBeforeMs, asOfMs], with all its entries recorded up to asOfMs. */
  private async tailOutcomes(query: {
    readonly customerId: string;
    readonly metric: string;
    readonly fromMs: number;
    readonly toMs: number;
    readonly asOfMs: number;
    readonly sealedBeforeMs: number;
  }): Promise<(readonly LedgerEntry[])[]> {
    const { sealedBeforeMs, asOfMs } = query;
    // Sealed past the cutoff: every entry recorded by then is in the cells.
    if (sealedBeforeMs > asOfMs) return [];
    const tail = await this.readTail({ ...query, recordedFromMs: sealedBeforeMs - TAIL_SKEW_MARGIN_MS });
    const touched = [...groupByOutcome(tail).values()].filter((entries) => entries.some((entry) => entry.recordedAtMs >= sealedBeforeMs));
    return mapWithConcurrency(touched, 8, async (entries): Promise<readonly LedgerEntry[]> => {
      if (entries.some((entry) => entry.kind === 'recorded')) return entries;
      // An adjustment of an outcome recorded before the tail: its other entries come from the outcome itself.
      const all = await this.deps.ledger.getOutcomeEntries(entries[0]?.outcomeId ?? '');
      return all.filter((entry) => entry.recordedAtMs <= asOfMs);
    });
  }

  private async readTail(query: {
    customerId: string;
    metric: string;
    fromMs: number;
    toMs: number;
    asOfMs: number;
    recordedFromMs: number;
  }): Promise<LedgerEntry[]> {
    if (query.recordedFromMs > query.asOfMs) return [];
    const entries: LedgerEntry[] = [];
    for await (const page of this.deps.ledger.streamUsageEntries(query)) entries.push(...page);
    return entries;
  }
}

/** Entries of the cells recorded at exactly `bucketMs`, a bucket start (quarter-hour recorded cells only: a recorded-day cell's count is of every quarter hour of its day). */
function entriesAtBucketStart(cells: readonly RollupCell[], bucketMs: number): bigint {
  let count = 0n;
  for (const cell of cells) {
    if (cell.key.recordedBucketMs === bucketMs && recordedSpanOf(cell.key) === ROLLUP_BUCKET_MS) count += cell.fields.get(AT_BUCKET_START_FIELD) ?? 0n;
  }
  return count;
}

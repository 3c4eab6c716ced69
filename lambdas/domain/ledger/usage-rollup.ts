import type { BillableRule } from './catalog';
import { toFixed12 } from './ledger-decimal';
import type { LedgerEntry, RecordedEntry } from './ledger-entries';
import { netOutcomes, type NetOutcome } from './net-outcomes';
import type { UsageBasis } from './summarize-usage';

// Incremental usage: the ledger folded into additive cells, one per
// customer × metric × occurredAt bucket × recordedAt bucket, so usage "as of"
// any cutoff is the sum of the cells recorded before the cutoff's bucket plus
// the few raw entries recorded since (the tail).
//
// Why this is exact. An outcome's entries add to the cells the changes they
// make to its contribution in one fixed order (its timeline): by effective
// time max(entry.recordedAt, original.recordedAt), then the original first,
// then recordedAt, then the entry's key. Summing these changes over the
// entries recorded before any instant S telescopes to the contribution of
// exactly the entries recorded before S, which is what a full scan nets. An
// adjustment recorded (by a skewed clock) before its original takes effect
// with the original, as the full scan would count it. Entries may be written
// in another order than their recordedAt: each one applied moves the
// outcome's cells from the timeline without it to the timeline with it.
//
// Only figures that can be taken back exactly are kept: counts, sums of
// quantity and sums of value per currency, per basis. Max, latest, unique
// counts and per-outcome values cannot be decremented when an outcome is
// reversed or corrected, so those are answered by the raw scan.

/** Width of both bucket kinds. Every time zone offset in use is a multiple of 15 minutes, so every local period boundary is a bucket boundary. */
export const ROLLUP_BUCKET_MS = 15 * 60_000;
const HOUR_MS = 3_600_000;

/** Every change is also kept per UTC day of occurredAt, so a period reads about 30 day cells plus the quarter hours of its two edge days. */
export const ROLLUP_DAY_MS = 86_400_000;

export function rollupDayOf(epochMs: number): number {
  return Math.floor(epochMs / ROLLUP_DAY_MS) * ROLLUP_DAY_MS; // exact: epoch milliseconds are safe integers, the bucket is a whole number of them
}

export function rollupBucketOf(epochMs: number): number {
  return Math.floor(epochMs / ROLLUP_BUCKET_MS) * ROLLUP_BUCKET_MS; // exact: epoch milliseconds are safe integers, the bucket is a whole number of them
}

export function isRollupAligned(epochMs: number): boolean {
  return epochMs % ROLLUP_BUCKET_MS === 0;
}

export interface RollupCellKey {
  readonly customerId: string;
  readonly metric: string;
  /** Start of the occurredAt bucket, epoch ms (UTC, 15-minute aligned). */
  readonly occurredBucketMs: number;
  /** Width of the occurredAt bucket: 15 minutes (absent) or a UTC day (ROLLUP_DAY_MS). */
  readonly occurredSpanMs?: number;
  /** Start of the bucket of the entry's effective recordedAt, epoch ms. */
  readonly recordedBucketMs: number;
  /** Width of the recordedAt bucket: 15 minutes (absent) or a UTC day (ROLLUP_DAY_MS, only with an occurredAt day). */
  readonly recordedSpanMs?: number;
}

export function rollupCellId(key: RollupCellKey): string {
  return `${key.customerId}\u0000${key.metric}\u0000${key.occurredBucketMs}\u0000${spanOf(key)}\u0000${key.recordedBucketMs}\u0000${recordedSpanOf(key)}`;
}

export function spanOf(key: RollupCellKey): number {
  return key.occurredSpanMs ?? ROLLUP_BUCKET_MS;
}

export function recordedSpanOf(key: RollupCellKey): number {
  return key.recordedSpanMs ?? ROLLUP_BUCKET_MS;
}

/** Whether every entry a cell holds was recorded before `beforeMs` (a bucket boundary). */
export function isRecordedBefore(key: RollupCellKey, beforeMs: number): boolean {
  return key.recordedBucketMs + recordedSpanOf(key) <= beforeMs;
}

/**
 * The quarter-hour cells given, and each one's change added to its occurredAt
 * day's cell and to its occurredAt day × recordedAt day cell too. The
 * recorded-day cells are what keeps a period's read small whatever the
 * number of outcomes: a day of occurredAt recorded over a day is one cell,
 * not one per quarter hour it was recorded in.
 */
export function withDailyCells(cells: readonly RollupDelta[]): RollupDelta[] {
  const quarters = cells.filter((cell) => spanOf(cell.key) === ROLLUP_BUCKET_MS && recordedSpanOf(cell.key) === ROLLUP_BUCKET_MS);
  const days = quarters.map((cell) => ({
    key: { ...cell.key, occurredBucketMs: rollupDayOf(cell.key.occurredBucketMs), occurredSpanMs: ROLLUP_DAY_MS },
    fields: new Map(cell.fields),
  }));
  const recordedDays = days.map((cell) => ({
    key: { ...cell.key, recordedBucketMs: rollupDayOf(cell.key.recordedBucketMs), recordedSpanMs: ROLLUP_DAY_MS },
    fields: new Map(cell.fields),
  }));
  return sumDeltasByCell([...quarters, ...days, ...recordedDays]).filter((cell) => cell.fields.size > 0);
}

/**
 * Additive figures, field name -> integer. Field names are `<part>.<measure>`:
 * parts `a` (all), `v` (verified), `b` (billable whatever the cutoff:
 * immediately-billable outcomes, and verified ones of metrics billable once
 * verified), `w<hours>` (all figures of outcomes billable <hours> after they
 * occurred; billable once the cutoff has passed that); measures `n` (count),
 * `q` (sum of quantity, 12-decimal fixed point), `n:<CUR>` (count of outcomes
 * valued in CUR), `s:<CUR>` (sum of values in CUR, 12-decimal fixed point).
 * `r0.n` (AT_BUCKET_START_FIELD) counts entries, not usage. Zero fields are left out.
 */
export type RollupFields = Map<string, bigint>;

/**
 * Entries whose (effective) recordedAt is the very first millisecond of
 * their cell's recorded bucket. A cutoff on a bucket boundary is inclusive,
 * so only these entries of the bucket starting there count as of it: when a
 * sealed bucket's cells have none, the cells before it answer exactly, with
 * no raw tail. Not a usage figure: no part reads it.
 */
export const AT_BUCKET_START_FIELD = 'r0.n';

export function addFields(target: RollupFields, source: ReadonlyMap<string, bigint>, sign: 1n | -1n = 1n): RollupFields {
  for (const [field, amount] of source) {
    const next = (target.get(field) ?? 0n) + sign * amount;
    if (next === 0n) target.delete(field);
    else target.set(field, next);
  }
  return target;
}

function addPart(target: RollupFields, part: string, outcome: NetOutcome): void {
  addFields(target, new Map([[`${part}.n`, 1n], [`${part}.q`, toFixed12(outcome.quantity)]]));
  if (outcome.value !== undefined) {
    addFields(target, new Map([[`${part}.n:${outcome.value.currency}`, 1n], [`${part}.s:${outcome.value.currency}`, toFixed12(outcome.value.amount)]]));
  }
}

/** The cutoff-independent part an outcome counts in, by the rule it was recorded under. */
function billablePart(rule: BillableRule, verified: boolean): string | undefined {
  switch (rule.when) {
    case 'immediately':
      return 'b';
    case 'verified':
      return verified ? 'b' : undefined;
    case 'quiet-window':
      return `w${rule.hours}`;
    default: {
      const unknown: never = rule;
      throw new TypeError(`unknown billable rule ${JSON.stringify(unknown)}`);
    }
  }
}

/** What one outcome's entries (any subset, the original among them or not) add to usage. */
export function outcomeContribution(entries: readonly LedgerEntry[]): RollupFields {
  const fields: RollupFields = new Map();
  const original = entries.find((entry): entry is RecordedEntry => entry.kind === 'recorded');
  if (original === undefined) return fields;
  const [net] = netOutcomes(entries, { asOfMs: Number.POSITIVE_INFINITY, withAttributes: false });
  if (net === undefined) return fields;
  addPart(fields, 'a', net);
  if (net.verified) addPart(fields, 'v', net);
  // A held outcome is in no billable part: cells and the raw scan agree because both net through netOutcomes.
  const part = net.held ? undefined : billablePart(original.billableRule, net.verified);
  if (part !== undefined) addPart(fields, part, net);
  return fields;
}

function entryKey(entry: LedgerEntry): string {
  if (entry.kind === 'corrected') return `C#${entry.correctionId}`;
  if (entry.kind === 'disputed' || entry.kind === 'dispute-resolved') return `${entry.kind}#${entry.sequence}`;
  return entry.kind;
}

function compareInRollupOrder(originalRecordedAtMs: number) {
  const effective = (entry: LedgerEntry) => Math.max(entry.recordedAtMs, originalRecordedAtMs);
  return (left: LedgerEntry, right: LedgerEntry): number => {
    const byEffective = effective(left) - effective(right);
    if (byEffective !== 0) return byEffective;
    const leftOriginal = left.kind === 'recorded' ? 0 : 1;
    const rightOriginal = right.kind === 'recorded' ? 0 : 1;
    if (leftOriginal !== rightOriginal) return leftOriginal - rightOriginal;
    if (left.recordedAtMs !== right.recordedAtMs) return left.recordedAtMs - right.recordedAtMs;
    const leftKey = entryKey(left);
    const rightKey = entryKey(right);
    return leftKey < rightKey ? -1 : leftKey > rightKey ? 1 : 0;
  };
}

export interface RollupDelta {
  readonly key: RollupCellKey;
  readonly fields: RollupFields;
}

/** The key that tells an outcome's entries apart (the ledger's sort key). */
export function ledgerEntryKey(entry: LedgerEntry): string {
  return entryKey(entry);
}

/**
 * What a set of one outcome's entries adds to usage, spread over the cells of
 * each entry's effective recordedAt: entry by entry in rollup order, the
 * change it makes to the outcome's contribution. Nothing without the original.
 */
export function rollupTimeline(entries: readonly LedgerEntry[]): RollupDelta[] {
  const original = entries.find((candidate): candidate is RecordedEntry => candidate.kind === 'recorded');
  if (original === undefined) return [];
  const ordered = [...entries].sort(compareInRollupOrder(original.recordedAtMs));
  const deltas: RollupDelta[] = [];
  let previous: RollupFields = new Map();
  for (let index = 0; index < ordered.length; index += 1) {
    const entry = ordered[index] as LedgerEntry;
    const current = outcomeContribution(ordered.slice(0, index + 1));
    const effectiveMs = Math.max(entry.recordedAtMs, original.recordedAtMs);
    const fields = addFields(new Map(current), previous, -1n);
    if (isRollupAligned(effectiveMs)) addFields(fields, new Map([[AT_BUCKET_START_FIELD, 1n]]));
    deltas.push({ key: cellKeyOf(entry, effectiveMs), fields });
    previous = current;
  }
  return sumDeltasByCell(deltas).filter((cell) => cell.fields.size > 0);
}

/**
 * The cell changes one entry makes, given the entries of its outcome already
 * applied (in the stream, an outcome's entries arrive in the order they were
 * written, the original first). The result moves the outcome's cells from
 * the timeline of `applied` to that of `applied` + `entry`, so however the
 * entries' recordedAt order differs from their write order, the cells end as
 * the timeline of every entry. An original with nothing applied needs no read.
 */
export function rollupChangeOf(applied: readonly LedgerEntry[], entry: LedgerEntry): RollupDelta[] {
  if (applied.some((candidate) => entryKey(candidate) === entryKey(entry))) return [];
  if (applied.length === 0) return rollupTimeline([entry]);
  const negated = rollupTimeline(applied).map((cell) => ({ key: cell.key, fields: addFields(new Map(), cell.fields, -1n) }));
  return sumDeltasByCell([...rollupTimeline([...applied, entry]), ...negated]).filter((cell) => cell.fields.size > 0);
}

function cellKeyOf(entry: LedgerEntry, effectiveRecordedAtMs: number): RollupCellKey {
  return {
    customerId: entry.customerId,
    metric: entry.metric,
    occurredBucketMs: rollupBucketOf(entry.occurredAtMs),
    recordedBucketMs: rollupBucketOf(effectiveRecordedAtMs),
  };
}

/** Deltas of many entries summed per cell (one write per cell). */
export function sumDeltasByCell(deltas: Iterable<RollupDelta>): RollupDelta[] {
  const byCell = new Map<string, { key: RollupCellKey; fields: RollupFields }>();
  for (const delta of deltas) {
    const id = rollupCellId(delta.key);
    const cell = byCell.get(id);
    if (cell) addFields(cell.fields, delta.fields);
    else byCell.set(id, { key: delta.key, fields: new Map(delta.fields) });
  }
  return [...byCell.values()];
}

/**
 * Every cell the given entries make, from scratch: what the stream would
 * have written for them. Entries of all outcomes of the window, complete
 * (the usage partition holds an outcome and all its adjustments).
 */
export function rollupCellsOf(entries: readonly LedgerEntry[]): RollupDelta[] {
  const deltas: RollupDelta[] = [];
  for (const outcomeEntries of groupByOutcome(entries).values()) deltas.push(...rollupTimeline(outcomeEntries));
  return sumDeltasByCell(deltas).filter((cell) => cell.fields.size > 0);
}

export function groupByOutcome(entries: Iterable<LedgerEntry>): Map<string, LedgerEntry[]> {
  const byOutcome = new Map<string, LedgerEntry[]>();
  for (const entry of entries) {
    const list = byOutcome.get(entry.outcomeId);
    if (list) list.push(entry);
    else byOutcome.set(entry.outcomeId, [entry]);
  }
  return byOutcome;
}

/** The figures of one basis: counts, sum of quantity and sums of value per currency (12-decimal fixed point). */
export interface RollupTotals {
  readonly count: bigint;
  readonly quantity: bigint;
  /** currency -> { count of valued outcomes, sum } (only currencies with a counted outcome). */
  readonly values: ReadonlyMap<string, { readonly count: bigint; readonly amount: bigint }>;
}

export type RollupAnswer =
  | { readonly exact: true; readonly totals: Record<UsageBasis, RollupTotals> }
  /** A quiet window ends inside an occurredAt bucket at the cutoff: only the raw scan can split that bucket. */
  | { readonly exact: false; readonly reason: string };

export interface RollupQuestion {
  /** occurredAt window [fromMs, toMs), bucket-aligned. */
  readonly fromMs: number;
  readonly toMs: number;
  /** recordedAt cutoff, inclusive. */
  readonly asOfMs: number;
  /** Cells cover entries recorded before this bucket boundary; the tail covers [sealedBeforeMs, asOfMs]. */
  readonly sealedBeforeMs: number;
  /** Use day cells for the days wholly inside the window (else quarter hours everywhere). */
  readonly useDailyCells: boolean;
  /**
   * A UTC day boundary at or before sealedBeforeMs: with day cells, those
   * recorded before it are taken by recordedAt day, and only those recorded
   * in [recordedDaysBeforeMs, sealedBeforeMs) by quarter hour. Absent: every
   * day cell by quarter hour of recordedAt.
   */
  readonly recordedDaysBeforeMs?: number;
}

/**
 * Which cells answer a window: day cells for its whole days (when used),
 * quarter hours elsewhere; of day cells, those recorded on days before
 * recordedDaysBeforeMs by day and later ones by quarter hour; and only
 * cells recorded before the seal.
 */
function answersWindow(key: RollupCellKey, question: RollupQuestion): boolean {
  const start = key.occurredBucketMs;
  const span = spanOf(key);
  if (start < question.fromMs || start + span > question.toMs) return false;
  if (!isRecordedBefore(key, question.sealedBeforeMs)) return false;
  const day = rollupDayOf(start);
  const wholeDay = question.useDailyCells && day >= question.fromMs && day + ROLLUP_DAY_MS <= question.toMs;
  if (span !== ROLLUP_DAY_MS) return !wholeDay && recordedSpanOf(key) === ROLLUP_BUCKET_MS;
  if (!wholeDay) return false;
  const byRecordedDay = recordedSpanOf(key) === ROLLUP_DAY_MS;
  const recordedDaysBefore = question.recordedDaysBeforeMs;
  if (recordedDaysBefore === undefined) return !byRecordedDay;
  return byRecordedDay ? isRecordedBefore(key, recordedDaysBefore) : key.recordedBucketMs >= recordedDaysBefore;
}

/**
 * Usage as of the cutoff from sealed cells plus the raw tail. `cells` are
 * those with occurredAt bucket in the window and recordedAt bucket before
 * sealedBeforeMs; `tailOutcomes` are, for each outcome with an entry
 * recorded in [sealedBeforeMs, asOfMs], every entry of it recorded up to
 * asOfMs (older ones included, so the change since the seal is exact).
 */
export function answerFromRollup(
  question: RollupQuestion,
  cells: readonly RollupDelta[],
  tailOutcomes: Iterable<readonly LedgerEntry[]>,
): RollupAnswer {
  const { fromMs, toMs, asOfMs, sealedBeforeMs, recordedDaysBeforeMs } = question;
  if (!isRollupAligned(fromMs) || !isRollupAligned(toMs) || !isRollupAligned(sealedBeforeMs)) {
    throw new RangeError(`rollup windows are ${ROLLUP_BUCKET_MS / 60_000}-minute aligned: ${fromMs}..${toMs} sealed ${sealedBeforeMs}`);
  }
  if (recordedDaysBeforeMs !== undefined && (recordedDaysBeforeMs % ROLLUP_DAY_MS !== 0 || recordedDaysBeforeMs > sealedBeforeMs)) {
    throw new RangeError(`recorded days end on a UTC day boundary at or before the seal: ${recordedDaysBeforeMs} sealed ${sealedBeforeMs}`);
  }
  const fixed: RollupFields = new Map();
  const billable: RollupFields = new Map();
  for (const cell of cells) {
    const occurred = cell.key.occurredBucketMs;
    const span = spanOf(cell.key);
    if (!answersWindow(cell.key, question)) continue;
    for (const [field, amount] of cell.fields) {
      const quiet = quietHoursOf(field);
      if (quiet === undefined) {
        addFields(fixed, new Map([[field, amount]]));
        continue;
      }
      const firstBillable = occurred + quiet * HOUR_MS;
      const lastBillable = occurred + span - 1 + quiet * HOUR_MS;
      if (lastBillable <= asOfMs) addFields(billable, new Map([[measureOf(field), amount]]));
      else if (firstBillable <= asOfMs) {
        return { exact: false, reason: `a ${quiet} h quiet window ends inside the occurredAt bucket at ${new Date(occurred).toISOString()}` };
      }
    }
  }
  for (const entries of tailOutcomes) {
    const original = entries.find((entry) => entry.kind === 'recorded');
    if (original === undefined || original.occurredAtMs < fromMs || original.occurredAtMs >= toMs) continue;
    const now = outcomeContribution(entries.filter((entry) => entry.recordedAtMs <= asOfMs));
    const sealed = outcomeContribution(entries.filter((entry) => entry.recordedAtMs < sealedBeforeMs));
    for (const [field, amount] of addFields(now, sealed, -1n)) {
      const quiet = quietHoursOf(field);
      if (quiet === undefined) addFields(fixed, new Map([[field, amount]]));
      else if (original.occurredAtMs + quiet * HOUR_MS <= asOfMs) addFields(billable, new Map([[measureOf(field), amount]]));
    }
  }
  return {
    exact: true,
    totals: {
      all: totalsOf(fixed, 'a'),
      verified: totalsOf(fixed, 'v'),
      billable: sumTotals(totalsOf(fixed, 'b'), totalsOf(billable, undefined)),
    },
  };
}

function quietHoursOf(field: string): number | undefined {
  if (!field.startsWith('w')) return undefined;
  return Number(field.slice(1, field.indexOf('.'))); // exact: a whole number of hours written by this module
}

function measureOf(field: string): string {
  return field.slice(field.indexOf('.') + 1);
}

function totalsOf(fields: ReadonlyMap<string, bigint>, part: string | undefined): RollupTotals {
  const prefix = part === undefined ? '' : `${part}.`;
  const at = (measure: string) => fields.get(prefix + measure) ?? 0n;
  const values = new Map<string, { count: bigint; amount: bigint }>();
  for (const field of fields.keys()) {
    if (!field.startsWith(`${prefix}n:`)) continue;
    const currency = field.slice(prefix.length + 2);
    const count = at(`n:${currency}`);
    if (count !== 0n) values.set(currency, { count, amount: at(`s:${currency}`) });
  }
  return { count: at('n'), quantity: at('q'), values };
}

function sumTotals(left: RollupTotals, right: RollupTotals): RollupTotals {
  const values = new Map(left.values);
  for (const [currency, value] of right.values) {
    const current = values.get(currency);
    const next = { count: (current?.count ?? 0n) + value.count, amount: (current?.amount ?? 0n) + value.amount };
    if (next.count === 0n) values.delete(currency);
    else values.set(currency, next);
  }
  return { count: left.count + right.count, quantity: left.quantity + right.quantity, values };
}

/** Aggregations the cells answer exactly (per basis); everything else is read raw. See docs/rollups.md. */
export const ROLLUP_AGGREGATIONS = ['count', 'sum_quantity', 'sum_value'] as const;

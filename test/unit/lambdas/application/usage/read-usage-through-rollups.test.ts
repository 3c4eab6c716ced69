// The usage read through the rollups equals the raw scan, figure for figure,
// also for contracts that pin a definition version whose billable rule
// differs from the rule recorded on the outcomes: the cells sort outcomes by
// the recorded rule, so a pinned metric's billable basis must come from the
// raw scan, and the answer must still be exact.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LedgerUsageReader } from '../../../../../lambdas/adapters/dynamodb/ledger-usage-reader';
import type { UsageEntriesQuery } from '../../../../../lambdas/application/ports';
import type { RollupCellQuery } from '../../../../../lambdas/application/usage/ports';
import { RollupUsageReader } from '../../../../../lambdas/application/usage/read-usage-through-rollups';
import type { BillableRule } from '../../../../../lambdas/domain/ledger/catalog';
import type { PinnedDefinitions } from '../../../../../lambdas/domain/ledger/governing-definition';
import type { LedgerEntry, RecordedEntry } from '../../../../../lambdas/domain/ledger/ledger-entries';
import { groupByOutcome, rollupBucketOf, rollupChangeOf, spanOf, sumDeltasByCell, withDailyCells, ROLLUP_BUCKET_MS, type RollupDelta } from '../../../../../lambdas/domain/ledger/usage-rollup';
import type { UsageRequirement } from '../../../../../lambdas/domain/rating/usage-requirements';

const FROM = Date.parse('2026-11-01T00:00:00Z');
const TO = FROM + 2 * 86_400_000;
const HOUR = 3_600_000;

/** Each version's billable rule, as the catalog defines it and ingest copies it onto outcomes. */
const RULES: Readonly<Record<number, BillableRule>> = {
  1: { when: 'immediately' },
  2: { when: 'verified' },
  3: { when: 'quiet-window', hours: 24 },
};
const DISPUTE = { windowDays: 30, whileOpen: 'bill' as const };

interface OutcomePlan {
  readonly occurredOffset: number;
  readonly recordedDelay: number;
  readonly version: 1 | 2 | 3;
  readonly quantity: number;
  readonly verifiedAfter: number | undefined;
  readonly reversedAfter: number | undefined;
  readonly heldAfter: number | undefined;
}

const outcomeArb: fc.Arbitrary<OutcomePlan> = fc.record({
  occurredOffset: fc.integer({ min: 0, max: TO - FROM - 1 }),
  recordedDelay: fc.integer({ min: 0, max: 3 * HOUR }),
  version: fc.constantFrom(1 as const, 2 as const, 3 as const),
  quantity: fc.integer({ min: 1, max: 9 }),
  verifiedAfter: fc.option(fc.integer({ min: 0, max: 30 * HOUR }), { nil: undefined }),
  reversedAfter: fc.option(fc.integer({ min: 0, max: 30 * HOUR }), { freq: 5, nil: undefined }),
  heldAfter: fc.option(fc.integer({ min: 0, max: 30 * HOUR }), { freq: 5, nil: undefined }),
});

function historyOf(plans: readonly OutcomePlan[]): LedgerEntry[] {
  return plans.flatMap((plan, index): LedgerEntry[] => {
    const occurredAtMs = FROM + plan.occurredOffset;
    const base = { outcomeId: `o-${index}`, customerId: 'acme', metric: 'm', occurredAtMs };
    const original: RecordedEntry = {
      ...base,
      kind: 'recorded',
      recordedAtMs: occurredAtMs + plan.recordedDelay,
      quantity: String(plan.quantity),
      value: undefined,
      attributesJson: undefined,
      billableRule: RULES[plan.version] as BillableRule,
      definitionVersion: plan.version === 1 ? undefined : plan.version,
      attributed: true,
    };
    const after = (delay: number) => original.recordedAtMs + delay;
    return [
      original,
      ...(plan.verifiedAfter !== undefined ? [{ ...base, kind: 'verified' as const, recordedAtMs: after(plan.verifiedAfter), verifiedAtMs: undefined }] : []),
      ...(plan.reversedAfter !== undefined ? [{ ...base, kind: 'reversed' as const, recordedAtMs: after(plan.reversedAfter), reason: 'r' }] : []),
      ...(plan.heldAfter !== undefined
        ? [{ ...base, kind: 'disputed' as const, recordedAtMs: after(plan.heldAfter), sequence: 1, disputeId: 'd', reason: 'r', raisedBy: 'x', hold: true }]
        : []),
    ];
  });
}

/** The cells the stream writes: each outcome's entries applied in the order they were recorded. */
function cellsOf(entries: readonly LedgerEntry[]): RollupDelta[] {
  const deltas: RollupDelta[] = [];
  for (const list of groupByOutcome(entries).values()) {
    const ordered = [...list].sort((a, b) => (a.kind === 'recorded' ? -1 : b.kind === 'recorded' ? 1 : a.recordedAtMs - b.recordedAtMs));
    ordered.forEach((entry, index) => deltas.push(...rollupChangeOf(ordered.slice(0, index), entry)));
  }
  return withDailyCells(sumDeltasByCell(deltas));
}

/** The ledger's usage reads over `entries`; `tailReads` counts the raw-tail queries (those with a recordedAt lower bound). */
function fakeLedger(entries: readonly LedgerEntry[]) {
  return {
    tailReads: 0,
    async *streamUsageEntries(query: UsageEntriesQuery): AsyncIterable<readonly LedgerEntry[]> {
      if (query.recordedFromMs !== undefined) this.tailReads += 1;
      yield entries.filter(
        (entry) =>
          entry.customerId === query.customerId &&
          entry.metric === query.metric &&
          entry.occurredAtMs >= query.fromMs &&
          entry.occurredAtMs < query.toMs &&
          entry.recordedAtMs <= query.asOfMs &&
          entry.recordedAtMs >= (query.recordedFromMs ?? Number.NEGATIVE_INFINITY),
      );
    },
    getOutcomeEntries: async (outcomeId: string) => entries.filter((entry) => entry.outcomeId === outcomeId),
  };
}

/** The cells a query asks for: day or quarter-hour cells of its occurredAt range (no recorded-day cells: the reader reads day cells whole). */
function cellsFor(cells: readonly RollupDelta[], query: RollupCellQuery) {
  return cells
    .filter((cell) => spanOf(cell.key) === (query.daily ? 86_400_000 : ROLLUP_BUCKET_MS))
    .filter((cell) => cell.key.occurredBucketMs >= query.fromMs && cell.key.occurredBucketMs < query.toMs)
    .map((cell) => ({ key: cell.key, fields: cell.fields }));
}

const requirement = (eligibility: UsageRequirement['eligibility']): UsageRequirement => ({
  ledgerMetric: 'm',
  eligibility,
  needsValue: false,
  needsMax: false,
  needsLatest: false,
  uniqueAttributes: [],
  needsOutcomeValues: false,
});

/** What the contract is billed for, worked out outcome by outcome without the engine's netting. */
function expectedBillable(plans: readonly OutcomePlan[], pinnedVersion: number | undefined, asOfMs: number): { count: number; quantity: number } {
  let count = 0;
  let quantity = 0;
  for (const plan of plans) {
    const occurredAtMs = FROM + plan.occurredOffset;
    const recordedAtMs = occurredAtMs + plan.recordedDelay;
    const by = (delay: number | undefined) => delay !== undefined && recordedAtMs + delay <= asOfMs;
    if (recordedAtMs > asOfMs || by(plan.reversedAfter) || by(plan.heldAfter)) continue;
    const rule = RULES[pinnedVersion ?? plan.version] as BillableRule;
    const billable = rule.when === 'immediately' || (rule.when === 'verified' ? by(plan.verifiedAfter) : occurredAtMs + rule.hours * HOUR <= asOfMs);
    if (billable) {
      count += 1;
      quantity += plan.quantity;
    }
  }
  return { count, quantity };
}

describe('usage through the rollups for contracts that pin a definition version', () => {
  it('equals the raw scan on every basis, and bills by the pinned rule, whatever rule the outcomes recorded', async () => {
    let pinnedRuns = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(outcomeArb, { maxLength: 25 }),
        fc.option(fc.constantFrom(1, 2, 3), { nil: undefined }),
        fc.integer({ min: 0, max: TO - FROM + 40 * HOUR }),
        fc.integer({ min: 0, max: 8 }),
        async (plans, pinnedVersion, asOfOffset, sealLagBuckets) => {
          const entries = historyOf(plans);
          const cells = cellsOf(entries);
          const asOfMs = FROM + asOfOffset;
          const sealedBeforeMs = rollupBucketOf(asOfMs) - sealLagBuckets * ROLLUP_BUCKET_MS;
          const ledger = fakeLedger(entries);
          const raw = new LedgerUsageReader({ ledger });
          const rollups = new RollupUsageReader({
            rollups: {
              readCells: async (query: RollupCellQuery) => cellsFor(cells, query),
              // Cells by occurred bucket only (no recorded-day cells): the reader's full read.
              recordedDayCellsFromMs: async () => undefined,
            },
            progress: { sealedBeforeMs: async () => sealedBeforeMs },
            ledger,
            raw,
          });
          const pinned: PinnedDefinitions | undefined =
            pinnedVersion === undefined ? undefined : { m: { version: pinnedVersion, billable: RULES[pinnedVersion] as BillableRule, dispute: DISPUTE } };
          if (pinned !== undefined) pinnedRuns += 1;
          const request = {
            customerId: 'acme',
            requirements: [requirement('billable'), requirement('all'), requirement('verified')],
            from: new Date(FROM).toISOString(),
            to: new Date(TO).toISOString(),
            asOf: new Date(asOfMs).toISOString(),
            ...(pinned ? { pinned } : {}),
          };
          const [throughRollups, scanned] = await Promise.all([rollups.readUsage(request), raw.readUsage(request)]);
          expect(throughRollups).toEqual(scanned);
          const billable = scanned.metrics.find((usage) => usage.eligibility === 'billable');
          const expected = expectedBillable(plans, pinnedVersion, asOfMs);
          expect({ count: billable?.count, quantity: Number(billable?.sumQuantity) }).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
    expect(pinnedRuns).toBeGreaterThan(100);
  });
});

describe('usage through the rollups after the stream reader drained the stream', () => {
  const WRITE_BOUND = 2 * 60_000;

  /** The reader over cells of the entries written before the drained pass, and a ledger of those written before the question. */
  function readerAfterDrain(entries: readonly LedgerEntry[], writtenAt: ReadonlyMap<LedgerEntry, number>, drainedAtMs: number, askedAtMs: number) {
    const applied = entries.filter((entry) => (writtenAt.get(entry) as number) < drainedAtMs);
    const visible = entries.filter((entry) => (writtenAt.get(entry) as number) < askedAtMs);
    const cells = cellsOf(applied);
    const ledger = fakeLedger(visible);
    let checks = 0;
    let cellReadsInFlight = 0;
    let cellReads = 0;
    let drainReads = 0;
    const raw = new LedgerUsageReader({ ledger });
    const rollups = new RollupUsageReader({
      rollups: {
        readCells: async (query: RollupCellQuery) => {
          // Read after the drain record: cells read before it might lack entries the pass it names applied.
          expect(drainReads).toBeGreaterThan(0);
          cellReadsInFlight += 1;
          cellReads += 1;
          await Promise.resolve();
          cellReadsInFlight -= 1;
          return cellsFor(cells, query);
        },
        recordedDayCellsFromMs: async () => undefined,
      },
      progress: {
        sealedBeforeMs: async () => {
          throw new Error('the drain record carries the seal: it is read once');
        },
        lastDrain: async () => {
          drainReads += 1;
          return {
            // Every entry recorded a write bound before the pass was written, so applied, by then.
            sealedBeforeMs: rollupBucketOf(drainedAtMs - WRITE_BOUND),
            drainedAtMs,
            checkNothingWrittenSince: () => async () => {
              checks += 1;
              // Answered only once the cells it vouches for are read.
              expect(cellReads).toBeGreaterThan(0);
              expect(cellReadsInFlight).toBe(0);
              return !entries.some((entry) => (writtenAt.get(entry) as number) >= drainedAtMs && (writtenAt.get(entry) as number) < askedAtMs);
            },
          };
        },
      },
      ledger,
      raw,
    });
    return { raw, rollups, tailReads: () => ledger.tailReads, checks: () => checks };
  }

  const request = (asOfMs: number) => ({
    customerId: 'acme',
    requirements: [requirement('billable'), requirement('all'), requirement('verified')],
    from: new Date(FROM).toISOString(),
    to: new Date(TO).toISOString(),
    asOf: new Date(asOfMs).toISOString(),
  });

  it('equals the raw scan of what is written when asked, reading no tail when nothing was written since the drain', async () => {
    let withoutTail = 0;
    let afterWrites = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(outcomeArb, fc.integer({ min: 0, max: WRITE_BOUND })), { maxLength: 20 }),
        fc.integer({ min: 0, max: TO - FROM + 40 * HOUR }),
        fc.nat(),
        fc.integer({ min: -10 * 60_000, max: 10 * 60_000 }),
        fc.integer({ min: 0, max: 20 * 60_000 }),
        fc.integer({ min: -30 * 60_000, max: 30 * 60_000 }),
        async (planned, drainOffset, anchor, nearAnchor, askedAfter, asOfFromDrain) => {
          const entries = historyOf(planned.map(([plan]) => plan));
          // Each outcome's entries are written within the write bound of their recordedAt, in recordedAt order.
          const delays = new Map(planned.map(([, delay], index) => [`o-${index}`, delay]));
          const writtenAt = new Map(entries.map((entry) => [entry, entry.recordedAtMs + (delays.get(entry.outcomeId) ?? 0)]));
          // Half the time the pass comes close to one entry's write, so writes between the pass and the question are common.
          const anchored = entries.length > 0 && anchor % 2 === 0 ? writtenAt.get(entries[anchor % entries.length] as LedgerEntry) : undefined;
          const drainedAtMs = anchored !== undefined ? anchored + nearAnchor : FROM + drainOffset;
          const askedAtMs = drainedAtMs + askedAfter;
          const asOfMs = drainedAtMs + asOfFromDrain;
          const { raw, rollups, tailReads, checks } = readerAfterDrain(entries, writtenAt, drainedAtMs, askedAtMs);
          const [throughRollups, scanned] = await Promise.all([rollups.readUsage(request(asOfMs)), raw.readUsage(request(asOfMs))]);
          expect(throughRollups).toEqual(scanned);
          const unchanged = !entries.some((entry) => (writtenAt.get(entry) as number) >= drainedAtMs && (writtenAt.get(entry) as number) < askedAtMs);
          const sealPastCutoff = Math.min(rollupBucketOf(drainedAtMs - WRITE_BOUND), rollupBucketOf(asOfMs + 1)) > asOfMs;
          if (asOfMs >= drainedAtMs && !sealPastCutoff) {
            expect(checks()).toBe(1);
            if (unchanged) {
              withoutTail += 1;
              expect(tailReads()).toBe(0);
            } else afterWrites += 1;
          } else expect(checks()).toBe(0);
        },
      ),
      { numRuns: 400 },
    );
    // Both ways were taken often enough to mean something.
    expect(withoutTail).toBeGreaterThan(80);
    expect(afterWrites).toBeGreaterThan(10);
  });
});

describe('usage through the rollups at a cutoff on a bucket boundary the stream has passed', () => {
  const QUARTER = ROLLUP_BUCKET_MS;
  const onQuarter = (ms: number) => Math.floor(ms / QUARTER) * QUARTER;
  /** Outcomes and adjustments often recorded at a quarter hour's very first millisecond. */
  const alignedArb = fc.tuple(outcomeArb, fc.boolean()).map(([plan, aligned]): OutcomePlan =>
    aligned
      ? {
          ...plan,
          occurredOffset: onQuarter(plan.occurredOffset),
          recordedDelay: onQuarter(plan.recordedDelay),
          verifiedAfter: plan.verifiedAfter === undefined ? undefined : onQuarter(plan.verifiedAfter),
          reversedAfter: plan.reversedAfter === undefined ? undefined : onQuarter(plan.reversedAfter),
          heldAfter: plan.heldAfter === undefined ? undefined : onQuarter(plan.heldAfter),
        }
      : plan,
  );

  it('equals the raw scan, and reads no raw tail unless something was recorded at the cutoff itself', async () => {
    let skipped = 0;
    let atCutoff = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(alignedArb, { maxLength: 25 }),
        fc.integer({ min: 0, max: (TO - FROM + 40 * HOUR) / QUARTER }),
        fc.integer({ min: 1, max: 8 }),
        fc.boolean(),
        fc.nat(),
        async (plans, cutoffQuarter, sealLeadBuckets, countsSince, anchor) => {
          const entries = historyOf(plans);
          const cells = cellsOf(entries);
          // Half the time, the cutoff is the very millisecond an entry was recorded at.
          const onBoundary = entries.filter((entry) => entry.recordedAtMs % QUARTER === 0);
          const asOfMs = anchor % 2 === 0 && onBoundary.length > 0 ? (onBoundary[anchor % onBoundary.length] as LedgerEntry).recordedAtMs : FROM + cutoffQuarter * QUARTER;
          const ledger = fakeLedger(entries);
          const raw = new LedgerUsageReader({ ledger });
          const rollups = new RollupUsageReader({
            rollups: {
              readCells: async (query: RollupCellQuery) => cellsFor(cells, query),
              recordedDayCellsFromMs: async () => undefined,
              // Counted from the start, or only from after the cutoff (cells older than that may lack the count).
              bucketStartCountsFromMs: async () => (countsSince ? 0 : asOfMs + QUARTER),
            },
            // The stream has applied the whole bucket starting at the cutoff, and more.
            progress: { sealedBeforeMs: async () => asOfMs + sealLeadBuckets * QUARTER },
            ledger,
            raw,
          });
          const request = {
            customerId: 'acme',
            requirements: [requirement('billable'), requirement('all'), requirement('verified')],
            from: new Date(FROM).toISOString(),
            to: new Date(TO).toISOString(),
            asOf: new Date(asOfMs).toISOString(),
          };
          const [throughRollups, scanned] = await Promise.all([rollups.readUsage(request), raw.readUsage(request)]);
          expect(throughRollups).toEqual(scanned);
          const recordedAtCutoff = entries.some((entry) => entry.recordedAtMs === asOfMs);
          if (!countsSince) expect(ledger.tailReads).toBeGreaterThan(0);
          else if (!recordedAtCutoff) {
            expect(ledger.tailReads).toBe(0);
            skipped += 1;
          } else atCutoff += 1;
        },
      ),
      { numRuns: 400 },
    );
    expect(skipped).toBeGreaterThan(100);
    expect(atCutoff).toBeGreaterThan(10);
  });
});

describe('a usage read begun before its request is known', () => {
  it('reads the progress at once, uses that observation, and answers as the raw scan', async () => {
    const plans = fc.sample(fc.array(outcomeArb, { minLength: 10, maxLength: 10 }), { numRuns: 1, seed: 7 })[0] ?? [];
    const entries = historyOf(plans);
    const cells = cellsOf(entries);
    const ledger = fakeLedger(entries);
    const raw = new LedgerUsageReader({ ledger });
    let progressReads = 0;
    const sealedBeforeMs = rollupBucketOf(TO + 10 * HOUR);
    const rollups = new RollupUsageReader({
      rollups: {
        readCells: async (query: RollupCellQuery) => cellsFor(cells, query),
        recordedDayCellsFromMs: async () => undefined,
      },
      progress: {
        sealedBeforeMs: async () => {
          progressReads += 1;
          return sealedBeforeMs;
        },
      },
      ledger,
      raw,
    });
    rollups.beginRead();
    // Started before any request: the contract's and plan's reads overlap it.
    expect(progressReads).toBe(1);
    const period = { id: '2026-11', start: new Date(FROM).toISOString(), end: new Date(TO).toISOString() };
    const request = {
      customerId: 'acme',
      requirements: [requirement('billable'), requirement('all'), requirement('verified')],
      from: period.start,
      to: period.end,
      asOf: new Date(TO + 5 * HOUR).toISOString(),
    };
    const begun = await rollups.readUsage(request, Promise.resolve({ sealedBeforeMs }));
    expect(progressReads).toBe(1);
    expect(begun).toEqual(await raw.readUsage(request));
  });
});

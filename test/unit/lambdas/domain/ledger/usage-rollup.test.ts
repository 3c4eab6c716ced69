import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BillableRule } from '../../../../../lambdas/domain/ledger/catalog';
import type { LedgerEntry, RecordedEntry } from '../../../../../lambdas/domain/ledger/ledger-entries';
import type { OutcomeValue } from '../../../../../lambdas/domain/ledger/outcome-events';
import { aggregateUsage, USAGE_BASES, type UsageAggregates } from '../../../../../lambdas/domain/ledger/summarize-usage';
import { fromFixed12 } from '../../../../../lambdas/domain/ledger/ledger-decimal';
import {
  answerFromRollup,
  groupByOutcome,
  rollupBucketOf,
  rollupCellsOf,
  rollupChangeOf,
  sumDeltasByCell,
  ROLLUP_BUCKET_MS,
  withDailyCells,
  type RollupDelta,
  type RollupTotals,
} from '../../../../../lambdas/domain/ledger/usage-rollup';

const FROM = Date.parse('2026-11-01T00:00:00Z');
const TO = FROM + 2 * 86_400_000;
const HOUR = 3_600_000;

const ruleArb = fc.constantFrom<BillableRule>({ when: 'immediately' }, { when: 'verified' }, { when: 'quiet-window', hours: 1 }, { when: 'quiet-window', hours: 30 });
const decimalArb = fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 999 })).map(([whole, fraction]) => (fraction === 0 ? `${whole}` : `${whole}.${fraction}`.replace(/0+$/, '')));
const valueArb = fc.option(fc.record({ amount: decimalArb, currency: fc.constantFrom('USD' as const, 'EUR' as const) }), { nil: undefined });

interface OutcomePlan {
  readonly occurredOffset: number;
  readonly recordedDelay: number;
  readonly quantity: string;
  readonly value: OutcomeValue | undefined;
  readonly rule: BillableRule;
  readonly adjustments: readonly {
    kind: 'reversed' | 'verified' | 'corrected' | 'disputed' | 'dispute-resolved';
    delay: number;
    quantity: string | undefined;
    value: OutcomeValue | undefined;
    /** For disputes: opened under 'hold' terms; for decisions: upheld. */
    flag: boolean;
  }[];
}

const outcomeArb: fc.Arbitrary<OutcomePlan> = fc.record({
  // Some outcomes occur just outside the window: they must never count.
  occurredOffset: fc.integer({ min: -HOUR, max: TO - FROM + HOUR }),
  recordedDelay: fc.integer({ min: 0, max: 6 * HOUR }),
  quantity: decimalArb,
  value: valueArb,
  rule: ruleArb,
  adjustments: fc.array(
    fc.record({
      // Disputes too: a held one takes the outcome out of every billable part until decided.
      kind: fc.constantFrom('reversed' as const, 'verified' as const, 'corrected' as const, 'disputed' as const, 'dispute-resolved' as const),
      // Negative delays: a skewed clock records an adjustment before its original.
      delay: fc.integer({ min: -2000, max: 8 * HOUR }),
      quantity: fc.option(decimalArb, { nil: undefined }),
      value: valueArb,
      flag: fc.boolean(),
    }),
    { maxLength: 4 },
  ),
});

function historyOf(plans: readonly OutcomePlan[]): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  plans.forEach((plan, index) => {
    const outcomeId = `o-${index}`;
    const occurredAtMs = FROM + plan.occurredOffset;
    const original: RecordedEntry = {
      kind: 'recorded',
      outcomeId,
      customerId: 'acme',
      metric: 'm',
      occurredAtMs,
      recordedAtMs: occurredAtMs + plan.recordedDelay,
      quantity: plan.quantity,
      value: plan.value,
      attributesJson: undefined,
      billableRule: plan.rule,
      attributed: true,
    };
    entries.push(original);
    const seen = new Set<string>();
    plan.adjustments.forEach((adjustment, adjustmentIndex) => {
      const base = { outcomeId, customerId: 'acme', metric: 'm', occurredAtMs, recordedAtMs: original.recordedAtMs + adjustment.delay };
      const key = adjustment.kind === 'corrected' ? `c${adjustmentIndex}` : adjustment.kind;
      if (seen.has(key)) return; // one reversal and one verification per outcome, as the ledger keys them
      seen.add(key);
      if (adjustment.kind === 'reversed') entries.push({ ...base, kind: 'reversed', reason: 'r' });
      else if (adjustment.kind === 'verified') entries.push({ ...base, kind: 'verified', verifiedAtMs: undefined });
      else if (adjustment.kind === 'disputed') {
        entries.push({ ...base, kind: 'disputed', sequence: 1, disputeId: 'd', reason: 'r', raisedBy: 'x', hold: adjustment.flag });
      } else if (adjustment.kind === 'dispute-resolved') {
        entries.push({ ...base, kind: 'dispute-resolved', sequence: 1, disputeId: 'd', upheld: adjustment.flag, note: 'n', resolvedBy: 'x' });
      }
      else if (adjustment.quantity !== undefined || adjustment.value !== undefined) {
        entries.push({ ...base, kind: 'corrected', correctionId: `c${adjustmentIndex}`, quantity: adjustment.quantity, value: adjustment.value, reason: 'r' });
      }
    });
  });
  return entries;
}

/**
 * What the stream handler writes: each outcome's entries arrive in write
 * order (the original first, adjustments in any recordedAt order), outcomes
 * interleaved at random, and each entry moves its outcome's cells from the
 * entries applied before it to those and itself.
 */
function streamDeltas(entries: readonly LedgerEntry[], shuffleSeed: readonly number[]): RollupDelta[] {
  const queues = [...groupByOutcome(entries).values()].map((list) => {
    const [original, ...adjustments] = list;
    // Write order differs from recordedAt order: shuffle the adjustments.
    const shuffled = adjustments
      .map((entry, index) => ({ entry, rank: shuffleSeed[index % shuffleSeed.length] ?? 0 }))
      .sort((a, b) => a.rank - b.rank)
      .map(({ entry }) => entry);
    return [original as LedgerEntry, ...shuffled];
  });
  const applied = new Map<string, LedgerEntry[]>();
  const deltas: RollupDelta[] = [];
  let step = 0;
  while (queues.some((queue) => queue.length > 0)) {
    const open = queues.filter((queue) => queue.length > 0);
    const queue = open[(shuffleSeed[step % shuffleSeed.length] ?? 0) % open.length] as LedgerEntry[];
    const entry = queue.shift() as LedgerEntry;
    const before = applied.get(entry.outcomeId) ?? [];
    deltas.push(...rollupChangeOf(before, entry));
    // A redelivered record changes nothing.
    if (step % 7 === 0) deltas.push(...rollupChangeOf([...before, entry], entry));
    applied.set(entry.outcomeId, [...before, entry]);
    step += 1;
  }
  return deltas;
}

function asAggregates(totals: RollupTotals): Pick<UsageAggregates, 'count' | 'quantity' | 'value'> {
  return {
    count: Number(totals.count),
    quantity: fromFixed12(totals.quantity),
    value: [...totals.values.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([currency, value]) => ({ amount: fromFixed12(value.amount), currency })),
  };
}

describe('usage rollups', () => {
  it('answer count, sum of quantity and sum of value per currency on every basis exactly as the full scan, at any cutoff', () => {
    let exactAnswers = 0;
    fc.assert(
      fc.property(
        fc.array(outcomeArb, { maxLength: 25 }),
        fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: TO - FROM + 20 * HOUR }),
        fc.integer({ min: 0, max: 8 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 96 }),
        fc.boolean(),
        fc.boolean(),
        (plans, seed, asOfOffset, sealLagBuckets, useDailyCells, windowStartBuckets, byRecordedDay, cutoffBeforeBoundary) => {
          const entries = historyOf(plans);
          const cells = withDailyCells(sumDeltasByCell(streamDeltas(entries, seed)));
          // Windows that start inside a day too (as +05:30 periods do), so day and quarter-hour cells mix.
          const fromMs = FROM + windowStartBuckets * ROLLUP_BUCKET_MS;
          // A cutoff a millisecond before a bucket boundary is sealed up to that boundary: no tail at all.
          const asOfMs = cutoffBeforeBoundary ? rollupBucketOf(FROM + asOfOffset) - 1 : FROM + asOfOffset;
          const sealedBeforeMs = rollupBucketOf(asOfMs + 1) - sealLagBuckets * ROLLUP_BUCKET_MS;
          // Days recorded before the seal's day from the recorded-day cells, the seal's day by quarter hour.
          const recordedDaysBeforeMs = byRecordedDay ? Math.floor(sealedBeforeMs / 86_400_000) * 86_400_000 : undefined;
          const tail = [...groupByOutcome(entries).values()]
            .filter((list) => list.some((entry) => entry.recordedAtMs >= sealedBeforeMs && entry.recordedAtMs <= asOfMs))
            .map((list) => list.filter((entry) => entry.recordedAtMs <= asOfMs));
          const answer = answerFromRollup({ fromMs, toMs: TO, asOfMs, sealedBeforeMs, useDailyCells, ...(recordedDaysBeforeMs === undefined ? {} : { recordedDaysBeforeMs }) }, cells, tail);
          if (!answer.exact) {
            expect(plans.some((plan) => plan.rule.when === 'quiet-window')).toBe(true);
            return;
          }
          exactAnswers += 1;
          for (const basis of USAGE_BASES) {
            const raw = aggregateUsage(entries, { fromMs, toMs: TO, asOfMs, basis });
            expect(asAggregates(answer.totals[basis])).toEqual({ count: raw.count, quantity: raw.quantity, value: raw.value });
          }
        },
      ),
      { numRuns: 400 },
    );
    expect(exactAnswers).toBeGreaterThan(200);
  });

  it('builds the same cells from scratch as the stream writes one entry at a time', () => {
    fc.assert(
      fc.property(fc.array(outcomeArb, { maxLength: 20 }), fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 20 }), (plans, seed) => {
        const entries = historyOf(plans);
        const normalize = (cells: RollupDelta[]) =>
          cells
            .filter((cell) => cell.fields.size > 0)
            .map((cell) => ({ key: cell.key, fields: Object.fromEntries([...cell.fields].sort()) }))
            .sort((a, b) => JSON.stringify(a.key).localeCompare(JSON.stringify(b.key)));
        expect(normalize(rollupCellsOf(entries))).toEqual(normalize(sumDeltasByCell(streamDeltas(entries, seed))));
      }),
      { numRuns: 200 },
    );
  });

  it('counts a reversal in the bucket it was recorded in, taking back what the outcome added', () => {
    const original: RecordedEntry = {
      kind: 'recorded', outcomeId: 'x', customerId: 'acme', metric: 'm', occurredAtMs: FROM, recordedAtMs: FROM + 1000,
      quantity: '2.5', value: { amount: '10', currency: 'USD' }, attributesJson: undefined, billableRule: { when: 'immediately' }, attributed: true,
    };
    const reversal: LedgerEntry = { kind: 'reversed', outcomeId: 'x', customerId: 'acme', metric: 'm', occurredAtMs: FROM, recordedAtMs: FROM + 2 * HOUR, reason: 'r' };
    const [delta, ...others] = rollupChangeOf([original], reversal);
    expect(others).toEqual([]);
    expect(delta?.key.recordedBucketMs).toBe(FROM + 2 * HOUR);
    expect(Object.fromEntries(delta?.fields ?? [])).toEqual({
      'a.n': -1n, 'a.q': -2_500_000_000_000n, 'a.n:USD': -1n, 'a.s:USD': -10_000_000_000_000n,
      'b.n': -1n, 'b.q': -2_500_000_000_000n, 'b.n:USD': -1n, 'b.s:USD': -10_000_000_000_000n,
      // Recorded at the bucket's first millisecond: counted, so a cutoff there knows the cells before it are not the whole answer.
      'r0.n': 1n,
    });
    // A millisecond later, the same change and no such count.
    const [later] = rollupChangeOf([original], { ...reversal, recordedAtMs: FROM + 2 * HOUR + 1 });
    expect(later?.fields.has('r0.n')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MoneyDecimal, roundToMinorUnits, type CurrencyCode } from '../../../../../lambdas/domain/money';
import { PlanSchema } from '../../../../../lambdas/domain/plans';
import { DecimalSum, FIXED_POINT_DECIMALS, priceUsage, UsageFileSchema } from '../../../../../lambdas/domain/rating';
import { priceLine } from '../../../../support/rating-support';

// decimal.js with far more digits than any input has, cloned from the money
// module's constructor (the only module that imports decimal.js).
const Exact = MoneyDecimal.clone({ precision: 200 });
type Exact = InstanceType<typeof Exact>;

/** A decimal string with up to `places` decimals, built from integers (never from floats). */
const decimalString = (maxWhole: number, places: number) =>
  fc
    .tuple(fc.integer({ min: 0, max: maxWhole }), fc.integer({ min: 0, max: 10 ** places - 1 }))
    .map(([whole, fraction]) => (places === 0 ? String(whole) : `${whole}.${String(fraction).padStart(places, '0')}`));

type TierInput = { upTo?: string; unitPrice: string; flatFee?: string };

// Tier bounds grow by whole or fractional steps; prices go down to 12 decimals.
const tiersArbitrary = fc
  .array(
    fc.tuple(
      fc.oneof(fc.integer({ min: 1, max: 500 }).map(String), decimalString(200, 3).filter((step) => !new Exact(step).isZero())),
      fc.oneof(decimalString(20, 4), decimalString(3, 12)),
      fc.oneof(decimalString(50, 2), fc.constant(undefined)),
    ),
    { minLength: 1, maxLength: 5 },
  )
  .map((steps): TierInput[] => {
    let bound = new Exact(0);
    return steps.map(([step, unitPrice, flatFee], index) => {
      bound = bound.plus(step);
      const fee = flatFee === undefined ? {} : { flatFee };
      return index === steps.length - 1 ? { unitPrice, ...fee } : { upTo: bound.toFixed(), unitPrice, ...fee };
    });
  });

// Quantities land on tier bounds (and one step either side) often, not by luck.
const tiersAndQuantity = tiersArbitrary.chain((tiers) => {
  const bounds = tiers.flatMap((tier) => (tier.upTo === undefined ? [] : [tier.upTo]));
  const nearBound = fc
    .tuple(fc.constantFrom(...(bounds.length > 0 ? bounds : ['0'])), fc.constantFrom('-0.001', '0', '0.001', '1'))
    .map(([bound, step]) => Exact.max(new Exact(bound).plus(step), 0).toFixed());
  return fc.tuple(fc.constant(tiers), fc.oneof(decimalString(3000, 3), nearBound, fc.constant('0')));
});

const currencyArbitrary = fc.constantFrom<CurrencyCode>('JPY', 'USD', 'KWD');
const includedArbitrary = fc.oneof(fc.constant(undefined), decimalString(300, 2));

// Reference implementations: decimal.js (Exact, below) with far more digits than any
// input has (so nothing is ever rounded), written from the rules in
// docs/plans-and-rating.md without looking at the pricers.
const EXPONENT: Record<CurrencyCode, number> = { JPY: 0, USD: 2, KWD: 3 } as Record<CurrencyCode, number>;

function billableOf(quantity: string, included: string | undefined): Exact {
  return Exact.max(new Exact(quantity).minus(included ?? '0'), 0);
}

/** Graduated: each tier prices the units above the previous bound up to its own, plus its fee when any unit falls in it. */
function referenceGraduated(tiers: readonly TierInput[], quantity: string, included?: string): { total: Exact; parts: Exact[] } {
  const billable = billableOf(quantity, included);
  const parts: Exact[] = [];
  let previous = new Exact(0);
  for (const tier of tiers) {
    const upper = tier.upTo === undefined ? billable : Exact.min(billable, tier.upTo);
    const units = upper.minus(previous);
    if (units.lte(0)) break;
    parts.push(units.times(tier.unitPrice).plus(tier.flatFee ?? '0'));
    if (tier.upTo === undefined) break;
    previous = new Exact(tier.upTo);
  }
  return { total: parts.reduce((sum, part) => sum.plus(part), new Exact(0)), parts };
}

/** Volume: the whole billable quantity at the first tier whose bound reaches it, plus that tier's fee. */
function referenceVolume(tiers: readonly TierInput[], quantity: string, included?: string): { total: Exact; tier: number } {
  const billable = billableOf(quantity, included);
  if (billable.isZero()) return { total: new Exact(0), tier: 0 };
  const index = tiers.findIndex((tier) => tier.upTo === undefined || billable.lte(tier.upTo));
  const tier = tiers[index] as TierInput;
  return { total: billable.times(tier.unitPrice).plus(tier.flatFee ?? '0'), tier: index + 1 };
}

/** Half away from zero to the currency's minor unit, in bigint: floor(x * 10^e + 1/2) for x >= 0. */
function referenceMinorUnits(exact: Exact, currency: CurrencyCode): bigint {
  const scaled = new Exact(exact).times(new Exact(10).pow(EXPONENT[currency]));
  const [whole = '0', fraction = ''] = scaled.toFixed().split('.');
  return BigInt(whole) + ((fraction[0] ?? '0') >= '5' ? 1n : 0n);
}

describe('graduated tiers', () => {
  it('price exactly what an independent calculation gives, tier by tier, rounded once in every currency', () => {
    fc.assert(
      fc.property(tiersAndQuantity, currencyArbitrary, includedArbitrary, ([tiers, quantity], currency, included) => {
        const charge = { model: 'graduated', metric: 'm', tiers, ...(included === undefined ? {} : { includedUnits: included }) };
        const line = priceLine(charge, { quantity, currency });
        const reference = referenceGraduated(tiers, quantity, included);
        const rows = line.breakdown.filter((row) => row.kind === 'tier');
        expect(new Exact(line.exactAmount).equals(reference.total)).toBe(true);
        expect(rows.map((row) => (row.kind === 'tier' ? new Exact(row.exactAmount).toFixed() : ''))).toEqual(
          reference.parts.map((part) => part.toFixed()),
        );
        expect(line.amount).toBe(referenceMinorUnits(reference.total, currency));
      }),
      { numRuns: 300 },
    );
  });

  it('total equals the sum of its tier parts and the tier units sum to the billable quantity', () => {
    fc.assert(
      fc.property(tiersAndQuantity, includedArbitrary, ([tiers, quantity], included) => {
        const charge = { model: 'graduated', metric: 'm', tiers, ...(included === undefined ? {} : { includedUnits: included }) };
        const line = priceLine(charge, { quantity });
        const rows = line.breakdown.filter((row) => row.kind === 'tier');
        const parts = rows.reduce((sum, row) => sum.plus(row.exactAmount), new Exact(0));
        const units = rows.reduce((sum, row) => sum.plus(row.units), new Exact(0));
        expect(parts.equals(line.exactAmount)).toBe(true);
        expect(units.equals(billableOf(quantity, included))).toBe(true);
      }),
    );
  });
});

describe('volume tiers', () => {
  it('price all units in the one tier the quantity reaches, for exactly the independent amount, in every currency', () => {
    fc.assert(
      fc.property(tiersAndQuantity, currencyArbitrary, includedArbitrary, ([tiers, quantity], currency, included) => {
        const charge = { model: 'volume', metric: 'm', tiers, ...(included === undefined ? {} : { includedUnits: included }) };
        const line = priceLine(charge, { quantity, currency });
        const reference = referenceVolume(tiers, quantity, included);
        const rows = line.breakdown.filter((row) => row.kind === 'tier');
        expect(new Exact(line.exactAmount).equals(reference.total)).toBe(true);
        expect(line.amount).toBe(referenceMinorUnits(reference.total, currency));
        if (reference.tier === 0) {
          expect(rows).toEqual([]);
          return;
        }
        expect(rows).toHaveLength(1);
        const row = rows[0];
        if (row?.kind !== 'tier') throw new Error('expected a tier row');
        expect(row.tier).toBe(reference.tier);
        expect(new Exact(row.units).equals(billableOf(quantity, included))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('minor units', () => {
  it('an invoice total is the sum of lines each rounded once, exact for currency exponents 0, 2 and 3', () => {
    fc.assert(
      fc.property(currencyArbitrary, fc.bigInt({ min: 0n, max: 10n ** 9n }), tiersArbitrary, decimalString(3000, 3), decimalString(3000, 3), (currency, flatMinor, tiers, count, quantity) => {
        // A flat amount that fits the currency's minor unit exactly, written in major units.
        const amount = new Exact(flatMinor.toString()).dividedBy(new Exact(10).pow(EXPONENT[currency])).toFixed();
        const plan = PlanSchema.parse({
          kind: 'plan',
          code: 'minor',
          name: 'Minor',
          currency,
          versions: [
            {
              version: 1,
              effectiveFrom: '2026-01-01',
              metrics: [{ code: 'q', ledgerMetric: 'ticket.resolved', aggregation: 'sum_quantity' }],
              charges: [
                { id: 'fee', name: 'Fee', model: 'flat', amount },
                { id: 'units', name: 'Units', model: 'per_unit', metric: 'q', unitPrice: '0.000123456789' },
                { id: 'tiers', name: 'Tiers', model: 'graduated', metric: 'q', tiers: tiers.map(({ unitPrice, upTo }) => (upTo === undefined ? { unitPrice } : { upTo, unitPrice })) },
              ],
            },
          ],
        });
        const usage = UsageFileSchema.parse({
          period: { start: '2026-11-01', end: '2026-12-01' },
          metrics: [{ ledgerMetric: 'ticket.resolved', count: 1, sumQuantity: new Exact(count).plus(quantity).toFixed() }],
        });
        const result = priceUsage({ plan, usage });
        const total = new Exact(count).plus(quantity);
        const expectedLines = [
          referenceMinorUnits(new Exact(amount), currency),
          referenceMinorUnits(total.times('0.000123456789'), currency),
          referenceMinorUnits(referenceGraduated(tiers.map(({ unitPrice, upTo }) => (upTo === undefined ? { unitPrice } : { upTo, unitPrice })), total.toFixed()).total, currency),
        ];
        expect(result.lines.map((line) => BigInt(line.amount.minor))).toEqual(expectedLines);
        expect(BigInt(result.total.minor)).toBe(expectedLines.reduce((sum, minor) => sum + minor, 0n));
        const decimal = result.total.decimal;
        expect(decimal.split('.')[1]?.length ?? 0).toBe(EXPONENT[currency]);
      }),
    );
  });
});

describe('monotone plans', () => {
  const plan = (tiers: unknown, included: string) =>
    PlanSchema.parse({
      kind: 'plan',
      code: 'monotone',
      name: 'Monotone',
      currency: 'USD',
      versions: [
        {
          version: 1,
          effectiveFrom: '2026-01-01',
          metrics: [
            { code: 'count', ledgerMetric: 'ticket.resolved', aggregation: 'count' },
            { code: 'quantity', ledgerMetric: 'ticket.resolved', aggregation: 'sum_quantity' },
            { code: 'value', ledgerMetric: 'order.recovered', aggregation: 'sum_value' },
          ],
          charges: [
            { id: 'fee', name: 'Fee', model: 'flat', amount: '99.00' },
            { id: 'units', name: 'Units', model: 'per_unit', metric: 'quantity', unitPrice: '0.0333', includedUnits: included, minimum: '5.00', maximum: '150.00' }, // usage reaches both bounds
            { id: 'packs', name: 'Packs', model: 'package', metric: 'count', packageSize: '7', packagePrice: '3.33' },
            { id: 'graduated', name: 'Graduated', model: 'graduated', metric: 'count', tiers },
            { id: 'success', name: 'Success', model: 'percentage', metric: 'value', percent: '3.3', fixedFeePerOutcome: '0.07' },
          ],
        },
      ],
    });

  it('never bill less when usage grows', () => {
    fc.assert(
      fc.property(
        tiersArbitrary,
        decimalString(200, 0),
        fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 5000 })),
        fc.tuple(decimalString(5000, 3), decimalString(5000, 3)),
        fc.tuple(decimalString(100_000, 2), decimalString(100_000, 2)),
        (tiers, included, [count, moreCount], [quantity, moreQuantity], [value, moreValue]) => {
          const usage = (extra: number, extraQuantity: string, extraValue: string) =>
            UsageFileSchema.parse({
              period: { start: '2026-11-01', end: '2026-12-01' },
              metrics: [
                { ledgerMetric: 'ticket.resolved', count: count + extra, sumQuantity: new MoneyDecimal(quantity).plus(extraQuantity).toFixed() },
                { ledgerMetric: 'order.recovered', count: count + extra, sumQuantity: String(count + extra), sumValue: new MoneyDecimal(value).plus(extraValue).toFixed() },
              ],
            });
          const monotonePlan = plan(tiers, included);
          const before = priceUsage({ plan: monotonePlan, usage: usage(0, '0', '0') });
          const after = priceUsage({ plan: monotonePlan, usage: usage(moreCount, moreQuantity, moreValue) });
          expect(BigInt(after.total.minor)).toBeGreaterThanOrEqual(BigInt(before.total.minor));
          // Line by line too: one line that shrinks can hide behind another that grows.
          before.lines.forEach((line, index) => {
            expect(BigInt(after.lines[index]?.amount.minor ?? '-1'), line.chargeId).toBeGreaterThanOrEqual(BigInt(line.amount.minor));
          });
        },
      ),
      { numRuns: 80 },
    );
  });

  it('never bill less for a percentage charge with bounds when an outcome is added or grows', () => {
    fc.assert(
      fc.property(
        fc.array(decimalString(10_000, 2), { maxLength: 30 }),
        decimalString(10_000, 2),
        fc.nat({ max: 29 }),
        (values, extra, growAt) => {
          const charge = { model: 'percentage', metric: 'value', percent: '2.5', fixedFeePerOutcome: '0.10', minimumPerOutcome: '0.50', maximumPerOutcome: '40.00' };
          const before = priceLine(charge, { values }).amount;
          expect(priceLine(charge, { values: [...values, extra] }).amount).toBeGreaterThanOrEqual(before);
          const grown = values.map((value, index) => (index === growAt ? new MoneyDecimal(value).plus(extra).toFixed() : value));
          expect(priceLine(charge, { values: grown }).amount).toBeGreaterThanOrEqual(before);
        },
      ),
    );
  });
});

describe('percentage of value', () => {
  const ULP = new Exact('1e-18');
  // Each outcome's fee from the rule itself: value × percent / 100 + fixed, raised to the minimum, capped at the maximum.
  const naive = (values: string[], percent: string, fixed: string, min: string | undefined, max: string | undefined, included: number) =>
    values.slice(included).reduce((sum, value) => {
      let fee = new Exact(value).times(percent).dividedBy(100).plus(fixed);
      if (min !== undefined && fee.lt(min)) fee = new Exact(min);
      else if (max !== undefined && fee.gt(max)) fee = new Exact(max);
      return sum.plus(fee);
    }, new Exact(0));

  it('equals the naive per-outcome computation exactly, including fees on, just below and just above a bound', () => {
    fc.assert(
      fc.property(
        fc.oneof(decimalString(99, 6), decimalString(0, 12), fc.constantFrom('0', '100', '33.333333333333')),
        fc.oneof(decimalString(2, 4), fc.constant('0')),
        fc.option(decimalString(5, 2), { nil: undefined }),
        fc.option(decimalString(100, 2), { nil: undefined }),
        fc.array(
          fc.oneof(
            decimalString(100_000, 6),
            decimalString(10 ** 14, 0),
            fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 15n - 1n }), fc.bigInt({ min: 0n, max: 10n ** 18n - 1n })).map(
              ([whole, fraction]) => `${whole}.${fraction.toString().padStart(18, '0')}`,
            ),
            fc.bigInt({ min: 10n ** 15n, max: 10n ** 17n }).map(String),
            fc.tuple(fc.constantFrom('min', 'max'), fc.integer({ min: -2, max: 2 })),
          ),
          { maxLength: 40 },
        ),
        fc.nat({ max: 5 }),
        (percent, fixed, min, spread, rawValues, included) => {
          const max = spread === undefined ? undefined : new Exact(min ?? '0').plus(spread).toFixed();
          // The value whose fee is the bound, truncated to 18 decimals, then moved by a few units of the last place.
          const nearBound = (bound: string | undefined, steps: number) => {
            if (bound === undefined || new Exact(percent).isZero()) return '0';
            const onBound = new Exact(bound).minus(fixed).times(100).dividedBy(percent).toDecimalPlaces(18, Exact.ROUND_DOWN);
            return Exact.max(onBound.plus(ULP.times(steps)), 0).toFixed();
          };
          const values = rawValues.map((value) => (typeof value === 'string' ? value : nearBound(value[0] === 'min' ? min : max, value[1])));
          const line = priceLine(
            {
              model: 'percentage',
              metric: 'value',
              percent,
              fixedFeePerOutcome: fixed,
              ...(min === undefined ? {} : { minimumPerOutcome: min }),
              ...(max === undefined ? {} : { maximumPerOutcome: max }),
              includedOutcomes: included,
            },
            { values },
          );
          expect(line.exactAmount).toBe(naive(values, percent, fixed, min, max, included).toFixed());
          const row = line.breakdown[0];
          if (row?.kind !== 'percentage') throw new Error('expected a percentage row');
          const fees = values.slice(included).map((value) => new Exact(value).times(percent).dividedBy(100).plus(fixed));
          expect(row.raisedToMinimum).toBe(min === undefined ? 0 : fees.filter((fee) => fee.lt(min)).length);
          expect(row.cappedAtMaximum).toBe(max === undefined ? 0 : fees.filter((fee) => (min === undefined || !fee.lt(min)) && fee.gt(max)).length);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('exact aggregation', () => {
  it('sums decimal strings exactly, across limb folds and the slow path', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.bigInt({ min: 0n, max: 10n ** 18n - 1n })).map(
              ([whole, fraction]) => `${whole}.${fraction.toString().padStart(18, '0')}`,
            ),
            decimalString(999_999_999_999_999, 2),
            fc.bigInt({ min: 0n, max: 10n ** 25n }).map(String),
            fc.bigInt({ min: 0n, max: 10n ** 9n }).map((digits) => `0.${digits.toString().padStart(18, '0')}`),
          ),
          { maxLength: 60 },
        ),
        fc.array(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), { maxLength: 10 }),
        (texts, integers) => {
          // The reference needs more than the engine's 40 digits: 10^25 with 18 decimals is 44 digits.
          const Wide = Exact.clone({ precision: 100 });
          const sum = new DecimalSum();
          let expected = new Wide(0);
          for (const text of texts) {
            sum.add(text, 'value');
            expected = expected.plus(text);
          }
          for (const integer of integers) {
            sum.addInteger(integer);
            expected = expected.plus(integer);
          }
          expect(sum.toFixedPoint()).toBe(BigInt(expected.times(new Wide(10).pow(FIXED_POINT_DECIMALS)).toFixed(0)));
        },
      ),
    );
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import Decimal from 'decimal.js';
import { MoneyDecimal, roundToMinorUnits, type CurrencyCode } from '../../../lambdas/domain/money';
import { PlanSchema } from '../../../lambdas/domain/plans';
import { DecimalSum, FIXED_POINT_DECIMALS, priceUsage, UsageFileSchema } from '../../../lambdas/domain/rating';
import { priceLine } from './support';

/** A decimal string with up to `places` decimals, built from integers (never from floats). */
const decimalString = (maxWhole: number, places: number) =>
  fc
    .tuple(fc.integer({ min: 0, max: maxWhole }), fc.integer({ min: 0, max: 10 ** places - 1 }))
    .map(([whole, fraction]) => (places === 0 ? String(whole) : `${whole}.${String(fraction).padStart(places, '0')}`));

const tiersArbitrary = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 500 }), decimalString(20, 4), decimalString(50, 2)), { minLength: 1, maxLength: 5 })
  .map((steps) => {
    let bound = 0;
    return steps.map(([step, unitPrice, flatFee], index) => {
      bound += step;
      return index === steps.length - 1 ? { unitPrice, flatFee } : { upTo: String(bound), unitPrice, flatFee };
    });
  });

const currencyArbitrary = fc.constantFrom<CurrencyCode>('JPY', 'USD', 'KWD');

describe('graduated tiers', () => {
  it('total equals the sum of its tier parts, units sum to the quantity, and the line is rounded once', () => {
    fc.assert(
      fc.property(tiersArbitrary, decimalString(3000, 3), currencyArbitrary, (tiers, quantity, currency) => {
        const line = priceLine({ model: 'graduated', metric: 'm', tiers }, { quantity, currency });
        const rows = line.breakdown.filter((row) => row.kind === 'tier');
        const parts = rows.reduce((sum, row) => sum.plus(row.exactAmount), new MoneyDecimal(0));
        const units = rows.reduce((sum, row) => sum.plus(row.units), new MoneyDecimal(0));
        expect(parts.equals(line.exactAmount)).toBe(true);
        expect(units.equals(quantity)).toBe(true);
        expect(line.amount).toBe(roundToMinorUnits(parts, currency));
      }),
    );
  });
});

describe('volume tiers', () => {
  it('put all units in the first tier whose bound reaches the quantity', () => {
    fc.assert(
      fc.property(tiersArbitrary, decimalString(3000, 3), (tiers, quantity) => {
        const line = priceLine({ model: 'volume', metric: 'm', tiers }, { quantity });
        const rows = line.breakdown.filter((row) => row.kind === 'tier');
        if (new MoneyDecimal(quantity).isZero()) {
          expect(rows).toEqual([]);
          return;
        }
        expect(rows).toHaveLength(1);
        const row = rows[0];
        if (row?.kind !== 'tier') throw new Error('expected a tier row');
        expect(row.units).toBe(new MoneyDecimal(quantity).toFixed());
        const expectedTier = tiers.findIndex((tier) => tier.upTo === undefined || new MoneyDecimal(quantity).lte(tier.upTo)) + 1;
        expect(row.tier).toBe(expectedTier);
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
            { id: 'units', name: 'Units', model: 'per_unit', metric: 'quantity', unitPrice: '0.0333', includedUnits: included, minimum: '5.00', maximum: '900.00' },
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
          const before = BigInt(priceUsage({ plan: monotonePlan, usage: usage(0, '0', '0') }).total.minor);
          const after = BigInt(priceUsage({ plan: monotonePlan, usage: usage(moreCount, moreQuantity, moreValue) }).total.minor);
          expect(after).toBeGreaterThanOrEqual(before);
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
  it('equals the naive per-outcome computation exactly, including fees that land on a bound', () => {
    const naive = (values: string[], percent: string, fixed: string, min: string, max: string, included: number) =>
      values.slice(included).reduce((sum, value) => {
        const raw = new MoneyDecimal(value).times(percent).dividedBy(100).plus(fixed);
        return sum.plus(MoneyDecimal.min(new MoneyDecimal(max), MoneyDecimal.max(new MoneyDecimal(min), raw)));
      }, new MoneyDecimal(0));
    fc.assert(
      fc.property(
        decimalString(99, 6),
        decimalString(2, 4),
        decimalString(5, 2),
        decimalString(100, 2),
        fc.array(fc.oneof(decimalString(100_000, 6), decimalString(10 ** 14, 0), fc.constant('__on_min__'), fc.constant('__on_max__')), { maxLength: 40 }),
        fc.nat({ max: 5 }),
        (percentText, fixed, min, spread, rawValues, included) => {
          const percent = new MoneyDecimal(percentText).isZero() ? '1' : new MoneyDecimal(percentText).toFixed();
          const max = new MoneyDecimal(min).plus(spread).toFixed();
          // Values whose fee is exactly the minimum or maximum, when that is a finite decimal.
          const onBound = (bound: string) => {
            const value = new MoneyDecimal(bound).minus(fixed).times(100).dividedBy(percent);
            return value.isNegative() || value.decimalPlaces() > 18 ? '0' : value.toFixed();
          };
          const values = rawValues.map((value) => (value === '__on_min__' ? onBound(min) : value === '__on_max__' ? onBound(max) : value));
          const line = priceLine(
            { model: 'percentage', metric: 'value', percent, fixedFeePerOutcome: fixed, minimumPerOutcome: min, maximumPerOutcome: max, includedOutcomes: included },
            { values },
          );
          expect(line.exactAmount).toBe(naive(values, percent, fixed, min, max, included).toFixed());
        },
      ),
      { numRuns: 300 },
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
          const Wide = Decimal.clone({ precision: 100 });
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

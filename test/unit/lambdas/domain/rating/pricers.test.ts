import { describe, expect, it } from 'vitest';
import { commitmentTrueUp, drawDownCredits, RatingInputMissingError, UsageInputError } from '../../../../../lambdas/domain/rating';
import { priceLine } from '../../../../support/rating-support';

describe('flat recurring fee', () => {
  it('charges the full amount on a full period', () => {
    const line = priceLine({ model: 'flat', amount: '500.00' });
    expect(line.amount).toBe(50_000n);
    expect(line.breakdown).toEqual([{ kind: 'flat_fee', amount: '500', proration: null, exactAmount: '500' }]);
  });

  it('prorates a partial period by local days, rounding once', () => {
    // 500 × 12 / 31 = 193.548387… -> 193.55
    const line = priceLine({ model: 'flat', amount: '500.00' }, { proration: { days: 12, fullDays: 31 } });
    expect(line.amount).toBe(19_355n);
    expect(line.breakdown[0]).toMatchObject({ proration: { days: 12, fullDays: 31 } });
    expect(priceLine({ model: 'flat', amount: '50000' }, { currency: 'JPY', proration: { days: 10, fullDays: 30 } }).amount).toBe(16_667n);
    expect(priceLine({ model: 'flat', amount: '12.345' }, { currency: 'KWD', proration: { days: 1, fullDays: 3 } }).amount).toBe(4_115n);
  });
});

describe('per unit', () => {
  it('multiplies units by a 12-decimal unit price and rounds half up once', () => {
    expect(priceLine({ model: 'per_unit', metric: 'm', unitPrice: '0.0125' }, { quantity: '1234' }).amount).toBe(1_543n); // 15.425
    expect(priceLine({ model: 'per_unit', metric: 'm', unitPrice: '12.5' }, { quantity: '7', currency: 'JPY' }).amount).toBe(88n); // 87.5
    expect(priceLine({ model: 'per_unit', metric: 'm', unitPrice: '0.3335' }, { quantity: '3', currency: 'KWD' }).amount).toBe(1_001n); // 1.0005
    expect(priceLine({ model: 'per_unit', metric: 'm', unitPrice: '0.000000000001' }, { quantity: '5000000000' }).amount).toBe(1n); // 0.005
  });

  it('gives the included allowance free and prices the rest', () => {
    const line = priceLine({ model: 'per_unit', metric: 'm', unitPrice: '2.00', includedUnits: '100' }, { quantity: '130' });
    expect(line.amount).toBe(6_000n);
    expect(line.breakdown).toEqual([
      { kind: 'included_units', measured: '130', included: '100', billable: '30' },
      { kind: 'units', units: '30', unitPrice: '2', exactAmount: '60' },
    ]);
    expect(priceLine({ model: 'per_unit', metric: 'm', unitPrice: '2.00', includedUnits: '100' }, { quantity: '60' }).amount).toBe(0n);
  });
});

describe('package', () => {
  const charge = { model: 'package', metric: 'm', packageSize: '10', packagePrice: '40.00' };

  it('bills started packages when rounding up, complete ones when rounding down', () => {
    expect(priceLine(charge, { quantity: '17' }).amount).toBe(8_000n);
    expect(priceLine({ ...charge, rounding: 'down' }, { quantity: '17' }).amount).toBe(4_000n);
    expect(priceLine(charge, { quantity: '20' }).amount).toBe(8_000n);
    expect(priceLine(charge, { quantity: '0' }).amount).toBe(0n);
    expect(priceLine(charge, { quantity: '17' }).breakdown).toEqual([
      { kind: 'packages', units: '17', packageSize: '10', rounding: 'up', packages: '2', packagePrice: '40', exactAmount: '80' },
    ]);
  });

  it('works with fractional packages in KWD', () => {
    expect(priceLine({ ...charge, packageSize: '2.5', packagePrice: '1.234' }, { quantity: '6', currency: 'KWD' }).amount).toBe(3_702n);
  });
});

const TIERS = [
  { upTo: '1000', unitPrice: '1.50' },
  { upTo: '5000', unitPrice: '1.20', flatFee: '10.00' },
  { unitPrice: '0.90' },
];

describe('graduated tiers', () => {
  it('prices each tier on its own units and shows every tier', () => {
    const line = priceLine({ model: 'graduated', metric: 'm', tiers: TIERS }, { quantity: '6000' });
    expect(line.amount).toBe(721_000n);
    expect(line.breakdown).toEqual([
      { kind: 'tier', mode: 'graduated', tier: 1, from: '0', upTo: '1000', units: '1000', unitPrice: '1.5', flatFee: '0', exactAmount: '1500' },
      { kind: 'tier', mode: 'graduated', tier: 2, from: '1000', upTo: '5000', units: '4000', unitPrice: '1.2', flatFee: '10', exactAmount: '4810' },
      { kind: 'tier', mode: 'graduated', tier: 3, from: '5000', upTo: null, units: '1000', unitPrice: '0.9', flatFee: '0', exactAmount: '900' },
    ]);
  });

  it('treats a bound as inclusive and charges a tier flat fee only when reached', () => {
    expect(priceLine({ model: 'graduated', metric: 'm', tiers: TIERS }, { quantity: '1000' }).amount).toBe(150_000n);
    expect(priceLine({ model: 'graduated', metric: 'm', tiers: TIERS }, { quantity: '1000.5' }).amount).toBe(151_060n);
    expect(priceLine({ model: 'graduated', metric: 'm', tiers: TIERS }, { quantity: '0' }).breakdown).toEqual([]);
  });

  it('rounds the line once, not each tier', () => {
    // Each tier is 0.005; rounding tiers separately would give 0.02.
    const tiers = [{ upTo: '1', unitPrice: '0.005' }, { unitPrice: '0.005' }];
    expect(priceLine({ model: 'graduated', metric: 'm', tiers }, { quantity: '2' }).amount).toBe(1n);
  });

  it('applies tiers to the overage after the included allowance (JPY)', () => {
    const line = priceLine(
      { model: 'graduated', metric: 'm', includedUnits: '50', tiers: [{ upTo: '100', unitPrice: '10' }, { unitPrice: '7.5' }] },
      { quantity: '201', currency: 'JPY' },
    );
    // 151 billable: 100 × 10 + 51 × 7.5 = 1382.5 -> 1383
    expect(line.amount).toBe(1_383n);
  });
});

describe('volume tiers', () => {
  it('puts every unit in the one tier the quantity reaches', () => {
    const line = priceLine({ model: 'volume', metric: 'm', tiers: TIERS }, { quantity: '6000' });
    expect(line.amount).toBe(540_000n);
    expect(line.breakdown).toEqual([
      { kind: 'tier', mode: 'volume', tier: 3, from: '5000', upTo: null, units: '6000', unitPrice: '0.9', flatFee: '0', exactAmount: '5400' },
    ]);
  });

  it('uses inclusive bounds and adds the reached tier flat fee', () => {
    expect(priceLine({ model: 'volume', metric: 'm', tiers: TIERS }, { quantity: '1000' }).amount).toBe(150_000n);
    expect(priceLine({ model: 'volume', metric: 'm', tiers: TIERS }, { quantity: '1001' }).amount).toBe(121_120n); // 1001 × 1.2 + 10
    expect(priceLine({ model: 'volume', metric: 'm', tiers: TIERS }, { quantity: '0' }).amount).toBe(0n);
  });
});

describe('percentage of outcome value', () => {
  const charge = {
    model: 'percentage',
    metric: 'value',
    percent: '2.5',
    fixedFeePerOutcome: '0.10',
    minimumPerOutcome: '0.50',
    maximumPerOutcome: '25.00',
  };

  it('bounds each outcome fee between its minimum and maximum', () => {
    // 10.00 -> 0.35 raised to 0.50; 200.40 -> 5.11; 1000 -> 25.10 capped at 25.00
    const line = priceLine(charge, { values: ['10.00', '200.40', '1000'] });
    expect(line.amount).toBe(3_061n);
    expect(line.breakdown).toEqual([
      {
        kind: 'percentage',
        outcomes: 3,
        includedOutcomes: 0,
        value: '1210.4',
        percent: '2.5',
        percentageAmount: '30.26',
        fixedFeePerOutcome: '0.1',
        fixedFees: '0.3',
        raisedToMinimum: 1,
        minimumAdjustment: '0.15',
        cappedAtMaximum: 1,
        maximumAdjustment: '-0.1',
        exactAmount: '30.61',
      },
    ]);
  });

  it('leaves the first included outcomes free', () => {
    expect(priceLine({ ...charge, includedOutcomes: 1 }, { values: ['10.00', '200.40', '1000'] }).amount).toBe(3_011n);
  });

  it('needs only total value and count without per-outcome bounds', () => {
    const line = priceLine({ model: 'percentage', metric: 'value', percent: '2.5', fixedFeePerOutcome: '0.10' }, { values: ['10.00', '200.40', '1000'] });
    expect(line.amount).toBe(3_056n);
    expect(priceLine({ model: 'percentage', metric: 'value', percent: '1.5' }, { values: ['3.141'], currency: 'KWD' }).amount).toBe(47n);
  });

  it('classifies a fee exactly at a bound without rounding error', () => {
    // 2.5 % of 16.000000000000000004 is 0.4000000000000000001: just above 0.40, so it is not raised.
    const line = priceLine({ model: 'percentage', metric: 'value', percent: '2.5', minimumPerOutcome: '0.4' }, {
      values: ['16.000000000000000004', '16', '15.999999999999999999'],
    });
    expect(line.breakdown[0]).toMatchObject({ raisedToMinimum: 1, minimumAdjustment: '0.000000000000000000025' });
  });

  it('asks for per-outcome values when bounds need them', () => {
    expect(() =>
      priceLine(charge, { quantity: '10' }),
    ).toThrow(UsageInputError);
  });
});

describe('per-charge minimum and maximum', () => {
  const charge = { model: 'per_unit', metric: 'm', unitPrice: '1.00', minimum: '50.00', maximum: '100.00' };

  it('raises the line to the minimum, prorated on a partial period', () => {
    const line = priceLine(charge, { quantity: '10' });
    expect(line.amount).toBe(5_000n);
    expect(line.breakdown.at(-1)).toEqual({ kind: 'charge_minimum', minimum: '50', periodMinimum: '50', before: '10', exactAmount: '40' });
    expect(priceLine(charge, { quantity: '10', proration: { days: 15, fullDays: 30 } }).amount).toBe(2_500n);
  });

  it('caps the line at the maximum, never prorated', () => {
    const line = priceLine(charge, { quantity: '500', proration: { days: 15, fullDays: 30 } });
    expect(line.amount).toBe(10_000n);
    expect(line.breakdown.at(-1)).toEqual({ kind: 'charge_maximum', maximum: '100', before: '500', exactAmount: '-400' });
  });
});

describe('minimum commitment', () => {
  const base = { currency: 'USD' as const, proration: { days: 31, fullDays: 31 }, lastOfTerm: false, termToDateSubtotal: undefined, contractId: 'c' };

  it('tops a period up to its commitment, prorated on a partial period', () => {
    const full = commitmentTrueUp({ ...base, commitment: { trueUp: 'per_period', amountPerPeriod: '2000.00' }, subtotal: 150_000n });
    expect(full?.amount).toBe(50_000n);
    const partial = commitmentTrueUp({
      ...base,
      commitment: { trueUp: 'per_period', amountPerPeriod: '2000.00' },
      subtotal: 10_000n,
      proration: { days: 10, fullDays: 31 },
    });
    // 2000 × 10 / 31 = 645.16; minus 100.00 billed
    expect(partial?.amount).toBe(54_516n);
    expect(commitmentTrueUp({ ...base, commitment: { trueUp: 'per_period', amountPerPeriod: '2000.00' }, subtotal: 250_000n })?.amount).toBe(0n);
  });

  it('trues up a term commitment on the last period only, from the term to date', () => {
    const commitment = { trueUp: 'term_end' as const, amountForTerm: '12000.00' };
    expect(commitmentTrueUp({ ...base, commitment, subtotal: 150_000n })).toBeUndefined();
    const last = commitmentTrueUp({ ...base, commitment, subtotal: 150_000n, lastOfTerm: true, termToDateSubtotal: 1_000_000n });
    expect(last?.amount).toBe(50_000n);
    expect(last?.breakdown).toEqual([{ kind: 'commitment', trueUp: 'term_end', committed: '12000.00', billed: '11500.00', exactAmount: '500.00' }]);
    expect(() => commitmentTrueUp({ ...base, commitment, subtotal: 1n, lastOfTerm: true })).toThrow(RatingInputMissingError);
  });
});

describe('prepaid credits', () => {
  it('draws the balance down line by line before money is charged', () => {
    const lines = [
      { chargeId: 'a', amount: 8_000n, isTrueUp: false },
      { chargeId: 'b', amount: 5_000n, isTrueUp: false },
      { chargeId: 'true-up', amount: 1_000n, isTrueUp: true },
    ];
    expect(drawDownCredits({ lines, balance: 10_000n, appliesTo: undefined })).toEqual({
      appliedPerLine: [8_000n, 2_000n, 0n],
      applied: 10_000n,
      balanceAfter: 0n,
    });
    expect(drawDownCredits({ lines, balance: 100_000n, appliesTo: undefined }).balanceAfter).toBe(86_000n);
  });

  it('pays only the charges credits apply to', () => {
    const lines = [
      { chargeId: 'a', amount: 8_000n, isTrueUp: false },
      { chargeId: 'b', amount: 5_000n, isTrueUp: false },
      { chargeId: 'true-up', amount: 1_000n, isTrueUp: true },
    ];
    expect(drawDownCredits({ lines, balance: 10_000n, appliesTo: ['b'] })).toEqual({
      appliedPerLine: [0n, 5_000n, 0n],
      applied: 5_000n,
      balanceAfter: 5_000n,
    });
  });
});

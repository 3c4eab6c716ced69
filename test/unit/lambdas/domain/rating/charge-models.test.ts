import { describe, expect, it } from 'vitest';
import {
  CHARGE_MODELS,
  ChargeSchema,
  PlanVersionSchema,
  type ChargeModel,
  type ResolvedPlanVersion,
} from '../../../../../lambdas/domain/plans';
import {
  CHARGE_MODEL_DEFINITIONS,
  MetricUsageSchema,
  indexUsage,
  rateChargeLines,
  usageRequirementsFor,
  type ChargeModelRegistry,
  type RatingPeriod,
} from '../../../../../lambdas/domain/rating';

// One sample charge per model, priced on 10 units or on two outcomes worth
// 100 and 50, in a 10-day period of a 31-day month. Typed by model, so a model
// without a sample does not compile either.
const SAMPLES: Record<ChargeModel, { charge: Record<string, unknown>; description: string }> = {
  flat: { charge: { amount: '310.00' }, description: 'Flat (10 of 31 days)' },
  per_unit: { charge: { metric: 'units', unitPrice: '1.25' }, description: 'Per unit: 10 units' },
  package: { charge: { metric: 'units', packageSize: '4', packagePrice: '5.00' }, description: 'Package: 10 units' },
  graduated: {
    charge: { metric: 'units', tiers: [{ upTo: '5', unitPrice: '1' }, { unitPrice: '2' }] },
    description: 'Graduated: 10 units',
  },
  volume: {
    charge: { metric: 'units', tiers: [{ upTo: '5', unitPrice: '1' }, { unitPrice: '2' }] },
    description: 'Volume: 10 units',
  },
  percentage: { charge: { metric: 'value', percent: '10' }, description: 'Percentage: 10% of 150 USD (2 outcomes)' },
};

const titles: Record<ChargeModel, string> = {
  flat: 'Flat',
  per_unit: 'Per unit',
  package: 'Package',
  graduated: 'Graduated',
  volume: 'Volume',
  percentage: 'Percentage',
};

const version: ResolvedPlanVersion = {
  ...PlanVersionSchema.parse({
    version: 1,
    effectiveFrom: '2026-01-01',
    metrics: [
      { code: 'units', ledgerMetric: 'unit.done', aggregation: 'count' },
      { code: 'value', ledgerMetric: 'order.recovered', aggregation: 'sum_value' },
    ],
    charges: CHARGE_MODELS.map((model) => ({ id: model.replace('_', '-'), name: titles[model], model, ...SAMPLES[model].charge })),
  }),
  planCode: 'samples',
  planName: 'Samples',
  currency: 'USD',
};

const period: RatingPeriod = {
  id: '2026-01',
  timeZone: 'UTC',
  start: '2026-01-22T00:00:00.000Z',
  end: '2026-02-01T00:00:00.000Z',
  startDate: '2026-01-22',
  endDate: '2026-02-01',
  partial: true,
  lastOfTerm: false,
  proration: { days: 10, fullDays: 31 },
};

function rateSamples() {
  const usageByKey = indexUsage({
    metrics: [
      MetricUsageSchema.parse({ ledgerMetric: 'unit.done', count: 10, sumQuantity: '10' }),
      MetricUsageSchema.parse({
        ledgerMetric: 'order.recovered',
        count: 2,
        sumQuantity: '2',
        sumValue: '150',
        valueCurrency: 'USD',
        outcomeValues: ['100', '50'],
      }),
    ],
  });
  return rateChargeLines({
    version,
    charges: version.charges.map((charge) => ({ charge, overridden: false })),
    usageByKey,
    measure: { currency: 'USD', customerId: null, from: period.start, to: period.end, asOf: null, missingUsage: 'error' },
    period,
  });
}

describe('the charge model registry', () => {
  it('has an entry for every model of the plan schema, and no other', () => {
    const schemaModels = ChargeSchema.options.map((option) => option.shape.model.value);
    expect(schemaModels).toEqual([...CHARGE_MODELS]);
    expect(Object.keys(CHARGE_MODEL_DEFINITIONS)).toEqual([...CHARGE_MODELS]);
  });

  it('prices and describes a line of every model through its entry', () => {
    const lines = rateSamples();
    expect(lines.map((line) => [line.model, line.amount, line.description, line.metric, line.quantity])).toEqual([
      ['flat', 10000n, SAMPLES.flat.description, null, '1'],
      ['per_unit', 1250n, SAMPLES.per_unit.description, 'units', '10'],
      ['package', 1500n, SAMPLES.package.description, 'units', '10'],
      ['graduated', 1500n, SAMPLES.graduated.description, 'units', '10'],
      ['volume', 2000n, SAMPLES.volume.description, 'units', '10'],
      ['percentage', 1500n, SAMPLES.percentage.description, 'value', '150'],
    ]);
    for (const line of lines) expect(line.breakdown.length, line.model).toBeGreaterThan(0);
  });

  it('asks the ledger for outcome values exactly for the models that need them', () => {
    const [units, value] = usageRequirementsFor(version);
    expect(units).toMatchObject({ ledgerMetric: 'unit.done', needsOutcomeValues: false });
    expect(value).toMatchObject({ ledgerMetric: 'order.recovered', needsOutcomeValues: true });
    expect(CHARGE_MODELS.filter((model) => CHARGE_MODEL_DEFINITIONS[model].needsOutcomeValues)).toEqual(['percentage']);
  });

  it('refuses a plan whose metric lacks the aggregation a model requires', () => {
    for (const model of CHARGE_MODELS) {
      const required = CHARGE_MODEL_DEFINITIONS[model].requiredAggregation;
      if (required === undefined) continue;
      const parsed = PlanVersionSchema.safeParse({
        version: 1,
        effectiveFrom: '2026-01-01',
        metrics: [{ code: 'units', ledgerMetric: 'unit.done', aggregation: 'count' }],
        charges: [{ id: 'charge', name: 'Charge', model, ...SAMPLES[model].charge, metric: 'units' }],
      });
      expect(parsed.error?.issues.map((issue) => issue.message), model).toEqual([
        `a ${model} charge needs a metric with aggregation "${required}" ("units" is "count")`,
      ]);
    }
  });

  it('does not compile with a model left out', () => {
    const { percentage: _percentage, ...withoutPercentage } = CHARGE_MODEL_DEFINITIONS;
    // @ts-expect-error every model of the plan schema needs an entry
    const incomplete: ChargeModelRegistry = withoutPercentage;
    expect(Object.keys(incomplete)).not.toContain('percentage');
  });
});

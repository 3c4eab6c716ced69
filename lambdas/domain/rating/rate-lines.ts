import { roundToMinorUnits } from '../money/rounding';
import type { Charge, MetricDefinition } from '../plans/plan-schema';
import type { ContractCharge } from '../plans/contract-plan';
import type { ResolvedPlanVersion } from '../plans/resolve-plan-version';
import type { InvoiceLine, RatingPeriod } from './draft-invoice';
import { chargeModelOf } from './charge-models';
import { measureMetric, type MeasureContext } from './measure-usage';
import { priceCharge } from './pricers/price-charge';
import type { MetricUsage } from './usage';
import type { ChargePricingInput } from './pricers/priced-charge';
import { MoneyDecimal } from '../money/decimal';
import { capMeasuredMetric } from './apply-caps';

const ONE = new MoneyDecimal(1);

/**
 * Prices every charge of a version for one period and rounds each line once.
 * Shared by invoices (rateContractPeriod), plan trials (priceUsage) and
 * simulations, so all three price identically.
 */
export function rateChargeLines(input: {
  readonly version: ResolvedPlanVersion;
  readonly charges: readonly ContractCharge[];
  readonly usageByKey: ReadonlyMap<string, MetricUsage>;
  readonly measure: MeasureContext;
  readonly period: RatingPeriod;
  /** A contract's metric caps by plan metric code (see apply-caps.ts); none for plan trials. */
  readonly metricCaps?: ReadonlyMap<string, MoneyDecimal>;
}): InvoiceLine[] {
  const { version, period } = input;
  const metrics = new Map<string, MetricDefinition>(version.metrics.map((metric) => [metric.code, metric]));
  const linePeriod = { id: period.id, start: period.start, end: period.end };
  return input.charges.map(({ charge, overridden }): InvoiceLine => {
    const model = chargeModelOf(charge);
    const metric = pricedMetric(charge, model.metricOf(charge), metrics);
    const capped =
      metric === undefined
        ? undefined
        : capMeasuredMetric(
            metric.code,
            measureMetric(metric, input.usageByKey, input.measure, model.needsOutcomeValues),
            input.metricCaps?.get(metric.code),
          );
    const measured = capped?.measured;
    const pricingInput: ChargePricingInput = measured
      ? {
          quantity: measured.quantity,
          proration: period.proration,
          ...(measured.outcomes ? { outcomes: measured.outcomes } : {}),
        }
      : { quantity: ONE, proration: period.proration };
    const priced = priceCharge(charge, pricingInput);
    const amount = roundToMinorUnits(priced.exactAmount, version.currency);
    // The line keeps the measured quantity (every outcome counts in usage); a cap row says what was billable.
    const quantity = (capped?.row?.kind === 'metric_cap' ? capped.row.measured : undefined) ?? pricingInput.quantity.toFixed();
    const described = model.describe(charge, {
      quantity,
      currency: version.currency,
      outcomes: measured?.outcomes,
    });
    const { days, fullDays } = period.proration;
    return {
      chargeId: charge.id,
      chargeName: charge.name,
      model: charge.model,
      description:
        model.proratedOnPartialPeriods && days !== fullDays ? `${described} (${days} of ${fullDays} days)` : described,
      metric: metric?.code ?? null,
      quantity,
      exactAmount: priced.exactAmount.toFixed(),
      amount,
      creditApplied: 0n,
      amountDue: amount,
      priceSource: overridden ? 'contract_override' : 'plan',
      breakdown: capped?.row ? [capped.row, ...priced.breakdown] : priced.breakdown,
      usageQuery: measured?.usageQuery ?? null,
      period: linePeriod,
    };
  });
}

/** The metric a charge prices, or undefined for a charge billed per period. */
function pricedMetric(
  charge: Charge,
  metricCode: string | undefined,
  metrics: ReadonlyMap<string, MetricDefinition>,
): MetricDefinition | undefined {
  if (metricCode === undefined) return undefined;
  const metric = metrics.get(metricCode);
  if (metric === undefined) {
    // The plan schema rejects charges on undefined metrics; reaching here means
    // an unvalidated version was passed in.
    throw new TypeError(`charge "${charge.id}" reads undefined metric "${metricCode}"`);
  }
  return metric;
}

import { roundToMinorUnits } from '../money/rounding';
import type { MetricDefinition } from '../plans/plan-schema';
import type { ContractCharge } from '../plans/contract-plan';
import type { ResolvedPlanVersion } from '../plans/resolve-plan-version';
import type { InvoiceLine, RatingPeriod } from './draft-invoice';
import { measureMetric, type MeasureContext } from './measure-usage';
import { priceCharge } from './pricers/price-charge';
import type { MetricUsage } from './usage';
import type { ChargePricingInput } from './pricers/priced-charge';
import { MoneyDecimal } from '../money/decimal';

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
}): InvoiceLine[] {
  const { version, period } = input;
  const metrics = new Map<string, MetricDefinition>(version.metrics.map((metric) => [metric.code, metric]));
  const linePeriod = { id: period.id, start: period.start, end: period.end };
  return input.charges.map(({ charge, overridden }): InvoiceLine => {
    const priceSource = overridden ? 'contract_override' : 'plan';
    if (charge.model === 'flat') {
      const priced = priceCharge(charge, { quantity: ONE, proration: period.proration });
      const amount = roundToMinorUnits(priced.exactAmount, version.currency);
      const { days, fullDays } = period.proration;
      return {
        chargeId: charge.id,
        chargeName: charge.name,
        model: charge.model,
        description: days === fullDays ? charge.name : `${charge.name} (${days} of ${fullDays} days)`,
        metric: null,
        quantity: '1',
        exactAmount: priced.exactAmount.toFixed(),
        amount,
        creditApplied: 0n,
        amountDue: amount,
        priceSource,
        breakdown: priced.breakdown,
        usageQuery: null,
        period: linePeriod,
      };
    }
    const metric = metrics.get(charge.metric);
    if (metric === undefined) {
      // The plan schema rejects charges on undefined metrics; reaching here means
      // an unvalidated version was passed in.
      throw new TypeError(`charge "${charge.id}" reads undefined metric "${charge.metric}"`);
    }
    const measured = measureMetric(metric, input.usageByKey, input.measure, charge.model === 'percentage');
    const pricingInput: ChargePricingInput = {
      quantity: measured.quantity,
      proration: period.proration,
      ...(measured.outcomes ? { outcomes: measured.outcomes } : {}),
    };
    const priced = priceCharge(charge, pricingInput);
    const amount = roundToMinorUnits(priced.exactAmount, version.currency);
    const quantity = measured.quantity.toFixed();
    return {
      chargeId: charge.id,
      chargeName: charge.name,
      model: charge.model,
      description:
        charge.model === 'percentage'
          ? `${charge.name}: ${charge.percent}% of ${quantity} ${version.currency} (${measured.outcomes?.count ?? 0} outcomes)`
          : `${charge.name}: ${quantity} ${metric.code}`,
      metric: metric.code,
      quantity,
      exactAmount: priced.exactAmount.toFixed(),
      amount,
      creditApplied: 0n,
      amountDue: amount,
      priceSource,
      breakdown: priced.breakdown,
      usageQuery: measured.usageQuery,
      period: linePeriod,
    };
  });
}

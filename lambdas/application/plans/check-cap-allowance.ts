import { z } from 'zod';
import { engineErrorClass } from '../../domain/errors/engine-error';
import { QuantitySchema, toDecimal } from '../../domain/money';
import { formatMinorUnits } from '../../domain/money/format-money';
import { minorUnitsFromDecimal } from '../../domain/money/minor-units';
import { quantitiesByMetric } from '../../domain/rating/spend-alert-rules';
import { loadContract } from '../billing/rate-for-invoice';
import { reportSpend, type ReportSpendDeps } from './report-spend';

// "May this customer consume N more of metric M now?", answered from the
// open period's spend through the rollups, so a producer can stop serving at
// a contract's cap. A metric cap allows N when the quantity to date plus N
// stays within it; a spend cap allows while the rated charges to date are
// below it (the price of N more depends on tiers and is not estimated here).

export const CheckCapAllowanceInputSchema = z.strictObject({
  contractId: z.string().min(1).max(128),
  /** A plan metric code, as in the plan's charges and `spend`. */
  metric: z.string().min(1).max(64),
  quantity: QuantitySchema,
});
export type CheckCapAllowanceInput = z.input<typeof CheckCapAllowanceInputSchema>;

export interface CapAllowance {
  readonly allowed: boolean;
  readonly contractId: string;
  readonly periodId: string;
  readonly metric: string;
  readonly requested: string;
  /** The metric's quantity in the period to date. */
  readonly usedToDate: string;
  /** The metric cap and what is left of it; null without one. */
  readonly metricCap: { readonly cap: string; readonly remaining: string } | null;
  /** The spend cap and the rated charges to date, in the contract's currency; null without one. */
  readonly spendCap: { readonly cap: string; readonly spentToDate: string; readonly currency: string } | null;
  /** Why the answer is no; null when allowed. */
  readonly reason: string | null;
  readonly asOf: string;
}

/** The metric asked about is not one the contract's plan prices: no quantity to check against. */
export class UnpricedMetricError extends engineErrorClass('UnpricedMetricError', 'invalid_input', 'metric_not_priced') {}

export async function checkCapAllowance(deps: ReportSpendDeps, input: CheckCapAllowanceInput): Promise<CapAllowance> {
  const parsed = CheckCapAllowanceInputSchema.parse(input);
  const contract = await loadContract(deps.contracts, parsed.contractId);
  const now = deps.now();
  const spend = await reportSpend(deps, { contractId: contract.contractId, asOf: now });
  const quantities = quantitiesByMetric(spend);
  const measured = quantities.get(parsed.metric);
  if (measured === undefined) {
    const priced = [...quantities.keys()].map((code) => `"${code}"`).join(', ') || 'none';
    throw new UnpricedMetricError(`contract "${contract.contractId}" has no charge on metric "${parsed.metric}" this period (priced metrics: ${priced})`);
  }
  const used = measured;
  const requested = toDecimal(parsed.quantity);
  const caps = contract.caps ?? [];
  const metricCap = caps.find((cap): cap is { metric: string; quantity: string } => 'metric' in cap && cap.metric === parsed.metric);
  const spendCap = caps.find((cap): cap is { spend: string } => 'spend' in cap);
  const reasons: string[] = [];
  let metricCapView: CapAllowance['metricCap'] = null;
  if (metricCap) {
    const cap = toDecimal(metricCap.quantity);
    const remaining = cap.gt(used) ? cap.minus(used) : toDecimal('0');
    metricCapView = { cap: cap.toFixed(), remaining: remaining.toFixed() };
    if (used.plus(requested).gt(cap)) reasons.push(`${parsed.metric} is capped at ${cap.toFixed()} this period: ${used.toFixed()} used, ${remaining.toFixed()} left`);
  }
  let spendCapView: CapAllowance['spendCap'] = null;
  if (spendCap) {
    const cap = minorUnitsFromDecimal(spendCap.spend, contract.currency);
    spendCapView = { cap: formatMinorUnits(cap, contract.currency), spentToDate: formatMinorUnits(spend.draft.subtotal, contract.currency), currency: contract.currency };
    if (spend.draft.subtotal >= cap) reasons.push(`spend is capped at ${spendCapView.cap} ${contract.currency} this period and ${spendCapView.spentToDate} is reached`);
  }
  return {
    allowed: reasons.length === 0,
    contractId: contract.contractId,
    periodId: spend.draft.period.id,
    metric: parsed.metric,
    requested: requested.toFixed(),
    usedToDate: used.toFixed(),
    metricCap: metricCapView,
    spendCap: spendCapView,
    reason: reasons.length === 0 ? null : reasons.join('; '),
    asOf: now.toISOString(),
  };
}

import { z } from 'zod';
import { engineErrorClass } from '../../domain/errors/engine-error';
import { QuantitySchema, toDecimal } from '../../domain/money';
import type { MoneyDecimal } from '../../domain/money/decimal';
import type { Contract } from '../../domain/plans/contract-schema';
import { formatMinorUnits } from '../../domain/money/format-money';
import { metricCapsOf, spendCapOf } from '../../domain/rating/apply-caps';
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
  const metric = metricCapStatus(contract, parsed.metric, used, requested);
  const spendCap = spendCapStatus(contract, spend.draft.subtotal);
  const reasons = [metric?.reason, spendCap?.reason].filter((reason): reason is string => reason !== null && reason !== undefined);
  const metricCapView: CapAllowance['metricCap'] = metric ? metric.view : null;
  const spendCapView: CapAllowance['spendCap'] = spendCap ? spendCap.view : null;
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

/** A contract's cap on one metric against the quantity used and the quantity asked for; undefined without one. Why it refuses, or null. */
export function metricCapStatus(
  contract: Contract,
  metric: string,
  used: MoneyDecimal,
  requested: MoneyDecimal,
): { view: NonNullable<CapAllowance['metricCap']>; reason: string | null } | undefined {
  // The caps as rating reads them (apply-caps.ts).
  const cap = metricCapsOf(contract.caps).get(metric);
  if (cap === undefined) return undefined;
  const remaining = cap.gt(used) ? cap.minus(used) : toDecimal('0');
  const view = { cap: cap.toFixed(), remaining: remaining.toFixed() };
  const reason = used.plus(requested).gt(cap) ? `${metric} is capped at ${cap.toFixed()} this period: ${used.toFixed()} used, ${remaining.toFixed()} left` : null;
  return { view, reason };
}

/** A contract's spend cap against the rated charges to date (minor units); undefined without one. Why it refuses, or null. */
export function spendCapStatus(contract: Contract, subtotal: bigint): { view: NonNullable<CapAllowance['spendCap']>; reason: string | null } | undefined {
  const cap = spendCapOf(contract.caps, contract.currency);
  if (cap === undefined) return undefined;
  const view = { cap: formatMinorUnits(cap, contract.currency), spentToDate: formatMinorUnits(subtotal, contract.currency), currency: contract.currency };
  const reason = subtotal >= cap ? `spend is capped at ${view.cap} ${contract.currency} this period and ${view.spentToDate} is reached` : null;
  return { view, reason };
}

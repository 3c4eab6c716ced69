import { isCurrencyCode } from '../money/currencies';
import type { RollupTotals } from '../ledger/usage-rollup';
import { FIXED_POINT_SCALE, formatFixedPoint } from './fixed-point';
import { UsageInputError } from './rating-errors';
import type { MetricUsage } from './usage';
import type { UsageRequirement } from './usage-requirements';

// Rollup totals (12-decimal fixed point) as the MetricUsage rating reads,
// figure for figure what UsageAccumulator makes of the same outcomes.

const TWELVE_TO_EIGHTEEN = FIXED_POINT_SCALE / 1_000_000_000_000n;

/** Whether the cells can answer this requirement exactly (see docs/rollups.md); otherwise the raw scan does. */
export function isRollupAnswerable(requirement: UsageRequirement): boolean {
  return !requirement.needsMax && !requirement.needsLatest && requirement.uniqueAttributes.length === 0 && !requirement.needsOutcomeValues;
}

export function metricUsageFromRollup(requirement: UsageRequirement, totals: RollupTotals): MetricUsage {
  const currencies = [...totals.values.keys()].sort();
  if (currencies.length > 1) {
    throw new UsageInputError(
      'mixed_value_currencies',
      `outcomes of metric "${requirement.ledgerMetric}" carry values in more than one currency; rating never converts currencies`,
    );
  }
  const [valueCurrency] = currencies;
  if (valueCurrency !== undefined && !isCurrencyCode(valueCurrency)) {
    throw new UsageInputError('invalid_usage', `"${valueCurrency}" is not an ISO 4217 currency code`);
  }
  const sumValue = valueCurrency === undefined ? 0n : (totals.values.get(valueCurrency)?.amount ?? 0n);
  if (totals.count > BigInt(Number.MAX_SAFE_INTEGER)) throw new UsageInputError('invalid_usage', `count of metric "${requirement.ledgerMetric}" is too large`);
  return {
    ledgerMetric: requirement.ledgerMetric,
    eligibility: requirement.eligibility,
    count: Number(totals.count), // exact: a count of outcomes, checked to be a safe integer above
    sumQuantity: formatFixedPoint(totals.quantity * TWELVE_TO_EIGHTEEN),
    ...(requirement.needsValue ? { sumValue: formatFixedPoint(sumValue * TWELVE_TO_EIGHTEEN) } : {}),
    ...(valueCurrency !== undefined && isCurrencyCode(valueCurrency) ? { valueCurrency } : {}),
  };
}

import { isCurrencyCode } from '../money/currencies';
import type { PinnedDefinitions } from '../ledger/governing-definition';
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

/**
 * Whether a contract's pin decides this requirement's figures in a way the
 * cells cannot: cells sort outcomes into billable parts by the rule recorded
 * on each, and a pinned version's rule may differ, so the billable basis of
 * a pinned metric is read raw. `all` and `verified` do not depend on the rule.
 */
export function dependsOnPinnedRule(requirement: UsageRequirement, pinned: PinnedDefinitions | undefined): boolean {
  return requirement.eligibility === 'billable' && pinned?.[requirement.ledgerMetric] !== undefined;
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

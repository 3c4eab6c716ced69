import { MoneyDecimal, ZERO, planDecimal, planText } from '../../money/decimal';
import type { BreakdownRow } from '../breakdown';

/**
 * Included allowance (free units): the first `includedUnits` of the period's
 * quantity are free and the model prices only what is left, so tiers apply to
 * the overage. The allowance is never prorated (usage never is).
 */
export function applyIncludedAllowance(
  quantity: MoneyDecimal,
  includedUnits: string | undefined,
): { billable: MoneyDecimal; rows: BreakdownRow[] } {
  if (includedUnits === undefined) return { billable: quantity, rows: [] };
  const billable = MoneyDecimal.max(ZERO, quantity.minus(planDecimal(includedUnits)));
  return {
    billable,
    rows: [{ kind: 'included_units', measured: quantity.toFixed(), included: planText(includedUnits), billable: billable.toFixed() }],
  };
}

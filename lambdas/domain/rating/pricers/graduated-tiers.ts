import { MoneyDecimal, ZERO, planDecimal, planText } from '../../money/decimal';
import type { GraduatedCharge } from '../../plans/plan-schema';
import type { BreakdownRow } from '../breakdown';
import { applyIncludedAllowance } from './included-allowance';
import type { ChargePricingInput, PricedCharge } from './priced-charge';

/**
 * Graduated tiers: each tier prices only the units that fall inside it
 * (above the previous bound, up to its own, inclusive), plus its flat fee
 * when any unit falls in it. The line is the exact sum of the tier parts.
 */
export function priceGraduatedTiers(charge: GraduatedCharge, input: ChargePricingInput): PricedCharge {
  const { billable, rows } = applyIncludedAllowance(input.quantity, charge.includedUnits);
  const tierRows: BreakdownRow[] = [];
  let exactAmount = ZERO;
  let from = ZERO;
  let fromText = '0';
  for (const [index, tier] of charge.tiers.entries()) {
    if (billable.lessThanOrEqualTo(from)) break;
    const upTo = tier.upTo === null ? null : planDecimal(tier.upTo);
    const units = (upTo === null ? billable : MoneyDecimal.min(billable, upTo)).minus(from);
    const unitsAmount = units.times(planDecimal(tier.unitPrice));
    const tierAmount = tier.flatFee === undefined ? unitsAmount : unitsAmount.plus(planDecimal(tier.flatFee));
    exactAmount = exactAmount.plus(tierAmount);
    tierRows.push({
      kind: 'tier',
      mode: 'graduated',
      tier: index + 1,
      from: fromText,
      upTo: tier.upTo === null ? null : planText(tier.upTo),
      units: units.toFixed(),
      unitPrice: planText(tier.unitPrice),
      flatFee: planText(tier.flatFee ?? '0'),
      exactAmount: tierAmount.toFixed(),
    });
    if (upTo === null || tier.upTo === null) break;
    from = upTo;
    fromText = planText(tier.upTo);
  }
  return { exactAmount, breakdown: [...rows, ...tierRows] };
}

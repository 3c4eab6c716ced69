import { ZERO, planDecimal, planText } from '../../money/decimal';
import type { VolumeCharge } from '../../plans/plan-schema';
import { applyIncludedAllowance } from './included-allowance';
import type { ChargePricingInput, PricedCharge } from './priced-charge';

/**
 * Volume tiers: the period's whole billable quantity is priced at the one tier
 * it reaches (quantity <= upTo), plus that tier's flat fee. No usage, no tier.
 */
export function priceVolumeTiers(charge: VolumeCharge, input: ChargePricingInput): PricedCharge {
  const { billable, rows } = applyIncludedAllowance(input.quantity, charge.includedUnits);
  if (billable.isZero()) return { exactAmount: ZERO, breakdown: rows };
  let fromText = '0';
  for (const [index, tier] of charge.tiers.entries()) {
    if (tier.upTo === null || billable.lessThanOrEqualTo(planDecimal(tier.upTo))) {
      const unitsAmount = billable.times(planDecimal(tier.unitPrice));
      const exactAmount = tier.flatFee === undefined ? unitsAmount : unitsAmount.plus(planDecimal(tier.flatFee));
      return {
        exactAmount,
        breakdown: [
          ...rows,
          {
            kind: 'tier',
            mode: 'volume',
            tier: index + 1,
            from: fromText,
            upTo: tier.upTo === null ? null : planText(tier.upTo),
            units: billable.toFixed(),
            unitPrice: planText(tier.unitPrice),
            flatFee: planText(tier.flatFee ?? '0'),
            exactAmount: exactAmount.toFixed(),
          },
        ],
      };
    }
    fromText = planText(tier.upTo);
  }
  // The schema makes the last tier unbounded, so every quantity finds a tier.
  throw new RangeError(`volume charge "${charge.id}" has no tier for ${billable.toFixed()}`);
}

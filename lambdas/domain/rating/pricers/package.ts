import { MoneyDecimal, planDecimal, planText } from '../../money/decimal';
import type { PackageCharge } from '../../plans/plan-schema';
import { applyIncludedAllowance } from './included-allowance';
import type { ChargePricingInput, PricedCharge } from './priced-charge';

/**
 * Package: units are sold in blocks of `packageSize` at `packagePrice` a block;
 * a started block is billed in full (rounding "up") or not at all ("down").
 */
export function pricePackage(charge: PackageCharge, input: ChargePricingInput): PricedCharge {
  const { billable, rows } = applyIncludedAllowance(input.quantity, charge.includedUnits);
  const packageSize = planDecimal(charge.packageSize);
  const packagePrice = planDecimal(charge.packagePrice);
  const packages = billable
    .dividedBy(packageSize)
    .toDecimalPlaces(0, charge.rounding === 'up' ? MoneyDecimal.ROUND_CEIL : MoneyDecimal.ROUND_FLOOR);
  const exactAmount = packages.times(packagePrice);
  return {
    exactAmount,
    breakdown: [
      ...rows,
      {
        kind: 'packages',
        units: billable.toFixed(),
        packageSize: planText(charge.packageSize),
        rounding: charge.rounding,
        packages: packages.toFixed(),
        packagePrice: planText(charge.packagePrice),
        exactAmount: exactAmount.toFixed(),
      },
    ],
  };
}

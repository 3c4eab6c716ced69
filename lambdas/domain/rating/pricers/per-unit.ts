import { planDecimal, planText } from '../../money/decimal';
import type { PerUnitCharge } from '../../plans/plan-schema';
import { applyIncludedAllowance } from './included-allowance';
import type { ChargePricingInput, PricedCharge } from './priced-charge';

/** Per unit: billable quantity × unit price. */
export function pricePerUnit(charge: PerUnitCharge, input: ChargePricingInput): PricedCharge {
  const { billable, rows } = applyIncludedAllowance(input.quantity, charge.includedUnits);
  const exactAmount = billable.times(planDecimal(charge.unitPrice));
  return {
    exactAmount,
    breakdown: [
      ...rows,
      { kind: 'units', units: billable.toFixed(), unitPrice: planText(charge.unitPrice), exactAmount: exactAmount.toFixed() },
    ],
  };
}

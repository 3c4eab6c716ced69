import { planDecimal, planText } from '../../money/decimal';
import type { FlatFeeCharge } from '../../plans/plan-schema';
import type { ChargePricingInput, PricedCharge } from './priced-charge';

/**
 * Flat recurring fee. A partial first or last period pays days/fullDays of it
 * (local calendar days, see periods); the division happens once, on the exact
 * amount, and the line rounds once.
 */
export function priceFlatFee(charge: FlatFeeCharge, input: ChargePricingInput): PricedCharge {
  const amount = planDecimal(charge.amount);
  const { days, fullDays } = input.proration;
  const prorated = days !== fullDays;
  const exactAmount = prorated ? amount.times(days).dividedBy(fullDays) : amount;
  return {
    exactAmount,
    breakdown: [
      { kind: 'flat_fee', amount: planText(charge.amount), proration: prorated ? { days, fullDays } : null, exactAmount: exactAmount.toFixed() },
    ],
  };
}

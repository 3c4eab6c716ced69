import type { Charge } from '../../plans/plan-schema';
import { chargeModelOf } from '../charge-models';
import { applyChargeLimits } from './charge-limits';
import type { ChargePricingInput, PricedCharge } from './priced-charge';

/**
 * Prices one charge for one period: the model's pricer (from the charge-model
 * registry, so a new model does not compile until it is priced), then the
 * charge's per-period minimum/maximum when the model has them. Exact, unrounded.
 */
export function priceCharge(charge: Charge, input: ChargePricingInput): PricedCharge {
  const model = chargeModelOf(charge);
  const priced = model.price(charge, input);
  const limits = model.limitsOf(charge);
  if (limits === undefined) return priced;
  const limited = applyChargeLimits(priced.exactAmount, limits, input.proration);
  return { exactAmount: limited.exactAmount, breakdown: [...priced.breakdown, ...limited.rows] };
}

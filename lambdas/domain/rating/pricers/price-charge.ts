import type { Charge } from '../../plans/plan-schema';
import { applyChargeLimits } from './charge-limits';
import { priceFlatFee } from './flat-fee';
import { priceGraduatedTiers } from './graduated-tiers';
import { pricePackage } from './package';
import { pricePercentageOfValue } from './percentage-of-value';
import { pricePerUnit } from './per-unit';
import { priceVolumeTiers } from './volume-tiers';
import type { ChargePricingInput, PricedCharge } from './priced-charge';

function assertNever(value: never): never {
  throw new TypeError(`unhandled charge model: ${JSON.stringify(value)}`);
}

/**
 * Prices one charge for one period: the model's pricer (one per model, chosen
 * by an exhaustive switch, so a new model does not compile until it is
 * priced), then the charge's per-period minimum/maximum. Exact, unrounded.
 */
export function priceCharge(charge: Charge, input: ChargePricingInput): PricedCharge {
  const priced = priceByModel(charge, input);
  if (charge.model === 'flat') return priced;
  const limited = applyChargeLimits(priced.exactAmount, charge, input.proration);
  return { exactAmount: limited.exactAmount, breakdown: [...priced.breakdown, ...limited.rows] };
}

function priceByModel(charge: Charge, input: ChargePricingInput): PricedCharge {
  switch (charge.model) {
    case 'flat':
      return priceFlatFee(charge, input);
    case 'per_unit':
      return pricePerUnit(charge, input);
    case 'package':
      return pricePackage(charge, input);
    case 'graduated':
      return priceGraduatedTiers(charge, input);
    case 'volume':
      return priceVolumeTiers(charge, input);
    case 'percentage':
      return pricePercentageOfValue(charge, input);
    default:
      return assertNever(charge);
  }
}

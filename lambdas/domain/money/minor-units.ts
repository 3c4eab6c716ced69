import { MoneyDecimal, toDecimal } from './decimal';
import { MINOR_UNIT_FACTORS } from './rounding';
import { minorUnitExponent, type CurrencyCode } from './currencies';
import { MoneyPrecisionError } from './money-errors';

/**
 * Converts an exact amount in major units ("12.50" USD) into integer minor units
 * (1250n). Throws MoneyPrecisionError instead of rounding: fixed amounts in
 * plans and contracts must be expressible in the currency, so a "0.005" USD fee
 * is a mistake to report, not a value to guess at.
 */
export function minorUnitsFromDecimal(amount: string | MoneyDecimal, currency: CurrencyCode): bigint {
  const exponent = minorUnitExponent(currency);
  const scaled = toDecimal(amount).times(MINOR_UNIT_FACTORS[exponent]);
  if (!scaled.isInteger()) {
    throw new MoneyPrecisionError(typeof amount === 'string' ? amount : amount.toFixed(), currency, exponent);
  }
  return BigInt(scaled.toFixed(0));
}

/** True when the amount fits the currency's minor unit exactly. */
export function isExactInCurrency(amount: string, currency: CurrencyCode): boolean {
  return toDecimal(amount).times(MINOR_UNIT_FACTORS[minorUnitExponent(currency)]).isInteger();
}

/** Integer minor units -> exact MoneyDecimal in major units (1250n USD -> 12.5). */
export function decimalFromMinorUnits(minor: bigint, currency: CurrencyCode): MoneyDecimal {
  return toDecimal(minor).dividedBy(MINOR_UNIT_FACTORS[minorUnitExponent(currency)]);
}

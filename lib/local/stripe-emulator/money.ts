// Amounts in Stripe's API are integers in the currency's smallest unit (JPY
// yen, USD cents, KWD fils), so the emulator never needs a currency's
// exponent to add them up. Only `unit_amount_decimal × quantity` needs
// rounding, once per line, half away from zero (Stripe: "0.05 × 30 = 1.5,
// which is then rounded up to 2 cents"; https://stripe.com/docs/billing/subscriptions/decimal-amounts).
import { MoneyDecimal } from '../../../lambdas/domain/money/decimal';
import { stripeErrors } from './errors';

// Presentment currencies Stripe accepts (ISO 4217, lowercase on the wire).
const SUPPORTED_CURRENCIES = new Set(
  (
    'aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bhd bif bmd bnd bob brl bsd btn bwp byn bzd cad cdf chf ' +
    'clp cny cop crc cup cve czk djf dkk dop dzd egp ern etb eur fjd fkp gbp gel ghs gip gmd gnf gtq gyd hkd hnl htg ' +
    'huf idr ils inr iqd irr isk jmd jod jpy kes kgs khr kmf kpw krw kwd kyd kzt lak lbp lkr lrd lsl lyd mad mdl mga ' +
    'mkd mmk mnt mop mru mur mvr mwk mxn myr mzn nad ngn nio nok npr nzd omr pab pen pgk php pkr pln pyg qar ron rsd ' +
    'rub rwf sar sbd scr sdg sek sgd shp sle sos srd ssp stn svc syp szl thb tnd top try ttd twd tzs uah ugx usd uyu ' +
    'uzs ves vnd vuv wst xaf xcd xof xpf yer zar zmw zwg'
  ).split(' '),
);

/** Lowercases and checks a currency code, answering Stripe's error for unknown ones. */
export function parseCurrency(value: string, param = 'currency'): string {
  const code = value.toLowerCase();
  if (!SUPPORTED_CURRENCIES.has(code)) {
    throw stripeErrors.invalidParam(param, `Invalid currency: ${value}. Stripe currently supports these currencies: ${[...SUPPORTED_CURRENCIES].join(', ')}`);
  }
  return code;
}

/** `unit × quantity` rounded to whole minor units, half away from zero. */
export function lineAmount(unitAmountDecimal: string, quantity: string): number {
  const exact = new MoneyDecimal(unitAmountDecimal).times(new MoneyDecimal(quantity));
  const rounded = exact.toDecimalPlaces(0, MoneyDecimal.ROUND_HALF_UP);
  if (!rounded.abs().lte(Number.MAX_SAFE_INTEGER)) {
    throw stripeErrors.invalidParam('unit_amount_decimal', `The line amount ${exact.toString()} is too large.`, 'amount_too_large');
  }
  return rounded.toNumber();
}

/** Integer part of a decimal quantity, as Stripe reports the legacy `quantity`. */
export function truncatedQuantity(quantityDecimal: string): number {
  return new MoneyDecimal(quantityDecimal).truncated().toNumber();
}

/** A canonical decimal string: `1.50` → `1.5`, `-0` → `0`. */
export function normalizeDecimal(value: string): string {
  const parsed = new MoneyDecimal(value);
  return parsed.isZero() ? '0' : parsed.toFixed();
}

export function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  if (!Number.isSafeInteger(total)) throw stripeErrors.apiError(500, 'Amount overflow while totalling.');
  return total;
}

/**
 * Stripe keeps ISK two-decimal in its API (100 = 1 króna) but, since April
 * 2023, refuses amounts that are not whole krónur.
 */
export function checkWholeUnitAmount(amount: number, currency: string, param = 'amount'): void {
  if (currency === 'isk' && amount % 100 !== 0) {
    throw stripeErrors.invalidParam(
      param,
      'Invalid amount. Currency ISK has become effectively zero-decimal and charged amounts must be evenly divisible by 100. See https://stripe.com/docs/currencies#special-cases for more information.',
      'invalid_charge_amount_no_decimal_compatible',
    );
  }
}

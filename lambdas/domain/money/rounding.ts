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

/** Exact amount in major units -> integer minor units, by ROUNDING_RULE. */
export function roundToMinorUnits(exactMajorUnits: MoneyDecimal | string, currency: CurrencyCode): bigint {
  const minor = toDecimal(exactMajorUnits)
    .times(MINOR_UNIT_FACTORS[minorUnitExponent(currency)])
    .toDecimalPlaces(0, MoneyDecimal.ROUND_HALF_UP);
  return BigInt(minor.toFixed(0));
}

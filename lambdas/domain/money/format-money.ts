import { minorUnitExponent, type CurrencyCode } from './currencies';

/**
 * Minor units -> plain decimal string with exactly the currency's decimals
 * (1250n USD -> "12.50", 1234n JPY -> "1234", 1234n KWD -> "1.234"). String and
 * bigint arithmetic only, so it is exact for any size.
 */
export function formatMinorUnits(minor: bigint, currency: CurrencyCode): string {
  const exponent = minorUnitExponent(currency);
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString();
  if (exponent === 0) return (negative ? '-' : '') + digits;
  const padded = digits.padStart(exponent + 1, '0');
  const whole = padded.slice(0, padded.length - exponent);
  const fraction = padded.slice(padded.length - exponent);
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

/**
 * Minor units -> localized display string ("$1,234.50", "￥1,234", "KWD 1.234").
 * Intl.NumberFormat formats decimal *strings* exactly (no float conversion), and
 * the fraction digits are pinned to the ISO 4217 exponent so a locale can never
 * show JPY with decimals or KWD with two.
 */
export function formatMoney(minor: bigint, currency: CurrencyCode, locale = 'en-US'): string {
  const exponent = minorUnitExponent(currency);
  const formatter = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  });
  // The ES2023 Intl.NumberFormat v3 overload takes an exact decimal string.
  return formatter.format(formatMinorUnits(minor, currency) as unknown as number);
}

/**
 * Minor units -> "1234.50 USD", "1234 JPY", "-0.05 USD": the exact amount with
 * the currency's decimals, no grouping, then the ISO code. The CLI's tables and
 * totals use it: columns stay aligned and a script can read the number back.
 * Prose for people (task reasons, value summaries) uses formatMoney.
 */
export function formatAmountWithCode(minor: bigint, currency: CurrencyCode): string {
  return `${formatMinorUnits(minor, currency)} ${currency}`;
}

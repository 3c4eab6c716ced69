import { MoneyDecimal } from '../money/decimal';
import { UsageInputError } from './rating-errors';

// Aggregating a million outcomes with decimal.js would spend most of its time
// allocating Decimals. Quantities and values are summed instead as bigint
// fixed point with 18 decimal places (exact for every quantity the ledger
// accepts); a Decimal is made once per aggregate, when a line is priced.

export const FIXED_POINT_DECIMALS = 18;
export const FIXED_POINT_SCALE = 10n ** BigInt(FIXED_POINT_DECIMALS);
const SCALE = FIXED_POINT_SCALE;
const PLAIN_DECIMAL = /^\d+(\.\d+)?$/;
const FRACTION_PADDING = '0'.repeat(FIXED_POINT_DECIMALS);

/** "12.5" -> 12500000000000000000n. Throws UsageInputError for anything but a plain non-negative decimal. */
export function parseFixedPoint(text: string, what: string): bigint {
  if (!PLAIN_DECIMAL.test(text)) {
    throw new UsageInputError('invalid_quantity', `${what} "${text}" is not a non-negative decimal string`);
  }
  const dot = text.indexOf('.');
  if (dot === -1) return BigInt(text) * SCALE;
  const fraction = text.slice(dot + 1);
  if (fraction.length > FIXED_POINT_DECIMALS) {
    throw new UsageInputError(
      'invalid_quantity',
      `${what} "${text}" has more than ${FIXED_POINT_DECIMALS} decimal places`,
    );
  }
  return BigInt(text.slice(0, dot)) * SCALE + BigInt((fraction + FRACTION_PADDING).slice(0, FIXED_POINT_DECIMALS));
}

/** Fixed point -> plain decimal string without trailing zeros ("12.5"). */
export function formatFixedPoint(value: bigint): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(FIXED_POINT_DECIMALS + 1, '0');
  const whole = digits.slice(0, digits.length - FIXED_POINT_DECIMALS);
  const fraction = digits.slice(digits.length - FIXED_POINT_DECIMALS).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}

export function fixedPointToDecimal(value: bigint): MoneyDecimal {
  return new MoneyDecimal(formatFixedPoint(value));
}

/** A non-negative decimal string as an integer scaled by 10^digits ("1.5", 2 -> 150n); exact or throws. */
export function parseScaled(text: string, digits: number, what: string): bigint {
  if (!PLAIN_DECIMAL.test(text)) {
    throw new UsageInputError('invalid_quantity', `${what} "${text}" is not a non-negative decimal string`);
  }
  const dot = text.indexOf('.');
  const whole = dot === -1 ? text : text.slice(0, dot);
  const fraction = dot === -1 ? '' : text.slice(dot + 1).replace(/0+$/, '');
  if (fraction.length > digits) {
    throw new UsageInputError('invalid_quantity', `${what} "${text}" has more than ${digits} decimal places`);
  }
  return BigInt(whole) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, '0') || '0');
}

/** An integer scaled by 10^digits -> exact MoneyDecimal (the point is placed in the digits: no division). */
export function scaledToDecimal(value: bigint, digits: number): MoneyDecimal {
  const negative = value < 0n;
  const text = (negative ? -value : value).toString().padStart(digits + 1, '0');
  const point = text.length - digits;
  return new MoneyDecimal(`${negative ? '-' : ''}${text.slice(0, point)}.${text.slice(point) || '0'}`);
}

import Decimal from 'decimal.js';

// A private Decimal constructor: 40 significant digits covers a 12-decimal unit
// price times a quantity in the trillions with room to spare, and cloning means
// no other module's (or library's) Decimal settings can change our arithmetic.
// The rounding mode here only matters for precision overflow in division;
// rounding to minor units is explicit in rounding.ts.
export const MoneyDecimal = Decimal.clone({
  precision: 40,
  rounding: Decimal.ROUND_HALF_UP,
  toExpNeg: -40,
  toExpPos: 40,
});

export type MoneyDecimal = InstanceType<typeof MoneyDecimal>;

export const ZERO = new MoneyDecimal(0);

/** Parses a decimal string (or bigint/integer) into a MoneyDecimal. */
export function toDecimal(value: string | bigint | number | MoneyDecimal): MoneyDecimal {
  // Decimals are immutable: an existing one is used as it is, not copied.
  if (value instanceof MoneyDecimal) return value;
  if (typeof value === 'bigint') return new MoneyDecimal(value.toString());
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    // Binary fractions must never enter money arithmetic.
    throw new TypeError(`refusing non-integer number ${value}: pass a decimal string`);
  }
  return new MoneyDecimal(value);
}

/** Plain (never exponential) decimal string without trailing zeros. */
export function decimalToString(value: MoneyDecimal): string {
  return value.toFixed();
}

export function sumDecimals(values: Iterable<MoneyDecimal>): MoneyDecimal {
  let total = ZERO;
  for (const value of values) total = total.plus(value);
  return total;
}

/**
 * A decimal from a value that may not have passed validation yet (schema
 * refinements see raw input when a sibling check failed); undefined if it is
 * not a plain decimal string or safe integer.
 */
export function decimalOrUndefined(value: unknown): MoneyDecimal | undefined {
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return new MoneyDecimal(value);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return new MoneyDecimal(value);
  return undefined;
}

// Plan constants (prices, tier bounds, fees) are the same few strings for
// every contract rated; Decimals are immutable, so each is parsed once.
const constants = new Map<string, MoneyDecimal>();

/** A Decimal for a plan constant, parsed once and shared (Decimals are immutable). */
export function planDecimal(text: string): MoneyDecimal {
  let value = constants.get(text);
  if (value === undefined) {
    value = new MoneyDecimal(text);
    if (constants.size >= 50_000) constants.clear();
    constants.set(text, value);
  }
  return value;
}

const constantTexts = new Map<string, string>();

/** The normalized decimal text of a plan constant ("1.50" -> "1.5"), computed once. */
export function planText(text: string): string {
  let normalized = constantTexts.get(text);
  if (normalized === undefined) {
    normalized = planDecimal(text).toFixed();
    if (constantTexts.size >= 50_000) constantTexts.clear();
    constantTexts.set(text, normalized);
  }
  return normalized;
}

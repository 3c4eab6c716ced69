import { FIXED_POINT_SCALE, parseFixedPoint } from './fixed-point';

// Exact sums of decimal strings without a bigint per addend. A decimal with up
// to 15 integer digits and 18 decimals is split into three safe integers:
// whole, the first 9 decimals and the next 9. Each limb sum stays exact while
// it is below 2^53 (checked on every add); before that it is folded into a
// bigint. Anything the fast parser does not take (longer numbers) goes through
// parseFixedPoint and the bigint directly, so no input is ever approximated.

const LIMB_BIG = 1_000_000_000n;
const POWERS_OF_TEN = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

// Scratch results of parseLimbs, read right after the call (JavaScript is
// single-threaded); returning an object per parse would allocate per outcome.
let parsedWhole = 0;
let parsedHigh = 0;
let parsedLow = 0;

/**
 * Parses a plain non-negative decimal (<= 15 integer digits, <= 18 decimals)
 * into parsedWhole/parsedHigh/parsedLow. Returns false when the text is not
 * in that form (the caller falls back to exact bigint parsing).
 */
export function parseLimbs(text: string): boolean {
  const length = text.length;
  let whole = 0;
  let index = 0;
  for (; index < length; index += 1) {
    const code = text.charCodeAt(index);
    if (code === 46) break;
    const digit = code - 48;
    if (digit < 0 || digit > 9 || index >= 15) return false;
    whole = whole * 10 + digit;
  }
  if (index === 0) return false;
  let high = 0;
  let low = 0;
  if (index < length) {
    const fractionDigits = length - index - 1;
    if (fractionDigits < 1 || fractionDigits > 18) return false;
    for (let position = 0; position < fractionDigits; position += 1) {
      const digit = text.charCodeAt(index + 1 + position) - 48;
      if (digit < 0 || digit > 9) return false;
      if (position < 9) high = high * 10 + digit;
      else low = low * 10 + digit;
    }
    // Scale the digits read to full 9-digit limbs ("1.5" -> high 500000000).
    if (fractionDigits < 9) high *= POWERS_OF_TEN[9 - fractionDigits] as number;
    else low *= POWERS_OF_TEN[18 - fractionDigits] as number;
  }
  parsedWhole = whole;
  parsedHigh = high;
  parsedLow = low;
  return true;
}

/** An exact running sum of non-negative decimal strings. */
export class DecimalSum {
  private whole = 0;
  private high = 0;
  private low = 0;
  private folded = 0n;

  /** Adds a decimal string; throws UsageInputError (via parseFixedPoint) when it is not one. */
  add(text: string, what: string): void {
    if (parseLimbs(text)) {
      this.addLimbs(parsedWhole, parsedHigh, parsedLow);
      return;
    }
    this.folded += parseFixedPoint(text, what);
  }

  /** Adds the number most recently parsed by a successful parseLimbs call. */
  addLastParsed(): void {
    this.addLimbs(parsedWhole, parsedHigh, parsedLow);
  }

  addFixedPoint(value: bigint): void {
    this.folded += value;
  }

  /** Adds a non-negative safe integer. */
  addInteger(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${value} is not a non-negative safe integer`);
    this.addLimbs(value, 0, 0);
  }

  private addLimbs(whole: number, high: number, low: number): void {
    // Fold before an addition could pass 2^53 (differences of safe integers are exact).
    if (
      whole > Number.MAX_SAFE_INTEGER - this.whole ||
      high > Number.MAX_SAFE_INTEGER - this.high ||
      low > Number.MAX_SAFE_INTEGER - this.low
    ) {
      this.fold();
    }
    this.whole += whole;
    this.high += high;
    this.low += low;
  }

  private fold(): void {
    this.folded += BigInt(this.whole) * FIXED_POINT_SCALE + BigInt(this.high) * LIMB_BIG + BigInt(this.low);
    this.whole = 0;
    this.high = 0;
    this.low = 0;
  }

  /** The exact total as 18-decimal fixed point. */
  toFixedPoint(): bigint {
    return this.folded + BigInt(this.whole) * FIXED_POINT_SCALE + BigInt(this.high) * LIMB_BIG + BigInt(this.low);
  }
}

/** A decimal string as 18-decimal fixed point, through the fast parser when it can. */
export function fixedPointOf(text: string, what: string): bigint {
  if (parseLimbs(text)) {
    if (parsedHigh === 0 && parsedLow === 0) return BigInt(parsedWhole) * FIXED_POINT_SCALE;
    return BigInt(parsedWhole) * FIXED_POINT_SCALE + BigInt(parsedHigh) * LIMB_BIG + BigInt(parsedLow);
  }
  return parseFixedPoint(text, what);
}

/**
 * A non-negative 18-decimal fixed-point threshold split into the same three
 * limbs parseLimbs produces, so a parsed value can be compared with it using
 * integer comparisons only (no bigint per outcome, no floating point).
 */
export interface LimbThreshold {
  readonly whole: number;
  readonly high: number;
  readonly low: number;
}

// parseLimbs never yields a whole part of 10^15 or more; a threshold at or
// beyond it is above every value the fast parser accepts.
const WHOLE_LIMIT = 1_000_000_000_000_000n;

/** The limbs of a fixed-point threshold, clamped to just above every fast-parsed value. */
export function limbThreshold(fixedPoint: bigint): LimbThreshold {
  if (fixedPoint < 0n) throw new RangeError(`threshold ${fixedPoint} is negative`);
  const whole = fixedPoint / FIXED_POINT_SCALE;
  if (whole >= WHOLE_LIMIT) return { whole: Number(WHOLE_LIMIT), high: 0, low: 0 }; // exact: a safe integer (10^15)
  const fraction = fixedPoint % FIXED_POINT_SCALE;
  return {
    whole: Number(whole), // exact: below 10^15
    high: Number(fraction / LIMB_BIG), // exact: below 10^9
    low: Number(fraction % LIMB_BIG), // exact: below 10^9
  };
}

/** Whether the number most recently parsed by parseLimbs is below the threshold (exact). */
export function lastParsedIsBelow(threshold: LimbThreshold): boolean {
  if (parsedWhole !== threshold.whole) return parsedWhole < threshold.whole;
  if (parsedHigh !== threshold.high) return parsedHigh < threshold.high;
  return parsedLow < threshold.low;
}

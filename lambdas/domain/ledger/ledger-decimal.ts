// Quantities and value amounts enter the ledger as decimal strings (or, for
// quantities, JSON numbers) and are stored in one canonical form, so "1",
// "1.0", "01" and 1 are the same content and a resend of either is a duplicate.
// The bounds keep every stored figure exact in 12-decimal fixed point and in
// the rating engine's 18-decimal fixed point.

/** At most this many significant digits in total (integer + fraction). */
export const MAX_DECIMAL_DIGITS = 18;
/** At most this many digits after the decimal point (trailing zeros do not count). */
export const MAX_FRACTION_DIGITS = 12;

export type DecimalProblem =
  | 'wrong-type'
  | 'not-finite'
  | 'negative'
  | 'not-a-decimal'
  | 'too-many-fraction-digits'
  | 'too-many-digits';

/** A canonical decimal string, or why the input is not one. */
export type NormalizedDecimal = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly problem: DecimalProblem };

const ONE: NormalizedDecimal = { ok: true, value: '1' };
const ZERO_DECIMAL: NormalizedDecimal = { ok: true, value: '0' };

function failure(problem: DecimalProblem): NormalizedDecimal {
  return { ok: false, problem };
}

/**
 * Canonical form of a plain non-negative decimal string: no leading zeros, no
 * trailing fraction zeros, no exponent ("007.50" -> "7.5", "0.0" -> "0").
 * Hand-written scan: it runs once per outcome on the ingest hot path.
 */
export function normalizeDecimalString(text: string): NormalizedDecimal {
  if (text === '1') return ONE;
  const length = text.length;
  if (length === 0) return failure('not-a-decimal');
  let dot = -1;
  for (let index = 0; index < length; index += 1) {
    const char = text.charCodeAt(index);
    if (char === 46 /* . */) {
      if (dot !== -1 || index === 0 || index === length - 1) return failure('not-a-decimal');
      dot = index;
    } else if (char < 48 || char > 57) {
      return failure(classifyNonDecimal(text));
    }
  }
  const integerEnd = dot === -1 ? length : dot;
  let integerStart = 0;
  while (integerStart < integerEnd - 1 && text.charCodeAt(integerStart) === 48) integerStart += 1;
  let fractionEnd = length;
  if (dot !== -1) {
    while (fractionEnd > dot + 1 && text.charCodeAt(fractionEnd - 1) === 48) fractionEnd -= 1;
  }
  const fractionDigits = dot === -1 ? 0 : fractionEnd - dot - 1;
  if (fractionDigits > MAX_FRACTION_DIGITS) return failure('too-many-fraction-digits');
  const integerIsZero = integerEnd - integerStart === 1 && text.charCodeAt(integerStart) === 48;
  const integerDigits = integerIsZero ? 0 : integerEnd - integerStart;
  if (integerDigits + fractionDigits > MAX_DECIMAL_DIGITS) return failure('too-many-digits');
  if (integerIsZero && fractionDigits === 0) return ZERO_DECIMAL;
  if (integerStart === 0 && fractionEnd === length && (dot === -1 || fractionDigits > 0)) {
    return { ok: true, value: text };
  }
  const integerPart = text.slice(integerStart, integerEnd);
  return { ok: true, value: fractionDigits === 0 ? integerPart : `${integerPart}.${text.slice(dot + 1, fractionEnd)}` };
}

function classifyNonDecimal(text: string): DecimalProblem {
  const trimmed = text.trim();
  if (/^[+-]?(NaN|Infinity|inf)$/i.test(trimmed)) return 'not-finite';
  if (/^-\s*\d*\.?\d+([eE][+-]?\d+)?$/.test(trimmed)) return 'negative';
  return 'not-a-decimal';
}

/**
 * Canonical form of a JSON number. JSON numbers are binary floating point, so
 * only values whose shortest decimal form fits the bounds are accepted; the
 * shortest form is what the producer wrote in almost every case (0.1 -> "0.1").
 */
export function normalizeDecimalNumber(value: number): NormalizedDecimal {
  if (value === 1) return ONE;
  if (!Number.isFinite(value)) return failure('not-finite');
  if (value < 0) return failure('negative');
  if (Number.isSafeInteger(value)) return value === 0 ? ZERO_DECIMAL : { ok: true, value: String(value) };
  return normalizeDecimalString(expandExponent(String(value)));
}

/** "1.5e-7" -> "0.00000015", "1e+21" -> "1000000000000000000000". */
function expandExponent(text: string): string {
  const e = text.indexOf('e');
  if (e === -1) return text;
  const mantissa = text.slice(0, e);
  const exponent = Number(text.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = dot === -1 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  const pointAt = (dot === -1 ? mantissa.length : dot) + exponent;
  if (pointAt <= 0) return `0.${'0'.repeat(-pointAt)}${digits}`;
  if (pointAt >= digits.length) return digits + '0'.repeat(pointAt - digits.length);
  return `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
}

/** Normalises a quantity as producers may send it: a decimal string or a JSON number. */
export function normalizeQuantity(value: unknown): NormalizedDecimal {
  if (typeof value === 'string') return normalizeDecimalString(value);
  if (typeof value === 'number') return normalizeDecimalNumber(value);
  return failure('wrong-type');
}

/** A human sentence for a decimal problem, naming the field and the offending input. */
export function describeDecimalProblem(field: string, input: unknown, problem: DecimalProblem): string {
  const shown = typeof input === 'string' ? `"${input.length > 40 ? `${input.slice(0, 40)}...` : input}"` : String(input);
  switch (problem) {
    case 'wrong-type':
      return `${field} must be a decimal string such as "2.5" (or a JSON number), got ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}`;
    case 'not-finite':
      return `${field} must be a finite decimal number, got ${shown}`;
    case 'negative':
      return `${field} must not be negative, got ${shown}; reverse or correct the outcome instead`;
    case 'not-a-decimal':
      return `${field} must be a plain decimal number such as "2.5" (digits, at most one ".", no sign or exponent), got ${shown}`;
    case 'too-many-fraction-digits':
      return `${field} has more than ${MAX_FRACTION_DIGITS} decimal places (${shown}); send it as a decimal string with at most ${MAX_FRACTION_DIGITS}`;
    case 'too-many-digits':
      return `${field} has more than ${MAX_DECIMAL_DIGITS} significant digits (${shown})`;
    default: {
      const unknown: never = problem;
      return `${field} is invalid (${String(unknown)})`;
    }
  }
}

// Fixed point with 12 decimals: every canonical ledger decimal is exact in it,
// and sums of millions of outcomes stay exact in bigint.

export const FIXED_SCALE_DIGITS = MAX_FRACTION_DIGITS;
const SCALE = 10n ** BigInt(FIXED_SCALE_DIGITS);
const FRACTION_PAD = '0'.repeat(FIXED_SCALE_DIGITS);

/** Canonical decimal string -> integer scaled by 10^12. */
export function toFixed12(canonical: string): bigint {
  const dot = canonical.indexOf('.');
  if (dot === -1) return BigInt(canonical) * SCALE;
  const fraction = canonical.slice(dot + 1);
  return BigInt(canonical.slice(0, dot) + (fraction + FRACTION_PAD).slice(0, FIXED_SCALE_DIGITS));
}

/** Integer scaled by 10^12 -> canonical decimal string. */
export function fromFixed12(value: bigint): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(FIXED_SCALE_DIGITS + 1, '0');
  const whole = digits.slice(0, digits.length - FIXED_SCALE_DIGITS);
  const fraction = digits.slice(digits.length - FIXED_SCALE_DIGITS).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}

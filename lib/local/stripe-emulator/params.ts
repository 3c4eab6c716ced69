// Parameter schemas for form-encoded Stripe requests, built on zod, and the
// mapping of zod issues to Stripe's error codes (parameter_missing,
// parameter_unknown, parameter_invalid_integer, ...). Every leaf arrives as a
// string, so each helper parses the string the way Stripe's API does.
import { z } from 'zod';
import { paramName, StripeApiError, stripeErrors } from './errors';
import type { FormParams } from './form-decoding';

/** Placeholder replaced with the bracketed parameter name when the error is built. */
const PARAM = '{param}';

type RefinementCtx = z.core.$RefinementCtx<unknown>;

function fail(ctx: RefinementCtx, message: string, stripeCode?: string): never {
  ctx.addIssue({ code: 'custom', message, params: { stripeCode } });
  return z.NEVER as never;
}

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

/** A string parameter; Stripe rejects empty strings for parameters that cannot be unset. */
export function formString(options: { max?: number; allowEmpty?: boolean } = {}) {
  return z.string().transform((value, ctx) => {
    if (value === '' && !options.allowEmpty) return fail(ctx, 'empty', 'parameter_invalid_empty');
    if (options.max !== undefined && value.length > options.max) {
      return fail(ctx, `Invalid string: ${value.slice(0, 40)}...; must be at most ${options.max} characters`, 'string_too_long');
    }
    return value;
  });
}

/** A string that must match `pattern`; `rule` completes "Invalid <param>: ...". */
export function formPattern(pattern: RegExp, rule: string) {
  return z.string().transform((value, ctx) => (pattern.test(value) ? value : fail(ctx, `Invalid ${PARAM}: ${rule}`)));
}

/** An integer parameter (amounts, quantities, timestamps) within the safe integer range. */
export function formInteger(options: { min?: number; max?: number } = {}) {
  return z.string().transform((value, ctx) => {
    const parsed = Number(value);
    if (!INTEGER.test(value) || !Number.isSafeInteger(parsed)) {
      return fail(ctx, `Invalid integer: ${value}`, 'parameter_invalid_integer');
    }
    if (options.min !== undefined && parsed < options.min) {
      return fail(ctx, `This value must be greater than or equal to ${options.min}.`);
    }
    if (options.max !== undefined && parsed > options.max) {
      return fail(ctx, `This value must be less than or equal to ${options.max} (it currently is '${value}').`);
    }
    return parsed;
  });
}

export function formBoolean() {
  return z.string().transform((value, ctx) => {
    if (value === 'true') return true;
    if (value === 'false') return false;
    return fail(ctx, `Invalid boolean: ${value}`);
  });
}

/**
 * A decimal string in minor units (`unit_amount_decimal`, `quantity_decimal`).
 * Stripe accepts at most 12 decimal places; the value stays a string so no
 * binary floating point ever touches it.
 */
export function formDecimal(options: { maxPlaces?: number; nonNegative?: boolean } = {}) {
  const maxPlaces = options.maxPlaces ?? 12;
  return z.string().transform((value, ctx) => {
    if (!DECIMAL.test(value)) return fail(ctx, `Invalid decimal: ${value}`);
    const places = value.split('.')[1]?.length ?? 0;
    if (places > maxPlaces) {
      return fail(ctx, `Invalid decimal: ${value}; must have at most ${maxPlaces} decimal places`);
    }
    if (options.nonNegative && value.startsWith('-')) {
      return fail(ctx, `Invalid ${PARAM}: must be greater than or equal to 0`);
    }
    return value;
  });
}

export function formEnum<const T extends readonly [string, ...string[]]>(values: T) {
  const listed =
    values.length === 1 ? values[0] : `${values.slice(0, -1).join(', ')}${values.length > 2 ? ',' : ''} or ${values[values.length - 1]}`;
  return z.string().transform((value, ctx): T[number] => {
    if ((values as readonly string[]).includes(value)) return value as T[number];
    return fail(ctx, `Invalid ${PARAM}: must be one of ${listed}`);
  });
}

const METADATA_MAX_KEYS = 50;
const METADATA_KEY_MAX = 40;
const METADATA_VALUE_MAX = 500;

/**
 * `metadata[key]=value` pairs. An empty value unsets that key; `metadata=`
 * (an empty string for the whole hash) unsets every key, which is parsed here
 * as `null`.
 */
export function formMetadata() {
  return z.union([z.literal('').transform(() => null), z.record(z.string(), z.string())]).transform((value, ctx) => {
    if (value === null) return null;
    const keys = Object.keys(value);
    if (keys.length > METADATA_MAX_KEYS) {
      return fail(ctx, `Invalid ${PARAM}: metadata can have at most ${METADATA_MAX_KEYS} keys`);
    }
    for (const key of keys) {
      if (key.length > METADATA_KEY_MAX || key === '' || key.includes('[') || key.includes(']')) {
        return fail(
          ctx,
          `Invalid ${PARAM}: metadata keys must be 1 to ${METADATA_KEY_MAX} characters without square brackets, got '${key}'`,
        );
      }
      if ((value[key] ?? '').length > METADATA_VALUE_MAX) {
        return fail(ctx, `Invalid ${PARAM}[${key}]: metadata values can be at most ${METADATA_VALUE_MAX} characters`);
      }
    }
    return value;
  });
}

/**
 * A list parameter. The decoder keeps `lines[0]`, `lines[1]` (and `expand[]`)
 * as objects with index keys; here they become an array in index order.
 */
export function formList<T extends z.ZodType>(item: T, options: { max?: number } = {}) {
  const array = options.max === undefined ? z.array(item) : z.array(item).max(options.max);
  return z.preprocess((value) => {
    if (Array.isArray(value)) return value;
    if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.every(([key]) => /^\d+$/.test(key))) {
        return entries.sort(([a], [b]) => Number(a) - Number(b)).flatMap(([, v]) => (Array.isArray(v) ? v : [v]));
      }
    }
    return value;
  }, array);
}

/** `expand[]=customer&expand[]=data.invoice` */
export const formExpand = () => formList(formString(), { max: 20 }).optional();

/** A nested hash such as `period[start]`/`period[end]`; unknown keys are rejected. */
export const formHash = z.strictObject;

/** The shared pagination parameters of every list endpoint. */
export const paginationParams = {
  limit: formInteger({ min: 1, max: 100 }).optional(),
  starting_after: formString().optional(),
  ending_before: formString().optional(),
  expand: formExpand(),
};

/** `created[gte]=...` or `created=...`, as Stripe's RangeQueryParam. */
export function formRange() {
  return z.union([
    formInteger(),
    z.strictObject({
      gt: formInteger().optional(),
      gte: formInteger().optional(),
      lt: formInteger().optional(),
      lte: formInteger().optional(),
    }),
  ]);
}

export type RangeFilter = number | { gt?: number; gte?: number; lt?: number; lte?: number };

export function inRange(value: number, range: RangeFilter | undefined): boolean {
  if (range === undefined) return true;
  if (typeof range === 'number') return value === range;
  return (
    (range.gt === undefined || value > range.gt) &&
    (range.gte === undefined || value >= range.gte) &&
    (range.lt === undefined || value < range.lt) &&
    (range.lte === undefined || value <= range.lte)
  );
}

/** Parses decoded params with an endpoint's schema, answering the first problem as Stripe would. */
export function parseParams<S extends z.ZodType>(schema: S, raw: FormParams): z.output<S> {
  const result = schema.safeParse(raw, { reportInput: true });
  if (result.success) return result.data;
  throw toStripeError(result.error.issues);
}

function toStripeError(issues: ReadonlyArray<z.core.$ZodIssue>): StripeApiError {
  // Stripe reports unknown parameters before anything else, then missing ones.
  const rank = (issue: z.core.$ZodIssue): number => {
    if (issue.code === 'unrecognized_keys') return 0;
    if (issue.code === 'invalid_type' && issue.input === undefined) return 1;
    if (issue.code === 'invalid_union') return 3;
    return 2;
  };
  const issue = [...issues].sort((a, b) => rank(a) - rank(b))[0];
  if (!issue) return stripeErrors.invalidParam('', 'Invalid request parameters.');
  const param = paramName(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return stripeErrors.parameterUnknown(paramName([...issue.path, issue.keys[0] ?? '']));
    case 'invalid_type': {
      if (issue.input === undefined) return stripeErrors.parameterMissing(param);
      const noun = issue.expected === 'object' || issue.expected === 'record' ? 'hash' : issue.expected;
      return stripeErrors.invalidParam(param, `Invalid ${noun}: ${describe(issue.input)}`);
    }
    case 'invalid_union': {
      // Report the closest branch's first problem rather than "no union matched".
      const nested = issue.errors.flat().map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }));
      const nonType = nested.filter((inner) => inner.code !== 'invalid_type');
      return nonType.length > 0 || nested.length > 0
        ? toStripeError(nonType.length > 0 ? nonType : nested)
        : stripeErrors.invalidParam(param, `Invalid ${param}`);
    }
    case 'too_big':
      return stripeErrors.invalidParam(param, `Invalid ${param}: must have at most ${String(issue.maximum)} elements`);
    case 'custom': {
      const stripeCode = (issue.params as { stripeCode?: string } | undefined)?.stripeCode;
      if (stripeCode === 'parameter_invalid_empty') return stripeErrors.parameterInvalidEmpty(param);
      return stripeErrors.invalidParam(param, issue.message.replaceAll(PARAM, param), stripeCode === 'string_too_long' ? undefined : stripeCode);
    }
    default:
      return stripeErrors.invalidParam(param, `Invalid ${param}: ${issue.message}`);
  }
}

function describe(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

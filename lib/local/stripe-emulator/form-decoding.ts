// Stripe's request encoding: application/x-www-form-urlencoded with bracketed
// nesting (`metadata[key]=v`, `lines[0][amount]=5`, `expand[]=customer`), in
// the body for POST and in the query string for GET and DELETE. `qs` is the
// decoder Stripe's own libraries are compatible with.
import qs from 'qs';
import { canonicalJson } from '../../../lambdas/domain/json/canonical-json';

export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormParams = Record<string, FormValue>;

// Not an EngineError: it becomes a Stripe-shaped 400 on the emulator's wire, as Stripe answers a bad form body.
export class FormDecodingError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'FormDecodingError';
  }
}

const MAX_PARAMETERS = 20_000;

const QS_OPTIONS: qs.IParseOptions = {
  // Bracketed indices stay object keys here: `metadata[1]=x` is a metadata key,
  // not an array element. Whether `lines[0]` is a list is decided by each
  // endpoint's parameter schema (see params.ts), as Stripe's server does.
  arrayLimit: -1,
  depth: 10,
  parameterLimit: MAX_PARAMETERS,
  // Keys like `__proto__` must never reach Object.prototype.
  allowPrototypes: false,
  plainObjects: true,
  strictDepth: true,
};

/** Decodes a form body or query string into nested params (all leaves are strings). */
export function decodeForm(encoded: string): FormParams {
  if (encoded.trim() === '') return {};
  if (encoded.split('&').length > MAX_PARAMETERS) {
    throw new FormDecodingError(`Too many parameters: at most ${MAX_PARAMETERS} are accepted in one request.`);
  }
  try {
    return normalize(qs.parse(encoded, QS_OPTIONS)) as FormParams;
  } catch (error) {
    throw new FormDecodingError(`Could not decode the request parameters: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

// Repeated plain keys (`a=1&a=2`) come back from qs as arrays; everything else
// is a string or a plain object.
function normalize(value: unknown): FormValue {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(normalize);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    const out: Record<string, FormValue> = Object.create(null) as Record<string, FormValue>;
    for (const [key, v] of entries) out[key] = normalize(v);
    return out;
  }
  return '';
}

/** Canonical JSON of decoded params (object keys sorted) for idempotency comparison. */
export function canonicalParams(params: FormParams): string {
  return canonicalJson(params);
}

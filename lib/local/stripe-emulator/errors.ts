// Stripe's error envelope and the errors the emulator answers with. Messages
// follow the wording Stripe uses so that code matching on `code` or reading
// `message` behaves the same against the emulator and against test mode.

export type StripeErrorType = 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';

export interface StripeErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  param?: string;
  decline_code?: string;
  doc_url?: string;
}

/**
 * An error answered to the client with Stripe's `{ error: {...} }` body and an HTTP status.
 * Not an EngineError on purpose: it models Stripe's wire protocol (type, code, status,
 * headers as Stripe sends them), which the engine's categories must not reshape.
 */
export class StripeApiError extends Error {
  readonly status: number;
  readonly body: StripeErrorBody;
  /** Extra response headers, e.g. `Stripe-Should-Retry`. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, body: StripeErrorBody, headers: Record<string, string> = {}, options?: ErrorOptions) {
    super(body.message, options);
    this.name = 'StripeApiError';
    this.status = status;
    this.body = body.code && !body.doc_url ? { ...body, doc_url: docUrl(body.code) } : body;
    this.headers = headers;
  }
}

function docUrl(code: string): string {
  return `https://stripe.com/docs/error-codes/${code.replaceAll('_', '-')}`;
}

function invalid(message: string, extra: Partial<StripeErrorBody> = {}, status = 400): StripeApiError {
  return new StripeApiError(status, { type: 'invalid_request_error', message, ...extra });
}

/** Renders a bracketed parameter path such as `lines[0][amount]`. */
export function paramName(path: ReadonlyArray<PropertyKey>): string {
  const [head, ...rest] = path.map(String);
  return `${head ?? ''}${rest.map((segment) => `[${segment}]`).join('')}`;
}

const OBJECT_NAMES: Record<string, string> = {
  cus: 'customer',
  ii: 'invoiceitem',
  in: 'invoice',
  il: 'line_item',
  cn: 'credit_note',
  evt: 'event',
};

/** Stripe's own noun for an id ("No such invoice: 'in_123'"). */
export function objectNameForId(id: string, fallback: string): string {
  const prefix = id.split('_')[0] ?? '';
  return OBJECT_NAMES[prefix] ?? fallback;
}

export const stripeErrors = {
  missingApiKey: () =>
    invalid(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
      {},
      401,
    ),
  invalidApiKey: (key: string) =>
    invalid(`Invalid API Key provided: ${redactKey(key)}`, {}, 401),
  liveModeKey: (key: string) =>
    invalid(
      `The Stripe emulator only accepts test mode keys (sk_test_...), got ${redactKey(key)}. Point the client at api.stripe.com to use live keys.`,
      {},
      401,
    ),
  unrecognizedUrl: (method: string, path: string) =>
    invalid(
      `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
      {},
      404,
    ),
  parameterMissing: (param: string) =>
    invalid(`Missing required param: ${param}.`, { code: 'parameter_missing', param }),
  parameterUnknown: (param: string) =>
    invalid(`Received unknown parameter: ${param}`, { code: 'parameter_unknown', param }),
  parameterInvalidInteger: (param: string, value: string) =>
    invalid(`Invalid integer: ${value}`, { code: 'parameter_invalid_integer', param }),
  parameterInvalidEmpty: (param: string) =>
    invalid(
      `You passed an empty string for '${param}'. We assume empty values are an attempt to unset a parameter; however '${param}' cannot be unset. You should remove '${param}' from your request or supply a non-empty value.`,
      { code: 'parameter_invalid_empty', param },
    ),
  parametersExclusive: (params: ReadonlyArray<string>) =>
    invalid(`You may only specify one of these parameters: ${params.join(', ')}.`, {
      code: 'parameters_exclusive',
      param: params[params.length - 1],
    }),
  invalidParam: (param: string, message: string, code?: string) =>
    invalid(message, { ...(param !== '' ? { param } : {}), ...(code ? { code } : {}) }),
  resourceMissing: (id: string, noun: string, param = 'id') =>
    invalid(`No such ${objectNameForId(id, noun)}: '${id}'`, { code: 'resource_missing', param }, 404),
  /** A request that is well-formed but not allowed in the object's current state. */
  invalidState: (message: string, options: { code?: string; param?: string } = {}) => invalid(message, options),
  idempotencyParamsMismatch: (key: string) =>
    new StripeApiError(400, {
      type: 'idempotency_error',
      message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
    }),
  idempotencyEndpointMismatch: (key: string, first: string, now: string) =>
    new StripeApiError(400, {
      type: 'idempotency_error',
      message: `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${first}' vs '${now}'). Try using a key other than '${key}' if you meant to execute a different request.`,
    }),
  idempotencyKeyTooLong: (length: number) =>
    invalid(`Idempotency-Key must be at most 255 characters long (it is ${length}).`, { param: 'Idempotency-Key' }),
  // Stripe answers a concurrent request with the same key with 409 and saves
  // nothing, so the client may retry (https://docs.stripe.com/idempotency).
  idempotencyKeyInUse: (key: string) =>
    new StripeApiError(409, {
      type: 'invalid_request_error',
      code: 'idempotency_key_in_use',
      message: `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${key}. Please try again later.`,
    }),
  rateLimited: () =>
    invalid(
      'Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.',
      { code: 'rate_limit' },
      429,
    ),
  apiError: (status: number, message: string, headers: Record<string, string> = {}) =>
    new StripeApiError(status, { type: 'api_error', message }, headers),
  cardDeclined: () =>
    new StripeApiError(402, {
      type: 'card_error',
      code: 'card_declined',
      decline_code: 'generic_decline',
      message: 'Your card was declined.',
    }),
};

function redactKey(key: string): string {
  return key.length > 12 ? `${key.slice(0, 8)}${'*'.repeat(Math.min(key.length - 12, 20))}${key.slice(-4)}` : '********';
}

// The one base of the engine's typed errors. Callers decide how to react
// from the category alone (HTTP status, queue retry, CLI exit code: see
// lambdas/shared/error-responses.ts and bin/cli/cli-io.ts), so a new error
// needs a code and a category, never a new branch in a handler.

/**
 * What kind of failure an error is, a closed set:
 * - `invalid_input`: the caller's input is wrong; the same input fails again.
 * - `not_found`: something the input names is not stored.
 * - `conflict`: another writer got there first, or stored content disagrees;
 *   re-reading and trying again may succeed.
 * - `state`: the operation is not allowed in the current state of what it acts on.
 * - `infrastructure`: the platform failed (throttling, timeouts, network, 5xx);
 *   the input may be fine.
 * - `internal`: the engine's own data, configuration or code is wrong (a bug,
 *   a schema drift, a deployment mistake); neither the caller nor a retry can fix it.
 */
export const ERROR_CATEGORIES = ['invalid_input', 'not_found', 'conflict', 'state', 'infrastructure', 'internal'] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

const RETRYABLE_CATEGORIES: ReadonlySet<ErrorCategory> = new Set<ErrorCategory>(['infrastructure', 'conflict']);

/** Whether an error of this category is worth trying again unchanged. */
export function isRetryableCategory(category: ErrorCategory): boolean {
  return RETRYABLE_CATEGORIES.has(category);
}

/**
 * Extend this (directly or through a named family base such as RatingError)
 * with a stable snake_case `code` and a `category`. Pass the underlying
 * failure as `cause`. Override `retryable` only when an error's own nature
 * differs from its category's (say why where you do).
 */
export abstract class EngineError extends Error {
  /** Stable, machine-readable, snake_case: shown in CLI and API output, counted in metrics. */
  abstract readonly code: string;
  abstract readonly category: ErrorCategory;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }

  /** True when the same operation may succeed if tried again unchanged. */
  get retryable(): boolean {
    return isRetryableCategory(this.category);
  }
}

/**
 * The base of an error that is nothing but a fixed category and code on a
 * message: `export class ClosePeriodInputError extends engineErrorClass('ClosePeriodInputError', 'invalid_input', 'invalid_close_request') {}`;
 * `family` puts it under an area's family base (`RatingError`, `PeriodError`, ...).
 * The name is given, not derived from the class, so it survives bundling.
 * An error with fields of its own, a computed message or a retry rule of its
 * own extends EngineError (or its family base) directly.
 */
export function engineErrorClass<const Category extends ErrorCategory, const Code extends string>(
  name: string,
  category: Category,
  code: Code,
  family: typeof EngineError = EngineError,
) {
  return class extends family {
    readonly category: Category = category;
    readonly code: Code = code;
    constructor(message: string, options?: ErrorOptions) {
      super(message, options);
      this.name = name;
    }
  };
}

/**
 * Like engineErrorClass, for an error whose code is chosen where it is thrown
 * (`new RiskInputError('unknown_time_zone', message)`): one class, one
 * category, the codes its callers name.
 */
export function codedEngineErrorClass<const Category extends ErrorCategory>(name: string, category: Category) {
  return class extends EngineError {
    readonly category: Category = category;
    constructor(
      readonly code: string,
      message: string,
      options?: ErrorOptions,
    ) {
      super(message, options);
      this.name = name;
    }
  };
}

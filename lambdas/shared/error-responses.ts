// How handlers answer a failure, decided by its category in one place: the
// HTTP status of Function URL / webhook answers, and whether a queue record
// that failed is worth another delivery. Handlers never branch on error
// classes for this; a new error only needs the right category.
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { EngineError, type ErrorCategory } from '../domain/errors/engine-error';

export const HTTP_STATUS_BY_CATEGORY: Readonly<Record<ErrorCategory, number>> = {
  invalid_input: 400,
  not_found: 404,
  conflict: 409,
  // Well-formed and understood, but not allowed now: distinct from a lost race (409).
  state: 422,
  infrastructure: 503,
  internal: 500,
};

/** The HTTP status for any thrown value: a category's status, 500 for anything that is not an engine error. */
export function httpStatusOf(error: unknown): number {
  return error instanceof EngineError ? HTTP_STATUS_BY_CATEGORY[error.category] : 500;
}

/** The JSON body every HTTP error answer carries: what a client can act on, never a stack. */
export interface ErrorResponseBody {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
}

export function errorResponseBodyOf(error: EngineError): ErrorResponseBody {
  return { code: error.code, message: error.message, retryable: error.retryable };
}

/** A Function URL answer for an engine error: its category's status and the body above. */
export function httpErrorResponse(error: EngineError): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: httpStatusOf(error),
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(errorResponseBodyOf(error)),
  };
}

/**
 * Whether a caller is answered with the error (it can act on it) rather than
 * the invocation failing: infrastructure and internal errors are the
 * engine's own failures and are thrown, so the function's Errors metric and
 * alarm see them and the platform (Stripe, Scheduler, SQS) delivers again.
 */
export function isAnsweredToCaller(error: unknown): error is EngineError {
  return error instanceof EngineError && error.category !== 'infrastructure' && error.category !== 'internal';
}

/**
 * What becomes of a queue record that failed: `retry` when another delivery
 * may succeed (the record is a batch item failure and SQS redelivers it);
 * `dead_letter` when every delivery will fail the same way: it is still a
 * batch item failure, so SQS moves it to the dead-letter queue after
 * maxReceiveCount, where an operator looks at it. Bad producer input never
 * gets here: use cases reject and store it, then acknowledge the record.
 */
export type QueueFailureDisposition = 'retry' | 'dead_letter';

export function queueFailureDispositionOf(error: unknown): QueueFailureDisposition {
  return error instanceof EngineError && error.retryable ? 'retry' : 'dead_letter';
}

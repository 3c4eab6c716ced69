import { InfrastructureError } from '../../application/errors';

// AWS SDK v3 errors, sorted into "retry it" and "retrying will not help".
// Neither ever becomes a rejection of the producer's input. Used by the
// DynamoDB and EventBridge adapters alike (it reads only the error's shape).

const TRANSIENT_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'LimitExceededException',
  'TransactionConflictException',
  'ReplicatedWriteConflictException',
  'TransactionInProgressException',
  'InternalServerError',
  'InternalFailure',
  'InternalException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'AbortError',
  'NetworkingError',
]);

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const PERMANENT_NAMES = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'MissingAuthenticationTokenException',
  'ValidationException',
  'SerializationException',
  'ItemCollectionSizeLimitExceededException',
]);

interface AwsErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** True when retrying the call may succeed (throttling, timeouts, 5xx, network). Unknown errors count as transient. */
export function isTransientAwsError(error: unknown): boolean {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as AwsErrorShape;
  const name = typeof shape.name === 'string' ? shape.name : '';
  if (TRANSIENT_NAMES.has(name)) return true;
  if (typeof shape.code === 'string' && TRANSIENT_CODES.has(shape.code)) return true;
  if (shape.$retryable !== undefined && shape.$retryable !== null) return true;
  const status = shape.$metadata?.httpStatusCode;
  if (typeof status === 'number' && (status >= 500 || status === 429)) return true;
  if (PERMANENT_NAMES.has(name)) return false;
  if (typeof status === 'number' && status >= 400) return false;
  // No status at all: the request never got an answer (socket, DNS, timeout).
  return true;
}

export function errorName(error: unknown): string {
  if (typeof error === 'object' && error !== null && typeof (error as AwsErrorShape).name === 'string') {
    return (error as { name: string }).name;
  }
  return typeof error;
}

/** Wraps an SDK failure as an InfrastructureError, keeping the original as `cause`. */
export function toInfrastructureError(error: unknown, operation: string): InfrastructureError {
  if (error instanceof InfrastructureError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new InfrastructureError(`${operation} failed: ${errorName(error)}: ${message}`, {
    operation,
    retryable: isTransientAwsError(error),
    cause: error,
  });
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return errorName(error) === 'ConditionalCheckFailedException';
}

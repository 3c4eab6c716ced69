// The middleware stack every handler runs under. Middleware first, handler
// last (middy's recommended order), so TypeScript sees the final types.
import middy, { type MiddyfiedHandler } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context } from 'aws-lambda';
import { logger, metrics, tracer } from './powertools';

// The tracer's middleware only where the tracer is loaded (tracing on).
const captureLambdaHandler = tracer ? (await import('@aws-lambda-powertools/tracer/middleware')).captureLambdaHandler : undefined;

export type HandlerFunction<Event, Result> = (event: Event, context: Context) => Promise<Result>;

/**
 * Marks a handler built by withObservability. A test imports every module in
 * lambdas/handlers and checks its `handler` export carries it, so a new
 * Lambda cannot ship without logs, metrics and traces.
 */
export const OBSERVED_HANDLER = Symbol.for('outcome-engine.withObservability');

/**
 * Wraps a handler with the shared observability: an X-Ray subsegment per
 * invocation with a ColdStart annotation when tracing is on (the response is never attached),
 * the Lambda context on every log line (and state cleared between
 * invocations, so one record's keys never leak into the next invocation's
 * logs), metrics flushed after each invocation, a ColdStart metric. The event
 * itself is never logged. Errors pass through unchanged: Lambda still sees
 * the failure and retries or dead-letters as configured.
 */
export function withObservability<Event, Result>(
  handler: HandlerFunction<Event, Result>,
): MiddyfiedHandler<Event, Result, Error, Context> {
  const stack = middy<Event, Result, Error, Context>();
  if (tracer && captureLambdaHandler) stack.use(captureLambdaHandler(tracer, { captureResponse: false }));
  const wrapped = stack
    .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .handler(handler);
  Object.defineProperty(wrapped, OBSERVED_HANDLER, { value: true });
  return wrapped;
}

/** True for a handler built by withObservability. */
export function isObservedHandler(candidate: unknown): boolean {
  return typeof candidate === 'function' && (candidate as unknown as Record<symbol, unknown>)[OBSERVED_HANDLER] === true;
}

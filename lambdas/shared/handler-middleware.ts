// The middleware stack every handler runs under. Middleware first, handler
// last (middy's recommended order), so TypeScript sees the final types.
import middy, { type MiddyfiedHandler } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context } from 'aws-lambda';
import { logger, metrics } from './powertools';

export type HandlerFunction<Event, Result> = (event: Event, context: Context) => Promise<Result>;

/**
 * Wraps a handler with the shared observability: the Lambda context on every
 * log line (and state cleared between invocations, so one record's keys never
 * leak into the next invocation's logs), metrics flushed after each
 * invocation, a ColdStart metric. The event itself is never logged.
 */
export function withObservability<Event, Result>(
  handler: HandlerFunction<Event, Result>,
): MiddyfiedHandler<Event, Result, Error, Context> {
  return middy<Event, Result, Error, Context>()
    .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .handler(handler);
}

// A Lambda context object for handlers invoked in-process, with the fields the
// runtime provides and a real deadline, so middy's early-timeout guard and
// Powertools' context logging behave as they do in AWS.
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { isObservedHandler } from '../../lambdas/shared/handler-middleware';
import { logger, metrics, metricsDisabled } from '../../lambdas/shared/powertools';

export interface LambdaContextOptions {
  functionName: string;
  timeoutMs: number;
  region: string;
  accountId: string;
  memoryLimitInMB?: number;
}

export function createLambdaContext(options: LambdaContextOptions): Context {
  const deadline = Date.now() + options.timeoutMs;
  const unsupported = () => {
    throw new Error('callback-style completion is not used by these handlers');
  };
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: options.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${options.region}:${options.accountId}:function:${options.functionName}`,
    memoryLimitInMB: String(options.memoryLimitInMB ?? 1024),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/**
 * A handler core as the local engine runs it: with its own Lambda context on
 * the shared Powertools logger (one object for every handler of the process:
 * without this an invocation's log lines would carry the previous
 * invocation's function name), and metrics flushed after each invocation
 * when they are on. With metrics off (the local default) the metrics
 * middleware is left out: Powertools would print a notice about empty
 * metrics on every invocation even then. A handler already wrapped by
 * withObservability (ingest-outcomes) is used as it is.
 */
export function withLocalObservability<Event, Result>(
  handler: (event: Event, context: Context) => Promise<Result>,
): (event: Event, context: Context) => Promise<Result> {
  if (isObservedHandler(handler)) return handler;
  const wrapped = middy<Event, Result, Error, Context>().use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }));
  if (!metricsDisabled) wrapped.use(logMetrics(metrics));
  return wrapped.handler(handler);
}

/** A handler core run as the Lambda `functionName` (see withLocalObservability). */
export function asLocalLambda<Event, Result>(
  functionName: string,
  handler: (event: Event, context: Context) => Promise<Result>,
  options: Omit<LambdaContextOptions, 'functionName'>,
): (event: Event) => Promise<Result> {
  const observed = withLocalObservability(handler);
  return (event) => observed(event, createLambdaContext({ ...options, functionName }));
}

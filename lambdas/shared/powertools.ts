// The observability singletons every handler shares. One module, created once
// per container, so each function pays for the Logger, Metrics and Tracer
// set-up only once and all of them log, measure and trace under the same
// service name.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { getStringFromEnv } from './env';

const serviceName = getStringFromEnv('POWERTOOLS_SERVICE_NAME', { defaultValue: 'outcome-engine' });

/**
 * Structured JSON logger. Handlers log identifiers, codes and counts only:
 * never an event payload (it is customer data) and never a secret.
 */
export const logger = new Logger({ serviceName });

/**
 * Whether `metrics` publishes nothing, decided as Powertools decides it when
 * the Metrics object is created (POWERTOOLS_METRICS_DISABLED, else
 * POWERTOOLS_DEV): set both before this module loads.
 */
export const metricsDisabled: boolean = (() => {
  const flag = (value: string | undefined) => ['1', 'y', 'yes', 't', 'true', 'on'].includes((value ?? '').trim().toLowerCase());
  const explicit = process.env.POWERTOOLS_METRICS_DISABLED;
  return explicit !== undefined ? flag(explicit) : flag(process.env.POWERTOOLS_DEV);
})();

/** CloudWatch metrics in Embedded Metric Format, flushed after each invocation. */
export const metrics = new Metrics({
  serviceName,
  namespace: getStringFromEnv('POWERTOOLS_METRICS_NAMESPACE', { defaultValue: 'OutcomeEngine' }),
});

/**
 * Whether X-Ray tracing is on, decided as Powertools' Tracer decides it: off
 * outside Lambda (no AWS_EXECUTION_ENV: tests, the local engine, the CLI),
 * under SAM local or the Amplify mock, and with POWERTOOLS_TRACE_ENABLED=false.
 */
export const tracingEnabled: boolean = (() => {
  const executionEnv = process.env.AWS_EXECUTION_ENV ?? '';
  if ((process.env.POWERTOOLS_TRACE_ENABLED ?? '').toLowerCase() === 'false') return false;
  return executionEnv !== '' && executionEnv !== 'AWS_Lambda_amplify-mock' && (process.env.AWS_SAM_LOCAL ?? '') === '';
})();

/**
 * X-Ray tracing, loaded only when it is on. The tracer brings the X-Ray SDK,
 * whose context tracking hooks every promise: loaded with tracing off it
 * still halved validation throughput (bench:ingest (d)), for nothing.
 * Responses are never attached to traces (POWERTOOLS_TRACER_CAPTURE_RESPONSE=false
 * in the stack, and `captureResponse: false` in the middleware): they can hold
 * customer data.
 */
export const tracer: Tracer | undefined = tracingEnabled
  ? new (await import('@aws-lambda-powertools/tracer')).Tracer({ serviceName })
  : undefined;

/**
 * An AWS SDK v3 client whose calls appear as X-Ray subsegments. Wrap every
 * client a handler constructs; with tracing off it is the client itself.
 */
export function traced<Client>(client: Client): Client {
  return tracer ? tracer.captureAWSv3Client(client) : client;
}

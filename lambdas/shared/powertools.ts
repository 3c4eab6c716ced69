// The observability singletons every handler shares. One module, created once
// per container, so each function pays for the Logger, Metrics and Tracer
// set-up only once and all of them log, measure and trace under the same
// service name.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
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
 * X-Ray tracing. Powertools turns it off outside Lambda (no
 * AWS_EXECUTION_ENV: tests, the local engine, the CLI), where it is a no-op
 * and `captureAWSv3Client` returns the client unchanged. Responses are never
 * attached to traces (POWERTOOLS_TRACER_CAPTURE_RESPONSE=false in the stack,
 * and `captureResponse: false` in the middleware): they can hold customer data.
 */
export const tracer = new Tracer({ serviceName });

/**
 * An AWS SDK v3 client whose calls appear as X-Ray subsegments. Wrap every
 * client a handler constructs; outside Lambda it is the client itself.
 */
export function traced<Client>(client: Client): Client {
  return tracer.captureAWSv3Client(client);
}

// The observability singletons every handler shares. One module, created once
// per container, so each function pays for the Logger and Metrics set-up only
// once and all of them log and measure under the same service name.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { getStringFromEnv } from './env';

const serviceName = getStringFromEnv('POWERTOOLS_SERVICE_NAME', { defaultValue: 'outcome-engine' });

/**
 * Structured JSON logger. Handlers log identifiers, codes and counts only:
 * never an event payload (it is customer data) and never a secret.
 */
export const logger = new Logger({ serviceName });

/** CloudWatch metrics in Embedded Metric Format, flushed after each invocation. */
export const metrics = new Metrics({
  serviceName,
  namespace: getStringFromEnv('POWERTOOLS_METRICS_NAMESPACE', { defaultValue: 'OutcomeEngine' }),
});

// EventBridge Scheduler (daily, asynchronous) → every contract's usage-drop
// rule (evaluateUsageDrops): 'Usage Dropped' once per contract, metric and
// day. The event's content is not used: the run evaluates now. A failure
// (storage, the bus) is thrown, so Lambda retries the run twice and then
// sends it to the group's failure DLQ; a retried run publishes what a failed
// one owed and never a second event for the same day.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { evaluateUsageDrops, type EvaluateUsageDropsDeps, type EvaluateUsageDropsResult } from '../application/plans/evaluate-usage-drops';
import { createUsageDropAlerts } from '../composition/usage-drop-service';
import { createUsageRollupService } from '../composition/usage-rollup-service';
import { readEnvConfig } from '../shared/env';
import { withObservability } from '../shared/handler-middleware';
import { ROLLUP_METRIC_NAMES } from '../shared/metric-names';
import { logger, metrics, traced } from '../shared/powertools';

export const EvaluateUsageDropsEnvSchema = z.object({
  LEDGER_TABLE_NAME: z.string(),
  ENGINE_TABLE_NAME: z.string(),
  EVENT_BUS_NAME: z.string(),
  USAGE_ROLLUP_SETTLE_MINUTES: z.coerce.number().int().min(1).max(24 * 60),
});

export interface EvaluateUsageDropsResponse {
  readonly evaluated: number;
  readonly dropped: number;
  readonly published: number;
  readonly notEvaluated: number;
}

/** The run with its dependencies passed in (tests, local engine). */
export function createEvaluateUsageDropsHandler(resolveDeps: () => Promise<EvaluateUsageDropsDeps>) {
  return async (_event: unknown): Promise<EvaluateUsageDropsResponse> => {
    const result: EvaluateUsageDropsResult = await evaluateUsageDrops(await resolveDeps());
    for (const { contractId, error } of result.notEvaluated) logger.warn('Usage drop not evaluated: the contract cannot be measured', { contractId, code: error.code, error });
    metrics.addMetric(ROLLUP_METRIC_NAMES.usageDropsPublished, MetricUnit.Count, result.published);
    return { evaluated: result.evaluated, dropped: result.dropped, published: result.published, notEvaluated: result.notEvaluated.length };
  };
}

let deps: Promise<EvaluateUsageDropsDeps> | undefined;

function resolveDeps(): Promise<EvaluateUsageDropsDeps> {
  deps ??= (async () => {
    const env = readEnvConfig(EvaluateUsageDropsEnvSchema);
    const dynamoDb = traced(new DynamoDBClient({}));
    const now = () => new Date();
    const usage = createUsageRollupService({
      dynamoDb,
      engineTableName: env.ENGINE_TABLE_NAME,
      ledgerTableName: env.LEDGER_TABLE_NAME,
      progress: { kind: 'settle-lag', now, settleLagMs: env.USAGE_ROLLUP_SETTLE_MINUTES * 60_000 },
    });
    return createUsageDropAlerts({
      dynamoDb,
      engineTableName: env.ENGINE_TABLE_NAME,
      usage: usage.reader,
      eventBridge: traced(new EventBridgeClient({})),
      eventBusName: env.EVENT_BUS_NAME,
      now,
    });
  })().catch((error: unknown) => {
    deps = undefined;
    throw error;
  });
  return deps;
}

export const handler = withObservability<unknown, EvaluateUsageDropsResponse>(createEvaluateUsageDropsHandler(resolveDeps));

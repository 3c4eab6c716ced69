// EventBridge Scheduler's target at each renewal checkpoint. Input is the
// schedule's payload (RenewalCheckpointPayloadSchema). Storage and bus
// failures throw, so Scheduler retries and finally dead-letters the
// invocation; a repeat is harmless because the task is keyed by (contract,
// term, checkpoint) and written conditionally.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { z } from 'zod';
import { BillingEnvironmentSchema, settleLagRollupProgress } from '../composition/billing-service';
import type { CheckRenewalRiskResult } from '../application/risk/check-renewal-risk';
import { RenewalCheckpointPayloadSchema, type RenewalCheckpointPayload } from '../domain/risk/checkpoint-payload';
import { createLedgerService } from '../composition/ledger-service';
import { createRiskService } from '../composition/risk-service';
import { renewalRiskSettingsFromEnv } from '../application/risk/risk-settings';
import { readEnvConfig } from '../shared/env';
import { withObservability } from '../shared/handler-middleware';
import { RISK_METRIC_NAMES } from '../shared/metric-names';
import { logger, metrics, traced } from '../shared/powertools';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { engineErrorClass } from '../domain/errors/engine-error';

export class CheckpointPayloadError extends engineErrorClass('CheckpointPayloadError', 'invalid_input', 'invalid_checkpoint_payload') {}

export const RiskEnvironmentSchema = z.object({
  ENGINE_TABLE_NAME: z.string().min(1),
  LEDGER_TABLE_NAME: z.string().min(1),
  EVENT_BUS_NAME: z.string().min(1),
  /** Read usage through the rollups, trusting cells this many minutes behind now; absent: the raw scan. */
  USAGE_ROLLUP_SETTLE_MINUTES: BillingEnvironmentSchema.shape.USAGE_ROLLUP_SETTLE_MINUTES,
});

export interface CheckRenewalRiskResponse {
  readonly outcome: 'checked' | 'skipped';
  readonly contractId: string;
  readonly termId: string;
  readonly checkpointDays: number;
  readonly tier?: string;
  readonly score?: number;
  readonly action?: string;
  readonly taskId?: string;
  readonly why?: string;
}

export function toCheckResponse(payload: RenewalCheckpointPayload, result: CheckRenewalRiskResult): CheckRenewalRiskResponse {
  const base = { contractId: payload.contractId, termId: payload.termId, checkpointDays: payload.checkpointDays };
  if (result.outcome === 'skipped') return { ...base, outcome: 'skipped', why: result.why };
  return {
    ...base,
    outcome: 'checked',
    tier: result.assessment.tier,
    score: result.assessment.score,
    action: result.decision.action,
    ...(result.task ? { taskId: result.task.id } : {}),
    ...(result.decision.action === 'none' ? { why: result.decision.why } : {}),
  };
}

const TASK_METRIC_OF = {
  create: RISK_METRIC_NAMES.tasksCreated,
  escalate: RISK_METRIC_NAMES.tasksEscalated,
  resolve: RISK_METRIC_NAMES.tasksResolved,
} as const;

/**
 * Metrics and one log line of a check, from its result: ids, tier, score and
 * action only (the explanation quotes customer figures). Every task metric is
 * published, zeros included, so the dashboard's series stay continuous.
 */
export function recordCheckOutcome(payload: RenewalCheckpointPayload, result: CheckRenewalRiskResult): void {
  const ids = { contractId: payload.contractId, termId: payload.termId, checkpointDays: payload.checkpointDays };
  if (result.outcome === 'skipped') {
    metrics.addMetric(RISK_METRIC_NAMES.checksSkipped, MetricUnit.Count, 1);
    logger.info('Renewal risk check skipped', { ...ids, code: result.why });
    return;
  }
  const { action } = result.decision;
  metrics.addMetric(RISK_METRIC_NAMES.checks, MetricUnit.Count, 1);
  for (const [taskAction, metricName] of Object.entries(TASK_METRIC_OF)) {
    metrics.addMetric(metricName, MetricUnit.Count, action === taskAction ? 1 : 0);
  }
  logger.info('Renewal risk checked', {
    ...ids,
    tier: result.assessment.tier,
    score: result.assessment.score,
    action,
    ...(result.task ? { taskId: result.task.id } : {}),
  });
}

/** The event → result mapping with the check passed in (tests, local engine). */
export function createCheckRenewalRiskHandler(check: () => Promise<(payload: RenewalCheckpointPayload) => Promise<CheckRenewalRiskResult>>) {
  return async (event: unknown): Promise<CheckRenewalRiskResponse> => {
    const parsed = RenewalCheckpointPayloadSchema.safeParse(event);
    if (!parsed.success) {
      throw new CheckpointPayloadError(`invalid checkpoint payload: ${z.prettifyError(parsed.error)}`, { cause: parsed.error });
    }
    const run = await check();
    const result = await run(parsed.data);
    recordCheckOutcome(parsed.data, result);
    return toCheckResponse(parsed.data, result);
  };
}

let defaultCheck: ((payload: RenewalCheckpointPayload) => Promise<CheckRenewalRiskResult>) | undefined;

function buildDefaultCheck(): (payload: RenewalCheckpointPayload) => Promise<CheckRenewalRiskResult> {
  const env = readEnvConfig(RiskEnvironmentSchema);
  const dynamoDb = traced(new DynamoDBClient({}));
  const eventBridge = traced(new EventBridgeClient({}));
  const rollupProgress = settleLagRollupProgress(env.USAGE_ROLLUP_SETTLE_MINUTES);
  const ledger = createLedgerService({
    dynamoDb,
    eventBridge,
    eventBusName: env.EVENT_BUS_NAME,
    ledgerTableName: env.LEDGER_TABLE_NAME,
    engineTableName: env.ENGINE_TABLE_NAME,
  });
  const service = createRiskService({
    dynamoDb,
    engineTableName: env.ENGINE_TABLE_NAME,
    ledger,
    eventBridge,
    eventBusName: env.EVENT_BUS_NAME,
    // Tiers, owners, priorities and thresholds as the stage configured them (RENEWAL_RISK_SETTINGS).
    settings: renewalRiskSettingsFromEnv(process.env),
    // Usage through the rollups the ledger stream keeps, trusted as far as the close trusts them.
    ...(rollupProgress === undefined ? {} : { usageRollups: { ledgerTableName: env.LEDGER_TABLE_NAME, progress: rollupProgress } }),
  });
  return (payload) => service.checkRenewalRisk(payload);
}

export const handler = withObservability<unknown, CheckRenewalRiskResponse>(
  createCheckRenewalRiskHandler(async () => (defaultCheck ??= buildDefaultCheck())),
);

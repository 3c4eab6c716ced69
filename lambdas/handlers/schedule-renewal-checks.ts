// Keeps checkpoint schedules in step with contracts. Invoked by the
// RenewalCheckSchedules rule on the engine's 'Contract Changed' event (the
// change is in `detail`), or directly with the change itself. Scheduler and storage
// failures throw, so the invocation is retried and finally dead-lettered;
// repeats are harmless (deterministic schedule names, upserts). A change of
// CSM also moves the contract's open tasks to the new owner.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { z } from 'zod';
import { ContractChangeSchema, type ContractChange, type ScheduleRenewalChecksResult } from '../application/risk/schedule-renewal-checks';
import { renewalRiskSettingsFromEnv } from '../application/risk/risk-settings';
import { createRenewalCheckScheduling } from '../composition/risk-service';
import { readEnvConfig } from '../shared/env';
import { withObservability } from '../shared/handler-middleware';
import { SCHEDULE_METRIC_NAMES } from '../shared/metric-names';
import { logger, metrics, traced } from '../shared/powertools';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { engineErrorClass } from '../domain/errors/engine-error';

export class ContractChangeInputError extends engineErrorClass('ContractChangeInputError', 'invalid_input', 'invalid_contract_change') {}

/** Either an EventBridge envelope whose detail is the change, or the change itself. */
export const ScheduleRenewalChecksInputSchema = z.preprocess(
  // Pick the shape first, so a bad change is reported field by field rather than as "no union member matched".
  (event) => (event !== null && typeof event === 'object' && 'detail-type' in event ? (event as { detail?: unknown }).detail : event),
  ContractChangeSchema,
);

export interface ScheduleRenewalChecksResponse {
  readonly contractId: string;
  readonly change: ContractChange['change'];
  readonly scheduled: readonly { readonly scheduleName: string; readonly checkpointDays: number; readonly outcome: string }[];
  readonly removed: readonly { readonly scheduleName: string; readonly outcome: string }[];
}

export function toScheduleResponse(change: ContractChange, result: ScheduleRenewalChecksResult): ScheduleRenewalChecksResponse {
  return {
    contractId: change.contractId,
    change: change.change,
    scheduled: result.change === 'cancelled' ? [] : result.upserted,
    removed: result.deleted,
  };
}

/** Checkpoint schedules created, moved (updated) and deleted by this change, as metrics and one log line. */
export function recordRenewalCheckScheduling(change: ContractChange, result: ScheduleRenewalChecksResult): void {
  const upserted = result.change === 'cancelled' ? [] : result.upserted;
  const count = <T extends { outcome: string }>(entries: readonly T[], outcome: T['outcome']): number =>
    entries.filter((entry) => entry.outcome === outcome).length;
  const created = count(upserted, 'created');
  const updated = count(upserted, 'updated');
  const deleted = count(result.deleted, 'deleted');
  metrics.addMetric(SCHEDULE_METRIC_NAMES.renewalChecksCreated, MetricUnit.Count, created);
  metrics.addMetric(SCHEDULE_METRIC_NAMES.renewalChecksUpdated, MetricUnit.Count, updated);
  metrics.addMetric(SCHEDULE_METRIC_NAMES.renewalChecksDeleted, MetricUnit.Count, deleted);
  logger.info('Renewal-check schedules in step', { contractId: change.contractId, change: change.change, created, updated, deleted });
}

export function createScheduleRenewalChecksHandler(schedule: () => Promise<(change: ContractChange) => Promise<ScheduleRenewalChecksResult>>) {
  return async (event: unknown): Promise<ScheduleRenewalChecksResponse> => {
    const parsed = ScheduleRenewalChecksInputSchema.safeParse(event);
    if (!parsed.success) {
      throw new ContractChangeInputError(`invalid contract change: ${z.prettifyError(parsed.error)}`, { cause: parsed.error });
    }
    const run = await schedule();
    const result = await run(parsed.data);
    recordRenewalCheckScheduling(parsed.data, result);
    return toScheduleResponse(parsed.data, result);
  };
}

export const ScheduleEnvironmentSchema = z.object({
  ENGINE_TABLE_NAME: z.string().min(1),
  SCHEDULE_GROUP_NAME: z.string().min(1),
  CHECK_FUNCTION_ARN: z.string().min(1),
  SCHEDULER_ROLE_ARN: z.string().min(1),
  SCHEDULER_DEAD_LETTER_ARN: z.string().min(1),
  // A CSM change moves the contract's open tasks and announces it on the engine's bus.
  EVENT_BUS_NAME: z.string().min(1),
});

let defaultSchedule: ((change: ContractChange) => Promise<ScheduleRenewalChecksResult>) | undefined;

function buildDefaultSchedule(): (change: ContractChange) => Promise<ScheduleRenewalChecksResult> {
  const env = readEnvConfig(ScheduleEnvironmentSchema);
  return createRenewalCheckScheduling({
    dynamoDb: traced(new DynamoDBClient({})),
    scheduler: traced(new SchedulerClient({})),
    eventBridge: traced(new EventBridgeClient({})),
    eventBusName: env.EVENT_BUS_NAME,
    engineTableName: env.ENGINE_TABLE_NAME,
    schedules: {
      groupName: env.SCHEDULE_GROUP_NAME,
      functionArn: env.CHECK_FUNCTION_ARN,
      roleArn: env.SCHEDULER_ROLE_ARN,
      deadLetterQueueArn: env.SCHEDULER_DEAD_LETTER_ARN,
    },
    // Default checkpoint days and local time as the stage configured them (RENEWAL_RISK_SETTINGS).
    settings: renewalRiskSettingsFromEnv(process.env),
  });
}

export const handler = withObservability<unknown, ScheduleRenewalChecksResponse>(
  createScheduleRenewalChecksHandler(async () => (defaultSchedule ??= buildDefaultSchedule())),
);

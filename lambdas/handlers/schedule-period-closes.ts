// Keeps each contract's period-close schedules in step with the contract.
// Invoked by the PeriodCloseSchedules rule on the engine's 'Contract Changed'
// event (the change is in `detail`), or directly with the change itself.
// Scheduler and storage failures throw, so EventBridge retries the invocation
// and finally sends it to the function's dead-letter queue; repeats are
// harmless (schedule names derive from contract and period).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { z } from 'zod';
import {
  reschedulePeriodCloses,
  type ReschedulePeriodClosesDeps,
  type ReschedulePeriodClosesResult,
} from '../application/billing/schedule-period-closes';
import { createPeriodCloseScheduling } from '../composition/billing-service';
import { ContractChangeSchema, type ContractChange } from '../domain/plans/contract-change';
import { readEnvConfig } from '../shared/env';
import { withObservability } from '../shared/handler-middleware';
import { SCHEDULE_METRIC_NAMES } from '../shared/metric-names';
import { logger, metrics, traced } from '../shared/powertools';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { engineErrorClass } from '../domain/errors/engine-error';

export class PeriodCloseChangeInputError extends engineErrorClass('PeriodCloseChangeInputError', 'invalid_input', 'invalid_contract_change') {}

/** Either an EventBridge envelope whose detail is the change, or the change itself. */
export const SchedulePeriodClosesInputSchema = z.preprocess(
  // Pick the shape first, so a bad change is reported field by field rather than as "no union member matched".
  (event) => (event !== null && typeof event === 'object' && 'detail-type' in event ? (event as { detail?: unknown }).detail : event),
  ContractChangeSchema,
);

export interface SchedulePeriodClosesResponse {
  readonly contractId: string;
  readonly change: ContractChange['change'];
  readonly scheduled: readonly { readonly scheduleName: string; readonly periodId: string; readonly closeAt: string; readonly outcome: string }[];
  /** Periods whose close time has passed: closed already, or by `period close` on demand. */
  readonly past: readonly string[];
  readonly removed: readonly { readonly scheduleName: string; readonly periodId: string; readonly outcome: string }[];
}

export function toPeriodCloseScheduleResponse(result: ReschedulePeriodClosesResult): SchedulePeriodClosesResponse {
  return {
    contractId: result.contractId,
    change: result.change,
    scheduled: result.scheduled.map(({ close, outcome }) => ({ scheduleName: close.scheduleName, periodId: close.periodId, closeAt: close.closeAt, outcome })),
    past: result.past.map((close) => close.periodId),
    removed: result.removed.map(({ close, outcome }) => ({ scheduleName: close.scheduleName, periodId: close.periodId, outcome })),
  };
}

/** Schedules created and deleted by this change (not the unchanged or already absent ones), as metrics and one log line. */
export function recordPeriodCloseScheduling(result: ReschedulePeriodClosesResult): void {
  const created = result.scheduled.filter((entry) => entry.outcome === 'created').length;
  const deleted = result.removed.filter((entry) => entry.outcome === 'deleted').length;
  metrics.addMetric(SCHEDULE_METRIC_NAMES.periodClosesCreated, MetricUnit.Count, created);
  metrics.addMetric(SCHEDULE_METRIC_NAMES.periodClosesDeleted, MetricUnit.Count, deleted);
  logger.info('Period-close schedules in step', {
    contractId: result.contractId,
    change: result.change,
    created,
    unchanged: result.scheduled.length - created,
    deleted,
    past: result.past.length,
  });
}

/** The event → result mapping with its dependencies passed in (tests, local engine). */
export function createSchedulePeriodClosesHandler(resolveDeps: () => Promise<ReschedulePeriodClosesDeps>) {
  return async (event: unknown): Promise<SchedulePeriodClosesResponse> => {
    const parsed = SchedulePeriodClosesInputSchema.safeParse(event);
    if (!parsed.success) {
      throw new PeriodCloseChangeInputError(`invalid contract change: ${z.prettifyError(parsed.error)}`, { cause: parsed.error });
    }
    const result = await reschedulePeriodCloses(await resolveDeps(), parsed.data);
    recordPeriodCloseScheduling(result);
    return toPeriodCloseScheduleResponse(result);
  };
}

/** Set by the stack. */
export const SchedulePeriodClosesEnvironmentSchema = z.object({
  ENGINE_TABLE_NAME: z.string().min(1),
  CLOSE_SCHEDULE_GROUP_NAME: z.string().min(1),
  CLOSE_FUNCTION_ARN: z.string().min(1),
  CLOSE_SCHEDULER_ROLE_ARN: z.string().min(1),
  CLOSE_SCHEDULER_DEAD_LETTER_ARN: z.string().min(1),
  /** Hours after the period end before it closes; the close-period function reads the same value. */
  CLOSE_GRACE_HOURS: z.coerce.number().min(0).max(24 * 31).default(24),
});
export type SchedulePeriodClosesEnvironment = z.infer<typeof SchedulePeriodClosesEnvironmentSchema>;

export function periodCloseDepsFromEnv(
  env: SchedulePeriodClosesEnvironment,
  clients: { readonly scheduler: SchedulerClient; readonly dynamoDb: DynamoDBClient },
): ReschedulePeriodClosesDeps {
  return createPeriodCloseScheduling({
    dynamoDb: clients.dynamoDb,
    scheduler: clients.scheduler,
    engineTableName: env.ENGINE_TABLE_NAME,
    schedules: {
      groupName: env.CLOSE_SCHEDULE_GROUP_NAME,
      functionArn: env.CLOSE_FUNCTION_ARN,
      roleArn: env.CLOSE_SCHEDULER_ROLE_ARN,
      deadLetterQueueArn: env.CLOSE_SCHEDULER_DEAD_LETTER_ARN,
    },
    graceHours: env.CLOSE_GRACE_HOURS,
  });
}

let defaultDeps: ReschedulePeriodClosesDeps | undefined;

export const handler = withObservability<unknown, SchedulePeriodClosesResponse>(
  createSchedulePeriodClosesHandler(async () =>
    (defaultDeps ??= periodCloseDepsFromEnv(readEnvConfig(SchedulePeriodClosesEnvironmentSchema), {
      scheduler: traced(new SchedulerClient({})),
      dynamoDb: traced(new DynamoDBClient({})),
    })),
  ),
);

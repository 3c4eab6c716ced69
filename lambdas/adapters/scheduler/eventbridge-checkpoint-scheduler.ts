import {
  ConflictException,
  CreateScheduleCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
  type GetScheduleCommandOutput,
} from '@aws-sdk/client-scheduler';
import { checkpointScheduleNames, type PlannedCheckpoint, type RenewalCheckpointPlan } from '../../domain/risk/checkpoint-plan';
import { checkpointPayload } from '../../domain/risk/checkpoint-payload';
import { SchedulerUnavailableError } from './scheduler-errors';
import { deleteOneTimeSchedule, oneTimeScheduleDefinition, translateSchedulerError, type OneTimeScheduleDefinition, type OneTimeScheduleSettings } from './one-time-schedule';
import type { CheckpointSchedulerPort, CheckpointTermRef, ScheduleDeleteResult, ScheduleMoveResult, ScheduleUpsertResult } from '../../application/risk/ports';
import { canonicalJson } from '../../domain/json/canonical-json';

/** The check-renewal-risk function's schedules (defaults: 24 hours and 10 attempts; a check a day late still beats none). */
export type CheckpointScheduleSettings = OneTimeScheduleSettings;

/** One-time `at()` schedules in the contract's zone, deleted by Scheduler once they fire. */
export function checkpointScheduleDefinition(
  plan: RenewalCheckpointPlan,
  checkpoint: PlannedCheckpoint,
  settings: CheckpointScheduleSettings,
): OneTimeScheduleDefinition {
  return oneTimeScheduleDefinition(
    {
      name: checkpoint.scheduleName,
      description: `Renewal-risk check ${checkpoint.checkpointDays} days before term end: contract ${plan.contractId}, term ${plan.termId}`,
      at: checkpoint.localFireTime,
      timeZone: checkpoint.timeZone,
      input: checkpointPayload(plan.contractId, plan.termId, checkpoint),
    },
    settings,
  );
}

function canonicalInput(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    return canonicalJson(JSON.parse(text));
  } catch {
    // Not JSON: compare verbatim (it differs from ours, so it gets updated).
    return text;
  }
}

/** True when the stored schedule already does exactly what the definition says. */
export function scheduleMatches(existing: GetScheduleCommandOutput, desired: OneTimeScheduleDefinition): boolean {
  const target = existing.Target;
  const wanted = desired.Target;
  return (
    existing.ScheduleExpression === desired.ScheduleExpression &&
    existing.ScheduleExpressionTimezone === desired.ScheduleExpressionTimezone &&
    existing.State === desired.State &&
    existing.ActionAfterCompletion === desired.ActionAfterCompletion &&
    existing.Description === desired.Description &&
    existing.FlexibleTimeWindow?.Mode === desired.FlexibleTimeWindow?.Mode &&
    target?.Arn === wanted?.Arn &&
    target?.RoleArn === wanted?.RoleArn &&
    canonicalInput(target?.Input) === canonicalInput(wanted?.Input) &&
    target?.DeadLetterConfig?.Arn === wanted?.DeadLetterConfig?.Arn &&
    target?.RetryPolicy?.MaximumEventAgeInSeconds === wanted?.RetryPolicy?.MaximumEventAgeInSeconds &&
    target?.RetryPolicy?.MaximumRetryAttempts === wanted?.RetryPolicy?.MaximumRetryAttempts
  );
}

/**
 * CheckpointSchedulerPort on EventBridge Scheduler. Idempotence comes from the
 * deterministic names: creating an existing schedule raises ConflictException,
 * which turns into "compare, then update or leave alone", so repeated and
 * concurrent runs converge on one schedule per checkpoint.
 */
export class EventBridgeCheckpointScheduler implements CheckpointSchedulerPort {
  constructor(
    private readonly client: SchedulerClient,
    private readonly settings: CheckpointScheduleSettings,
  ) {}

  async upsertCheckpointSchedules(plan: RenewalCheckpointPlan): Promise<readonly ScheduleUpsertResult[]> {
    const results: ScheduleUpsertResult[] = [];
    for (const checkpoint of plan.checkpoints) {
      const outcome = await this.upsertOne(checkpointScheduleDefinition(plan, checkpoint, this.settings));
      results.push({ scheduleName: checkpoint.scheduleName, checkpointDays: checkpoint.checkpointDays, outcome });
    }
    return results;
  }

  async moveCheckpointSchedules(previous: CheckpointTermRef, next: RenewalCheckpointPlan): Promise<ScheduleMoveResult> {
    // New schedules first: a failure part-way leaves an extra check (harmless,
    // task keys dedupe) rather than a term with no checks.
    const upserted = await this.upsertCheckpointSchedules(next);
    const kept = new Set(next.checkpoints.map((c) => c.scheduleName));
    const deleted = await this.deleteNames(
      checkpointScheduleNames(previous.contractId, previous.termId, previous.checkpointsDays).filter((name) => !kept.has(name)),
    );
    return { upserted, deleted };
  }

  async deleteCheckpointSchedules(term: CheckpointTermRef): Promise<readonly ScheduleDeleteResult[]> {
    return this.deleteNames(checkpointScheduleNames(term.contractId, term.termId, term.checkpointsDays));
  }

  private async deleteNames(names: readonly string[]): Promise<ScheduleDeleteResult[]> {
    const results: ScheduleDeleteResult[] = [];
    for (const name of names) {
      results.push({ scheduleName: name, outcome: await deleteOneTimeSchedule(this.client, this.settings.groupName, name) });
    }
    return results;
  }

  private async upsertOne(definition: OneTimeScheduleDefinition): Promise<ScheduleUpsertResult['outcome']> {
    // Two attempts: the schedule can fire and delete itself between our conflict and our read.
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        await this.client.send(new CreateScheduleCommand(definition));
        return 'created';
      } catch (error) {
        if (!(error instanceof ConflictException)) throw translateSchedulerError(error, definition.Name);
      }
      let existing: GetScheduleCommandOutput;
      try {
        existing = await this.client.send(new GetScheduleCommand({ Name: definition.Name, GroupName: definition.GroupName }));
      } catch (error) {
        if (error instanceof ResourceNotFoundException) continue;
        throw translateSchedulerError(error, definition.Name);
      }
      if (scheduleMatches(existing, definition)) return 'unchanged';
      try {
        await this.client.send(new UpdateScheduleCommand(definition));
        return 'updated';
      } catch (error) {
        if (error instanceof ResourceNotFoundException) continue;
        throw translateSchedulerError(error, definition.Name);
      }
    }
    throw new SchedulerUnavailableError(definition.Name, {
      cause: new Error('schedule kept disappearing between create, read and update'),
    });
  }
}

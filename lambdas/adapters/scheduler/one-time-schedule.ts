// What the engine's EventBridge Scheduler adapters share: a one-time `at()`
// schedule invoking one function with a payload (deleted by Scheduler once it
// fires, retried and finally dead-lettered), its deletion by name, and how
// Scheduler's failures map onto the engine's errors.
import {
  DeleteScheduleCommand,
  InternalServerException,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  ThrottlingException,
  ValidationException,
  type CreateScheduleCommandInput,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { ScheduleRejectedError, SchedulerUnavailableError } from './scheduler-errors';

/** Where a family of schedules lives and what it invokes; the stack creates each of these. */
export interface OneTimeScheduleSettings {
  /** Schedule group created by the stack. */
  readonly groupName: string;
  /** The function the schedules invoke. */
  readonly functionArn: string;
  /** Role Scheduler assumes; it may invoke only that function. */
  readonly roleArn: string;
  /** SQS queue for invocations that still fail after the retries. */
  readonly deadLetterQueueArn: string;
  /** Defaults: 24 hours and 10 attempts. */
  readonly maximumEventAgeInSeconds?: number;
  readonly maximumRetryAttempts?: number;
}

export type OneTimeScheduleDefinition = Omit<CreateScheduleCommandInput, 'ClientToken'> & {
  Name: string;
  GroupName: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone: string;
};

export interface OneTimeSchedule {
  readonly name: string;
  /** Cut to Scheduler's 512 characters. */
  readonly description: string;
  /** Wall-clock time `YYYY-MM-DDTHH:mm:ss` in `timeZone`. */
  readonly at: string;
  readonly timeZone: string;
  /** The invocation's payload, sent as JSON. */
  readonly input: unknown;
}

/** A schedule that fires once at `at` in `timeZone` and is deleted by Scheduler once it has. */
export function oneTimeScheduleDefinition(schedule: OneTimeSchedule, settings: OneTimeScheduleSettings): OneTimeScheduleDefinition {
  return {
    Name: schedule.name,
    GroupName: settings.groupName,
    Description: schedule.description.slice(0, 512),
    ScheduleExpression: `at(${schedule.at})`,
    ScheduleExpressionTimezone: schedule.timeZone,
    State: 'ENABLED',
    ActionAfterCompletion: 'DELETE',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: {
      Arn: settings.functionArn,
      RoleArn: settings.roleArn,
      Input: JSON.stringify(schedule.input),
      DeadLetterConfig: { Arn: settings.deadLetterQueueArn },
      RetryPolicy: {
        MaximumEventAgeInSeconds: settings.maximumEventAgeInSeconds ?? 86_400,
        MaximumRetryAttempts: settings.maximumRetryAttempts ?? 10,
      },
    },
  };
}

/**
 * Deletes a schedule by name; 'absent' when it already fired (ActionAfterCompletion
 * DELETE) or an earlier run removed it.
 */
export async function deleteOneTimeSchedule(client: SchedulerClient, groupName: string, name: string): Promise<'deleted' | 'absent'> {
  try {
    await client.send(new DeleteScheduleCommand({ Name: name, GroupName: groupName }));
    return 'deleted';
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return 'absent';
    throw translateSchedulerError(error, name);
  }
}

/** Throttling, 5xx and network failures are retried later; a rejected definition is the engine's own bug. */
export function translateSchedulerError(error: unknown, scheduleName: string): Error {
  if (
    error instanceof ThrottlingException ||
    error instanceof InternalServerException ||
    error instanceof ServiceQuotaExceededException ||
    (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'NetworkingError'))
  ) {
    return new SchedulerUnavailableError(scheduleName, { cause: error });
  }
  if (error instanceof ValidationException) return new ScheduleRejectedError(scheduleName, error.message, { cause: error });
  return error instanceof Error ? error : new Error(String(error), { cause: error });
}

import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  InternalServerException,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  ThrottlingException,
  ValidationException,
  type CreateScheduleCommandInput,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import type { DeleteCloseOutcome, PeriodClose, PeriodCloseRef, PeriodCloseScheduler, ScheduleCloseOutcome } from '../../application/billing/ports';
import { ScheduleRejectedError, SchedulerUnavailableError } from './scheduler-errors';

export interface PeriodCloseScheduleSettings {
  /** Schedule group created by the stack. */
  readonly groupName: string;
  /** The close-period function. */
  readonly functionArn: string;
  /** Role Scheduler assumes; it may invoke only the close function. */
  readonly roleArn: string;
  /** SQS queue for invocations that still fail after the retries. */
  readonly deadLetterQueueArn: string;
  /** Defaults: 24 hours and 10 attempts (Stripe outages rarely outlast a day). */
  readonly maximumEventAgeInSeconds?: number;
  readonly maximumRetryAttempts?: number;
}

/**
 * A one-time schedule at the close instant. The instant is computed in the
 * contract's zone (period end + grace) and written in UTC: a wall-clock
 * `at()` in the contract's zone would be ambiguous in the repeated hour of a
 * DST change, a UTC instant never is.
 */
export function periodCloseScheduleDefinition(close: PeriodClose, settings: PeriodCloseScheduleSettings): CreateScheduleCommandInput {
  return {
    Name: close.scheduleName,
    GroupName: settings.groupName,
    Description: `Close period ${close.periodId} of contract ${close.contractId} at ${close.localCloseAt} (${close.timeZone}, ${close.graceHours} h grace)`.slice(0, 512),
    ScheduleExpression: `at(${close.closeAt.slice(0, 19)})`,
    ScheduleExpressionTimezone: 'UTC',
    State: 'ENABLED',
    ActionAfterCompletion: 'DELETE',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: {
      Arn: settings.functionArn,
      RoleArn: settings.roleArn,
      Input: JSON.stringify({ contractId: close.contractId, periodId: close.periodId }),
      DeadLetterConfig: { Arn: settings.deadLetterQueueArn },
      RetryPolicy: {
        MaximumEventAgeInSeconds: settings.maximumEventAgeInSeconds ?? 86_400,
        MaximumRetryAttempts: settings.maximumRetryAttempts ?? 10,
      },
    },
  };
}

/**
 * PeriodCloseScheduler on EventBridge Scheduler. The name is derived from
 * contract and period, and the close itself is idempotent, so an existing
 * schedule (ConflictException) is simply kept.
 */
export class EventBridgePeriodCloseScheduler implements PeriodCloseScheduler {
  constructor(
    private readonly client: SchedulerClient,
    private readonly settings: PeriodCloseScheduleSettings,
  ) {}

  async scheduleClose(close: PeriodClose): Promise<ScheduleCloseOutcome> {
    try {
      await this.client.send(new CreateScheduleCommand(periodCloseScheduleDefinition(close, this.settings)));
      return 'created';
    } catch (error) {
      if (error instanceof ConflictException) return 'unchanged';
      throw translateError(error, close.scheduleName);
    }
  }

  async deleteClose(close: PeriodCloseRef): Promise<DeleteCloseOutcome> {
    try {
      await this.client.send(new DeleteScheduleCommand({ Name: close.scheduleName, GroupName: this.settings.groupName }));
      return 'deleted';
    } catch (error) {
      // Already fired (ActionAfterCompletion DELETE) or removed by an earlier run.
      if (error instanceof ResourceNotFoundException) return 'absent';
      throw translateError(error, close.scheduleName);
    }
  }
}

function translateError(error: unknown, scheduleName: string): unknown {
  if (
    error instanceof ThrottlingException ||
    error instanceof InternalServerException ||
    error instanceof ServiceQuotaExceededException ||
    (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'NetworkingError'))
  ) {
    return new SchedulerUnavailableError(scheduleName, { cause: error });
  }
  if (error instanceof ValidationException) return new ScheduleRejectedError(scheduleName, error.message, { cause: error });
  return error;
}

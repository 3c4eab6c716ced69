import { ConflictException, CreateScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import type { DeleteCloseOutcome, PeriodClose, PeriodCloseRef, PeriodCloseScheduler, ScheduleCloseOutcome } from '../../application/billing/ports';
import { deleteOneTimeSchedule, oneTimeScheduleDefinition, translateSchedulerError, type OneTimeScheduleDefinition, type OneTimeScheduleSettings } from './one-time-schedule';

/** The close-period function's schedules (defaults: 24 hours and 10 attempts; Stripe outages rarely outlast a day). */
export type PeriodCloseScheduleSettings = OneTimeScheduleSettings;

/**
 * A one-time schedule at the close instant. The instant is computed in the
 * contract's zone (period end + grace) and written in UTC: a wall-clock
 * `at()` in the contract's zone would be ambiguous in the repeated hour of a
 * DST change, a UTC instant never is.
 */
export function periodCloseScheduleDefinition(close: PeriodClose, settings: PeriodCloseScheduleSettings): OneTimeScheduleDefinition {
  return oneTimeScheduleDefinition(
    {
      name: close.scheduleName,
      description: `Close period ${close.periodId} of contract ${close.contractId} at ${close.localCloseAt} (${close.timeZone}, ${close.graceHours} h grace)`,
      at: close.closeAt.slice(0, 19),
      timeZone: 'UTC',
      input: { contractId: close.contractId, periodId: close.periodId },
    },
    settings,
  );
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
      throw translateSchedulerError(error, close.scheduleName);
    }
  }

  async deleteClose(close: PeriodCloseRef): Promise<DeleteCloseOutcome> {
    return deleteOneTimeSchedule(this.client, this.settings.groupName, close.scheduleName);
  }
}

// EventBridge Scheduler schedule groups, one per scheduled handler. The
// schedules in a group are data created at runtime (a period close, a
// renewal checkpoint) and deleting a group deletes every schedule in it, so
// the groups live in the stateful stack and are retained; the roles Scheduler
// assumes live with the functions they invoke.
import type { ScheduledHandlerName } from '../routing/routing-table';
import type { StageConfig } from './stage-config';

/**
 * The hour (UTC) of the daily usage-drop evaluation: 06:00 UTC, when the
 * previous day is complete in every zone from UTC-6 eastward (the Americas'
 * east and Europe to Asia); further west the last complete day is the one
 * before. Either way each run measures a complete day, and each contract's
 * day fires at most once. The local engine runs it at the same hour.
 */
export const USAGE_DROP_EVALUATION_HOUR_UTC = 6;

export interface ScheduleGroupSettings {
  /** Construct id prefix, alarm and output name part. */
  readonly id: string;
  /** Suffix of the group name after `outcome-engine-<stage>-`. */
  readonly nameSuffix: string;
  readonly description: string;
  /**
   * A recurring schedule the stack itself creates in the group (Scheduler
   * expression, UTC); groups without one hold the one-time schedules their
   * scheduling function creates.
   */
  readonly recurring?: { readonly expression: string; readonly description: string };
}

/** Keyed by ScheduledHandlerName: a new scheduled handler does not compile until its group is decided here. */
export const SCHEDULE_GROUPS: Readonly<Record<ScheduledHandlerName, ScheduleGroupSettings>> = {
  'close-period': {
    id: 'PeriodCloses',
    nameSuffix: 'period-closes',
    description: "one-time schedules that close a contract's billing period at period end plus grace",
  },
  'check-renewal-risk': {
    id: 'RenewalChecks',
    nameSuffix: 'renewal-checks',
    description: 'one-time schedules that run a renewal-risk check at each checkpoint before term end',
  },
  'evaluate-usage-drops': {
    id: 'UsageDrops',
    nameSuffix: 'usage-drops',
    description: "the daily schedule that evaluates every contract's usage-drop rule",
    recurring: {
      expression: `cron(0 ${USAGE_DROP_EVALUATION_HOUR_UTC} * * ? *)`,
      description: 'Daily usage-drop evaluation of every contract (Usage Dropped)',
    },
  },
};

/**
 * The group's fixed name, e.g. `outcome-engine-prod-period-closes` (at most 49
 * characters; Scheduler allows 64). Fixed so IAM statements can name
 * `schedule/<group>/*` literally and operators can list a group by name.
 */
export function scheduleGroupName(config: Pick<StageConfig, 'stage'>, handler: ScheduledHandlerName): string {
  return `outcome-engine-${config.stage}-${SCHEDULE_GROUPS[handler].nameSuffix}`;
}

export const SCHEDULED_HANDLERS = Object.keys(SCHEDULE_GROUPS) as ScheduledHandlerName[];

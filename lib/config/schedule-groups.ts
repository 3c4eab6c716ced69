// EventBridge Scheduler schedule groups, one per scheduled handler. The
// schedules in a group are data created at runtime (a period close, a
// renewal checkpoint) and deleting a group deletes every schedule in it, so
// the groups live in the stateful stack and are retained; the roles Scheduler
// assumes live with the functions they invoke.
import type { ScheduledHandlerName } from '../routing/routing-table';
import type { StageConfig } from './stage-config';

export interface ScheduleGroupSettings {
  /** Construct id prefix, alarm and output name part. */
  readonly id: string;
  /** Suffix of the group name after `outcome-engine-<stage>-`. */
  readonly nameSuffix: string;
  readonly description: string;
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

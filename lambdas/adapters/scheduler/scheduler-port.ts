import type { RenewalCheckpointPlan } from '../../domain/risk/checkpoint-plan';

/** Which term's schedules to remove; names are derived, so no listing is needed. */
export interface CheckpointTermRef {
  readonly contractId: string;
  readonly termId: string;
  /** The checkpoint days the term was planned with; the defaults when absent. */
  readonly checkpointsDays?: readonly number[];
}

export interface ScheduleUpsertResult {
  readonly scheduleName: string;
  readonly checkpointDays: number;
  readonly outcome: 'created' | 'updated' | 'unchanged';
}

export interface ScheduleDeleteResult {
  readonly scheduleName: string;
  readonly outcome: 'deleted' | 'absent';
}

export interface ScheduleMoveResult {
  readonly upserted: readonly ScheduleUpsertResult[];
  readonly deleted: readonly ScheduleDeleteResult[];
}

/**
 * Where renewal checkpoints are scheduled. EventBridge Scheduler in AWS; the
 * local engine supplies one driven by a controllable clock. Every method is
 * idempotent: safe to repeat after a partial failure or a duplicate event.
 */
export interface CheckpointSchedulerPort {
  /** Creates the plan's schedules, updates ones that differ, leaves identical ones alone. */
  upsertCheckpointSchedules(plan: RenewalCheckpointPlan): Promise<readonly ScheduleUpsertResult[]>;
  /** Term change: upserts the new plan, then removes the previous term's schedules the new plan does not reuse. */
  moveCheckpointSchedules(previous: CheckpointTermRef, next: RenewalCheckpointPlan): Promise<ScheduleMoveResult>;
  /** Cancellation: removes the term's schedules; ones already fired or removed are fine. */
  deleteCheckpointSchedules(term: CheckpointTermRef): Promise<readonly ScheduleDeleteResult[]>;
}

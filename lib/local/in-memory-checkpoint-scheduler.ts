import { checkpointScheduleNames, type RenewalCheckpointPlan } from '../../lambdas/domain/risk/checkpoint-plan';
import { checkpointPayload, type RenewalCheckpointPayload } from '../../lambdas/domain/risk/checkpoint-payload';
import type {
  CheckpointSchedulerPort,
  CheckpointTermRef,
  ScheduleDeleteResult,
  ScheduleMoveResult,
  ScheduleUpsertResult,
} from '../../lambdas/application/risk/ports';

export interface StoredCheckpointSchedule {
  readonly scheduleName: string;
  /** UTC ISO instant. */
  readonly fireAt: string;
  readonly payload: RenewalCheckpointPayload;
}

/**
 * CheckpointSchedulerPort kept in memory, with EventBridge Scheduler's
 * semantics (named, one-time, deleted after firing). The local engine drives
 * it from its controllable clock with `takeDue(now)`.
 */
export class InMemoryCheckpointScheduler implements CheckpointSchedulerPort {
  private readonly schedules = new Map<string, StoredCheckpointSchedule>();

  async upsertCheckpointSchedules(plan: RenewalCheckpointPlan): Promise<readonly ScheduleUpsertResult[]> {
    return plan.checkpoints.map((checkpoint) => {
      const desired: StoredCheckpointSchedule = {
        scheduleName: checkpoint.scheduleName,
        fireAt: checkpoint.fireAt,
        payload: checkpointPayload(plan.contractId, plan.termId, checkpoint),
      };
      const existing = this.schedules.get(checkpoint.scheduleName);
      this.schedules.set(checkpoint.scheduleName, desired);
      const outcome: ScheduleUpsertResult['outcome'] =
        existing === undefined ? 'created' : JSON.stringify(existing) === JSON.stringify(desired) ? 'unchanged' : 'updated';
      return { scheduleName: checkpoint.scheduleName, checkpointDays: checkpoint.checkpointDays, outcome };
    });
  }

  async moveCheckpointSchedules(previous: CheckpointTermRef, next: RenewalCheckpointPlan): Promise<ScheduleMoveResult> {
    const upserted = await this.upsertCheckpointSchedules(next);
    const kept = new Set(next.checkpoints.map((c) => c.scheduleName));
    const names = checkpointScheduleNames(previous.contractId, previous.termId, previous.checkpointsDays).filter((n) => !kept.has(n));
    return { upserted, deleted: names.map((name) => this.deleteOne(name)) };
  }

  async deleteCheckpointSchedules(term: CheckpointTermRef): Promise<readonly ScheduleDeleteResult[]> {
    return checkpointScheduleNames(term.contractId, term.termId, term.checkpointsDays).map((name) => this.deleteOne(name));
  }

  /** Removes and returns the schedules due at or before `now` (ISO instant), earliest first. */
  takeDue(now: string): StoredCheckpointSchedule[] {
    const nowMillis = Date.parse(now);
    const due = [...this.schedules.values()]
      .filter((s) => Date.parse(s.fireAt) <= nowMillis)
      .sort((a, b) => Date.parse(a.fireAt) - Date.parse(b.fireAt) || a.scheduleName.localeCompare(b.scheduleName));
    for (const schedule of due) this.schedules.delete(schedule.scheduleName);
    return due;
  }

  list(): StoredCheckpointSchedule[] {
    return [...this.schedules.values()].sort((a, b) => Date.parse(a.fireAt) - Date.parse(b.fireAt));
  }

  private deleteOne(name: string): ScheduleDeleteResult {
    return { scheduleName: name, outcome: this.schedules.delete(name) ? 'deleted' : 'absent' };
  }
}

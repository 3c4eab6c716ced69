import type { DeleteCloseOutcome, PeriodClose, PeriodCloseRef, PeriodCloseScheduler, ScheduleCloseOutcome } from '../../lambdas/application/billing/ports';

/** Schedules in memory, fired by whoever owns the clock (the local engine). */
export class InMemoryPeriodCloseScheduler implements PeriodCloseScheduler {
  private readonly schedules = new Map<string, PeriodClose>();
  private readonly completed = new Set<string>();

  scheduleClose(close: PeriodClose): Promise<ScheduleCloseOutcome> {
    // A name that already ran stays taken, so re-scheduling never closes a period twice.
    if (this.schedules.has(close.scheduleName) || this.completed.has(close.scheduleName)) return Promise.resolve('unchanged');
    this.schedules.set(close.scheduleName, close);
    return Promise.resolve('created');
  }

  /** Schedules whose time has come, oldest first. */
  due(now: Date): PeriodClose[] {
    return [...this.schedules.values()].filter((close) => Date.parse(close.closeAt) <= now.getTime()).sort((a, b) => a.closeAt.localeCompare(b.closeAt));
  }

  deleteClose(close: PeriodCloseRef): Promise<DeleteCloseOutcome> {
    return Promise.resolve(this.schedules.delete(close.scheduleName) ? 'deleted' : 'absent');
  }

  /** One-time schedules go away once they ran, as Scheduler's ActionAfterCompletion DELETE does. */
  complete(scheduleName: string): void {
    this.schedules.delete(scheduleName);
    this.completed.add(scheduleName);
  }

  list(): PeriodClose[] {
    return [...this.schedules.values()];
  }
}

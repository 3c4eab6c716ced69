import { EngineError } from '../../domain/errors/engine-error';

/** Scheduler could not be reached or throttled us after the SDK's retries: retry the whole operation later. */
export class SchedulerUnavailableError extends EngineError {
  readonly category = 'infrastructure';
  readonly code = 'scheduler_unavailable';
  constructor(
    readonly scheduleName: string,
    options: { cause: unknown },
  ) {
    super(`EventBridge Scheduler was unavailable while changing schedule ${scheduleName}; retry later`, options);
    this.name = 'SchedulerUnavailableError';
  }
}

/** Scheduler rejected the schedule definition (a configuration or planning bug; retrying will not help). */
export class ScheduleRejectedError extends EngineError {
  readonly category = 'internal';
  readonly code = 'schedule_rejected';
  constructor(
    readonly scheduleName: string,
    detail: string,
    options: { cause: unknown },
  ) {
    super(`EventBridge Scheduler rejected schedule ${scheduleName}: ${detail}`, options);
    this.name = 'ScheduleRejectedError';
  }
}

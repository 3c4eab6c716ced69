/** Scheduler could not be reached or throttled us after the SDK's retries: retry the whole operation later. */
export class SchedulerUnavailableError extends Error {
  readonly code = 'scheduler_unavailable';
  readonly retryable = true;
  constructor(
    readonly scheduleName: string,
    options: { cause: unknown },
  ) {
    super(`EventBridge Scheduler was unavailable while changing schedule ${scheduleName}; retry later`, options);
    this.name = 'SchedulerUnavailableError';
  }
}

/** Scheduler rejected the schedule definition (a configuration or planning bug; retrying will not help). */
export class ScheduleRejectedError extends Error {
  readonly code = 'schedule_rejected';
  readonly retryable = false;
  constructor(
    readonly scheduleName: string,
    detail: string,
    options: { cause: unknown },
  ) {
    super(`EventBridge Scheduler rejected schedule ${scheduleName}: ${detail}`, options);
    this.name = 'ScheduleRejectedError';
  }
}

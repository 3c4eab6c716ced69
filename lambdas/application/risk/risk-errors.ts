import { EngineError, engineErrorClass } from '../../domain/errors/engine-error';

/** The contract a check or schedule names is not stored. */
export class RiskContractNotFoundError extends EngineError {
  readonly category = 'not_found';
  readonly code = 'contract_not_found';
  constructor(readonly contractId: string) {
    super(`contract "${contractId}" is not stored`);
    this.name = 'RiskContractNotFoundError';
  }
}

/** A renewal task id that matches no stored task. */
export class RenewalTaskNotFoundError extends EngineError {
  readonly category = 'not_found';
  readonly code = 'task_not_found';
  constructor(readonly taskId: string) {
    super(`no renewal task "${taskId}"`);
    this.name = 'RenewalTaskNotFoundError';
  }
}

/** A conditional task update lost to another writer: re-read and decide again. */
export class TaskVersionConflictError extends EngineError {
  readonly category = 'conflict';
  readonly code = 'task_version_conflict';
  constructor(
    readonly taskId: string,
    readonly expectedVersion: number,
    options?: { cause?: unknown },
  ) {
    super(`renewal task "${taskId}" changed since version ${expectedVersion}`, options);
    this.name = 'TaskVersionConflictError';
  }
}

/** The conflict `retryOnConflict` retries for renewal tasks. */
export const isTaskVersionConflict = (error: unknown): error is TaskVersionConflictError => error instanceof TaskVersionConflictError;

/** A task change that its current state does not allow (acknowledging a resolved task). */
export class TaskStateError extends engineErrorClass('TaskStateError', 'state', 'task_state_invalid') {}

/** A checkpoint payload for a term the contract is no longer in: the schedule is stale. */
export class StaleCheckpointError extends engineErrorClass('StaleCheckpointError', 'state', 'stale_checkpoint') {}

/** A renewal result names a term the engine knows nothing about: not the contract's current term, and no check ran in it. */
export class RenewalTermNotFoundError extends EngineError {
  readonly category = 'not_found';
  readonly code = 'term_not_found';
  constructor(
    readonly contractId: string,
    readonly termId: string,
    currentTermId: string,
  ) {
    super(`contract "${contractId}" has no known term "${termId}": its current term is ${currentTermId}, and no check ran in ${termId}`);
    this.name = 'RenewalTermNotFoundError';
  }
}

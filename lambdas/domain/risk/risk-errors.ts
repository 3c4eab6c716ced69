import { EngineError } from '../errors/engine-error';

/** Thrown when a risk input cannot be assessed (caller mapped it wrongly, or data contradicts itself). */
export class RiskInputError extends EngineError {
  readonly category = 'invalid_input';
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RiskInputError';
  }
}

/** Thrown when checkpoint planning gets an impossible request (unknown zone, bad day list). */
export class CheckpointPlanError extends EngineError {
  readonly category = 'invalid_input';
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CheckpointPlanError';
  }
}

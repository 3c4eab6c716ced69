import { EngineError } from '../../domain/errors/engine-error';

/** A dispute id no dispute entry carries. */
export class DisputeNotFoundError extends EngineError {
  readonly category = 'not_found';
  readonly code = 'dispute_not_found';
  constructor(readonly disputeId: string) {
    super(`no dispute "${disputeId}" has been opened (see "outcome-engine disputes list")`);
    this.name = 'DisputeNotFoundError';
  }
}

/** A dispute or decision that does not read as one (missing reason, bad id, too many outcomes). */
export class InvalidDisputeError extends EngineError {
  readonly category = 'invalid_input';
  readonly code = 'invalid_dispute';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidDisputeError';
  }
}

/** Another writer kept taking the key this run planned (a dispute number or a decision) on every attempt. */
export class DisputeWriteContendedError extends EngineError {
  readonly category = 'conflict';
  readonly code = 'dispute_write_contended';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DisputeWriteContendedError';
  }
}

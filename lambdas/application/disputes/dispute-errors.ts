import { EngineError, engineErrorClass } from '../../domain/errors/engine-error';

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
export class InvalidDisputeError extends engineErrorClass('InvalidDisputeError', 'invalid_input', 'invalid_dispute') {}

/** Another writer kept taking the key this run planned (a dispute number or a decision) on every attempt. */
export class DisputeWriteContendedError extends engineErrorClass('DisputeWriteContendedError', 'conflict', 'dispute_write_contended') {}

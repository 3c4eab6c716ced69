// Typed errors the application layer raises. The split that matters most:
// InfrastructureError means "the message may be fine, the platform was not"
// (throttling, timeouts, network, 5xx): callers retry it and never turn it
// into a rejection of the producer's input.

import { EngineError } from '../domain/errors/engine-error';

export class InfrastructureError extends EngineError {
  readonly category = 'infrastructure';
  readonly code = 'infrastructure_unavailable';
  /** False for a failure of the platform that will not pass (e.g. a missing table); most are transient. */
  readonly #transient: boolean;
  /** The operation that failed, e.g. "DynamoDB PutItem". */
  readonly operation: string;

  constructor(message: string, options: { operation: string; retryable?: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'InfrastructureError';
    this.operation = options.operation;
    this.#transient = options.retryable ?? true;
  }

  override get retryable(): boolean {
    return this.#transient;
  }
}

/**
 * An adjustment (reversal, correction, verification) arrived before the
 * outcome it refers to. Queues do not keep order, so this is usually a race,
 * not bad input: the message is retried for a few deliveries before it is
 * rejected as UNKNOWN_OUTCOME.
 */
export class OutcomeNotYetRecordedError extends EngineError {
  readonly category = 'not_found';
  readonly code = 'outcome_not_yet_recorded';
  // Retryable although not_found: queues do not keep order, the outcome is likely on its way.
  override get retryable(): boolean {
    return true;
  }
  constructor(
    readonly outcomeId: string,
    readonly deliveryAttempt: number,
  ) {
    super(
      `outcome "${outcomeId}" is not in the ledger yet (delivery ${deliveryAttempt}); the adjustment will be retried in case it arrived first`,
    );
    this.name = 'OutcomeNotYetRecordedError';
  }
}

/** A stored item the ledger cannot read back: a bug or a schema drift, never bad producer input. */
export class LedgerDataError extends EngineError {
  readonly category = 'internal';
  readonly code: string = 'ledger_data_unreadable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LedgerDataError';
  }
}

/** A query (usage, listing) with invalid parameters; `issues` say which. */
export class InvalidLedgerQueryError extends EngineError {
  readonly category = 'invalid_input';
  readonly code = 'invalid_ledger_query';
  constructor(
    message: string,
    readonly issues: readonly string[] = [],
  ) {
    super(message);
    this.name = 'InvalidLedgerQueryError';
  }
}

/** A catalog that failed validation; `issues` name each path and problem. */
export class InvalidCatalogError extends EngineError {
  readonly category = 'invalid_input';
  readonly code = 'invalid_catalog';
  constructor(
    message: string,
    readonly issues: readonly string[],
  ) {
    super(message);
    this.name = 'InvalidCatalogError';
  }
}

/**
 * A catalog would change or remove a stored definition version. Versions are
 * contract terms outcomes were counted under: a change is a new version.
 */
export class DefinitionVersionImmutableError extends EngineError {
  readonly category = 'state';
  readonly code = 'definition_version_immutable';
  constructor(readonly issues: readonly string[]) {
    super(`the catalog was not loaded: ${issues.join('; ')}`);
    this.name = 'DefinitionVersionImmutableError';
  }
}

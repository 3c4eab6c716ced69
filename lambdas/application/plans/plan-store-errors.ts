// Errors of the plan and contract store, in the domain's terms: the adapter
// turns failed conditional writes into these.

import { EngineError } from '../../domain/errors/engine-error';

/** A stored plan version is immutable: loading different content under its number is refused. */
export class PlanVersionConflictError extends EngineError {
  readonly category = 'state';
  readonly code = 'plan_version_conflict';
  constructor(
    readonly planCode: string,
    readonly version: number,
    options?: ErrorOptions,
  ) {
    super(
      `plan "${planCode}" version ${version} is already stored with different content; stored plan versions never change, ` +
        `so add a new version (version ${version + 1} or higher) with a later effectiveFrom instead`,
      options,
    );
    this.name = 'PlanVersionConflictError';
  }
}

/** The plan-level facts (currency) of a stored plan cannot change: its versions are priced in them. */
export class PlanCurrencyConflictError extends EngineError {
  readonly category = 'state';
  readonly code = 'plan_currency_conflict';
  constructor(
    readonly planCode: string,
    readonly storedCurrency: string,
    readonly newCurrency: string,
    options?: ErrorOptions,
  ) {
    super(`plan "${planCode}" is stored in ${storedCurrency}; its currency cannot change to ${newCurrency} (create a plan with a new code)`, options);
    this.name = 'PlanCurrencyConflictError';
  }
}

/** The stored versions plus the new ones would not form a valid plan (e.g. effective dates out of order). */
export class PlanVersionsInconsistentError extends EngineError {
  readonly category = 'invalid_input';
  readonly code = 'plan_versions_inconsistent';
  constructor(
    readonly planCode: string,
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`plan "${planCode}": the stored versions and the loaded ones do not fit together: ${problems.join('; ')}`, options);
    this.name = 'PlanVersionsInconsistentError';
  }
}

/** Another writer changed the contract between read and write; the load can simply be repeated. */
export class ContractRevisionConflictError extends EngineError {
  readonly category = 'conflict';
  readonly code = 'contract_revision_conflict';
  constructor(
    readonly contractId: string,
    options?: ErrorOptions,
  ) {
    super(`contract "${contractId}" was changed by another writer while loading; load it again`, options);
    this.name = 'ContractRevisionConflictError';
  }
}

/** A contract names a plan the store does not hold. */
export class ContractPlanNotStoredError extends EngineError {
  readonly category = 'not_found';
  readonly code = 'plan_not_found';
  constructor(
    readonly contractId: string,
    readonly planCode: string,
  ) {
    super(`contract "${contractId}" is on plan "${planCode}", which is not loaded; load the plan first (outcome-engine plans load)`);
    this.name = 'ContractPlanNotStoredError';
  }
}

/** A contract does not fit its stored plan (currency, pinned version, overrides). */
export class ContractInvalidForPlanError extends EngineError {
  readonly category = 'invalid_input';
  readonly code = 'contract_invalid_for_plan';
  constructor(
    readonly contractId: string,
    readonly problems: readonly string[],
  ) {
    super(`contract "${contractId}" does not fit its plan: ${problems.join('; ')}`);
    this.name = 'ContractInvalidForPlanError';
  }
}

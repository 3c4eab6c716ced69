import { EngineError, engineErrorClass } from '../errors/engine-error';

/**
 * One problem found in a plan or contract file: the file, the path inside it
 * (`versions[1].charges[2].tiers[0].upTo`), a machine code and what is wrong.
 */
export interface PlanFileIssue {
  readonly file: string;
  readonly path: string;
  readonly code: string;
  readonly message: string;
  /** 1-based position in the file, when the path could be located. */
  readonly line?: number;
  readonly column?: number;
}

/** `plans/support.yaml: versions[1].charges[2].tiers[0].upTo: expected a decimal string (line 31)` */
export function formatPlanFileIssue(issue: PlanFileIssue): string {
  const where = issue.path === '' ? '' : `${issue.path}: `;
  const line = issue.line === undefined ? '' : ` (line ${issue.line})`;
  return `${issue.file}: ${where}${issue.message}${line}`;
}

/** A plan or contract file that cannot be used, with every issue found in it. */
export class PlanFileInvalidError extends EngineError {
  readonly category = 'invalid_input';
  readonly code = 'plan_file_invalid';
  constructor(
    readonly issues: readonly PlanFileIssue[],
    options?: ErrorOptions,
  ) {
    super(issues.map(formatPlanFileIssue).join('\n'), options);
    this.name = 'PlanFileInvalidError';
  }
}

export class PlanVersionNotFoundError extends EngineError {
  readonly category = 'not_found';
  readonly code = 'plan_version_not_found';
  constructor(
    readonly planCode: string,
    readonly version: number,
    readonly available: readonly number[],
  ) {
    super(`plan "${planCode}" has no version ${version} (versions: ${available.join(', ')})`);
    this.name = 'PlanVersionNotFoundError';
  }
}

export class PlanVersionNotEffectiveError extends EngineError {
  readonly category = 'not_found';
  readonly code = 'plan_version_not_effective';
  constructor(
    readonly planCode: string,
    readonly onDate: string,
    readonly firstEffectiveFrom: string,
  ) {
    super(`plan "${planCode}" has no version in effect on ${onDate} (the first takes effect ${firstEffectiveFrom})`);
    this.name = 'PlanVersionNotEffectiveError';
  }
}

/**
 * A version would price a period that starts before the version takes effect:
 * a contract pinned to a version dated after (part of) its term. Prices a
 * finance team published for a date must never apply before that date.
 */
export class PlanVersionNotYetEffectiveError extends EngineError {
  readonly category = 'invalid_input';
  readonly code = 'plan_version_not_yet_effective';
  constructor(
    readonly contractId: string,
    readonly planCode: string,
    readonly version: number,
    readonly effectiveFrom: string,
    readonly periodStartDate: string,
  ) {
    super(
      `contract "${contractId}" is pinned to plan "${planCode}" version ${version}, which takes effect on ${effectiveFrom}, so it cannot price the period starting ${periodStartDate}; pin a version in effect by then, or start the term on or after ${effectiveFrom}`,
    );
    this.name = 'PlanVersionNotYetEffectiveError';
  }
}

/** A contract names another plan, or bills in another currency, than the plan given. */
export class ContractPlanMismatchError extends engineErrorClass('ContractPlanMismatchError', 'invalid_input', 'contract_plan_mismatch') {}

/** A contract's price override does not fit the plan charge it overrides. */
export class PriceOverrideInvalidError extends EngineError {
  readonly category = 'invalid_input';
  readonly code = 'price_override_invalid';
  constructor(
    readonly contractId: string,
    readonly chargeId: string,
    readonly problems: readonly string[],
    options?: ErrorOptions & {
      /** Each problem with its path inside the merged charge (`tiers[0].upTo`), when it has one. */
      readonly fieldIssues?: ReadonlyArray<{ readonly path: readonly PropertyKey[]; readonly code: string; readonly message: string }>;
    },
  ) {
    super(`contract "${contractId}": price override of charge "${chargeId}": ${problems.join('; ')}`, options);
    this.name = 'PriceOverrideInvalidError';
    this.fieldIssues = options?.fieldIssues ?? [];
  }

  readonly fieldIssues: ReadonlyArray<{ readonly path: readonly PropertyKey[]; readonly code: string; readonly message: string }>;
}

import { EngineError } from '../errors/engine-error';
import type { BillableRule, DisputeTerms, MetricDefinition } from './catalog';
import { definitionVersionsOf, findDefinitionVersion } from './outcome-definitions';
import { localMidnightUtcIso, parseLocalDate } from '../periods/local-date';

/** Epoch ms of local midnight starting `date` (a contract's local day) in `timeZone`; NaN for an unreadable date. */
function localMidnightMs(date: string, timeZone: string): number {
  const local = parseLocalDate(date);
  return local === undefined ? Number.NaN : Date.parse(localMidnightUtcIso(local, timeZone));
}

// Which definition version's terms govern an outcome for one contract. A
// contract may pin a metric's definition version (`definitionVersions`), as
// it pins a plan version: then every outcome of that metric it bills counts
// under the pinned version's terms (billable rule, dispute window, hold or
// bill), whatever version was in force when the outcome occurred. Without a
// pin the version recorded on the outcome governs.
//
// An outcome recorded under the pinned version itself keeps the rule copied
// onto it when it was recorded, so a later catalog change to a metric's
// implicit version 1 never rewrites what was counted (explicit versions are
// immutable, so for them the two are the same rule).

/** A contract's pinned definition version of one metric, with the terms billing needs from it. */
export interface PinnedDefinition {
  readonly version: number;
  readonly billable: BillableRule;
  readonly dispute: DisputeTerms;
}

/** A contract's pins by ledger metric code. */
export type PinnedDefinitions = Readonly<Record<string, PinnedDefinition>>;

/** The version an outcome counts under for a contract, and the billable rule it is billed by. */
export interface GoverningDefinition {
  readonly version: number;
  readonly billableRule: BillableRule;
  /** True when the contract's pin chose it (also when the pin names the recorded version). */
  readonly pinned: boolean;
}

/**
 * The governing version of a recorded outcome: the pin when the contract
 * pins the outcome's metric, else the version recorded on it (1 when none
 * was recorded). The pinned version's billable rule applies unless the
 * outcome was recorded under that very version (its own copy then).
 */
export function governingDefinitionOf(
  recorded: { readonly definitionVersion: number; readonly billableRule: BillableRule },
  pinned: PinnedDefinition | undefined,
): GoverningDefinition {
  if (pinned === undefined) return { version: recorded.definitionVersion, billableRule: recorded.billableRule, pinned: false };
  if (pinned.version === recorded.definitionVersion) return { version: pinned.version, billableRule: recorded.billableRule, pinned: true };
  return { version: pinned.version, billableRule: pinned.billable, pinned: true };
}

/** A contract pins a definition version the catalog does not have (any more): its outcomes cannot be counted under it. */
export class PinnedDefinitionNotFoundError extends EngineError {
  readonly category = 'not_found';
  readonly code = 'pinned_definition_not_found';
  constructor(
    readonly metric: string,
    readonly version: number,
    readonly available: readonly number[],
  ) {
    super(
      available.length === 0
        ? `the contract pins definition version ${version} of metric "${metric}", which is not in the catalog`
        : `the contract pins definition version ${version} of metric "${metric}", which has no such version (versions: ${available.join(', ')})`,
    );
    this.name = 'PinnedDefinitionNotFoundError';
  }
}

/**
 * The terms of a contract's pins (`definitionVersions`), from the catalog's
 * metrics. A pin the catalog cannot resolve is an error, never ignored: the
 * contract was agreed under it.
 */
export function pinnedDefinitionsOf(
  pins: Readonly<Record<string, number>> | undefined,
  metricOf: (code: string) => MetricDefinition | undefined,
): PinnedDefinitions {
  const resolved: Record<string, PinnedDefinition> = {};
  for (const [code, version] of Object.entries(pins ?? {})) {
    const metric = metricOf(code);
    const definition = metric === undefined ? undefined : findDefinitionVersion(metric, version);
    if (definition === undefined) {
      throw new PinnedDefinitionNotFoundError(code, version, metric === undefined ? [] : definitionVersionsOf(metric).map((d) => d.version));
    }
    resolved[code] = { version, billable: definition.billable, dispute: definition.dispute };
  }
  return resolved;
}

/** Whether a contract pins any metric (a contract without pins is billed exactly as before pins existed). */
export function hasPins(pins: PinnedDefinitions | undefined): pins is PinnedDefinitions {
  return pins !== undefined && Object.keys(pins).length > 0;
}

/** A contract as the pin of an outcome is found from: its customer, term, cancellation, time zone and pins. */
export interface PinningContract {
  readonly customerId: string;
  readonly termStart: string;
  readonly termEnd: string;
  readonly cancelledOn?: string | undefined;
  readonly timeZone: string;
  readonly definitionVersions?: Readonly<Record<string, number>> | undefined;
}

/**
 * The definition version the customer's contracts pin for an outcome of
 * `metric` that occurred at `occurredAtMs`: the pin of the contracts in force
 * then (term start to term end or cancellation, local midnights in each
 * contract's time zone). Undefined (the recorded version governs) when none
 * of them pins the metric, or when they do not all pin the same version.
 */
export function pinnedVersionAt(
  contracts: readonly PinningContract[],
  outcome: { readonly customerId: string; readonly metric: string; readonly occurredAtMs: number },
): number | undefined {
  const inForce = contracts.filter((contract) => {
    if (contract.customerId !== outcome.customerId) return false;
    const end = contract.cancelledOn !== undefined && contract.cancelledOn < contract.termEnd ? contract.cancelledOn : contract.termEnd;
    return localMidnightMs(contract.termStart, contract.timeZone) <= outcome.occurredAtMs && outcome.occurredAtMs < localMidnightMs(end, contract.timeZone);
  });
  const versions = new Set(inForce.map((contract) => contract.definitionVersions?.[outcome.metric]));
  if (versions.size !== 1) return undefined;
  const [version] = versions;
  return version;
}

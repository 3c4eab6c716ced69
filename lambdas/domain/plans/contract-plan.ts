import { ChargeSchema, type Charge, type Plan, type PlanVersion } from './plan-schema';
import type { Contract, PriceOverride } from './contract-schema';
import { selectPlanVersion, type ResolvedPlanVersion } from './resolve-plan-version';
import { ContractPlanMismatchError, PlanVersionNotYetEffectiveError, PriceOverrideInvalidError } from './plan-errors';
import { describeSchemaIssues, formatIssuePath, type DescribedIssue } from './describe-schema-issues';
import type { BillingSchedule } from '../periods/billing-schedule';
import { parseLocalDate } from '../periods/local-date';

/** The billing schedule (time zone, cadence, anchor, term) of a contract. */
export function billingScheduleForContract(contract: Contract): BillingSchedule {
  const termStart = parseLocalDate(contract.termStart);
  return {
    timeZone: contract.timeZone,
    cadence: contract.billingPeriod.cadence,
    anchorDay: contract.billingPeriod.anchorDay ?? termStart?.day ?? 1,
    anchorMonth: contract.billingPeriod.anchorMonth ?? termStart?.month ?? 1,
    termStart: contract.termStart,
    termEnd: contract.termEnd,
  };
}

/**
 * The plan version that prices a contract's period starting on `periodStartDate`
 * (local date). Throws when the contract names another plan or currency, or is
 * pinned to a version that takes effect after the period starts.
 */
export function planVersionForContract(plan: Plan, contract: Contract, periodStartDate: string): ResolvedPlanVersion {
  if (plan.code !== contract.plan.code) {
    throw new ContractPlanMismatchError(
      `contract "${contract.contractId}" is on plan "${contract.plan.code}", not "${plan.code}"`,
    );
  }
  if (plan.currency !== contract.currency) {
    throw new ContractPlanMismatchError(
      `contract "${contract.contractId}" bills in ${contract.currency} but plan "${plan.code}" is priced in ${plan.currency}`,
    );
  }
  const version = selectPlanVersion(plan, contract.plan.version, periodStartDate);
  if (version.effectiveFrom > periodStartDate) {
    throw new PlanVersionNotYetEffectiveError(contract.contractId, plan.code, version.version, version.effectiveFrom, periodStartDate);
  }
  return version;
}

/** A charge as a contract pays it, after its price override (if any). */
export interface ContractCharge {
  readonly charge: Charge;
  readonly overridden: boolean;
}

function overrideFields(override: PriceOverride): Record<string, unknown> {
  const { chargeId: _chargeId, ...fields } = override;
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

// Rating the same contract's periods merges the same (charge, override) pair
// again and again; plans and contracts are immutable once loaded.
const mergedCharges = new WeakMap<Charge, WeakMap<PriceOverride, Charge>>();

/** Merges one override over its charge, validated as a charge of the same model. */
export function applyPriceOverride(contractId: string, charge: Charge, override: PriceOverride): Charge {
  const known = mergedCharges.get(charge)?.get(override);
  if (known) return known;
  const merged = mergeOverride(contractId, charge, override);
  const byOverride = mergedCharges.get(charge) ?? new WeakMap<PriceOverride, Charge>();
  byOverride.set(override, merged);
  mergedCharges.set(charge, byOverride);
  return merged;
}

function mergeOverride(contractId: string, charge: Charge, override: PriceOverride): Charge {
  const parsed = ChargeSchema.safeParse({ ...charge, ...overrideFields(override) }, { reportInput: true });
  if (!parsed.success) {
    const fieldIssues = describeSchemaIssues(parsed.error.issues);
    const problems = fieldIssues.map((issue) => `${formatIssuePath(issue.path)}: ${issue.message}`);
    throw new PriceOverrideInvalidError(contractId, charge.id, problems, { cause: parsed.error, fieldIssues });
  }
  return parsed.data;
}

export interface ContractChargesResult {
  readonly charges: readonly ContractCharge[];
  /** Overrides naming a charge the version does not have (only when unmatched: 'skip'). */
  readonly skippedOverrides: readonly string[];
}

/**
 * The version's charges with the contract's price overrides applied. An
 * override of a charge the version lacks is an error, except in simulations
 * (`unmatched: 'skip'`), where a proposed version may drop or rename charges.
 */
export function contractCharges(
  contract: Contract,
  version: Pick<PlanVersion, 'charges'>,
  options: { unmatched: 'error' | 'skip' } = { unmatched: 'error' },
): ContractChargesResult {
  const overrides = new Map(contract.priceOverrides.map((override) => [override.chargeId, override]));
  const skippedOverrides: string[] = [];
  for (const chargeId of overrides.keys()) {
    if (version.charges.some((charge) => charge.id === chargeId)) continue;
    if (options.unmatched === 'skip') {
      skippedOverrides.push(chargeId);
      continue;
    }
    throw new PriceOverrideInvalidError(contract.contractId, chargeId, [
      `the plan version has no charge "${chargeId}" (charges: ${version.charges.map((charge) => charge.id).join(', ')})`,
    ]);
  }
  const charges = version.charges.map((charge): ContractCharge => {
    const override = overrides.get(charge.id);
    if (!override) return { charge, overridden: false };
    try {
      return { charge: applyPriceOverride(contract.contractId, charge, override), overridden: true };
    } catch (error) {
      if (options.unmatched === 'skip' && error instanceof PriceOverrideInvalidError) {
        skippedOverrides.push(charge.id);
        return { charge, overridden: false };
      }
      throw error;
    }
  });
  return { charges, skippedOverrides };
}

/** Versions that can price some period of the contract's term. */
function versionsDuringTerm(plan: Plan, contract: Contract): PlanVersion[] {
  if (contract.plan.version !== 'latest') {
    const pinned = contract.plan.version;
    return plan.versions.filter((version) => version.version === pinned);
  }
  const inEffectAtStart = plan.versions.filter((version) => version.effectiveFrom <= contract.termStart).at(-1);
  const later = plan.versions.filter(
    (version) => version.effectiveFrom > contract.termStart && version.effectiveFrom < contract.termEnd,
  );
  return inEffectAtStart ? [inEffectAtStart, ...later] : later;
}

/**
 * A rejected override's problems, each pointing at the override field that
 * caused it (`priceOverrides[0].tiers[1].upTo`). A problem in a field the
 * override does not set (a plan bound the override now contradicts) points at
 * the override and names the plan's field.
 */
function overrideIssues(
  index: number,
  override: PriceOverride,
  error: PriceOverrideInvalidError,
  context: { plan: string; version: number; charge: Charge },
): DescribedIssue[] {
  const where = `plan "${context.plan}" version ${context.version}, ${context.charge.model} charge "${context.charge.id}"`;
  return error.fieldIssues.map((issue) => {
    const field = issue.path[0];
    const setByOverride = typeof field === 'string' && Object.hasOwn(override, field) && (override as Record<string, unknown>)[field] !== undefined;
    return setByOverride
      ? {
          path: ['priceOverrides', index, ...issue.path],
          code: 'price_override_invalid',
          message: `${issue.message} (overriding ${where})`,
        }
      : {
          path: ['priceOverrides', index],
          code: 'price_override_invalid',
          message: `with this override, the plan's ${formatIssuePath(issue.path) || 'charge'} ${issue.message} (${where})`,
        };
  });
}

/**
 * Everything about a contract that can only be checked with its plan at hand:
 * plan code, currency, pinned version, a version in effect for the whole term,
 * and overrides and credit restrictions that name real charges.
 */
export function checkContractAgainstPlan(contract: Contract, plan: Plan): DescribedIssue[] {
  const issues: DescribedIssue[] = [];
  if (plan.code !== contract.plan.code) {
    issues.push({ path: ['plan', 'code'], code: 'plan_mismatch', message: `names plan "${contract.plan.code}", not "${plan.code}"` });
    return issues;
  }
  if (plan.currency !== contract.currency) {
    issues.push({
      path: ['currency'],
      code: 'currency_mismatch',
      message: `contract bills in ${contract.currency} but plan "${plan.code}" is priced in ${plan.currency}`,
    });
  }
  const pinned = contract.plan.version;
  if (pinned !== 'latest' && !plan.versions.some((version) => version.version === pinned)) {
    issues.push({
      path: ['plan', 'version'],
      code: 'plan_version_not_found',
      message: `plan "${plan.code}" has no version ${pinned} (versions: ${plan.versions.map((v) => v.version).join(', ')})`,
    });
    return issues;
  }
  const pinnedVersion = pinned === 'latest' ? undefined : plan.versions.find((version) => version.version === pinned);
  if (pinnedVersion !== undefined && pinnedVersion.effectiveFrom > contract.termStart) {
    issues.push({
      path: ['plan', 'version'],
      code: 'plan_version_not_yet_effective',
      message: `version ${pinned} of plan "${plan.code}" takes effect on ${pinnedVersion.effectiveFrom}, after termStart ${contract.termStart}, so it cannot price the term's first periods; pin a version in effect on ${contract.termStart} or start the term on or after ${pinnedVersion.effectiveFrom}`,
    });
  }
  if (pinned === 'latest' && !plan.versions.some((version) => version.effectiveFrom <= contract.termStart)) {
    issues.push({
      path: ['plan', 'version'],
      code: 'plan_version_not_effective',
      message: `no version of plan "${plan.code}" is in effect at termStart ${contract.termStart}`,
    });
  }
  const versions = versionsDuringTerm(plan, contract);
  contract.priceOverrides.forEach((override, index) => {
    for (const version of versions) {
      const charge = version.charges.find((candidate) => candidate.id === override.chargeId);
      if (!charge) {
        issues.push({
          path: ['priceOverrides', index, 'chargeId'],
          code: 'unknown_charge',
          message: `plan "${plan.code}" version ${version.version} has no charge "${override.chargeId}"`,
        });
        continue;
      }
      try {
        applyPriceOverride(contract.contractId, charge, override);
      } catch (error) {
        if (!(error instanceof PriceOverrideInvalidError)) throw error;
        issues.push(...overrideIssues(index, override, error, { plan: plan.code, version: version.version, charge }));
      }
    }
  });
  contract.prepaidCredits?.appliesTo?.forEach((chargeId, index) => {
    if (!versions.some((version) => version.charges.some((charge) => charge.id === chargeId))) {
      issues.push({
        path: ['prepaidCredits', 'appliesTo', index],
        code: 'unknown_charge',
        message: `no version of plan "${plan.code}" used by this contract has a charge "${chargeId}"`,
      });
    }
  });
  return issues;
}

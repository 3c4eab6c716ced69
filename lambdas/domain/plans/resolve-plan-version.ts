import type { CurrencyCode } from '../money';
import type { Plan, PlanVersion } from './plan-schema';
import { PlanVersionNotEffectiveError, PlanVersionNotFoundError } from './plan-errors';

/** One version of a plan together with the plan facts rating needs. */
export interface ResolvedPlanVersion extends PlanVersion {
  readonly planCode: string;
  readonly planName: string;
  readonly currency: CurrencyCode;
}

export type PlanVersionSelector = number | 'latest';

// Period close resolves the same few versions for every contract; plans are
// treated as immutable values once loaded, so each resolution is made once.
const resolvedVersions = new WeakMap<PlanVersion, ResolvedPlanVersion>();

function resolved(plan: Plan, version: PlanVersion): ResolvedPlanVersion {
  const known = resolvedVersions.get(version);
  if (known && known.planCode === plan.code && known.currency === plan.currency && known.planName === plan.name) {
    return known;
  }
  const fresh: ResolvedPlanVersion = { ...version, planCode: plan.code, planName: plan.name, currency: plan.currency };
  resolvedVersions.set(version, fresh);
  return fresh;
}

/**
 * A pinned version, or for "latest" the newest version whose effectiveFrom is
 * on or before `onDate` (a local date, normally the period's start date in the
 * contract's time zone, so a version never changes in the middle of a period).
 */
export function selectPlanVersion(plan: Plan, selector: PlanVersionSelector, onDate: string): ResolvedPlanVersion {
  if (selector !== 'latest') {
    const pinned = plan.versions.find((version) => version.version === selector);
    if (!pinned) {
      throw new PlanVersionNotFoundError(plan.code, selector, plan.versions.map((version) => version.version));
    }
    return resolved(plan, pinned);
  }
  const effective = plan.versions.filter((version) => version.effectiveFrom <= onDate).at(-1);
  if (!effective) {
    throw new PlanVersionNotEffectiveError(plan.code, onDate, plan.versions[0]?.effectiveFrom ?? 'never');
  }
  return resolved(plan, effective);
}

/** The highest version of the plan, whatever its effective date (what a simulation proposes). */
export function newestPlanVersion(plan: Plan): ResolvedPlanVersion {
  const newest = plan.versions.at(-1);
  if (!newest) throw new PlanVersionNotFoundError(plan.code, 0, []);
  return resolved(plan, newest);
}

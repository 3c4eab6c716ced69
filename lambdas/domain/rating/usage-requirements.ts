import type { Eligibility, PlanVersion } from '../plans/plan-schema';
import { chargeModelOf } from './charge-models';
import { usageKey } from './usage';

/**
 * What the ledger must supply for one (ledger metric, eligibility) pair so a
 * plan version can be rated: which aggregates beyond count and sum of
 * quantity, which unique-count attributes, and whether per-outcome values
 * (for models priced per outcome, such as percentage) are needed.
 */
export interface UsageRequirement {
  readonly ledgerMetric: string;
  readonly eligibility: Eligibility;
  readonly needsValue: boolean;
  readonly needsMax: boolean;
  readonly needsLatest: boolean;
  readonly uniqueAttributes: readonly string[];
  readonly needsOutcomeValues: boolean;
}

function isVersionList(versions: PlanVersion | readonly PlanVersion[]): versions is readonly PlanVersion[] {
  return Array.isArray(versions);
}

/** The usage queries a plan version needs, one per (ledger metric, eligibility). */
export function usageRequirementsFor(versions: PlanVersion | readonly PlanVersion[]): UsageRequirement[] {
  const list: readonly PlanVersion[] = isVersionList(versions) ? versions : [versions];
  const byKey = new Map<
    string,
    {
      ledgerMetric: string;
      eligibility: Eligibility;
      needsValue: boolean;
      needsMax: boolean;
      needsLatest: boolean;
      uniqueAttributes: Set<string>;
      needsOutcomeValues: boolean;
    }
  >();
  for (const version of list) {
    for (const metric of version.metrics) {
      const key = usageKey(metric.ledgerMetric, metric.eligibility);
      const requirement = byKey.get(key) ?? {
        ledgerMetric: metric.ledgerMetric,
        eligibility: metric.eligibility,
        needsValue: false,
        needsMax: false,
        needsLatest: false,
        uniqueAttributes: new Set<string>(),
        needsOutcomeValues: false,
      };
      if (metric.aggregation === 'sum_value') requirement.needsValue = true;
      if (metric.aggregation === 'max') requirement.needsMax = true;
      if (metric.aggregation === 'latest') requirement.needsLatest = true;
      if (metric.aggregation === 'unique_count' && metric.attribute) requirement.uniqueAttributes.add(metric.attribute);
      // Models priced per outcome always get outcome values, even when the plan
      // has no per-outcome bounds: a contract's price override may add them.
      const pricedPerOutcome = version.charges.some((charge) => {
        const model = chargeModelOf(charge);
        return model.needsOutcomeValues && model.metricOf(charge) === metric.code;
      });
      if (pricedPerOutcome) requirement.needsOutcomeValues = true;
      byKey.set(key, requirement);
    }
  }
  return [...byKey.values()].map((requirement) => ({
    ...requirement,
    uniqueAttributes: [...requirement.uniqueAttributes].sort(),
  }));
}

import type { PinnedDefinitions } from '../ledger/governing-definition';
import type { PlanVersion } from '../plans/plan-schema';
import { usageRequirementsFor, type UsageRequirement } from './usage-requirements';

// The usage window every usage reader answers (the raw ledger scan and the
// rollups alike): a customer, the requirements of the plan versions being
// rated, occurredAt [from, to) and the recordedAt cutoff. One mapping from a
// contract period, one check of the bounds, one grouping by ledger metric.

export interface UsageWindow {
  readonly customerId: string;
  readonly requirements: readonly UsageRequirement[];
  /** occurredAt window [from, to), RFC 3339. */
  readonly from: string;
  readonly to: string;
  /** recordedAt cutoff (inclusive), RFC 3339. */
  readonly asOf: string;
  /** The contract's pinned definition versions: their metrics are counted under the pinned terms. */
  readonly pinned?: PinnedDefinitions;
}

/** The window a contract period is rated on: its customer, its plan version's requirements, the period, the cutoff. */
export function usageWindowOfPeriod(request: {
  readonly contract: { readonly customerId: string };
  readonly planVersion: PlanVersion;
  readonly period: { readonly start: string; readonly end: string };
  readonly asOf: string;
  readonly pinned?: PinnedDefinitions;
}): UsageWindow {
  return {
    customerId: request.contract.customerId,
    requirements: usageRequirementsFor(request.planVersion),
    from: request.period.start,
    to: request.period.end,
    asOf: request.asOf,
    ...(request.pinned !== undefined ? { pinned: request.pinned } : {}),
  };
}

/** The window's instants as epoch milliseconds; a RangeError for an unreadable or empty window. */
export function usageWindowBounds(window: Pick<UsageWindow, 'from' | 'to' | 'asOf'>): { fromMs: number; toMs: number; asOfMs: number } {
  const fromMs = Date.parse(window.from);
  const toMs = Date.parse(window.to);
  const asOfMs = Date.parse(window.asOf);
  if (![fromMs, toMs, asOfMs].every(Number.isFinite) || toMs <= fromMs) {
    throw new RangeError(`invalid usage window ${window.from} .. ${window.to} as of ${window.asOf}`);
  }
  return { fromMs, toMs, asOfMs };
}

/** Requirements by the ledger metric that answers them: one ledger read serves every plan metric on it. */
export function requirementsByLedgerMetric(requirements: readonly UsageRequirement[]): Map<string, UsageRequirement[]> {
  const byMetric = new Map<string, UsageRequirement[]>();
  for (const requirement of requirements) {
    const list = byMetric.get(requirement.ledgerMetric);
    if (list) list.push(requirement);
    else byMetric.set(requirement.ledgerMetric, [requirement]);
  }
  return byMetric;
}

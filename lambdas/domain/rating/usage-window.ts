import type { PinnedDefinitions } from '../ledger/governing-definition';
import type { PlanVersion } from '../plans/plan-schema';
import type { MetricUsage, PeriodUsage } from './usage';
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

export interface UsageWindowBounds {
  readonly fromMs: number;
  readonly toMs: number;
  readonly asOfMs: number;
}

type Instant = string | Date;

const millisOf = (instant: Instant) => (typeof instant === 'string' ? Date.parse(instant) : instant.getTime());
const textOf = (instant: Instant) => (typeof instant === 'string' ? instant : Number.isFinite(instant.getTime()) ? instant.toISOString() : String(instant));

/** The window's instants (RFC 3339 or dates) as epoch milliseconds; a RangeError for an unreadable or empty window. */
export function usageWindowBounds(window: { readonly from: Instant; readonly to: Instant; readonly asOf: Instant }): UsageWindowBounds {
  const fromMs = millisOf(window.from);
  const toMs = millisOf(window.to);
  const asOfMs = millisOf(window.asOf);
  if (![fromMs, toMs, asOfMs].every(Number.isFinite) || toMs <= fromMs) {
    throw new RangeError(`invalid usage window ${textOf(window.from)} .. ${textOf(window.to)} as of ${textOf(window.asOf)}`);
  }
  return { fromMs, toMs, asOfMs };
}

/** A window's usage as every usage reader answers it: the customer, the window and cutoff it read, the usage per requirement. */
export function windowUsage(customerId: string, bounds: UsageWindowBounds, metrics: readonly MetricUsage[]): PeriodUsage {
  return {
    customerId,
    from: new Date(bounds.fromMs).toISOString(),
    to: new Date(bounds.toMs).toISOString(),
    asOf: new Date(bounds.asOfMs).toISOString(),
    metrics: [...metrics],
  };
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

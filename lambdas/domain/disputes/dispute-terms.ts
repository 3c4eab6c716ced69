import { DEFAULT_DISPUTE_TERMS, type DisputeTerms, type MetricDefinition } from '../ledger/catalog';
import { definitionInForceAt, findDefinitionVersion } from '../ledger/outcome-definitions';

// A metric's dispute terms: how long after an outcome occurred the customer
// may dispute it, and what an open dispute does to billing. They are part of
// the metric's definition version, so the terms an outcome is disputed under
// are those of the version it was recorded under (the one in force at its
// occurredAt when none was recorded), or of the version the customer's
// contract pins (governing-definition.ts).

export { DEFAULT_DISPUTE_TERMS, type DisputeTerms };
export type WhileDisputeOpen = DisputeTerms['whileOpen'];

/**
 * The dispute terms for an outcome of `metric` that occurred at
 * `occurredAtMs`, recorded under `definitionVersion` when known: that
 * version's terms; for a metric given only in part (no code), its `dispute`
 * block; the defaults for a metric the catalog no longer lists.
 */
export function disputeTermsFor(
  metric: (Pick<MetricDefinition, 'dispute'> & Partial<MetricDefinition>) | undefined,
  occurredAtMs: number,
  definitionVersion?: number,
): DisputeTerms {
  if (metric === undefined) return DEFAULT_DISPUTE_TERMS;
  if (metric.code === undefined || metric.unit === undefined) return metric.dispute ?? DEFAULT_DISPUTE_TERMS;
  const full = metric as MetricDefinition;
  const recorded = definitionVersion === undefined ? undefined : findDefinitionVersion(full, definitionVersion);
  return (recorded ?? definitionInForceAt(full, occurredAtMs)).dispute;
}

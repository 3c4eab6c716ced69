import type { MetricDefinition } from '../ledger/catalog';

// A metric's dispute terms: how long after an outcome occurred the customer
// may dispute it, and what an open dispute does to billing. Read through
// this one function so that, once definitions carry versions, the terms in
// force at the outcome's occurredAt are the ones applied.

export type WhileDisputeOpen = 'hold' | 'bill';

export interface DisputeTerms {
  /** Days after the outcome occurred during which it may be disputed (0: never). */
  readonly windowDays: number;
  /** 'hold': an open dispute keeps the outcome out of billing; 'bill': it bills, and is credited if upheld. */
  readonly whileOpen: WhileDisputeOpen;
}

/** The terms of a metric that states none. */
export const DEFAULT_DISPUTE_TERMS: DisputeTerms = { windowDays: 30, whileOpen: 'bill' };

/**
 * The dispute terms for an outcome of `metric` that occurred at
 * `occurredAtMs`: the metric's `dispute` block, else the defaults (also for
 * a metric the catalog no longer lists). `occurredAtMs` picks the definition
 * version in force once definitions are versioned.
 */
export function disputeTermsFor(metric: Pick<MetricDefinition, 'dispute'> | undefined, occurredAtMs: number): DisputeTerms {
  void occurredAtMs;
  return metric?.dispute ?? DEFAULT_DISPUTE_TERMS;
}

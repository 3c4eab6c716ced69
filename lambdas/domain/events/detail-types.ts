// EventBridge detail-types the engine consumes and emits. Past tense, and the
// detail carries its own schemaVersion. One list, used by producers' docs, the
// CDK rules and the local bus alike.

/** Events producers send. */
export const INBOUND_DETAIL_TYPES = {
  outcomeRecorded: 'Outcome Recorded',
  outcomeReversed: 'Outcome Reversed',
  outcomeCorrected: 'Outcome Corrected',
  outcomeVerified: 'Outcome Verified',
  /** Several 'Outcome Recorded' details in one event, for producers with volume (cost per outcome). */
  outcomesRecorded: 'Outcomes Recorded',
} as const;

/** Events the engine publishes on the bus. */
export const OUTBOUND_DETAIL_TYPES = {
  outcomeRejected: 'Outcome Rejected',
  renewalRiskTaskCreated: 'Renewal Risk Task Created',
  renewalRiskEscalated: 'Renewal Risk Escalated',
  renewalRiskResolved: 'Renewal Risk Resolved',
  /** The contract's CSM changed: its open renewal task moved to the new owner. */
  renewalRiskTaskReassigned: 'Renewal Risk Task Reassigned',
  /** A contract was created, renewed, had its term or billing changed, or was cancelled (plans load). */
  contractChanged: 'Contract Changed',
  /** A ledger entry recorded after its outcome's close grace: it may change an invoiced period. */
  outcomeAdjustmentRecorded: 'Outcome Adjustment Recorded',
  /** Live spend: a metric's quantity reached a configured level in the open period. */
  usageThresholdReached: 'Usage Threshold Reached',
  /** Live spend: the period's rated amount reached an amount or a share of the commitment. */
  spendThresholdReached: 'Spend Threshold Reached',
  /** Live spend: prepaid credits left fell below the configured level. */
  creditBalanceLow: 'Credit Balance Low',
  /** Live spend: a contract's cap on a metric or on spend was reached. */
  capReached: 'Cap Reached',
  /** Live usage: a metric's last complete day fell below its share of the trailing daily average. */
  usageDropped: 'Usage Dropped',
  /** A dispute of one outcome was opened. */
  disputeOpened: 'Dispute Opened',
  /** A dispute of one outcome was upheld or rejected. */
  disputeResolved: 'Dispute Resolved',
} as const;

/**
 * Disputes producers and customer portals send. Not an outcome event: routed
 * to the disputes handler, never to ingest.
 */
export const DISPUTE_DETAIL_TYPES = {
  outcomeDisputed: 'Outcome Disputed',
} as const;

/** `source` of every event the engine itself publishes. */
export const ENGINE_EVENT_SOURCE = 'outcome-engine';

export type InboundDetailType = (typeof INBOUND_DETAIL_TYPES)[keyof typeof INBOUND_DETAIL_TYPES];
export type OutboundDetailType = (typeof OUTBOUND_DETAIL_TYPES)[keyof typeof OUTBOUND_DETAIL_TYPES];

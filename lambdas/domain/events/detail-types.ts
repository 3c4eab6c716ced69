// EventBridge detail-types the engine consumes and emits. Past tense, and the
// detail carries its own schemaVersion. One list, used by producers' docs, the
// CDK rules and the local bus alike.

/** Events producers send. */
export const INBOUND_DETAIL_TYPES = {
  outcomeRecorded: 'Outcome Recorded',
  outcomeReversed: 'Outcome Reversed',
  outcomeCorrected: 'Outcome Corrected',
  outcomeVerified: 'Outcome Verified',
} as const;

/** Events the engine publishes on the bus. */
export const OUTBOUND_DETAIL_TYPES = {
  outcomeRejected: 'Outcome Rejected',
  renewalRiskTaskCreated: 'Renewal Risk Task Created',
  renewalRiskEscalated: 'Renewal Risk Escalated',
  renewalRiskResolved: 'Renewal Risk Resolved',
} as const;

/** `source` of every event the engine itself publishes. */
export const ENGINE_EVENT_SOURCE = 'outcome-engine';

export type InboundDetailType = (typeof INBOUND_DETAIL_TYPES)[keyof typeof INBOUND_DETAIL_TYPES];
export type OutboundDetailType = (typeof OUTBOUND_DETAIL_TYPES)[keyof typeof OUTBOUND_DETAIL_TYPES];

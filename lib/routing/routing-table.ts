// The one routing table. The CDK stack turns each route into an EventBridge
// rule; the local engine's bus matches events against the same patterns, so a
// route that works locally is the route deployed.
import { BILLING_DETAIL_TYPES } from '../../lambdas/application/billing/ports';
import { DISPUTE_DETAIL_TYPES, ENGINE_EVENT_SOURCE, INBOUND_DETAIL_TYPES, OUTBOUND_DETAIL_TYPES } from '../../lambdas/domain/events/detail-types';

/** The subset of EventBridge's event-pattern language the engine uses. */
export type EventPatternValue = string | { prefix: string } | { 'anything-but': string | string[] };
export interface EventPattern {
  source?: EventPatternValue[];
  'detail-type'?: EventPatternValue[];
}

export interface Route {
  /** Stable id: the CDK construct id prefix and the local route name. */
  id: string;
  description: string;
  eventPattern: EventPattern;
  /** Where matched events go: a queue drained by a function, or a function directly. */
  target: { kind: 'queue'; handler: HandlerName } | { kind: 'function'; handler: HandlerName };
}

/** Handlers that routes deliver events to: entry files under lambdas/handlers/ (without extension). */
export type HandlerName =
  | 'ingest-outcomes'
  | 'schedule-renewal-checks'
  | 'schedule-period-closes'
  | 'correct-invoiced-period'
  | 'open-disputes'
  | 'invoice-spend-thresholds';

/**
 * Handlers invoked over HTTP rather than by a route (in AWS a Lambda Function
 * URL, locally a route of the local engine's HTTP server).
 */
export type EndpointHandlerName = 'stripe-webhook' | 'check-caps';

/**
 * Handlers invoked by EventBridge Scheduler: one-time schedules that other
 * handlers create (a period close, a renewal-risk checkpoint), or a recurring
 * schedule the stack creates (the daily usage-drop evaluation). In AWS each
 * has its own schedule group and a role that may invoke only that function;
 * locally the engine's clock fires them.
 */
export type ScheduledHandlerName = 'close-period' | 'check-renewal-risk' | 'evaluate-usage-drops';

/**
 * Handlers invoked directly (Lambda Invoke with IAM) by operators and
 * deployment pipelines: loading plans and contracts.
 */
export type OperatorHandlerName = 'load-plans';

/** Handlers fed by a DynamoDB stream: the ledger table's, into the usage rollups. */
export type StreamHandlerName = 'apply-ledger-changes';

/** Every deployed function: route targets, HTTP endpoints, schedule targets, operator entry points and stream consumers. */
export type FunctionName = HandlerName | EndpointHandlerName | ScheduledHandlerName | OperatorHandlerName | StreamHandlerName;

/**
 * Engine events an operator must act on. Each is kept in an alert queue that
 * holds an alarm on while it has any message, so a failure is never a log
 * line that scrolls away. No handler consumes these queues: the operator does
 * (docs/runbook.md).
 */
export interface AlertRoute {
  /** Stable id: the CDK construct id prefix and the alarm name suffix. */
  id: string;
  description: string;
  eventPattern: EventPattern;
}

/** The engine's own 'Contract Changed' announcements, which keep a contract's schedules in step with it. */
const CONTRACT_CHANGES: EventPattern = {
  source: [ENGINE_EVENT_SOURCE],
  'detail-type': [OUTBOUND_DETAIL_TYPES.contractChanged],
};

export const ROUTES: readonly Route[] = [
  {
    id: 'Outcomes',
    description: 'Outcome events from producers, metered into the ledger exactly once',
    eventPattern: {
      // Events the engine emits itself never loop back into ingest.
      source: [{ 'anything-but': ENGINE_EVENT_SOURCE }],
      'detail-type': Object.values(INBOUND_DETAIL_TYPES),
    },
    target: { kind: 'queue', handler: 'ingest-outcomes' },
  },
  {
    id: 'PeriodCloseSchedules',
    description: "Contract changes keep each contract's period-close schedules in step with its term and billing period",
    // Only the engine announces contract changes (plans load); a producer cannot move a close.
    eventPattern: CONTRACT_CHANGES,
    target: { kind: 'function', handler: 'schedule-period-closes' },
  },
  {
    id: 'RenewalCheckSchedules',
    description: "Contract changes keep each contract's renewal-risk checkpoint schedules in step with its term",
    eventPattern: CONTRACT_CHANGES,
    target: { kind: 'function', handler: 'schedule-renewal-checks' },
  },
  {
    id: 'InvoicedPeriodCorrections',
    description: 'Ledger changes after a close and finalized Stripe invoices correct the invoiced period at once: credit notes, adjustment invoices',
    eventPattern: {
      // The engine's own announcements only: a producer cannot trigger credit notes.
      source: [ENGINE_EVENT_SOURCE],
      'detail-type': [OUTBOUND_DETAIL_TYPES.outcomeAdjustmentRecorded, BILLING_DETAIL_TYPES.paymentSignalRecorded],
    },
    // A queue: corrections call Stripe, so they are batched, bounded and retried, with a DLQ.
    target: { kind: 'queue', handler: 'correct-invoiced-period' },
  },
  {
    id: 'ThresholdInvoicing',
    description: 'Customers with threshold invoicing whose usage changed are rated to date and invoiced once their unbilled spend reaches the threshold',
    eventPattern: {
      // Announced by the ledger stream's function only: a producer cannot trigger an invoice.
      source: [ENGINE_EVENT_SOURCE],
      'detail-type': [BILLING_DETAIL_TYPES.thresholdInvoicingRequested],
    },
    // A queue: the evaluation calls Stripe, so it is batched, bounded and retried, with a DLQ.
    target: { kind: 'queue', handler: 'invoice-spend-thresholds' },
  },
  {
    id: 'Disputes',
    description: 'Disputes of billed outcomes from producers and customer portals, opened in the ledger once per dispute id',
    eventPattern: {
      source: [{ 'anything-but': ENGINE_EVENT_SOURCE }],
      'detail-type': Object.values(DISPUTE_DETAIL_TYPES),
    },
    // A queue with a DLQ: a dispute is never lost to a storage outage, and a malformed one is kept for a look.
    target: { kind: 'queue', handler: 'open-disputes' },
  },
];

export const ALERT_ROUTES: readonly AlertRoute[] = [
  {
    id: 'ReconciliationFailures',
    description: "Invoices whose Stripe total or currency differs from the engine's rating",
    eventPattern: {
      // Only the engine's own event: a producer cannot raise (or fake) this alarm.
      source: [ENGINE_EVENT_SOURCE],
      'detail-type': [BILLING_DETAIL_TYPES.invoiceReconciliationFailed],
    },
  },
  {
    id: 'CreditNoteFailures',
    description: "Credit notes Stripe refused (original invoice draft or void) or whose total differs from the rated difference",
    eventPattern: {
      source: [ENGINE_EVENT_SOURCE],
      'detail-type': [BILLING_DETAIL_TYPES.creditNoteFailed, BILLING_DETAIL_TYPES.creditNoteReconciliationFailed],
    },
  },
];

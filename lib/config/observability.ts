// Names shared by the functions' Powertools settings and the dashboard that
// reads what they emit.
import {
  BILLING_METRIC_NAMES,
  CORRECTION_METRIC_NAMES,
  PAYMENT_SIGNAL_METRIC_NAMES,
  RISK_METRIC_NAMES,
  SCHEDULE_METRIC_NAMES,
} from '../../lambdas/shared/metric-names';
import type { StageConfig } from './stage-config';

/** Powertools `service` of every engine function (structured log field and metric dimension). */
export const SERVICE_NAME = 'outcome-engine';

/**
 * Metrics namespace per stage, so two stages in one account never add up in
 * the same graph or alarm.
 */
export function metricsNamespace(config: Pick<StageConfig, 'stage'>): string {
  return `OutcomeEngine/${config.stage}`;
}

/** A metric an engine handler emits through Powertools Metrics (EMF). */
export interface EmittedMetric {
  readonly label: string;
  readonly metricName: string;
  /** Its exact dimension set: Powertools always adds `service`. */
  readonly dimensions: readonly string[];
}

/**
 * What lambdas/handlers/ingest-outcomes.ts emits per batch (unit Count,
 * zeros included). Rejections carry a `code` dimension, one series per
 * rejection code; conflicts are also counted among them.
 */
export const LEDGER_METRICS = {
  recorded: { label: 'Recorded', metricName: 'OutcomesRecorded', dimensions: ['service'] },
  duplicate: { label: 'Duplicate', metricName: 'OutcomesDuplicate', dimensions: ['service'] },
  conflict: { label: 'Conflict', metricName: 'OutcomesConflict', dimensions: ['service'] },
  rejected: { label: 'Rejected', metricName: 'OutcomesRejected', dimensions: ['code', 'service'] },
  ingestFailures: { label: 'Ingest failures (retried)', metricName: 'IngestFailures', dimensions: ['service'] },
} as const satisfies Record<string, EmittedMetric>;

/** What lambdas/handlers/load-plans.ts emits per request (unit Count). */
export const PLAN_LOAD_METRICS = {
  loaded: { label: 'Loaded', metricName: 'PlanItemsLoaded', dimensions: ['service'] },
  refused: { label: 'Refused (invalid or failed)', metricName: 'PlanItemsRefused', dimensions: ['service'] },
} as const satisfies Record<string, EmittedMetric>;

/**
 * What lambdas/handlers/close-period.ts emits per close (unit Count, zeros
 * included): closes, invoices issued, reconciliation failures, and the credit
 * notes and corrections of earlier periods made just before the close.
 */
export const BILLING_METRICS = {
  periodsClosed: { label: 'Periods closed', metricName: BILLING_METRIC_NAMES.periodsClosed, dimensions: ['service'] },
  periodClosesSkipped: { label: 'Closes skipped (schedule left from an old contract)', metricName: BILLING_METRIC_NAMES.periodClosesSkipped, dimensions: ['service'] },
  invoicesIssued: { label: 'Invoices issued', metricName: BILLING_METRIC_NAMES.invoicesIssued, dimensions: ['service'] },
  reconciliationFailures: { label: 'Reconciliation failures', metricName: BILLING_METRIC_NAMES.reconciliationFailures, dimensions: ['service'] },
  creditNotesIssued: { label: 'Credit notes issued', metricName: BILLING_METRIC_NAMES.creditNotesIssued, dimensions: ['service'] },
  correctionsRecorded: { label: 'Corrections of invoiced periods', metricName: BILLING_METRIC_NAMES.correctionsRecorded, dimensions: ['service'] },
} as const satisfies Record<string, EmittedMetric>;

/**
 * What lambdas/handlers/correct-invoiced-period.ts emits per batch (unit
 * Count, zeros included): prompt corrections of invoiced periods, the credit
 * notes Stripe issued or refused for them, adjustment invoices, and changes
 * left for SQS to redeliver. No alarm reads them: a refused credit note is
 * in the CreditNoteFailures alert queue (alarmed while it holds a message),
 * and a change that keeps failing reaches the InvoicedPeriodCorrections
 * queue-age and DLQ alarms; a failure while a close is still running is the
 * design, retried.
 */
export const CORRECTION_METRICS = {
  corrections: { label: 'Corrections recorded', metricName: CORRECTION_METRIC_NAMES.corrections, dimensions: ['service'] },
  creditNotesIssued: { label: 'Credit notes issued', metricName: CORRECTION_METRIC_NAMES.creditNotesIssued, dimensions: ['service'] },
  adjustmentInvoicesIssued: { label: 'Adjustment invoices issued', metricName: CORRECTION_METRIC_NAMES.adjustmentInvoicesIssued, dimensions: ['service'] },
  creditNotesFailed: { label: 'Credit notes refused by Stripe (retries included)', metricName: CORRECTION_METRIC_NAMES.creditNotesFailed, dimensions: ['service'] },
  failures: { label: 'Changes not corrected yet (redelivered)', metricName: CORRECTION_METRIC_NAMES.failures, dimensions: ['service'] },
} as const satisfies Record<string, EmittedMetric>;

/** What lambdas/handlers/stripe-webhook.ts emits per request. */
export const PAYMENT_SIGNAL_METRICS = {
  recorded: { label: 'Recorded', metricName: PAYMENT_SIGNAL_METRIC_NAMES.recorded, dimensions: ['service', 'type'] },
  duplicate: { label: 'Redelivered', metricName: PAYMENT_SIGNAL_METRIC_NAMES.duplicate, dimensions: ['service'] },
  ignored: { label: 'Ignored types', metricName: PAYMENT_SIGNAL_METRIC_NAMES.ignored, dimensions: ['service'] },
  rejected: { label: 'Rejected requests', metricName: PAYMENT_SIGNAL_METRIC_NAMES.rejected, dimensions: ['code', 'service'] },
  invoicedAmount: { label: 'Invoiced (minor units)', metricName: PAYMENT_SIGNAL_METRIC_NAMES.invoicedAmount, dimensions: ['currency', 'service'] },
  paidAmount: { label: 'Paid (minor units)', metricName: PAYMENT_SIGNAL_METRIC_NAMES.paidAmount, dimensions: ['currency', 'service'] },
} as const satisfies Record<string, EmittedMetric>;

/** What lambdas/handlers/check-renewal-risk.ts emits per check (zeros included). */
export const RISK_METRICS = {
  checks: { label: 'Checks', metricName: RISK_METRIC_NAMES.checks, dimensions: ['service'] },
  checksSkipped: { label: 'Checks skipped', metricName: RISK_METRIC_NAMES.checksSkipped, dimensions: ['service'] },
  tasksCreated: { label: 'Tasks created', metricName: RISK_METRIC_NAMES.tasksCreated, dimensions: ['service'] },
  tasksEscalated: { label: 'Tasks escalated', metricName: RISK_METRIC_NAMES.tasksEscalated, dimensions: ['service'] },
  tasksResolved: { label: 'Tasks resolved', metricName: RISK_METRIC_NAMES.tasksResolved, dimensions: ['service'] },
} as const satisfies Record<string, EmittedMetric>;

/** What the two scheduling handlers emit per contract change (zeros included). */
export const SCHEDULE_METRICS = {
  periodClosesCreated: { label: 'Close schedules created', metricName: SCHEDULE_METRIC_NAMES.periodClosesCreated, dimensions: ['service'] },
  periodClosesDeleted: { label: 'Close schedules deleted', metricName: SCHEDULE_METRIC_NAMES.periodClosesDeleted, dimensions: ['service'] },
  renewalChecksCreated: { label: 'Check schedules created', metricName: SCHEDULE_METRIC_NAMES.renewalChecksCreated, dimensions: ['service'] },
  renewalChecksUpdated: { label: 'Check schedules moved', metricName: SCHEDULE_METRIC_NAMES.renewalChecksUpdated, dimensions: ['service'] },
  renewalChecksDeleted: { label: 'Check schedules deleted', metricName: SCHEDULE_METRIC_NAMES.renewalChecksDeleted, dimensions: ['service'] },
} as const satisfies Record<string, EmittedMetric>;

// Names of the Powertools metrics the handlers emit beyond the ledger's own
// (ingest-outcomes) and plan loading (load-plans). One list, read by the
// handlers that emit them and by lib/config/observability.ts, whose dashboard
// and alarms read them back: a rename cannot leave a graph or an alarm on a
// metric nobody emits.

/** close-period: the close, and the corrections of earlier periods it makes just before it. */
export const BILLING_METRIC_NAMES = {
  /** Close invocations that closed a period (re-runs included). */
  periodsClosed: 'PeriodsClosed',
  /** Fired schedules of periods the contract no longer bills. */
  periodClosesSkipped: 'PeriodClosesSkipped',
  /** Invoices this run stored or pushed and Stripe's total matched ('Invoice Issued'). */
  invoicesIssued: 'InvoicesIssued',
  /** Closes whose Stripe total or currency differs ('Invoice Reconciliation Failed' published). */
  reconciliationFailures: 'InvoiceReconciliationFailures',
  /** Credit notes created in Stripe for decreases of invoiced periods. */
  creditNotesIssued: 'CreditNotesIssued',
  /** Corrections of invoiced periods recorded (increases become adjustment lines). */
  correctionsRecorded: 'InvoiceCorrectionsRecorded',
  /** Threshold invoices issued by invoice-spend-thresholds (one value per batch, zeros included). */
  thresholdInvoicesIssued: 'ThresholdInvoicesIssued',
} as const;

/**
 * correct-invoiced-period: prompt corrections of invoiced periods, one value
 * per batch (zeros included). Apart from the close's own names, so a graph
 * tells corrections made at once from those made before a close.
 */
export const CORRECTION_METRIC_NAMES = {
  /** Corrections of invoiced periods recorded by the batch (one per period whose re-rating differed). */
  corrections: 'InvoicedPeriodCorrections',
  /** Credit notes created in Stripe on the original invoices (including ones resumed from an interrupted run). */
  creditNotesIssued: 'CorrectionCreditNotesIssued',
  /**
   * Credit notes Stripe refused (original invoice draft or void, or the
   * amounts refused): recorded on the correction and announced as 'Credit
   * Note Failed' (once per reason, so the CreditNoteFailures alert queue holds
   * each); counted again on every retry that is refused again.
   */
  creditNotesFailed: 'CorrectionCreditNotesFailed',
  /** Adjustment invoices issued (or finished) for increases no later invoice will carry. */
  adjustmentInvoicesIssued: 'AdjustmentInvoicesIssued',
  /** Changes not corrected yet (close still running, Stripe or storage unavailable): reported as batch item failures, redelivered by SQS. */
  failures: 'CorrectionFailures',
} as const;

/** open-disputes: one value per batch, zeros included. */
export const DISPUTE_METRIC_NAMES = {
  /** Outcomes newly disputed (a resend counts nothing). */
  opened: 'DisputesOpened',
  /** Outcomes of a dispute refused (unknown, reversed, already disputed, outside the window), each logged with its code. */
  refused: 'DisputesRefused',
  /** Records failed: redelivered, or dead-lettered when not a dispute. */
  failures: 'DisputeFailures',
} as const;

/** stripe-webhook. */
export const PAYMENT_SIGNAL_METRIC_NAMES = {
  /** First delivery of a tracked Stripe event, one series per `type` dimension (e.g. invoice.paid). */
  recorded: 'PaymentSignalsRecorded',
  /** Redeliveries of an event already recorded. */
  duplicate: 'PaymentSignalsDuplicate',
  /**
   * Total of each engine invoice Stripe finalized (invoice.finalized with a
   * contract id), in minor units, one series per `currency` dimension. From
   * the webhook rather than the close: the close result carries no currency,
   * and a draft left for review (finalizeInvoices false) is not issued yet.
   */
  invoicedAmount: 'InvoicedAmountMinor',
  /** Amount paid on engine invoices (invoice.paid with a contract id), minor units, per `currency`. */
  paidAmount: 'PaidAmountMinor',
  /** Verified events of a type the engine does not track. */
  ignored: 'StripeEventsIgnored',
  /** Requests answered 4xx (no body, no or bad signature, stale), one series per `code` dimension. */
  rejected: 'WebhookRequestsRejected',
} as const;

/** check-renewal-risk. */
export const RISK_METRIC_NAMES = {
  checks: 'RenewalRiskChecks',
  checksSkipped: 'RenewalRiskChecksSkipped',
  tasksCreated: 'RenewalRiskTasksCreated',
  tasksEscalated: 'RenewalRiskTasksEscalated',
  tasksResolved: 'RenewalRiskTasksResolved',
} as const;

/** schedule-period-closes and schedule-renewal-checks. */
export const SCHEDULE_METRIC_NAMES = {
  periodClosesCreated: 'PeriodCloseSchedulesCreated',
  periodClosesDeleted: 'PeriodCloseSchedulesDeleted',
  renewalChecksCreated: 'RenewalCheckSchedulesCreated',
  renewalChecksUpdated: 'RenewalCheckSchedulesUpdated',
  renewalChecksDeleted: 'RenewalCheckSchedulesDeleted',
} as const;

/** apply-ledger-changes: the usage rollups kept from the ledger's change stream. */
export const ROLLUP_METRIC_NAMES = {
  /** Ledger entries folded into the rollups (redelivered batches not counted). */
  entriesApplied: 'RollupEntriesApplied',
  /** Rollup cells written (one write per cell and batch). */
  cellsWritten: 'RollupCellsWritten',
  /** Spend, usage, credit and cap alerts published after a batch (each once per contract, period and threshold). */
  alertsPublished: 'SpendAlertsPublished',
  /** Contracts whose alerts could not be evaluated because rating refuses them (period close will too). */
  alertContractsNotRated: 'SpendAlertContractsNotRated',
  /** Customers with threshold invoicing whose usage a batch changed, announced for evaluation ('Threshold Invoicing Requested'). */
  thresholdInvoicingRequested: 'ThresholdInvoicingRequested',
  /** 'Usage Dropped' events the daily evaluation published (newly fired, or owed from a failed run). */
  usageDropsPublished: 'UsageDroppedPublished',
} as const;

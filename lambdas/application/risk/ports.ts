import type { MetricDisplayNameReader } from '../ports';
import type { Contract } from '../../domain/plans/contract-schema';
import type { Plan } from '../../domain/plans/plan-schema';
import type { InvoiceRecord } from '../../domain/invoicing/invoice-record';
import type { RenewalResult } from '../../domain/risk/backtest-risk-tiers';
import type { RenewalCheckpointPlan } from '../../domain/risk/checkpoint-plan';
import type { RiskTier } from '../../domain/risk/risk-tiers';
import type { TaskHistoryEntry } from '../../domain/risk/task-history';
import type { RenewalTaskContent, TaskChangeReason } from '../../domain/risk/task-rules';
import type { PaymentSignal as StripePaymentSignal } from '../billing/ports';

// What the renewal-risk use cases need from storage and the ledger. Adapters:
// lambdas/adapters/dynamodb/task-store.ts (tasks, assessments, renewal results),
// the plan store (contracts), the invoice store (records), the ledger service
// (usage), wired in lambdas/composition/risk-service.ts.

export type RenewalTaskStatus = 'open' | 'acknowledged' | 'resolved';

export interface TaskEscalation {
  readonly at: string;
  readonly fromTier: RiskTier;
  readonly toTier: RiskTier;
  readonly checkpointDays: number;
  readonly reason: TaskChangeReason;
}

export type TaskResolution =
  | { readonly kind: 'risk_cleared'; readonly at: string; readonly reason: TaskChangeReason; readonly checkpointDays: number }
  | { readonly kind: 'renewal_result'; readonly at: string; readonly result: RenewalResult; readonly by?: string };

/** The bus event a task change owes; kept on the task until published, so a crash between the write and the publish is repaired by the next run. */
export interface PendingTaskEvent {
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
  /**
   * When a run took on publishing it (the run that made the change, or one
   * repairing a failed run's). Another run leaves a freshly claimed event
   * alone, so concurrent runs do not repeat it; an old claim is a run that
   * failed, and its event is taken over. Absent on events stored before claims.
   */
  readonly claimedAt?: string;
}

export interface RenewalTask extends RenewalTaskContent {
  /** = key: `<contract>#<term>#<N>d`. */
  readonly id: string;
  readonly termEnd: string;
  readonly timeZone: string;
  readonly status: RenewalTaskStatus;
  /** Raised by one on every change; updates are conditional on it. */
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly acknowledgedAt?: string;
  readonly acknowledgedBy?: string;
  readonly escalations: readonly TaskEscalation[];
  /**
   * Created, escalated, re-assessed, reassigned, resolved, oldest first
   * (absent on tasks stored before it was kept: read it with taskHistoryOf).
   * `tier` and `score` above are the latest assessment; the worst is here.
   */
  readonly history?: readonly TaskHistoryEntry[];
  readonly resolution?: TaskResolution;
  readonly pendingEvent?: PendingTaskEvent;
}

/** One checkpoint's assessment, kept for the next checkpoint's comparison and for the backtest. */
export interface StoredAssessment {
  readonly contractId: string;
  readonly termId: string;
  readonly checkpointDays: number;
  readonly assessedAt: string;
  readonly tier: RiskTier;
  readonly score: number;
  readonly staleData: boolean;
  /** The term's end and zone when assessed, so a result can be recorded for a term the contract has since left. */
  readonly termEnd?: string;
  readonly timeZone?: string;
}

export interface RenewalResultRecord {
  readonly contractId: string;
  readonly termId: string;
  readonly termEnd: string;
  readonly timeZone: string;
  readonly result: RenewalResult;
  readonly recordedAt: string;
  readonly recordedBy?: string;
}

export interface TaskListFilter {
  readonly owner?: string;
  /** Local due date (inclusive upper bound is exclusive: due strictly before). */
  readonly dueBefore?: string;
  readonly statuses?: readonly RenewalTaskStatus[];
  readonly contractId?: string;
}

export interface RenewalTaskStore {
  /** Conditional put: one task per key. `created: false` returns the stored task. */
  createTask(task: RenewalTask): Promise<{ readonly created: boolean; readonly task: RenewalTask }>;
  getTask(id: string): Promise<RenewalTask | undefined>;
  /** Every task of a contract term (any status), checkpoint order (earliest first). */
  listTermTasks(contractId: string, termId: string): Promise<RenewalTask[]>;
  listTasks(filter: TaskListFilter): Promise<RenewalTask[]>;
  /** Replaces the task when its stored version is `task.version - 1`; throws TaskVersionConflictError otherwise. */
  updateTask(task: RenewalTask): Promise<RenewalTask>;
  putAssessment(assessment: StoredAssessment): Promise<void>;
  listAssessments(contractId: string, termId?: string): Promise<StoredAssessment[]>;
  /** One result per contract term: a put replaces the term's earlier result (a correction). */
  putRenewalResult(record: RenewalResultRecord): Promise<void>;
  getRenewalResult(contractId: string, termId: string): Promise<RenewalResultRecord | undefined>;
  listRenewalResults(): Promise<RenewalResultRecord[]>;
}

export interface RiskContractReader {
  getContract(contractId: string): Promise<Contract | undefined>;
  /**
   * The contract revision in force at `asOf` (the first revision when asked
   * about a moment before it was stored), so an "as of" answer never changes
   * with later edits.
   */
  getContractAsOf(contractId: string, asOf: Date): Promise<Contract | undefined>;
}

/** Reads a plan, for its checkpoint days. */
export interface RiskPlanReader {
  getPlan(planCode: string): Promise<Plan | undefined>;
}

/** Usage as the ledger knew it at `asOf`. */
export interface RiskUsageQuery {
  readonly customerId: string;
  readonly metric: string;
  readonly measure: 'count' | 'sum_quantity';
  readonly basis: 'all' | 'verified' | 'billable';
  /** occurredAt window [from, to). */
  readonly from: Date;
  readonly to: Date;
  readonly asOf: Date;
}

export interface RiskOutcomeSample {
  readonly occurredAt: string;
  readonly quantity: string;
}

/** A usage window measured, with the outcome values producers reported in it. */
export interface RiskUsageSummary {
  /** The measured quantity (count or summed quantity), decimal string. */
  readonly quantity: string;
  /** Net outcome values per currency (major units, decimal strings). */
  readonly values: readonly { readonly amount: string; readonly currency: string }[];
}

export interface RiskUsageReader {
  /** The measured quantity (count or summed quantity), decimal string. */
  measure(query: RiskUsageQuery): Promise<string>;
  /** The quantity and the reported values in one read. */
  summarize(query: RiskUsageQuery): Promise<RiskUsageSummary>;
  /** Net outcomes of one metric in the window (for the last-outcome time and feedback scores). */
  outcomes(query: Omit<RiskUsageQuery, 'measure'>): Promise<RiskOutcomeSample[]>;
}

export interface RiskInvoiceReader {
  listRecords(contractId: string): Promise<InvoiceRecord[]>;
  /**
   * Whether any invoice of the contract went to Stripe. Until one has, no
   * payment signal can exist, so their absence says nothing about payment.
   */
  hasStripeInvoices(contractId: string): Promise<boolean>;
  /**
   * The contract's Stripe invoices with what the close read from Stripe (when
   * finalized, when due). An unpaid invoice past its due date then counts even
   * when its `invoice.finalized` webhook was lost.
   */
  listStripeInvoices(contractId: string): Promise<RiskStripeInvoice[]>;
}

/** A Stripe invoice the engine pushed, as its status item keeps it. */
export interface RiskStripeInvoice {
  readonly stripeInvoiceId: string;
  /** ISO instant; absent while a draft, or on a status written before it was kept. */
  readonly finalizedAt?: string;
  /** ISO instant; absent when the invoice has no payment terms. */
  readonly dueAt?: string;
  /** Stripe's amount due at finalization, integer minor units. */
  readonly amountDueMinor?: string;
}

/**
 * Stripe payment signals filed under a contract: by the contract metadata the
 * engine puts on its invoices and credit notes, else by the stored link of the
 * Stripe invoice (lambdas/adapters/dynamodb/invoice-store.ts).
 */
export interface RiskPaymentSignalReader {
  /** occurredAt window [from, to), open-ended sides when omitted; oldest first. */
  listPaymentSignals(contractId: string, range?: { readonly from?: Date; readonly to?: Date }): Promise<StripePaymentSignal[]>;
}

/** Disputes of a customer's outcomes (lambdas/application/disputes), for the dispute-rate signal. */
export interface RiskDisputeReader {
  /** Disputes of the customer's outcomes that occurred in [from, to), as known now: metric and status. */
  disputesOf(customerId: string, range: { readonly from: Date; readonly to: Date }): Promise<readonly { readonly metric: string; readonly status: 'open' | 'upheld' | 'rejected' }[]>;
}

/** The metric catalog, for what outcomes are called in sentences. */
export type RiskMetricCatalog = MetricDisplayNameReader;

/** Who the customers are, for the name a CSM knows them by. */
export interface RiskCustomerDirectory {
  /** Customer id → name ("Acme Corp"). */
  customerNames(): Promise<ReadonlyMap<string, string>>;
}

/**
 * How current the ledger is: the newest recordedAt across all producers, not
 * just this customer, so a silent customer is never mistaken for a stalled
 * pipeline. Undefined when nothing is known (the assessment then assumes fresh).
 */
export interface RiskDataFreshnessReader {
  ledgerDataAsOf(now: Date): Promise<Date | undefined>;
}

/** Which term's schedules to remove; names are derived, so no listing is needed. */
export interface CheckpointTermRef {
  readonly contractId: string;
  readonly termId: string;
  /** The checkpoint days the term was planned with; the defaults when absent. */
  readonly checkpointsDays?: readonly number[];
}

export interface ScheduleUpsertResult {
  readonly scheduleName: string;
  readonly checkpointDays: number;
  readonly outcome: 'created' | 'updated' | 'unchanged';
}

export interface ScheduleDeleteResult {
  readonly scheduleName: string;
  readonly outcome: 'deleted' | 'absent';
}

export interface ScheduleMoveResult {
  readonly upserted: readonly ScheduleUpsertResult[];
  readonly deleted: readonly ScheduleDeleteResult[];
}

/**
 * Where renewal checkpoints are scheduled. EventBridge Scheduler in AWS; the
 * local engine supplies one driven by a controllable clock. Every method is
 * idempotent: safe to repeat after a partial failure or a duplicate event.
 */
export interface CheckpointSchedulerPort {
  /** Creates the plan's schedules, updates ones that differ, leaves identical ones alone. */
  upsertCheckpointSchedules(plan: RenewalCheckpointPlan): Promise<readonly ScheduleUpsertResult[]>;
  /** Term change: upserts the new plan, then removes the previous term's schedules the new plan does not reuse. */
  moveCheckpointSchedules(previous: CheckpointTermRef, next: RenewalCheckpointPlan): Promise<ScheduleMoveResult>;
  /** Cancellation: removes the term's schedules; ones already fired or removed are fine. */
  deleteCheckpointSchedules(term: CheckpointTermRef): Promise<readonly ScheduleDeleteResult[]>;
}

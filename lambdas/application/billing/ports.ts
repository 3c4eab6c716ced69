import type { MetricDefinition } from '../../domain/ledger/catalog';
import type { PinnedDefinitions } from '../../domain/ledger/governing-definition';
import type { Contract } from '../../domain/plans/contract-schema';
import type { Plan } from '../../domain/plans/plan-schema';
import type { ResolvedPlanVersion } from '../../domain/plans/resolve-plan-version';
import type { RatingPeriod } from '../../domain/rating/draft-invoice';
import type { PeriodUsage } from '../../domain/rating/usage';
import type { InvoiceCorrection } from '../../domain/invoicing/corrections';
import type { InvoiceRecord } from '../../domain/invoicing/invoice-record';
import type { InvoiceReconciliation } from '../../domain/invoicing/reconciliation';

/** Contracts and the plans they are on. */
export interface ContractReader {
  getContract(contractId: string): Promise<Contract | undefined>;
  getPlan(planCode: string): Promise<Plan | undefined>;
}

/** The metric catalog, read to resolve a contract's pinned definition versions to their terms. */
export interface DefinitionCatalog {
  readCatalog(): Promise<{ readonly metrics: readonly MetricDefinition[] }>;
}

/** Which contracts bill an engine customer's outcomes (every term, renewals included). */
export interface ContractDirectory {
  contractIdsOfCustomer(customerId: string): Promise<string[]>;
}

export interface UsageRequest {
  readonly contract: Contract;
  readonly planVersion: ResolvedPlanVersion;
  readonly period: RatingPeriod;
  /** The ledger recordedAt cutoff: usage as the ledger knew it at this instant (RFC 3339 UTC). */
  readonly asOf: string;
  /**
   * The terms of the contract's pinned definition versions (resolved from the
   * catalog by the caller, or taken from the invoice being corrected).
   */
  readonly pinned?: PinnedDefinitions;
}

/**
 * Reads what rateContractPeriod needs for a contract's period as of a cutoff:
 * `customerId`, `from`/`to` = period start/end, `asOf` = the cutoff, and one
 * MetricUsage per usageRequirementsFor(planVersion) entry (reversals netted out).
 */
export interface UsageReader {
  readPeriodUsage(request: UsageRequest): Promise<PeriodUsage>;
  /**
   * Starts what one read needs before its request is known (the rollups'
   * progress), so it overlaps the contract's and plan's reads, and returns
   * the reader for that one read. Readers with nothing to start omit it.
   */
  beginRead?(): Pick<UsageReader, 'readPeriodUsage'>;
}

export type InvoiceStatusName = 'pushing' | 'pushed' | 'reconciled' | 'reconciliation_failed';

/** The mutable side of an invoice: kept apart from the immutable record. */
export interface InvoiceStatus {
  readonly contractId: string;
  readonly periodId: string;
  readonly invoiceRecordId: string;
  readonly status: InvoiceStatusName;
  readonly stripeInvoiceId?: string;
  readonly stripeStatus?: string;
  readonly reconciliation?: { readonly matched: boolean; readonly engineTotal: bigint; readonly stripeTotal: bigint; readonly difference: bigint };
  /**
   * Kept from the Stripe invoice the close (or a later reconcile) read: when it
   * was finalized, when it is due (payment terms) and what it asked for, so a
   * past-due invoice shows even if its webhook never arrived. Absent on a draft
   * and on statuses written before these were kept.
   */
  readonly stripeFinalizedAt?: string;
  readonly stripeDueAt?: string;
  readonly stripeAmountDue?: bigint;
  readonly updatedAt: string;
}

export type CorrectionStatusName = 'pending' | 'credited' | 'billed';

/** Why Stripe would not take a credit note against the original invoice. */
export type CreditNoteRefusalReason = 'original_invoice_draft' | 'original_invoice_void' | 'stripe_refused';

/** A credit note not issued yet because Stripe refused it; kept with the correction and retried. */
export interface CreditNoteFailure {
  readonly reason: CreditNoteRefusalReason;
  /** Stripe's explanation or the engine's; never customer data beyond ids. */
  readonly message: string;
  readonly attempts: number;
  readonly firstFailedAt: string;
  readonly lastFailedAt: string;
  /** False when only an operator can resolve it (the original invoice is void). */
  readonly retryable: boolean;
}

export interface CorrectionStatus {
  readonly correctionId: string;
  /** Credit note side: issued (or nothing to credit). */
  readonly creditNoteId?: string;
  readonly credited: boolean;
  /** Set while Stripe refuses the credit note; cleared (superseded) once it is issued. */
  readonly creditFailure?: CreditNoteFailure;
  /** Stripe's credit note total compared with the rated difference, once issued. */
  readonly creditReconciliation?: { readonly matched: boolean; readonly stripeTotal: bigint };
  /** Adjustment side: the invoice record that carries the adjustment lines. */
  readonly billedOn?: string;
}

export interface StoredCorrection {
  readonly correction: InvoiceCorrection;
  readonly status: CorrectionStatus;
}

/**
 * The engine began creating the Stripe customer of an engine customer: when
 * (the earliest moment Stripe can have made it) and which idempotency-key
 * generation creates it now. Written before the first create, so every later
 * run knows to look in Stripe first.
 */
export interface CustomerCreation {
  readonly customerId: string;
  readonly startedAt: string;
  /** 1 for the first key; raised once a key is known never to create (Stripe saved an error against it). */
  readonly generation: number;
}

export interface PutResult<T> {
  /** False when an item with the same key already existed: `value` is then the stored one. */
  readonly created: boolean;
  readonly value: T;
}

/**
 * Invoice records (immutable, stored once before Stripe is called), their
 * status, and corrections. Implementations make every put conditional.
 */
export interface InvoiceStore {
  putRecord(record: InvoiceRecord): Promise<PutResult<InvoiceRecord>>;
  getRecord(contractId: string, periodId: string): Promise<InvoiceRecord | undefined>;
  listRecords(contractId: string): Promise<InvoiceRecord[]>;
  getStatus(contractId: string, periodId: string): Promise<InvoiceStatus | undefined>;
  /** Writes the status attributes only; never touches the record. */
  setStatus(status: InvoiceStatus): Promise<void>;
  putCorrection(correction: InvoiceCorrection): Promise<PutResult<InvoiceCorrection>>;
  /** Every correction of the contract (or of one period), in sequence order, with status. */
  listCorrections(contractId: string, periodId?: string): Promise<StoredCorrection[]>;
  markCorrectionCredited(
    contractId: string,
    periodId: string,
    correctionId: string,
    creditNoteId: string | null,
    reconciliation?: { readonly matched: boolean; readonly stripeTotal: bigint },
  ): Promise<void>;
  /** Records (or updates) why the correction's credit note could not be issued yet. */
  recordCreditFailure(contractId: string, periodId: string, correctionId: string, failure: CreditNoteFailure): Promise<void>;
  /** Claims the adjustment for an invoice record; false when another record already claimed it. */
  claimAdjustment(contractId: string, periodId: string, correctionId: string, invoiceRecordId: string): Promise<boolean>;
  /** The Stripe customer created for an engine customer, if any. */
  getStripeCustomerId(customerId: string): Promise<string | undefined>;
  putStripeCustomerId(customerId: string, stripeCustomerId: string): Promise<string>;
  /** Records that creating the customer begins now (conditional put); an earlier run's record wins. */
  startCustomerCreation(customerId: string, startedAt: string): Promise<PutResult<CustomerCreation>>;
  /**
   * Moves to the next key generation if it is still `fromGeneration`
   * (conditional update); returns the creation as stored afterwards, also
   * when another run moved it first.
   */
  advanceCustomerCreation(customerId: string, fromGeneration: number): Promise<CustomerCreation>;
}

export interface PushInvoiceRequest {
  readonly record: InvoiceRecord;
  readonly stripeCustomerId: string;
  readonly finalize: boolean;
  /** The Stripe invoice id remembered from an earlier attempt, if any. */
  readonly knownStripeInvoiceId?: string;
  /**
   * True when no earlier attempt can have reached Stripe (the store had no
   * status for the record, and "pushing" is written before any Stripe call):
   * the gateway may skip looking for an existing invoice.
   */
  readonly firstAttempt?: boolean;
  /** Called as soon as the Stripe invoice exists, so a crash after it is resumable without a search. */
  readonly onInvoiceCreated?: (stripeInvoiceId: string) => Promise<void>;
}

export interface StripeInvoiceTotals {
  readonly stripeInvoiceId: string;
  readonly status: string;
  readonly currency: string;
  readonly total: bigint;
  readonly lineCount: number;
  /** What the invoice asks for (the total less any customer credit balance applied). */
  readonly amountDue?: bigint;
  /** When Stripe finalized it (ISO instant); null while it is a draft. */
  readonly finalizedAt?: string | null;
  /** Its due date (ISO instant) under payment terms (`send_invoice`); null when it has none. */
  readonly dueAt?: string | null;
}

export interface PushInvoiceResult extends StripeInvoiceTotals {
  /** Items created by this call (0 on a complete re-run). */
  readonly itemsCreated: number;
  /** Items that already existed and were reused. */
  readonly itemsFound: number;
}

export interface CreateCreditNoteRequest {
  readonly correction: InvoiceCorrection;
  readonly stripeInvoiceId: string;
}

export interface CreateCreditNoteResult {
  readonly creditNoteId: string;
  readonly total: bigint;
  readonly currency: string;
  readonly reused: boolean;
}

export interface CreateCustomerRequest {
  readonly contract: Contract;
  /** Part of the idempotency key: a new generation never replays an earlier key's saved answer. */
  readonly generation: number;
}

/** Stripe (or any billing system) as the close sees it. */
export interface BillingGateway {
  /**
   * Creates the customer (metadata `customerId`). Throws
   * BillingWriteUncertainError when the answer leaves open whether it was made.
   */
  createCustomer(request: CreateCustomerRequest): Promise<string>;
  /** The customer made for this engine customer at or after `createdSince` (minus clock skew), if any. */
  findCustomer(customerId: string, createdSince: string): Promise<string | undefined>;
  pushInvoice(request: PushInvoiceRequest): Promise<PushInvoiceResult>;
  retrieveInvoiceTotals(stripeInvoiceId: string): Promise<StripeInvoiceTotals>;
  createCreditNote(request: CreateCreditNoteRequest): Promise<CreateCreditNoteResult>;
}

export const BILLING_DETAIL_TYPES = {
  invoiceIssued: 'Invoice Issued',
  invoiceReconciliationFailed: 'Invoice Reconciliation Failed',
  creditNoteIssued: 'Credit Note Issued',
  /** Stripe refused a correction's credit note (original draft or void, ...): recorded, retried, alarmed. */
  creditNoteFailed: 'Credit Note Failed',
  /** A credit note's Stripe total differs from the rated difference it was issued for. */
  creditNoteReconciliationFailed: 'Credit Note Reconciliation Failed',
  paymentSignalRecorded: 'Payment Signal Recorded',
  /**
   * Internal: a ledger batch changed the usage of a customer with threshold
   * invoicing; the ThresholdInvoicing route evaluates its contracts.
   */
  thresholdInvoicingRequested: 'Threshold Invoicing Requested',
} as const;

export type ReconciliationSummary = Pick<InvoiceReconciliation, 'matched' | 'engineTotal' | 'stripeTotal' | 'difference'>;

/** Stripe event types that say something about whether a customer pays. */
export const PAYMENT_SIGNAL_TYPES = [
  'invoice.paid',
  'invoice.payment_failed',
  'invoice.finalized',
  'invoice.voided',
  'credit_note.created',
  'credit_note.updated',
  'credit_note.voided',
] as const;
export type PaymentSignalType = (typeof PAYMENT_SIGNAL_TYPES)[number];

/** A verified Stripe event that says something about payment, as the engine keeps it. */
export interface PaymentSignal {
  readonly stripeEventId: string;
  readonly type: PaymentSignalType;
  readonly occurredAt: string;
  readonly receivedAt: string;
  readonly livemode: boolean;
  readonly stripeObjectId: string | null;
  readonly stripeInvoiceId: string | null;
  readonly stripeCustomerId: string | null;
  readonly contractId: string | null;
  readonly periodId: string | null;
  readonly currency: string | null;
  /** Minor units as strings (JSON-safe). */
  readonly total: string | null;
  readonly amountDue: string | null;
  readonly amountPaid: string | null;
  readonly attemptCount: number | null;
  readonly status: string | null;
  /**
   * When the invoice is due (Stripe's `due_date`, an ISO instant), on invoice
   * events of invoices with payment terms; null when Stripe set none. Absent on
   * signals recorded before the due date was kept: read as no due date.
   */
  readonly dueAt?: string | null;
}

export interface PaymentSignalStore {
  /** Conditional put keyed by the Stripe event id; `created: false` for a redelivery. */
  putPaymentSignal(signal: PaymentSignal): Promise<{ created: boolean; published: boolean }>;
  markPaymentSignalPublished(stripeEventId: string): Promise<void>;
}

/** When a contract period closes; computed by schedule-period-closes.ts. */
export interface PeriodClose {
  readonly contractId: string;
  readonly periodId: string;
  readonly timeZone: string;
  /** UTC instant of local midnight after the period's last day. */
  readonly periodEnd: string;
  /** periodEnd + grace (UTC): when the close runs and the ledger cutoff it rates at. */
  readonly closeAt: string;
  /** closeAt on the contract's wall clock, for people. */
  readonly localCloseAt: string;
  readonly graceHours: number;
  /** Deterministic Scheduler name: the same contract and period always map to the same schedule. */
  readonly scheduleName: string;
}

export type ScheduleCloseOutcome = 'created' | 'unchanged';
export type DeleteCloseOutcome = 'deleted' | 'absent';

/** Enough of a close to find its schedule: the name is derived from contract and period. */
export type PeriodCloseRef = Pick<PeriodClose, 'contractId' | 'periodId' | 'scheduleName'>;

/** Where one-time close schedules live: EventBridge Scheduler in AWS, memory locally. */
export interface PeriodCloseScheduler {
  /** Idempotent: a schedule with this name already there is left alone. */
  scheduleClose(close: PeriodClose): Promise<ScheduleCloseOutcome>;
  /** Idempotent: a schedule already fired (deleted after completion) or never made is 'absent'. */
  deleteClose(close: PeriodCloseRef): Promise<DeleteCloseOutcome>;
}

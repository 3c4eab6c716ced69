import { mapWithConcurrency } from '../../shared/map-with-concurrency';
import type { MetricDisplayNameReader } from '../ports';
import type { DisputeEntryReader } from '../disputes/ports';
import type { Contract } from '../../domain/plans/contract-schema';
import { createInvoiceRecord, type InvoiceRecord, type PendingAdjustment } from '../../domain/invoicing/invoice-record';
import {
  settleAgainstThresholdInvoices,
  thresholdCreditCorrection,
  thresholdCredits,
  thresholdInvoicePeriodId,
} from '../../domain/invoicing/threshold-invoice';
import { reconcileInvoiceTotals } from '../../domain/invoicing/reconciliation';
import { toUtcIsoString } from '../../domain/periods/local-date';
import { BillingWriteUncertainError, InvoiceNotIssuedError } from './billing-errors';
import { issueCreditNote, type CreditOutcome } from './issue-credit-note';
import { loadContract, rateForInvoice } from './rate-for-invoice';
import type { EventPublisher } from '../ports';
import {
  BILLING_DETAIL_TYPES,
  type BillingGateway,
  type ContractReader,
  type DefinitionCatalog,
  type InvoiceStatus,
  type InvoiceStore,
  type StoredCorrection,
  type StripeInvoiceTotals,
  type UsageReader,
} from './ports';

export interface BillingDeps {
  readonly contracts: ContractReader;
  readonly usage: UsageReader;
  readonly invoices: InvoiceStore;
  readonly billing: BillingGateway;
  readonly events: EventPublisher;
  readonly clock: () => Date;
  /** Finalize invoices in Stripe (true) or leave them as drafts for review (false). */
  readonly finalizeInvoices: boolean;
  /** The catalog's metric names, for adjustment and credit-note lines; without it they name the plan metric's code. */
  readonly metricNames?: MetricDisplayNameReader;
  /** The ledger's dispute entries, to name on a credit note the upheld disputes it credits; without it credit notes name none. */
  readonly disputes?: DisputeEntryReader;
  /** The metric catalog, to count a contract's outcomes under its pinned definition versions (required for contracts that pin one). */
  readonly definitions: DefinitionCatalog;
}

export interface ClosePeriodInput {
  readonly contractId: string;
  readonly periodId: string;
  /** The ledger recordedAt cutoff (period end + grace). Ignored when the record already exists. */
  readonly cutoff: string;
}

export interface ClosePeriodResult {
  readonly contractId: string;
  readonly periodId: string;
  readonly invoiceRecordId: string;
  /** True when this call made the record; false when an earlier run had (re-run: no re-rating). */
  readonly recordCreated: boolean;
  readonly status: InvoiceStatus['status'];
  readonly stripeInvoiceId: string;
  readonly engineTotal: bigint;
  readonly stripeTotal: bigint;
  readonly matched: boolean;
  readonly itemsCreated: number;
  /** Credit notes on the period's threshold invoices for what they billed above its final rating (issued or refused by this call). */
  readonly thresholdCredits?: readonly CreditOutcome[];
}

/** The period's threshold invoices, in sequence order (records `<periodId>-threshold-<n>`). */
export async function listThresholdRecords(invoices: Pick<InvoiceStore, 'getRecord'>, contractId: string, periodId: string): Promise<InvoiceRecord[]> {
  const records: InvoiceRecord[] = [];
  for (let sequence = 1; ; sequence += 1) {
    const record = await invoices.getRecord(contractId, thresholdInvoicePeriodId(periodId, sequence));
    if (!record) return records;
    records.push(record);
  }
}

function pendingAdjustments(corrections: readonly StoredCorrection[]): PendingAdjustment[] {
  return corrections
    .filter((stored) => stored.correction.adjustmentLines.length > 0 && stored.status.billedOn === undefined)
    .map(({ correction }) => ({
      correctionId: correction.correctionId,
      invoiceRecordId: correction.invoiceRecordId,
      periodId: correction.periodId,
      period: correction.period,
      lines: correction.adjustmentLines,
    }));
}

async function loadOrCreateRecord(deps: BillingDeps, input: ClosePeriodInput): Promise<{ record: InvoiceRecord; created: boolean }> {
  const existing = await deps.invoices.getRecord(input.contractId, input.periodId);
  if (existing) return { record: existing, created: false };
  const contract = await loadContract(deps.contracts, input.contractId);
  const [earlierRecords, corrections] = await Promise.all([
    deps.invoices.listRecords(contract.contractId),
    deps.invoices.listCorrections(contract.contractId),
  ]);
  const draft = await rateForInvoice(deps, {
    contract,
    periodId: input.periodId,
    asOf: toUtcIsoString(input.cutoff),
    now: deps.clock().toISOString(),
    earlierRecords,
  });
  const adjustments = pendingAdjustments(corrections).filter((adjustment) => adjustment.periodId !== input.periodId);
  // A period invoiced at thresholds bills only the rest: settled against every threshold invoice stored so far.
  const thresholds = await listThresholdRecords(deps.invoices, contract.contractId, input.periodId);
  const { record } = settleAgainstThresholdInvoices(createInvoiceRecord(draft, { adjustments }), thresholds);
  const put = await deps.invoices.putRecord(record);
  return { record: put.value, created: put.created };
}

/**
 * Closes one contract's period: rate as of the cutoff, store the immutable
 * record (once), push it to Stripe, reconcile. Safe to run again at any
 * point: a re-run loads the record instead of re-rating and the gateway
 * resumes the push without duplicating anything.
 */
export async function closeContractPeriod(deps: BillingDeps, input: ClosePeriodInput): Promise<ClosePeriodResult> {
  const { record, created } = await loadOrCreateRecord(deps, input);
  // Claiming after the put is safe: the record is immutable, so a re-run claims the same ones.
  for (const line of record.lines) {
    if (line.kind !== 'adjustment' || !line.adjustmentFor) continue;
    await deps.invoices.claimAdjustment(record.contractId, line.servicePeriod.periodId, line.adjustmentFor.correctionId, record.invoiceRecordId);
  }
  const issued = await issueInvoiceRecord(deps, record, created);
  if (!record.thresholdSettlement) return issued;
  return { ...issued, thresholdCredits: await creditThresholdExcess(deps, record) };
}

/**
 * Credits, on each threshold invoice of a settled period, what it billed
 * above the period's final rating (a reversal after it). Each credit is the
 * threshold invoice's correction number 1, stored once and issued like any
 * credit note, so a re-run finishes it instead of issuing another.
 */
async function creditThresholdExcess(deps: BillingDeps, settled: InvoiceRecord): Promise<CreditOutcome[]> {
  const settledIds = new Set(settled.thresholdSettlement?.thresholdInvoiceRecordIds ?? []);
  const thresholds = (await listThresholdRecords(deps.invoices, settled.contractId, settled.periodId)).filter((record) =>
    settledIds.has(record.invoiceRecordId),
  );
  const outcomes: CreditOutcome[] = [];
  for (const credit of thresholdCredits(settled, thresholds)) {
    // Finishes the threshold invoice's own push first when it was interrupted; makes no call when it is reconciled.
    const { stripeInvoiceId } = await issueInvoiceRecord(deps, credit.thresholdRecord, false);
    const correction = thresholdCreditCorrection(credit, settled);
    const put = await deps.invoices.putCorrection(correction);
    const stored = put.created
      ? { correction: put.value, status: { correctionId: put.value.correctionId, credited: false } }
      : (await deps.invoices.listCorrections(settled.contractId, correction.periodId)).find(
          (candidate) => candidate.correction.correctionId === correction.correctionId,
        );
    if (!stored) throw new InvoiceNotIssuedError(`correction ${correction.correctionId} was stored but cannot be read back: run the close again`);
    const outcome = await issueCreditNote(deps, stored, stripeInvoiceId);
    if (outcome) outcomes.push(outcome);
  }
  return outcomes;
}

/**
 * Pushes a stored invoice record to Stripe and reconciles it, or finishes an
 * earlier attempt: "pushing" is written before the first Stripe call, the
 * Stripe invoice id as soon as it exists. A reconciled record makes no call.
 */
export async function issueInvoiceRecord(deps: BillingDeps, record: InvoiceRecord, created: boolean): Promise<ClosePeriodResult> {
  const status = await deps.invoices.getStatus(record.contractId, record.periodId);
  if (status?.status === 'reconciled' && status.stripeInvoiceId && status.reconciliation) {
    return resultOf(record, created, status, 0);
  }

  const contract = await loadContract(deps.contracts, record.contractId);
  const stripeCustomerId = await resolveStripeCustomer(deps, contract);
  const statusBase = { contractId: record.contractId, periodId: record.periodId, invoiceRecordId: record.invoiceRecordId };
  let stripeInvoiceId = status?.stripeInvoiceId;
  if (!status) await deps.invoices.setStatus({ ...statusBase, status: 'pushing', updatedAt: deps.clock().toISOString() });
  const pushed = await deps.billing.pushInvoice({
    record,
    stripeCustomerId,
    finalize: deps.finalizeInvoices,
    firstAttempt: !status,
    ...(stripeInvoiceId ? { knownStripeInvoiceId: stripeInvoiceId } : {}),
    onInvoiceCreated: async (id) => {
      stripeInvoiceId = id;
      await deps.invoices.setStatus({ ...statusBase, status: 'pushing', stripeInvoiceId: id, updatedAt: deps.clock().toISOString() });
    },
  });
  const final = await recordReconciliation(deps, record, pushed.stripeInvoiceId, pushed);
  return resultOf(record, created, final, pushed.itemsCreated);
}

/** Creates with a key at most this many times per run (the same key again, or one new generation). */
const CUSTOMER_CREATE_ATTEMPTS = 3;

/**
 * The contract's Stripe customer, created at most once. Stripe keeps an
 * idempotency key's answer for 24 h, a saved 5xx included, and afterwards
 * runs the same key again; so keys alone would either block the close for a
 * day or make a second customer. Instead the start of the creation is
 * recorded before the first create, and every later attempt first looks the
 * customer up in Stripe (by metadata, since that start). Only when a key's
 * saved answer says it will never create, and the lookup finds nothing, does
 * the next generation's key take over.
 */
export async function resolveStripeCustomer(deps: Pick<BillingDeps, 'invoices' | 'billing' | 'clock'>, contract: Contract): Promise<string> {
  if (contract.stripeCustomerId) return contract.stripeCustomerId;
  const { customerId } = contract;
  const known = await deps.invoices.getStripeCustomerId(customerId);
  if (known) return known;
  const link = (stripeCustomerId: string) => deps.invoices.putStripeCustomerId(customerId, stripeCustomerId);
  const started = await deps.invoices.startCustomerCreation(customerId, deps.clock().toISOString());
  let creation = started.value;
  if (!started.created) {
    // An earlier run began: Stripe may hold the customer, whatever its key now answers.
    const found = await deps.billing.findCustomer(customerId, creation.startedAt);
    if (found) return link(found);
  }
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await link(await deps.billing.createCustomer({ contract, generation: creation.generation }));
    } catch (error) {
      if (!(error instanceof BillingWriteUncertainError)) throw error;
      const found = await deps.billing.findCustomer(customerId, creation.startedAt);
      if (found) return link(found);
      if (attempt >= CUSTOMER_CREATE_ATTEMPTS) throw error;
      // The answer was final and nothing was made: this key will never create, a new one will.
      // Otherwise the same key again either runs now or replays what Stripe saved.
      if (error.keySpent) creation = await deps.invoices.advanceCustomerCreation(customerId, creation.generation);
    }
  }
}

function resultOf(record: InvoiceRecord, created: boolean, status: InvoiceStatus, itemsCreated: number): ClosePeriodResult {
  return {
    contractId: record.contractId,
    periodId: record.periodId,
    invoiceRecordId: record.invoiceRecordId,
    recordCreated: created,
    status: status.status,
    stripeInvoiceId: status.stripeInvoiceId ?? '',
    engineTotal: record.total,
    stripeTotal: status.reconciliation?.stripeTotal ?? 0n,
    matched: status.reconciliation?.matched ?? false,
    itemsCreated,
  };
}

/** Compares Stripe's total with the record's, stores the outcome, and raises the alarm event on a mismatch. */
export async function recordReconciliation(
  deps: Pick<BillingDeps, 'invoices' | 'events' | 'clock'>,
  record: InvoiceRecord,
  stripeInvoiceId: string,
  stripe: Pick<StripeInvoiceTotals, 'total' | 'currency' | 'status' | 'amountDue' | 'finalizedAt' | 'dueAt'>,
): Promise<InvoiceStatus> {
  const reconciliation = reconcileInvoiceTotals({
    currency: record.currency,
    engineTotal: record.total,
    stripeTotal: stripe.total,
    stripeCurrency: stripe.currency,
  });
  const status: InvoiceStatus = {
    contractId: record.contractId,
    periodId: record.periodId,
    invoiceRecordId: record.invoiceRecordId,
    status: reconciliation.matched ? 'reconciled' : 'reconciliation_failed',
    stripeInvoiceId,
    stripeStatus: stripe.status,
    reconciliation: {
      matched: reconciliation.matched,
      engineTotal: reconciliation.engineTotal,
      stripeTotal: reconciliation.stripeTotal,
      difference: reconciliation.difference,
    },
    // Where Stripe says it: a re-run or a later reconcile writes the same values again.
    ...(stripe.finalizedAt ? { stripeFinalizedAt: stripe.finalizedAt } : {}),
    ...(stripe.dueAt ? { stripeDueAt: stripe.dueAt } : {}),
    ...(stripe.amountDue !== undefined ? { stripeAmountDue: stripe.amountDue } : {}),
    updatedAt: deps.clock().toISOString(),
  };
  await deps.invoices.setStatus(status);
  const common = {
    schemaVersion: 1,
    contractId: record.contractId,
    periodId: record.periodId,
    invoiceRecordId: record.invoiceRecordId,
    stripeInvoiceId,
    currency: record.currency,
    engineTotal: record.total.toString(),
    stripeTotal: stripe.total.toString(),
  };
  await deps.events.publish([
    reconciliation.matched
      ? { detailType: BILLING_DETAIL_TYPES.invoiceIssued, detail: { ...common, stripeStatus: stripe.status } }
      : {
          detailType: BILLING_DETAIL_TYPES.invoiceReconciliationFailed,
          detail: { ...common, difference: reconciliation.difference.toString(), stripeCurrency: stripe.currency },
        },
  ]);
  return status;
}

/** Re-reads Stripe's invoice and reconciles it again (e.g. after someone edited a draft in the Dashboard). */
export async function reconcileInvoicedPeriod(
  deps: Pick<BillingDeps, 'invoices' | 'billing' | 'events' | 'clock'>,
  input: { contractId: string; periodId: string },
): Promise<InvoiceStatus> {
  const record = await deps.invoices.getRecord(input.contractId, input.periodId);
  const status = await deps.invoices.getStatus(input.contractId, input.periodId);
  if (!record || !status?.stripeInvoiceId) {
    throw new InvoiceNotIssuedError(`period ${input.periodId} of "${input.contractId}" has no Stripe invoice yet: close it first`);
  }
  const totals = await deps.billing.retrieveInvoiceTotals(status.stripeInvoiceId);
  return recordReconciliation(deps, record, status.stripeInvoiceId, totals);
}

export interface CloseAllResult {
  readonly closed: ClosePeriodResult[];
  readonly failed: { contractId: string; error: Error }[];
}

/**
 * Closes the period for many contracts with bounded concurrency. One
 * contract's failure is reported, never hides the others; re-running the
 * whole batch is safe.
 */
export async function closePeriodForAll(
  deps: BillingDeps,
  input: { contractIds: readonly string[]; periodId: string; cutoff: string; concurrency?: number },
): Promise<CloseAllResult> {
  const closed: ClosePeriodResult[] = [];
  const failed: { contractId: string; error: Error }[] = [];
  await mapWithConcurrency(input.contractIds, input.concurrency ?? 8, async (contractId) => {
    try {
      closed.push(await closeContractPeriod(deps, { contractId, periodId: input.periodId, cutoff: input.cutoff }));
    } catch (error) {
      failed.push({ contractId, error: error instanceof Error ? error : new Error(String(error)) });
    }
  });
  return { closed, failed };
}

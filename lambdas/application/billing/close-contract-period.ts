import pLimit from 'p-limit';
import type { Contract } from '../../domain/plans/contract-schema';
import { createInvoiceRecord, type InvoiceRecord, type PendingAdjustment } from '../../domain/invoicing/invoice-record';
import { reconcileInvoiceTotals } from '../../domain/invoicing/reconciliation';
import { toUtcIsoString } from '../../domain/periods/local-date';
import { InvoiceNotIssuedError } from './billing-errors';
import { loadContract, rateForInvoice } from './rate-for-invoice';
import {
  BILLING_DETAIL_TYPES,
  type BillingGateway,
  type ContractReader,
  type EventPublisher,
  type InvoiceStatus,
  type InvoiceStore,
  type StoredCorrection,
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
  const put = await deps.invoices.putRecord(createInvoiceRecord(draft, { adjustments }));
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
  const final = await recordReconciliation(deps, record, pushed.stripeInvoiceId, {
    total: pushed.total,
    currency: pushed.currency,
    status: pushed.status,
  });
  return resultOf(record, created, final, pushed.itemsCreated);
}

async function resolveStripeCustomer(deps: BillingDeps, contract: Contract): Promise<string> {
  if (contract.stripeCustomerId) return contract.stripeCustomerId;
  const known = await deps.invoices.getStripeCustomerId(contract.customerId);
  if (known) return known;
  const created = await deps.billing.ensureCustomer(contract);
  return deps.invoices.putStripeCustomerId(contract.customerId, created);
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
  stripe: { total: bigint; currency: string; status: string },
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
  const limit = pLimit(input.concurrency ?? 8);
  const closed: ClosePeriodResult[] = [];
  const failed: { contractId: string; error: Error }[] = [];
  await Promise.all(
    input.contractIds.map((contractId) =>
      limit(async () => {
        try {
          closed.push(await closeContractPeriod(deps, { contractId, periodId: input.periodId, cutoff: input.cutoff }));
        } catch (error) {
          failed.push({ contractId, error: error instanceof Error ? error : new Error(String(error)) });
        }
      }),
    ),
  );
  return { closed, failed };
}

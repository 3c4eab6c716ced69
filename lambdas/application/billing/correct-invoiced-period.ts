import { adjustmentTotal, planCorrection, type InvoiceCorrection, type UpheldDispute } from '../../domain/invoicing/corrections';
import { adjustmentInvoiceRecordIdOf, createAdjustmentInvoiceRecord } from '../../domain/invoicing/adjustment-invoice';
import type { InvoiceRecord } from '../../domain/invoicing/invoice-record';
import { periodsForTerm } from '../../domain/periods/billing-period';
import { toUtcIsoString } from '../../domain/periods/local-date';
import { billingScheduleForContract } from '../../domain/plans/contract-plan';
import type { Contract } from '../../domain/plans/contract-schema';
import { retryOnConflict } from '../../shared/retry-on-conflict';
import { BillingNotFoundError, InvoiceNotIssuedError } from './billing-errors';
import { issueInvoiceRecord, type BillingDeps } from './close-contract-period';
import { loadContract, rateForInvoice } from './rate-for-invoice';
import { issueCreditNote, type CreditOutcome, type FailedCreditNote, type IssuedCreditNote } from './issue-credit-note';
import type { InvoiceStatus, StoredCorrection } from './ports';
import { listDisputes } from '../disputes/list-disputes';
import type { DisputeEntryReader } from '../disputes/ports';

export type { FailedCreditNote, IssuedCreditNote } from './issue-credit-note';

/** Whether the period's close has finished pushing its invoice to Stripe, so the invoice can be corrected. */
export function invoiceIssued(status: InvoiceStatus | undefined): status is InvoiceStatus & { readonly stripeInvoiceId: string } {
  return status?.stripeInvoiceId !== undefined && status.stripeInvoiceId !== '' && status.status !== 'pushing';
}

/**
 * - `close` (the default): just before the contract's next close, which
 *   carries every increase found as an adjustment line.
 * - `prompt`: right after the ledger changed the period. Decreases are
 *   credited at once. A pure increase is left to the next close when there is
 *   one (a burst of late outcomes then becomes one adjustment, not many);
 *   when no later close will come (last period of the term, or of a cancelled
 *   contract), increases are billed on an adjustment invoice now.
 */
export type CorrectionMode = 'close' | 'prompt';

export interface CorrectPeriodInput {
  readonly contractId: string;
  readonly periodId: string;
  /** Ledger cutoff of the re-rating (normally now). */
  readonly asOf: string;
  readonly mode?: CorrectionMode;
}

export interface IssuedAdjustmentInvoice {
  readonly correctionId: string;
  readonly invoiceRecordId: string;
  readonly stripeInvoiceId: string;
  readonly total: bigint;
  readonly matched: boolean;
}

export interface CorrectPeriodResult {
  /** The correction made by this call, or null when the re-rating matched what was billed (or was left to the next close). */
  readonly correction: InvoiceCorrection | null;
  /** Credit notes issued by this call (including ones resumed from an interrupted run). */
  readonly creditNotes: IssuedCreditNote[];
  /** Credit notes Stripe refused in this call: recorded with their reason, announced, retried later. They never fail the call. */
  readonly failedCreditNotes: FailedCreditNote[];
  /** Adjustment invoices issued (or finished) by this call, for a period no later invoice carries. */
  readonly adjustmentInvoices: IssuedAdjustmentInvoice[];
  /** Prompt mode: an increase (minor units) found and left for the next close; null otherwise. */
  readonly deferredIncrease: bigint | null;
}

/** Corrections are numbered by a conditional put: a concurrent run taking the number means planning again. */
const PLAN_ATTEMPTS = 3;

/**
 * Whether a later close of the contract will carry adjustments for the
 * period starting at `periodStart`: a billed period after it (before any
 * cancellation) that has no invoice record yet.
 */
async function laterCloseCarries(deps: BillingDeps, contract: Contract, periodStart: string): Promise<boolean> {
  const start = Date.parse(periodStart);
  const later = periodsForTerm(billingScheduleForContract(contract)).filter(
    (period) => Date.parse(period.start) > start && (contract.cancelledOn === undefined || period.startDate < contract.cancelledOn),
  );
  for (const period of later) {
    if (!(await deps.invoices.getRecord(contract.contractId, period.id))) return true;
  }
  return false;
}

/**
 * Bills a correction's increases on an adjustment invoice of their own,
 * once: the adjustment is claimed for that invoice's record id (derived from
 * the correction) before the record is stored, so a close can never carry it
 * as well, and a resumed run finishes the same invoice.
 */
async function issueAdjustmentInvoice(deps: BillingDeps, original: InvoiceRecord, stored: StoredCorrection): Promise<IssuedAdjustmentInvoice | null> {
  const { correction, status } = stored;
  if (correction.adjustmentLines.length === 0) return null;
  const invoiceRecordId = adjustmentInvoiceRecordIdOf(correction);
  if (status.billedOn !== undefined && status.billedOn !== invoiceRecordId) return null;
  if (status.billedOn === undefined) {
    const claimed = await deps.invoices.claimAdjustment(correction.contractId, correction.periodId, correction.correctionId, invoiceRecordId);
    if (!claimed) return null;
  }
  const record = createAdjustmentInvoiceRecord(original, correction);
  const done = await deps.invoices.getStatus(record.contractId, record.periodId);
  if (done?.status === 'reconciled') return null;
  const put = await deps.invoices.putRecord(record);
  const issued = await issueInvoiceRecord(deps, put.value, put.created);
  return {
    correctionId: correction.correctionId,
    invoiceRecordId: issued.invoiceRecordId,
    stripeInvoiceId: issued.stripeInvoiceId,
    total: issued.engineTotal,
    matched: issued.matched,
  };
}

/** Every upheld dispute decision on the ledger; the correction keeps those its credit-note lines cover. */
async function upheldDisputes(reader: DisputeEntryReader): Promise<UpheldDispute[]> {
  const rows = await listDisputes({ ledger: reader }, { status: 'upheld' });
  return rows.flatMap((row) =>
    row.decision === undefined
      ? []
      : [{ disputeId: row.disputeId, customerId: row.customerId, metric: row.metric, occurredAtMs: Date.parse(row.occurredAt), decidedAtMs: Date.parse(row.decision.resolvedAt) }],
  );
}

/**
 * Re-rates an invoiced period as of `asOf` and corrects it: decreases are
 * credited on this period's own Stripe invoice, increases are billed by the
 * contract's next invoice (labelled with this period) or, when no later
 * invoice will come, on an adjustment invoice. An interrupted run is
 * finished first, and a credit note Stripe refused is tried again, so each
 * difference is acted on once and a refusal never blocks anything else.
 */
export async function correctInvoicedPeriod(deps: BillingDeps, input: CorrectPeriodInput): Promise<CorrectPeriodResult> {
  const mode = input.mode ?? 'close';
  const record = await deps.invoices.getRecord(input.contractId, input.periodId);
  if (!record) throw new BillingNotFoundError('invoice_not_found', `period ${input.periodId} of "${input.contractId}" was never invoiced`);
  const status = await deps.invoices.getStatus(input.contractId, input.periodId);
  if (!invoiceIssued(status)) {
    throw new InvoiceNotIssuedError(`the invoice for ${input.periodId} of "${input.contractId}" is not in Stripe yet: finish its close first`);
  }
  const { stripeInvoiceId } = status;
  const creditNotes: IssuedCreditNote[] = [];
  const failedCreditNotes: FailedCreditNote[] = [];
  const adjustmentInvoices: IssuedAdjustmentInvoice[] = [];
  const collect = (outcome: CreditOutcome | null): void => {
    if (outcome?.kind === 'issued') creditNotes.push(outcome.note);
    else if (outcome?.kind === 'failed') failedCreditNotes.push(outcome.failure);
  };
  const result = (correction: InvoiceCorrection | null, deferredIncrease: bigint | null = null): CorrectPeriodResult => ({
    correction,
    creditNotes,
    failedCreditNotes,
    adjustmentInvoices,
    deferredIncrease,
  });

  let previous = await deps.invoices.listCorrections(input.contractId, input.periodId);
  for (const stored of previous) collect(await issueCreditNote(deps, stored, stripeInvoiceId));

  const contract = await loadContract(deps.contracts, input.contractId);
  const onAdjustmentInvoice = mode === 'prompt' && !(await laterCloseCarries(deps, contract, record.period.start));
  if (onAdjustmentInvoice) {
    for (const stored of previous) {
      const issued = await issueAdjustmentInvoice(deps, record, stored);
      if (issued) adjustmentInvoices.push(issued);
    }
  }

  const earlierRecords = await deps.invoices.listRecords(contract.contractId);
  const rerated = await rateForInvoice(deps, {
    contract,
    periodId: input.periodId,
    asOf: toUtcIsoString(input.asOf),
    now: deps.clock().toISOString(),
    earlierRecords,
    // Counted under the pins the invoice was rated under, not today's: a changed pin applies from the next open period.
    pinned: record.pinnedDefinitions ?? null,
  });
  const metricNames = deps.metricNames ? await deps.metricNames.metricDisplayNames() : undefined;
  let upheld: UpheldDispute[] | undefined;
  try {
    return await retryOnConflict({ isConflict: (error) => error instanceof CorrectionNumberTakenError, attempts: PLAN_ATTEMPTS }, async (attempt) => {
      if (attempt > 1) previous = await deps.invoices.listCorrections(input.contractId, input.periodId);
      const plan = (disputes: readonly UpheldDispute[] | undefined) =>
        planCorrection({ record, previous: previous.map((stored) => stored.correction), rerated, ...(metricNames ? { metricNames } : {}), ...(disputes ? { upheldDisputes: disputes } : {}) });
      let planned = plan(upheld);
      // Disputes are read only when something is credited: they label the credit-note lines, never change amounts.
      if (planned && planned.creditNoteLines.length > 0 && upheld === undefined && deps.disputes) {
        upheld = await upheldDisputes(deps.disputes);
        planned = plan(upheld);
      }
      if (!planned) return result(null);
      if (mode === 'prompt' && !onAdjustmentInvoice && planned.creditNoteLines.length === 0) {
        return result(null, adjustmentTotal(planned));
      }
      const put = await deps.invoices.putCorrection(planned);
      // A concurrent run numbered its own correction first: plan again on top of it (it finishes its own notes).
      if (!put.created) throw new CorrectionNumberTakenError(planned.correctionId);
      const stored: StoredCorrection = { correction: put.value, status: { correctionId: put.value.correctionId, credited: false } };
      collect(await issueCreditNote(deps, stored, stripeInvoiceId));
      if (onAdjustmentInvoice) {
        const issued = await issueAdjustmentInvoice(deps, record, stored);
        if (issued) adjustmentInvoices.push(issued);
      }
      return result(put.value);
    });
  } catch (error) {
    if (!(error instanceof CorrectionNumberTakenError)) throw error;
    throw new InvoiceNotIssuedError(`corrections of ${input.periodId} of "${input.contractId}" keep changing: try again`, { cause: error });
  }
}

/** Another run stored a correction under the number this run planned: plan again from what is stored. */
class CorrectionNumberTakenError extends Error {
  readonly code = 'correction_number_taken';
  constructor(correctionId: string) {
    super(`correction ${correctionId} was numbered by a concurrent run`);
    this.name = 'CorrectionNumberTakenError';
  }
}

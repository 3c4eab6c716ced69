import { creditNoteTotal, planCorrection, type InvoiceCorrection } from '../../domain/invoicing/corrections';
import { toUtcIsoString } from '../../domain/periods/local-date';
import { BillingNotFoundError, InvoiceNotIssuedError } from './billing-errors';
import type { BillingDeps } from './close-contract-period';
import { loadContract, rateForInvoice } from './rate-for-invoice';
import { BILLING_DETAIL_TYPES, type StoredCorrection } from './ports';

export interface CorrectPeriodInput {
  readonly contractId: string;
  readonly periodId: string;
  /** Ledger cutoff of the re-rating (normally now). */
  readonly asOf: string;
}

export interface CorrectPeriodResult {
  /** The correction made by this call, or null when the re-rating matched what was billed. */
  readonly correction: InvoiceCorrection | null;
  /** Credit notes issued by this call (including ones resumed from an interrupted run). */
  readonly creditNotes: { correctionId: string; creditNoteId: string; total: bigint }[];
}

async function issueCreditNote(
  deps: BillingDeps,
  stored: StoredCorrection,
  stripeInvoiceId: string,
): Promise<{ correctionId: string; creditNoteId: string; total: bigint } | null> {
  const { correction } = stored;
  if (stored.status.credited) return null;
  if (correction.creditNoteLines.length === 0) {
    await deps.invoices.markCorrectionCredited(correction.contractId, correction.periodId, correction.correctionId, null);
    return null;
  }
  const note = await deps.billing.createCreditNote({ correction, stripeInvoiceId });
  await deps.invoices.markCorrectionCredited(correction.contractId, correction.periodId, correction.correctionId, note.creditNoteId);
  await deps.events.publish([
    {
      detailType: BILLING_DETAIL_TYPES.creditNoteIssued,
      detail: {
        schemaVersion: 1,
        contractId: correction.contractId,
        periodId: correction.periodId,
        correctionId: correction.correctionId,
        invoiceRecordId: correction.invoiceRecordId,
        stripeInvoiceId,
        creditNoteId: note.creditNoteId,
        currency: correction.currency,
        total: creditNoteTotal(correction).toString(),
      },
    },
  ]);
  return { correctionId: correction.correctionId, creditNoteId: note.creditNoteId, total: note.total };
}

/**
 * Re-rates an invoiced period as of now and corrects it: increases are queued
 * as adjustment lines for the contract's next invoice (labelled with this
 * period), decreases are credited on this period's own Stripe invoice. An
 * interrupted run is finished first, so each difference is acted on once.
 */
export async function correctInvoicedPeriod(deps: BillingDeps, input: CorrectPeriodInput): Promise<CorrectPeriodResult> {
  const record = await deps.invoices.getRecord(input.contractId, input.periodId);
  if (!record) throw new BillingNotFoundError('invoice_not_found', `period ${input.periodId} of "${input.contractId}" was never invoiced`);
  const status = await deps.invoices.getStatus(input.contractId, input.periodId);
  const stripeInvoiceId = status?.stripeInvoiceId;
  if (!stripeInvoiceId || status.status === 'pushing') {
    throw new InvoiceNotIssuedError(`the invoice for ${input.periodId} of "${input.contractId}" is not in Stripe yet: finish its close first`);
  }
  const creditNotes: CorrectPeriodResult['creditNotes'] = [];
  const previous = await deps.invoices.listCorrections(input.contractId, input.periodId);
  for (const stored of previous) {
    const issued = await issueCreditNote(deps, stored, stripeInvoiceId);
    if (issued) creditNotes.push(issued);
  }

  const contract = await loadContract(deps.contracts, input.contractId);
  const earlierRecords = await deps.invoices.listRecords(contract.contractId);
  const rerated = await rateForInvoice(deps, {
    contract,
    periodId: input.periodId,
    asOf: toUtcIsoString(input.asOf),
    now: deps.clock().toISOString(),
    earlierRecords,
  });
  const planned = planCorrection({ record, previous: previous.map((stored) => stored.correction), rerated });
  if (!planned) return { correction: null, creditNotes };
  const put = await deps.invoices.putCorrection(planned);
  const issued = await issueCreditNote(deps, { correction: put.value, status: { correctionId: put.value.correctionId, credited: false } }, stripeInvoiceId);
  if (issued) creditNotes.push(issued);
  return { correction: put.value, creditNotes };
}

// Issues the credit note of a stored correction on a Stripe invoice (a period's
// own, or a threshold invoice's), once: a refusal by Stripe is recorded,
// announced once per reason and retried later, never thrown; infrastructure
// errors are thrown and retried by the caller.
import { creditNoteTotal } from '../../domain/invoicing/corrections';
import { reconcileCreditNoteTotals } from '../../domain/invoicing/reconciliation';
import { CreditNoteRefusedError } from './billing-errors';
import {
  BILLING_DETAIL_TYPES,
  type BillingGateway,
  type CreditNoteFailure,
  type CreditNoteRefusalReason,
  type InvoiceStore,
  type StoredCorrection,
} from './ports';
import type { EventPublisher } from '../ports';

/** What issuing a credit note needs of the billing dependencies. */
export interface CreditNoteDeps {
  readonly invoices: InvoiceStore;
  readonly billing: BillingGateway;
  readonly events: EventPublisher;
  readonly clock: () => Date;
}

export interface IssuedCreditNote {
  readonly correctionId: string;
  readonly creditNoteId: string;
  readonly total: bigint;
  /** Stripe's total equals the rated difference (same currency). */
  readonly matched: boolean;
}

export interface FailedCreditNote {
  readonly correctionId: string;
  readonly reason: CreditNoteRefusalReason;
  readonly message: string;
  readonly retryable: boolean;
  readonly attempts: number;
}

export type CreditOutcome = { readonly kind: 'issued'; readonly note: IssuedCreditNote } | { readonly kind: 'failed'; readonly failure: FailedCreditNote };

async function recordRefusal(
  deps: CreditNoteDeps,
  stored: StoredCorrection,
  stripeInvoiceId: string,
  refusal: CreditNoteRefusedError,
): Promise<CreditOutcome> {
  const { correction } = stored;
  const now = deps.clock().toISOString();
  const previous = stored.status.creditFailure;
  const failure: CreditNoteFailure = {
    reason: refusal.reason,
    message: refusal.message,
    attempts: (previous?.attempts ?? 0) + 1,
    firstFailedAt: previous?.firstFailedAt ?? now,
    lastFailedAt: now,
    retryable: refusal.retryable,
  };
  // Announced once per reason: the alert queue keeps it until an operator looks, and retries stay quiet.
  // Published before it is recorded, so a crash in between announces again rather than never.
  if (previous?.reason !== failure.reason) {
    await deps.events.publish([
      {
        detailType: BILLING_DETAIL_TYPES.creditNoteFailed,
        detail: {
          schemaVersion: 1,
          contractId: correction.contractId,
          periodId: correction.periodId,
          correctionId: correction.correctionId,
          invoiceRecordId: correction.invoiceRecordId,
          stripeInvoiceId,
          currency: correction.currency,
          total: creditNoteTotal(correction).toString(),
          reason: failure.reason,
          message: failure.message,
          retryable: failure.retryable,
          attempts: failure.attempts,
        },
      },
    ]);
  }
  await deps.invoices.recordCreditFailure(correction.contractId, correction.periodId, correction.correctionId, failure);
  const { reason, message, retryable, attempts } = failure;
  return { kind: 'failed', failure: { correctionId: correction.correctionId, reason, message, retryable, attempts } };
}

export async function issueCreditNote(deps: CreditNoteDeps, stored: StoredCorrection, stripeInvoiceId: string): Promise<CreditOutcome | null> {
  const { correction, status } = stored;
  if (status.credited) return null;
  if (correction.creditNoteLines.length === 0) {
    await deps.invoices.markCorrectionCredited(correction.contractId, correction.periodId, correction.correctionId, null);
    return null;
  }
  // Stays as it is until an operator resolves it; asking Stripe again would get the same answer.
  if (status.creditFailure && !status.creditFailure.retryable) return null;
  let note;
  try {
    note = await deps.billing.createCreditNote({ correction, stripeInvoiceId });
  } catch (error) {
    // A refusal never blocks the caller (the next close, another correction); infrastructure errors still throw.
    if (error instanceof CreditNoteRefusedError) return recordRefusal(deps, stored, stripeInvoiceId, error);
    throw error;
  }
  const engineTotal = creditNoteTotal(correction);
  const reconciliation = reconcileCreditNoteTotals({
    currency: correction.currency,
    engineTotal,
    stripeTotal: note.total,
    stripeCurrency: note.currency,
  });
  const common = {
    schemaVersion: 1,
    contractId: correction.contractId,
    periodId: correction.periodId,
    correctionId: correction.correctionId,
    invoiceRecordId: correction.invoiceRecordId,
    stripeInvoiceId,
    creditNoteId: note.creditNoteId,
    currency: correction.currency,
  };
  // Published before it is marked credited: a crash in between finds the note by metadata and announces again.
  await deps.events.publish([
    { detailType: BILLING_DETAIL_TYPES.creditNoteIssued, detail: { ...common, total: engineTotal.toString(), stripeTotal: note.total.toString() } },
    ...(reconciliation.matched
      ? []
      : [
          {
            detailType: BILLING_DETAIL_TYPES.creditNoteReconciliationFailed,
            detail: {
              ...common,
              engineTotal: engineTotal.toString(),
              stripeTotal: note.total.toString(),
              difference: reconciliation.difference.toString(),
              stripeCurrency: note.currency,
            },
          },
        ]),
  ]);
  await deps.invoices.markCorrectionCredited(correction.contractId, correction.periodId, correction.correctionId, note.creditNoteId, {
    matched: reconciliation.matched,
    stripeTotal: note.total,
  });
  return { kind: 'issued', note: { correctionId: correction.correctionId, creditNoteId: note.creditNoteId, total: note.total, matched: reconciliation.matched } };
}


// An adjustment invoice bills the increases of one correction of a period
// that no later invoice of the contract will carry: the last period of a
// term, or the last one before a cancellation. It is an invoice record like
// any other (stored once, pushed and reconciled the same way), derived from
// the correction, so a redelivery or a re-run makes the same one.
import type { InvoiceCorrection } from './corrections';
import { invoiceRecordIdOf } from './idempotency-keys';
import { adjustmentRecordLines, type InvoiceRecord } from './invoice-record';
import { CorrectionMismatchError } from './invoicing-errors';

/** The record key of correction `sequence`'s adjustment invoice for `periodId` (never a billing period's id). */
export function adjustmentInvoicePeriodId(periodId: string, sequence: number): string {
  return `${periodId}-adjustment-${sequence}`;
}

/** The id of the adjustment invoice a correction's increases are billed on. */
export function adjustmentInvoiceRecordIdOf(correction: Pick<InvoiceCorrection, 'contractId' | 'periodId' | 'sequence'>): string {
  return invoiceRecordIdOf(correction.contractId, adjustmentInvoicePeriodId(correction.periodId, correction.sequence), 1);
}

/**
 * The adjustment invoice of a correction's increases, against the record of
 * the period it corrects. Every line is labelled with and serves that period;
 * the total is exactly the correction's adjustment total.
 */
export function createAdjustmentInvoiceRecord(original: InvoiceRecord, correction: InvoiceCorrection): InvoiceRecord {
  if (correction.contractId !== original.contractId || correction.periodId !== original.periodId || correction.currency !== original.currency) {
    throw new CorrectionMismatchError(`correction ${correction.correctionId} does not belong to invoice ${original.invoiceRecordId}`);
  }
  if (correction.adjustmentLines.length === 0) {
    throw new CorrectionMismatchError(`correction ${correction.correctionId} has no increase to invoice`);
  }
  const lines = adjustmentRecordLines([
    {
      correctionId: correction.correctionId,
      invoiceRecordId: correction.invoiceRecordId,
      periodId: correction.periodId,
      period: correction.period,
      lines: correction.adjustmentLines,
    },
  ]);
  const total = lines.reduce((sum, line) => sum + line.amount, 0n);
  return {
    invoiceRecordId: adjustmentInvoiceRecordIdOf(correction),
    contractId: original.contractId,
    customerId: original.customerId,
    periodId: adjustmentInvoicePeriodId(correction.periodId, correction.sequence),
    period: original.period,
    revision: 1,
    cutoff: correction.cutoff,
    ratedAt: correction.ratedAt,
    planCode: original.planCode,
    planVersion: original.planVersion,
    currency: original.currency,
    lines,
    subtotal: 0n,
    commitmentTrueUp: 0n,
    creditsApplied: 0n,
    ratedTotal: 0n,
    adjustmentsTotal: total,
    total,
    adjustmentOf: { periodId: correction.periodId, correctionId: correction.correctionId },
  };
}

import type { CurrencyCode } from '../money/currencies';

export interface InvoiceReconciliation {
  readonly matched: boolean;
  readonly currency: CurrencyCode;
  readonly engineTotal: bigint;
  readonly stripeTotal: bigint;
  /** stripeTotal - engineTotal, exact minor units. */
  readonly difference: bigint;
  readonly stripeCurrency: string;
}

/** Compares Stripe's invoice total with the engine's, exactly (bigint minor units, same currency). */
export function reconcileInvoiceTotals(input: {
  readonly currency: CurrencyCode;
  readonly engineTotal: bigint;
  readonly stripeTotal: bigint;
  readonly stripeCurrency: string;
}): InvoiceReconciliation {
  const sameCurrency = input.stripeCurrency.toUpperCase() === input.currency;
  const difference = input.stripeTotal - input.engineTotal;
  return {
    matched: sameCurrency && difference === 0n,
    currency: input.currency,
    engineTotal: input.engineTotal,
    stripeTotal: input.stripeTotal,
    difference,
    stripeCurrency: input.stripeCurrency,
  };
}

export interface CreditNoteReconciliation {
  readonly matched: boolean;
  readonly currency: CurrencyCode;
  /** What the correction rated: the sum of its credit note lines. */
  readonly engineTotal: bigint;
  readonly stripeTotal: bigint;
  /** stripeTotal - engineTotal, exact minor units. */
  readonly difference: bigint;
  readonly stripeCurrency: string;
}

/** Compares a Stripe credit note's total with the rated difference it was issued for, exactly. */
export function reconcileCreditNoteTotals(input: {
  readonly currency: CurrencyCode;
  readonly engineTotal: bigint;
  readonly stripeTotal: bigint;
  readonly stripeCurrency: string;
}): CreditNoteReconciliation {
  return reconcileInvoiceTotals(input);
}

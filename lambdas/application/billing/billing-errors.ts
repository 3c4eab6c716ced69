import type { CreditNoteRefusalReason } from './ports';
import { EngineError, engineErrorClass } from '../../domain/errors/engine-error';

/** The contract, its plan, or its invoiced period is not known. */
export class BillingNotFoundError extends EngineError {
  readonly category = 'not_found';
  readonly code: 'contract_not_found' | 'plan_not_found' | 'invoice_not_found';
  constructor(code: BillingNotFoundError['code'], message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BillingNotFoundError';
    this.code = code;
  }
}

/** A period cannot be corrected yet (its invoice never reached Stripe). */
export class InvoiceNotIssuedError extends engineErrorClass('InvoiceNotIssuedError', 'state', 'invoice_not_issued') {}

/**
 * A write to the billing system failed in a way that leaves open whether it
 * was done (a 5xx after execution, a lost connection). `keySpent` says Stripe
 * saved that answer against the idempotency key (it replayed it), so the same
 * key will never do the work: only a new key can.
 */
export class BillingWriteUncertainError extends EngineError {
  readonly category = 'infrastructure';
  readonly code = 'billing_write_uncertain';
  readonly keySpent: boolean;
  constructor(message: string, options: ErrorOptions & { keySpent: boolean }) {
    super(message, options);
    this.name = 'BillingWriteUncertainError';
    this.keySpent = options.keySpent;
  }
}

/** Stripe will not take a correction's credit note against the original invoice (for now, or for good). */
export class CreditNoteRefusedError extends EngineError {
  readonly category = 'state';
  readonly code = 'credit_note_refused';
  readonly reason: CreditNoteRefusalReason;
  constructor(reason: CreditNoteRefusalReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CreditNoteRefusedError';
    this.reason = reason;
  }

  // A draft original or a passing Stripe refusal may clear; a void invoice asks for nothing any more,
  // so only an operator can decide what to credit instead.
  override get retryable(): boolean {
    return this.reason !== 'original_invoice_void';
  }
}

/**
 * A change to an invoiced period arrived while that period's close is due or
 * still running: retried (the close reads the change, or the correction runs
 * once the close is done).
 */
export class PeriodCloseInProgressError extends engineErrorClass('PeriodCloseInProgressError', 'conflict', 'period_close_in_progress') {}

/** Threshold invoicing failed for some contracts of a batch; each failure is a cause. The batch is retried. */
export class ThresholdInvoicingFailedError extends EngineError {
  readonly category = 'infrastructure';
  readonly code = 'threshold_invoicing_failed';
  readonly failures: readonly { readonly contractId: string; readonly error: unknown }[];
  constructor(failures: readonly { readonly contractId: string; readonly error: unknown }[], contracts: number) {
    super(
      `threshold invoicing failed for ${failures.length} of ${contracts} contract(s): ${failures.map((failure) => failure.contractId).join(', ')}`,
      { cause: failures[0]?.error },
    );
    this.name = 'ThresholdInvoicingFailedError';
    this.failures = failures;
  }
}

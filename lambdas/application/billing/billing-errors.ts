/** The contract, its plan, or its invoiced period is not known. */
export class BillingNotFoundError extends Error {
  readonly code: 'contract_not_found' | 'plan_not_found' | 'invoice_not_found';
  constructor(code: BillingNotFoundError['code'], message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BillingNotFoundError';
    this.code = code;
  }
}

/** A period cannot be corrected yet (its invoice never reached Stripe). */
export class InvoiceNotIssuedError extends Error {
  readonly code = 'invoice_not_issued';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvoiceNotIssuedError';
  }
}

/**
 * A write to the billing system failed in a way that leaves open whether it
 * was done (a 5xx after execution, a lost connection). `keySpent` says Stripe
 * saved that answer against the idempotency key (it replayed it), so the same
 * key will never do the work: only a new key can.
 */
export class BillingWriteUncertainError extends Error {
  readonly code = 'billing_write_uncertain';
  readonly keySpent: boolean;
  constructor(message: string, options: ErrorOptions & { keySpent: boolean }) {
    super(message, options);
    this.name = 'BillingWriteUncertainError';
    this.keySpent = options.keySpent;
  }
}

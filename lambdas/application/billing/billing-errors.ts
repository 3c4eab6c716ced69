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

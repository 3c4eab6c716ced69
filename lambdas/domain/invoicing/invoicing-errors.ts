import { EngineError } from '../errors/engine-error';

/** Base of every invoicing domain error. */
export abstract class InvoicingError extends EngineError {}

/** A draft cannot become an invoice record (missing contract id, foreign currency, ...). */
export class InvoiceRecordInvalidError extends InvoicingError {
  readonly category = 'invalid_input';
  readonly code = 'invoice_record_invalid';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvoiceRecordInvalidError';
  }
}

/** A re-rating was compared with a record of another contract, period or currency. */
export class CorrectionMismatchError extends InvoicingError {
  readonly category = 'internal';
  readonly code = 'correction_mismatch';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CorrectionMismatchError';
  }
}

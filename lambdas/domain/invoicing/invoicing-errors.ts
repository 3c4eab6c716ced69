import { EngineError, engineErrorClass } from '../errors/engine-error';

/** Base of every invoicing domain error. */
export abstract class InvoicingError extends EngineError {}

/** A draft cannot become an invoice record (missing contract id, foreign currency, ...). */
export class InvoiceRecordInvalidError extends engineErrorClass('InvoiceRecordInvalidError', 'invalid_input', 'invoice_record_invalid', InvoicingError) {}

/** A re-rating was compared with a record of another contract, period or currency. */
export class CorrectionMismatchError extends engineErrorClass('CorrectionMismatchError', 'internal', 'correction_mismatch', InvoicingError) {}

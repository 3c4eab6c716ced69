import { z } from 'zod';
import type { InvoiceCorrection } from '../../domain/invoicing/corrections';
import type { InvoiceRecord } from '../../domain/invoicing/invoice-record';
import { decodeInvoiceCorrection, decodeInvoiceRecord, encodeInvoiceDocument } from '../../domain/invoicing/invoice-record-codec';
import { documentCodec } from './stored-document';
import { ENGINE_TABLE } from './table-design';
import { EngineError } from '../../domain/errors/engine-error';

// Keys and codecs shared by the invoice-side stores of the engine table
// (ENGINE_TABLE). One contract partition holds its invoices and corrections:
//
//   CONTRACT#<id> / INVOICE#<period>#RECORD            immutable record (body), put once      gsi1 INVOICE_RECORD / <period>#<contract>
//   CONTRACT#<id> / INVOICE#<period>#STATUS            status attributes, updated in place
//   CONTRACT#<id> / INVOICE#<period>#CORRECTION#<seq>  immutable correction body + its progress attributes
//                                                      (credited, creditNoteId, creditFailure, billedOn)
//   CONTRACT#<id> / INVOICE#<period>-adjustment-<seq>#RECORD|STATUS  an adjustment invoice (a record
//                                                      with adjustmentOf; not listed by listRecords)
//   CONTRACT#<id> / INVOICE#<period>-threshold-<n>#RECORD|STATUS   a threshold invoice (a record with
//                                                      thresholdOf; not listed by listRecords)
//
// invoice-record-store.ts owns records and statuses, invoice-correction-store.ts
// corrections; stripe-customer-link-store.ts and payment-signal-store.ts have
// partitions of their own.

export const PK = ENGINE_TABLE.partitionKey;
export const SK = ENGINE_TABLE.sortKey;
export const [BY_TYPE] = ENGINE_TABLE.indexes;

export const INVOICE_PREFIX = 'INVOICE#';
export const contractPk = (contractId: string): string => `CONTRACT#${contractId}`;
export const recordSk = (periodId: string): string => `${INVOICE_PREFIX}${periodId}#RECORD`;
export const statusSk = (periodId: string): string => `${INVOICE_PREFIX}${periodId}#STATUS`;
export const correctionPrefix = (periodId: string): string => `${INVOICE_PREFIX}${periodId}#CORRECTION#`;
export const correctionSk = (periodId: string, sequence: number): string => `${correctionPrefix(periodId)}${String(sequence).padStart(6, '0')}`;

/** A conditional write found another version of an immutable item, or no item to change. */
export class InvoiceStoreConflictError extends EngineError {
  readonly code = 'invoice_store_conflict';
  readonly category = 'conflict';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvoiceStoreConflictError';
  }
}

const minor = z.bigint();

// Records and corrections are the domain's own documents (bigint minor units as
// tagged JSON strings, see invoice-record-codec.ts); the store checks the
// fields it keys and totals by, and the domain codec carries the rest.
const InvoiceRecordDocumentSchema = z
  .object({ invoiceRecordId: z.string().min(1), contractId: z.string().min(1), periodId: z.string().min(1), currency: z.string(), total: minor })
  .passthrough() as unknown as z.ZodType<InvoiceRecord, unknown>;

const InvoiceCorrectionDocumentSchema = z
  .object({
    correctionId: z.string().min(1),
    contractId: z.string().min(1),
    periodId: z.string().min(1),
    sequence: z.number().int(),
    adjustmentLines: z.array(z.unknown()),
    creditNoteLines: z.array(z.unknown()),
  })
  .passthrough() as unknown as z.ZodType<InvoiceCorrection, unknown>;

export const invoiceRecordCodec = documentCodec<InvoiceRecord>({
  kind: 'invoice record',
  schema: InvoiceRecordDocumentSchema,
  serialize: encodeInvoiceDocument,
  deserialize: decodeInvoiceRecord,
});

export const invoiceCorrectionCodec = documentCodec<InvoiceCorrection>({
  kind: 'invoice correction',
  schema: InvoiceCorrectionDocumentSchema,
  serialize: encodeInvoiceDocument,
  deserialize: decodeInvoiceCorrection,
});

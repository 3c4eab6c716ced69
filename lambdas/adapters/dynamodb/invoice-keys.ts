import { z } from 'zod';
import { BillableRuleSchema, DisputeTermsSchema } from '../../domain/ledger/catalog';
import type { CorrectionLine, InvoiceCorrection } from '../../domain/invoicing/corrections';
import type { InvoiceRecord, InvoiceRecordLine } from '../../domain/invoicing/invoice-record';
import { CurrencyCodeSchema } from '../../domain/money/currency-schema';
import { AggregationSchema, EligibilitySchema } from '../../domain/plans/plan-schema';
import type { BreakdownRow } from '../../domain/rating/breakdown';
import type { UsageQuery } from '../../domain/rating/usage';
import { decodeInvoiceCorrection, decodeInvoiceRecord, encodeInvoiceDocument } from '../../domain/invoicing/invoice-record-codec';
import { documentCodec } from './stored-document';
import { ENGINE_TABLE } from './table-design';
import { engineErrorClass } from '../../domain/errors/engine-error';

// Keys and codecs shared by the invoice-side stores of the engine table
// (ENGINE_TABLE). One contract partition holds its invoices and corrections;
// each sort key starts with its item kind, so one kind is read with a
// begins_with key condition:
//
//   CONTRACT#<id> / INVOICE_RECORD#<period>             immutable record (body), put once      gsi1 INVOICE_RECORD / <period>#<contract>
//   CONTRACT#<id> / INVOICE_STATUS#<period>             status attributes, updated in place
//   CONTRACT#<id> / INVOICE_CORRECTION#<period>#<seq>   immutable correction body + its progress attributes
//                                                       (credited, creditNoteId, creditFailure, billedOn)
//   CONTRACT#<id> / INVOICE_RECORD|STATUS#<period>-adjustment-<seq>  an adjustment invoice (a record
//                                                       with adjustmentOf; not listed by listRecords)
//   CONTRACT#<id> / INVOICE_RECORD|STATUS#<period>-threshold-<n>  a threshold invoice (a record
//                                                       with thresholdOf; not listed by listRecords)
//
// Releases before this layout wrote INVOICE#<period>#RECORD|STATUS|CORRECTION#<seq>;
// engine-sort-key-migration.ts moves such items once (`outcome-engine
// engine-table migrate-keys`).
//
// invoice-record-store.ts owns records and statuses, invoice-correction-store.ts
// corrections; stripe-customer-link-store.ts and payment-signal-store.ts have
// partitions of their own.

export const PK = ENGINE_TABLE.partitionKey;
export const SK = ENGINE_TABLE.sortKey;
export const [BY_TYPE] = ENGINE_TABLE.indexes;

export const RECORD_PREFIX = 'INVOICE_RECORD#';
export const STATUS_PREFIX = 'INVOICE_STATUS#';
export const CORRECTION_PREFIX = 'INVOICE_CORRECTION#';
export const contractPk = (contractId: string): string => `CONTRACT#${contractId}`;
export const recordSk = (periodId: string): string => `${RECORD_PREFIX}${periodId}`;
export const statusSk = (periodId: string): string => `${STATUS_PREFIX}${periodId}`;
export const correctionPrefix = (periodId: string): string => `${CORRECTION_PREFIX}${periodId}#`;
export const correctionSk = (periodId: string, sequence: number): string => `${correctionPrefix(periodId)}${String(sequence).padStart(6, '0')}`;

/** A conditional write found another version of an immutable item, or no item to change. */
export class InvoiceStoreConflictError extends engineErrorClass('InvoiceStoreConflictError', 'conflict', 'invoice_store_conflict') {}

const minor = z.bigint();
const decimalText = z.string();
const nullableText = z.string().nullable();

// Records and corrections are the domain's own documents (bigint minor units as
// tagged JSON strings, see invoice-record-codec.ts), validated here field by
// field: version 1 of the stored shape.
const BreakdownRowSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('flat_fee'), amount: decimalText, proration: z.object({ days: z.number().int(), fullDays: z.number().int() }).nullable(), exactAmount: decimalText }),
  z.object({ kind: z.literal('included_units'), measured: decimalText, included: decimalText, billable: decimalText }),
  z.object({ kind: z.literal('units'), units: decimalText, unitPrice: decimalText, exactAmount: decimalText }),
  z.object({
    kind: z.literal('packages'),
    units: decimalText,
    packageSize: decimalText,
    rounding: z.enum(['up', 'down']),
    packages: decimalText,
    packagePrice: decimalText,
    exactAmount: decimalText,
  }),
  z.object({
    kind: z.literal('tier'),
    mode: z.enum(['graduated', 'volume']),
    tier: z.number().int(),
    from: decimalText,
    upTo: nullableText,
    units: decimalText,
    unitPrice: decimalText,
    flatFee: decimalText,
    exactAmount: decimalText,
  }),
  z.object({
    kind: z.literal('percentage'),
    outcomes: z.number().int(),
    includedOutcomes: z.number().int(),
    value: decimalText,
    percent: decimalText,
    percentageAmount: decimalText,
    fixedFeePerOutcome: decimalText,
    fixedFees: decimalText,
    raisedToMinimum: z.number().int(),
    minimumAdjustment: decimalText,
    cappedAtMaximum: z.number().int(),
    maximumAdjustment: decimalText,
    exactAmount: decimalText,
  }),
  z.object({ kind: z.literal('charge_minimum'), minimum: decimalText, periodMinimum: decimalText, before: decimalText, exactAmount: decimalText }),
  z.object({ kind: z.literal('charge_maximum'), maximum: decimalText, before: decimalText, exactAmount: decimalText }),
  z.object({ kind: z.literal('metric_cap'), metric: z.string(), cap: decimalText, measured: decimalText, billable: decimalText, overCap: decimalText }),
  z.object({ kind: z.literal('spend_cap'), cap: decimalText, subtotalBefore: decimalText, exactAmount: decimalText }),
  z.object({ kind: z.literal('commitment'), trueUp: z.enum(['per_period', 'term_end']), committed: decimalText, billed: decimalText, exactAmount: decimalText }),
]) satisfies z.ZodType<BreakdownRow, unknown>;

const UsageQuerySchema = z.object({
  customerId: nullableText,
  ledgerMetric: z.string(),
  eligibility: EligibilitySchema,
  aggregation: AggregationSchema,
  attribute: nullableText,
  from: z.string(),
  to: z.string(),
  asOf: nullableText,
  reference: nullableText,
}) satisfies z.ZodType<UsageQuery, unknown>;

const InvoiceRecordLineSchema = z.object({
  lineId: z.string(),
  kind: z.enum(['charge', 'commitment_true_up', 'prepaid_credits', 'adjustment']),
  chargeId: nullableText,
  description: z.string(),
  metric: nullableText,
  quantity: decimalText,
  amount: minor,
  amountDue: minor,
  servicePeriod: z.object({ periodId: z.string(), start: z.string(), end: z.string() }),
  breakdown: z.array(BreakdownRowSchema),
  usageQuery: UsageQuerySchema.nullable(),
  adjustmentFor: z.object({ correctionId: z.string(), invoiceRecordId: z.string() }).nullable(),
}) satisfies z.ZodType<InvoiceRecordLine, unknown>;

const InvoiceRecordDocumentSchema = z.object({
  invoiceRecordId: z.string().min(1),
  contractId: z.string().min(1),
  customerId: z.string().min(1),
  periodId: z.string().min(1),
  period: z.object({ start: z.string(), end: z.string(), startDate: z.string(), endDate: z.string(), timeZone: z.string() }),
  revision: z.number().int().min(1),
  cutoff: z.string(),
  ratedAt: z.string(),
  planCode: z.string(),
  planVersion: z.number().int(),
  currency: CurrencyCodeSchema,
  lines: z.array(InvoiceRecordLineSchema),
  subtotal: minor,
  commitmentTrueUp: minor,
  creditsApplied: minor,
  ratedTotal: minor,
  adjustmentsTotal: minor,
  total: minor,
  adjustmentOf: z.object({ periodId: z.string(), correctionId: z.string() }).optional(),
  thresholdOf: z.object({ periodId: z.string(), sequence: z.number().int().min(1), thresholdAmount: minor, spendToDate: minor }).optional(),
  thresholdSettlement: z
    .object({ billedOnThresholdInvoices: minor, creditedOnThresholdInvoices: minor, thresholdInvoiceRecordIds: z.array(z.string()) })
    .optional(),
  pinnedDefinitions: z
    .record(z.string(), z.object({ version: z.number().int().min(1), billable: BillableRuleSchema, dispute: DisputeTermsSchema }))
    .optional(),
}) satisfies z.ZodType<InvoiceRecord, unknown>;

const CorrectionLineSchema = z.object({
  lineKey: z.string(),
  chargeId: nullableText,
  metric: nullableText,
  description: z.string(),
  quantityDelta: decimalText,
  amount: minor,
  disputeIds: z.array(z.string()).optional(),
}) satisfies z.ZodType<CorrectionLine, unknown>;

const InvoiceCorrectionDocumentSchema = z.object({
  correctionId: z.string().min(1),
  contractId: z.string().min(1),
  periodId: z.string().min(1),
  period: z.object({ start: z.string(), end: z.string() }),
  sequence: z.number().int(),
  invoiceRecordId: z.string(),
  currency: CurrencyCodeSchema,
  cutoff: z.string(),
  ratedAt: z.string(),
  adjustmentLines: z.array(CorrectionLineSchema),
  creditNoteLines: z.array(CorrectionLineSchema),
}) satisfies z.ZodType<InvoiceCorrection, unknown>;

export const invoiceRecordCodec = documentCodec<InvoiceRecord>({
  kind: 'invoice record',
  version: 1,
  schema: InvoiceRecordDocumentSchema,
  serialize: encodeInvoiceDocument,
  deserialize: decodeInvoiceRecord,
});

export const invoiceCorrectionCodec = documentCodec<InvoiceCorrection>({
  kind: 'invoice correction',
  version: 1,
  schema: InvoiceCorrectionDocumentSchema,
  serialize: encodeInvoiceDocument,
  deserialize: decodeInvoiceCorrection,
});

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { PAYMENT_SIGNAL_TYPES, type PaymentSignal, type PaymentSignalStore } from '../../application/billing/ports';
import { DynamoTable } from './dynamo-table';
import { BY_TYPE, InvoiceStoreConflictError, PK, SK } from './invoice-keys';
import { documentCodec } from './stored-document';

// Stripe payment signals, one item per Stripe event id (webhook dedupe):
//
//   STRIPE_EVENT#<id> / PAYMENT_SIGNAL   body: the signal; published: announced yet; filed in byType:
//       PAYMENT_SIGNAL#<contract> / <occurredAt>#<event id>         when the Stripe object names its contract (metadata)
//       STRIPE_INVOICE_SIGNAL#<invoice> / <occurredAt>#<event id>   else by its Stripe invoice (a credit note made in the
//                                                                   Stripe dashboard); a listing for a contract reads these
//                                                                   for the Stripe invoice ids on its status items
// The webhook only writes (its role may not read): the contract behind a
// Stripe invoice is looked up when signals are listed, not when they arrive.

const eventPk = (stripeEventId: string) => `STRIPE_EVENT#${stripeEventId}`;
const SIGNAL_SK = 'PAYMENT_SIGNAL';
export const paymentSignalsPk = (contractId: string): string => `PAYMENT_SIGNAL#${contractId}`;
export const invoiceSignalsPk = (stripeInvoiceId: string): string => `STRIPE_INVOICE_SIGNAL#${stripeInvoiceId}`;
// ISO instants of one format sort as time; the event id keeps same-instant signals apart.
export const paymentSignalSk = (occurredAt: string, stripeEventId: string): string => `${occurredAt}#${stripeEventId}`;

const nullableText = z.string().nullable();
const minorUnits = z.string().regex(/^-?\d+$/).nullable();
// The whole signal, field by field: version 1 of the stored shape. A
// signal recorded before dueAt was kept has none (read as no due date).
const PaymentSignalDocumentSchema = z.object({
  stripeEventId: z.string().min(1),
  type: z.enum(PAYMENT_SIGNAL_TYPES),
  occurredAt: z.string(),
  receivedAt: z.string(),
  livemode: z.boolean(),
  stripeObjectId: nullableText,
  stripeInvoiceId: nullableText,
  stripeCustomerId: nullableText,
  contractId: nullableText,
  periodId: nullableText,
  currency: nullableText,
  total: minorUnits,
  amountDue: minorUnits,
  amountPaid: minorUnits,
  attemptCount: z.number().int().nullable(),
  // Kept from the first release on; read as unknown if ever absent.
  status: nullableText.default(null),
  dueAt: nullableText.optional(),
}) satisfies z.ZodType<PaymentSignal, unknown>;

export const paymentSignalCodec = documentCodec({ kind: 'payment signal', version: 1, schema: PaymentSignalDocumentSchema });

/** occurredAt window [from, to) of a payment-signal listing; open-ended sides when omitted. */
export interface PaymentSignalRange {
  readonly from?: Date;
  readonly to?: Date;
}

export class DynamoDbPaymentSignalStore implements PaymentSignalStore {
  private readonly table: DynamoTable;

  constructor(options: { readonly client: DynamoDBClient; readonly tableName: string }) {
    this.table = new DynamoTable(options);
  }

  /**
   * Stores a Stripe event's payment signal once (keyed by event id) and files
   * it for the renewal-risk check: under its contract when the Stripe object's
   * metadata names it (the engine sets it on every invoice and credit note it
   * makes), else under its Stripe invoice.
   */
  async putPaymentSignal(signal: PaymentSignal): Promise<{ created: boolean; published: boolean }> {
    const filedUnder = signal.contractId
      ? paymentSignalsPk(signal.contractId)
      : signal.stripeInvoiceId
        ? invoiceSignalsPk(signal.stripeInvoiceId)
        : undefined;
    const put = await this.table.putIfAbsent(
      {
        [PK]: eventPk(signal.stripeEventId),
        [SK]: SIGNAL_SK,
        type: 'PaymentSignal',
        signalType: signal.type,
        contractId: signal.contractId ?? undefined,
        published: false,
        ...(filedUnder ? { [BY_TYPE.partitionKey]: filedUnder, [BY_TYPE.sortKey]: paymentSignalSk(signal.occurredAt, signal.stripeEventId) } : {}),
        ...paymentSignalCodec.encode(signal),
      },
      'payment signal',
    );
    return put.ok ? { created: true, published: false } : { created: false, published: Boolean(put.existing?.['published']) };
  }

  async markPaymentSignalPublished(stripeEventId: string): Promise<void> {
    const updated = await this.table.update({ pk: eventPk(stripeEventId), sk: SIGNAL_SK }, { published: true }, 'payment signal published', {
      expression: 'attribute_exists(body)',
    });
    if (!updated.ok) throw new InvoiceStoreConflictError(`no payment signal stored for Stripe event ${stripeEventId}`);
  }

  /** The signals filed under one byType partition (a contract's or a Stripe invoice's), oldest first; eventually consistent. */
  async listFiledUnder(partition: string, range: PaymentSignalRange = {}): Promise<PaymentSignal[]> {
    // "<iso>#<event>" sorts after "<iso>": BETWEEN from AND to is the half-open [from, to).
    const items = await this.table.query(
      { partition, index: BY_TYPE.indexName, sortKeyBetween: { from: range.from?.toISOString() ?? '0', to: range.to?.toISOString() ?? '~' } },
      'payment signals byType',
    );
    return items.map((item) => paymentSignalCodec.decode(item));
  }
}

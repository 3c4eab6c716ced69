import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { InvoiceRecord } from '../../domain/invoicing/invoice-record';
import type { InvoiceStatus, PutResult } from '../../application/billing/ports';
import type { RiskStripeInvoice } from '../../application/risk/ports';
import { DynamoTable, type StoredItem } from './dynamo-table';
import { BY_TYPE, InvoiceStoreConflictError, PK, RECORD_PREFIX, SK, STATUS_PREFIX, contractPk, invoiceRecordCodec, recordSk, statusSk } from './invoice-keys';

// Invoice records (immutable, put once) and their status items (updated in
// place) in the contract partition; layout in invoice-keys.ts.

const text = (item: StoredItem, name: string): string | undefined => (item[name] === undefined ? undefined : String(item[name]));

export class DynamoDbInvoiceRecordStore {
  private readonly table: DynamoTable;

  constructor(options: { readonly client: DynamoDBClient; readonly tableName: string }) {
    this.table = new DynamoTable(options);
  }

  async putRecord(record: InvoiceRecord): Promise<PutResult<InvoiceRecord>> {
    const put = await this.table.putIfAbsent(
      {
        [PK]: contractPk(record.contractId),
        [SK]: recordSk(record.periodId),
        [BY_TYPE.partitionKey]: 'INVOICE_RECORD',
        [BY_TYPE.sortKey]: `${record.periodId}#${record.contractId}`,
        type: 'InvoiceRecord',
        invoiceRecordId: record.invoiceRecordId,
        currency: record.currency,
        total: record.total.toString(),
        cutoff: record.cutoff,
        ...invoiceRecordCodec.encode(record),
      },
      'invoice record',
    );
    if (put.ok) return { created: true, value: record };
    if (!put.existing) throw new InvoiceStoreConflictError(`invoice record ${record.invoiceRecordId} exists but could not be read`);
    return { created: false, value: invoiceRecordCodec.decode(put.existing, `invoice record of ${record.contractId} ${record.periodId}`) };
  }

  async getRecord(contractId: string, periodId: string): Promise<InvoiceRecord | undefined> {
    const item = await this.table.get({ pk: contractPk(contractId), sk: recordSk(periodId) }, 'invoice record');
    return item ? invoiceRecordCodec.decode(item, `invoice record of ${contractId} ${periodId}`) : undefined;
  }

  /** The contract's period invoices (adjustment and threshold invoices left out), in period order. */
  async listRecords(contractId: string): Promise<InvoiceRecord[]> {
    const items = await this.table.query({ partition: contractPk(contractId), sortKeyPrefix: RECORD_PREFIX }, 'invoice records');
    return items
      .map((item) => invoiceRecordCodec.decode(item))
      .filter((record) => record.adjustmentOf === undefined && record.thresholdOf === undefined);
  }

  async getStatus(contractId: string, periodId: string): Promise<InvoiceStatus | undefined> {
    const item = await this.table.get({ pk: contractPk(contractId), sk: statusSk(periodId) }, 'invoice status');
    if (!item) return undefined;
    const big = (name: string): bigint => BigInt(String(item[name]));
    return {
      contractId,
      periodId,
      invoiceRecordId: String(item['invoiceRecordId']),
      status: item['status'] as InvoiceStatus['status'],
      ...(item['stripeInvoiceId'] ? { stripeInvoiceId: String(item['stripeInvoiceId']) } : {}),
      ...(item['stripeStatus'] ? { stripeStatus: String(item['stripeStatus']) } : {}),
      ...(item['matched'] !== undefined
        ? {
            reconciliation: {
              matched: Boolean(item['matched']),
              engineTotal: big('engineTotal'),
              stripeTotal: big('stripeTotal'),
              difference: big('difference'),
            },
          }
        : {}),
      ...(item['stripeFinalizedAt'] ? { stripeFinalizedAt: String(item['stripeFinalizedAt']) } : {}),
      ...(item['stripeDueAt'] ? { stripeDueAt: String(item['stripeDueAt']) } : {}),
      ...(item['stripeAmountDue'] !== undefined ? { stripeAmountDue: big('stripeAmountDue') } : {}),
      updatedAt: String(item['updatedAt']),
    };
  }

  async setStatus(status: InvoiceStatus): Promise<void> {
    // invoiceRecordId and status come first: the conditions below name them as #set0 and #set1.
    const set: StoredItem = {
      invoiceRecordId: status.invoiceRecordId,
      status: status.status,
      updatedAt: status.updatedAt,
      type: 'InvoiceStatus',
      stripeInvoiceId: status.stripeInvoiceId || undefined,
      stripeStatus: status.stripeStatus || undefined,
      matched: status.reconciliation?.matched,
      engineTotal: status.reconciliation?.engineTotal.toString(),
      stripeTotal: status.reconciliation?.stripeTotal.toString(),
      difference: status.reconciliation?.difference.toString(),
      stripeFinalizedAt: status.stripeFinalizedAt || undefined,
      stripeDueAt: status.stripeDueAt || undefined,
      stripeAmountDue: status.stripeAmountDue?.toString(),
    };
    // Only the status item is ever updated, and only for its own record;
    // "pushing" never overwrites a status that has moved on.
    const updated = await this.table.update({ pk: contractPk(status.contractId), sk: statusSk(status.periodId) }, set, 'invoice status', {
      expression:
        status.status === 'pushing'
          ? '(attribute_not_exists(#set0) OR #set0 = :set0) AND (attribute_not_exists(#set1) OR #set1 = :set1)'
          : 'attribute_not_exists(#set0) OR #set0 = :set0',
    });
    if (updated.ok) return;
    if (status.status === 'pushing' && updated.existing?.['invoiceRecordId'] === status.invoiceRecordId) return;
    throw new InvoiceStoreConflictError(`status of ${status.invoiceRecordId} belongs to another record`);
  }

  /**
   * The Stripe invoices the engine pushed for the contract (adjustment invoices
   * included), with when each was finalized and is due as the close read them.
   */
  async listStripeInvoices(contractId: string): Promise<RiskStripeInvoice[]> {
    const statuses = await this.table.query({ partition: contractPk(contractId), sortKeyPrefix: STATUS_PREFIX }, 'invoice statuses');
    const items = statuses.filter((item) => item['stripeInvoiceId']);
    return items.map((item) => ({
      stripeInvoiceId: String(item['stripeInvoiceId']),
      ...(item['stripeFinalizedAt'] ? { finalizedAt: String(item['stripeFinalizedAt']) } : {}),
      ...(item['stripeDueAt'] ? { dueAt: String(item['stripeDueAt']) } : {}),
      ...(item['stripeAmountDue'] !== undefined ? { amountDueMinor: text(item, 'stripeAmountDue') as string } : {}),
    }));
  }

  /** Whether any invoice of the contract has been pushed to Stripe (payment signals can then exist). */
  async hasStripeInvoices(contractId: string): Promise<boolean> {
    return (await this.listStripeInvoices(contractId)).length > 0;
  }
}

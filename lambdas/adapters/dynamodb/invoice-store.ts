import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { InvoiceCorrection } from '../../domain/invoicing/corrections';
import type { InvoiceRecord } from '../../domain/invoicing/invoice-record';
import { decodeInvoiceCorrection, decodeInvoiceRecord, encodeInvoiceDocument } from '../../domain/invoicing/invoice-record-codec';
import type {
  CreditNoteFailure,
  CustomerCreation,
  InvoiceStatus,
  InvoiceStore,
  PaymentSignal,
  PaymentSignalStore,
  PutResult,
  StoredCorrection,
} from '../../application/billing/ports';
import type { RiskStripeInvoice } from '../../application/risk/ports';
import { ENGINE_TABLE } from './table-design';

// Item layout in the engine table (ENGINE_TABLE):
//   CONTRACT#<id> / INVOICE#<period>#RECORD            immutable record (JSON body), put once
//   CONTRACT#<id> / INVOICE#<period>#STATUS            status attributes, updated in place
//   CONTRACT#<id> / INVOICE#<period>#CORRECTION#<seq>  immutable correction body + its progress attributes
//                                                      (credited, creditNoteId, creditFailure, billedOn)
//   CONTRACT#<id> / INVOICE#<period>-adjustment-<seq>#RECORD|STATUS  an adjustment invoice (a record
//                                                      with adjustmentOf; not listed by listRecords)
//   CUSTOMER#<id> / STRIPE_CUSTOMER                    the Stripe customer made for an engine customer
//   CUSTOMER#<id> / STRIPE_CUSTOMER_CREATION           when creating it began, and the idempotency-key generation
//   STRIPE_EVENT#<id> / PAYMENT_SIGNAL                 one item per Stripe event id (webhook dedupe), filed in byType:
//       PAYMENT_SIGNAL#<contract> / <occurredAt>#<event id>         when the Stripe object names its contract (metadata)
//       STRIPE_INVOICE_SIGNAL#<invoice> / <occurredAt>#<event id>   else by its Stripe invoice (a credit note made in the
//                                                                   Stripe dashboard); a listing for a contract reads these
//                                                                   for the Stripe invoice ids on its status items
// The webhook only writes (its role may not read): the contract behind a
// Stripe invoice is looked up when signals are listed, not when they arrive.
const PK = ENGINE_TABLE.partitionKey;
const SK = ENGINE_TABLE.sortKey;
const [BY_TYPE] = ENGINE_TABLE.indexes;

const contractPk = (contractId: string): string => `CONTRACT#${contractId}`;
const recordSk = (periodId: string): string => `INVOICE#${periodId}#RECORD`;
const statusSk = (periodId: string): string => `INVOICE#${periodId}#STATUS`;
const correctionPrefix = (periodId: string): string => `INVOICE#${periodId}#CORRECTION#`;
const correctionSk = (periodId: string, sequence: number): string => `${correctionPrefix(periodId)}${String(sequence).padStart(6, '0')}`;
const paymentSignalsPk = (contractId: string): string => `PAYMENT_SIGNAL#${contractId}`;
const invoiceSignalsPk = (stripeInvoiceId: string): string => `STRIPE_INVOICE_SIGNAL#${stripeInvoiceId}`;
// ISO instants of one format sort as time; the event id keeps same-instant signals apart.
const paymentSignalSk = (occurredAt: string, stripeEventId: string): string => `${occurredAt}#${stripeEventId}`;

/** How a listed payment signal was found for its contract: its own metadata, or the contract's Stripe invoice. */
export type PaymentSignalContractSource = 'metadata' | 'stripe_invoice';

export interface StoredPaymentSignal {
  readonly signal: PaymentSignal;
  readonly contractId: string;
  readonly contractSource: PaymentSignalContractSource;
}

/** occurredAt window [from, to) of a payment-signal listing; open-ended sides when omitted. */
export interface PaymentSignalRange {
  readonly from?: Date;
  readonly to?: Date;
}

function creationOf(customerId: string, item: Record<string, unknown>): CustomerCreation {
  return { customerId, startedAt: String(item['startedAt']), generation: Number(item['generation']) };
}

/** A conditional write found another version of an immutable item. */
export class InvoiceStoreConflictError extends Error {
  readonly code = 'invoice_store_conflict';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvoiceStoreConflictError';
  }
}

export class DynamoDbInvoiceStore implements InvoiceStore, PaymentSignalStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async putRecord(record: InvoiceRecord): Promise<PutResult<InvoiceRecord>> {
    const body = encodeInvoiceDocument(record);
    const item: Record<string, unknown> = {
      [PK]: contractPk(record.contractId),
      [SK]: recordSk(record.periodId),
      type: 'InvoiceRecord',
      invoiceRecordId: record.invoiceRecordId,
      currency: record.currency,
      total: record.total.toString(),
      cutoff: record.cutoff,
      body,
    };
    if (BY_TYPE) {
      item[BY_TYPE.partitionKey] = 'INVOICE_RECORD';
      item[BY_TYPE.sortKey] = `${record.periodId}#${record.contractId}`;
    }
    const stored = await this.putOnce(item, (old) => decodeInvoiceRecord(String(old['body'])));
    return stored ? { created: false, value: stored } : { created: true, value: record };
  }

  async getRecord(contractId: string, periodId: string): Promise<InvoiceRecord | undefined> {
    const item = await this.get(contractPk(contractId), recordSk(periodId));
    return item ? decodeInvoiceRecord(String(item['body'])) : undefined;
  }

  async listRecords(contractId: string): Promise<InvoiceRecord[]> {
    const items = await this.query(contractPk(contractId), 'INVOICE#');
    return items
      .filter((item) => String(item[SK]).endsWith('#RECORD'))
      .map((item) => decodeInvoiceRecord(String(item['body'])))
      .filter((record) => record.adjustmentOf === undefined);
  }

  async getStatus(contractId: string, periodId: string): Promise<InvoiceStatus | undefined> {
    const item = await this.get(contractPk(contractId), statusSk(periodId));
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
    const values: Record<string, unknown> = {
      invoiceRecordId: status.invoiceRecordId,
      status: status.status,
      updatedAt: status.updatedAt,
      type: 'InvoiceStatus',
    };
    if (status.stripeInvoiceId) values['stripeInvoiceId'] = status.stripeInvoiceId;
    if (status.stripeStatus) values['stripeStatus'] = status.stripeStatus;
    if (status.reconciliation) {
      values['matched'] = status.reconciliation.matched;
      values['engineTotal'] = status.reconciliation.engineTotal.toString();
      values['stripeTotal'] = status.reconciliation.stripeTotal.toString();
      values['difference'] = status.reconciliation.difference.toString();
    }
    if (status.stripeFinalizedAt) values['stripeFinalizedAt'] = status.stripeFinalizedAt;
    if (status.stripeDueAt) values['stripeDueAt'] = status.stripeDueAt;
    if (status.stripeAmountDue !== undefined) values['stripeAmountDue'] = status.stripeAmountDue.toString();
    const names = Object.keys(values);
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ [PK]: contractPk(status.contractId), [SK]: statusSk(status.periodId) }),
          UpdateExpression: `SET ${names.map((_, index) => `#n${index} = :v${index}`).join(', ')}`,
          // Only the status item is ever updated, and only for its own record;
          // "pushing" never overwrites a status that has moved on.
          ConditionExpression:
            status.status === 'pushing'
              ? '(attribute_not_exists(#n0) OR #n0 = :v0) AND (attribute_not_exists(#n1) OR #n1 = :v1)'
              : 'attribute_not_exists(#n0) OR #n0 = :v0',
          ExpressionAttributeNames: Object.fromEntries(names.map((name, index) => [`#n${index}`, name])),
          ExpressionAttributeValues: marshall(Object.fromEntries(names.map((name, index) => [`:v${index}`, values[name]]))),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException && status.status === 'pushing') {
        const current = await this.getStatus(status.contractId, status.periodId);
        if (current && current.invoiceRecordId === status.invoiceRecordId) return;
      }
      if (error instanceof ConditionalCheckFailedException) {
        throw new InvoiceStoreConflictError(`status of ${status.invoiceRecordId} belongs to another record`, { cause: error });
      }
      throw error;
    }
  }

  async putCorrection(correction: InvoiceCorrection): Promise<PutResult<InvoiceCorrection>> {
    const item = {
      [PK]: contractPk(correction.contractId),
      [SK]: correctionSk(correction.periodId, correction.sequence),
      type: 'InvoiceCorrection',
      correctionId: correction.correctionId,
      hasAdjustments: correction.adjustmentLines.length > 0,
      credited: false,
      body: encodeInvoiceDocument(correction),
    };
    const stored = await this.putOnce(item, (old) => decodeInvoiceCorrection(String(old['body'])));
    // A concurrent run that numbered the same correction wins; the caller continues with the stored one.
    return stored ? { created: false, value: stored } : { created: true, value: correction };
  }

  async listCorrections(contractId: string, periodId?: string): Promise<StoredCorrection[]> {
    const items = await this.query(contractPk(contractId), periodId ? correctionPrefix(periodId) : 'INVOICE#');
    return items
      .filter((item) => String(item[SK]).includes('#CORRECTION#'))
      .map((item) => {
        const correction = decodeInvoiceCorrection(String(item['body']));
        return {
          correction,
          status: {
            correctionId: correction.correctionId,
            credited: Boolean(item['credited']),
            ...(item['creditNoteId'] ? { creditNoteId: String(item['creditNoteId']) } : {}),
            ...(item['creditFailure'] ? { creditFailure: item['creditFailure'] as CreditNoteFailure } : {}),
            ...(item['creditMatched'] !== undefined
              ? { creditReconciliation: { matched: Boolean(item['creditMatched']), stripeTotal: BigInt(String(item['creditStripeTotal'])) } }
              : {}),
            ...(item['billedOn'] ? { billedOn: String(item['billedOn']) } : {}),
          },
        };
      });
  }

  async markCorrectionCredited(
    contractId: string,
    periodId: string,
    correctionId: string,
    creditNoteId: string | null,
    reconciliation?: { readonly matched: boolean; readonly stripeTotal: bigint },
  ): Promise<void> {
    const sequence = await this.sequenceOf(contractId, periodId, correctionId);
    const set = ['credited = :true'];
    const values: Record<string, unknown> = { ':true': true };
    if (creditNoteId) {
      set.push('creditNoteId = :note');
      values[':note'] = creditNoteId;
    }
    if (reconciliation) {
      set.push('creditMatched = :matched', 'creditStripeTotal = :stripeTotal');
      values[':matched'] = reconciliation.matched;
      values[':stripeTotal'] = reconciliation.stripeTotal.toString();
    }
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall({ [PK]: contractPk(contractId), [SK]: correctionSk(periodId, sequence) }),
        // The failure stays as history: issued later, the credit note supersedes it.
        UpdateExpression: `SET ${set.join(', ')}`,
        ConditionExpression: 'attribute_exists(body)',
        ExpressionAttributeValues: marshall(values),
      }),
    );
  }

  async recordCreditFailure(contractId: string, periodId: string, correctionId: string, failure: CreditNoteFailure): Promise<void> {
    const sequence = await this.sequenceOf(contractId, periodId, correctionId);
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ [PK]: contractPk(contractId), [SK]: correctionSk(periodId, sequence) }),
          UpdateExpression: 'SET creditFailure = :failure',
          // Never over a credit note already issued (a concurrent run may have issued it).
          ConditionExpression: 'attribute_exists(body) AND credited = :false',
          ExpressionAttributeValues: marshall({ ':failure': failure, ':false': false }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw error;
    }
  }

  async claimAdjustment(contractId: string, periodId: string, correctionId: string, invoiceRecordId: string): Promise<boolean> {
    const sequence = await this.sequenceOf(contractId, periodId, correctionId);
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ [PK]: contractPk(contractId), [SK]: correctionSk(periodId, sequence) }),
          UpdateExpression: 'SET billedOn = :record',
          ConditionExpression: 'attribute_exists(body) AND (attribute_not_exists(billedOn) OR billedOn = :record)',
          ExpressionAttributeValues: marshall({ ':record': invoiceRecordId }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async getStripeCustomerId(customerId: string): Promise<string | undefined> {
    const item = await this.get(`CUSTOMER#${customerId}`, 'STRIPE_CUSTOMER');
    return item ? String(item['stripeCustomerId']) : undefined;
  }

  async putStripeCustomerId(customerId: string, stripeCustomerId: string): Promise<string> {
    const stored = await this.putOnce(
      { [PK]: `CUSTOMER#${customerId}`, [SK]: 'STRIPE_CUSTOMER', type: 'StripeCustomerLink', stripeCustomerId },
      (old) => String(old['stripeCustomerId']),
    );
    return stored ?? stripeCustomerId;
  }

  async startCustomerCreation(customerId: string, startedAt: string): Promise<PutResult<CustomerCreation>> {
    const creation: CustomerCreation = { customerId, startedAt, generation: 1 };
    const stored = await this.putOnce(
      { [PK]: `CUSTOMER#${customerId}`, [SK]: 'STRIPE_CUSTOMER_CREATION', type: 'StripeCustomerCreation', startedAt, generation: 1 },
      (old) => creationOf(customerId, old),
    );
    return stored ? { created: false, value: stored } : { created: true, value: creation };
  }

  async advanceCustomerCreation(customerId: string, fromGeneration: number): Promise<CustomerCreation> {
    try {
      const result = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall({ [PK]: `CUSTOMER#${customerId}`, [SK]: 'STRIPE_CUSTOMER_CREATION' }),
          UpdateExpression: 'SET generation = :next',
          ConditionExpression: 'generation = :from',
          ExpressionAttributeValues: marshall({ ':from': fromGeneration, ':next': fromGeneration + 1 }),
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return creationOf(customerId, unmarshall(result.Attributes ?? {}));
    } catch (error) {
      // Another run moved it on first: continue with the generation it chose.
      if (error instanceof ConditionalCheckFailedException && error.Item) return creationOf(customerId, unmarshall(error.Item));
      if (error instanceof ConditionalCheckFailedException) {
        throw new InvoiceStoreConflictError(`no Stripe customer creation recorded for ${customerId}`, { cause: error });
      }
      throw error;
    }
  }

  /**
   * Stores a Stripe event's payment signal once (keyed by event id) and files
   * it for the renewal-risk check: under its contract when the Stripe object's
   * metadata names it (the engine sets it on every invoice and credit note it
   * makes), else under its Stripe invoice.
   */
  async putPaymentSignal(signal: PaymentSignal): Promise<{ created: boolean; published: boolean }> {
    const item: Record<string, unknown> = {
      [PK]: `STRIPE_EVENT#${signal.stripeEventId}`,
      [SK]: 'PAYMENT_SIGNAL',
      type: 'PaymentSignal',
      signalType: signal.type,
      contractId: signal.contractId ?? undefined,
      published: false,
      body: JSON.stringify(signal),
    };
    const filedUnder = signal.contractId
      ? paymentSignalsPk(signal.contractId)
      : signal.stripeInvoiceId
        ? invoiceSignalsPk(signal.stripeInvoiceId)
        : undefined;
    if (BY_TYPE && filedUnder) {
      item[BY_TYPE.partitionKey] = filedUnder;
      item[BY_TYPE.sortKey] = paymentSignalSk(signal.occurredAt, signal.stripeEventId);
    }
    const stored = await this.putOnce(item, (old) => Boolean(old['published']));
    return stored === undefined ? { created: true, published: false } : { created: false, published: stored };
  }

  /** The payment signals of a contract, oldest first (byType index, so eventually consistent). */
  async listPaymentSignals(contractId: string, range: PaymentSignalRange = {}): Promise<PaymentSignal[]> {
    return (await this.listStoredPaymentSignals(contractId, range)).map((stored) => stored.signal);
  }

  /**
   * The signals filed under the contract, plus those filed under any Stripe
   * invoice the engine pushed for it (its status items name them), oldest
   * first; a signal found both ways is listed once.
   */
  async listStoredPaymentSignals(contractId: string, range: PaymentSignalRange = {}): Promise<StoredPaymentSignal[]> {
    const invoiceIds = await this.stripeInvoiceIdsOf(contractId);
    const [byContract, ...byInvoice] = await Promise.all([
      this.querySignals(paymentSignalsPk(contractId), range),
      ...invoiceIds.map((invoiceId) => this.querySignals(invoiceSignalsPk(invoiceId), range)),
    ]);
    const listed = new Map<string, StoredPaymentSignal>();
    for (const signal of byContract ?? []) listed.set(signal.stripeEventId, { signal, contractId, contractSource: 'metadata' });
    for (const signal of byInvoice.flat()) {
      if (!listed.has(signal.stripeEventId)) listed.set(signal.stripeEventId, { signal, contractId, contractSource: 'stripe_invoice' });
    }
    return [...listed.values()].sort((a, b) =>
      paymentSignalSk(a.signal.occurredAt, a.signal.stripeEventId) < paymentSignalSk(b.signal.occurredAt, b.signal.stripeEventId) ? -1 : 1,
    );
  }

  /** Whether any invoice of the contract has been pushed to Stripe (payment signals can then exist). */
  async hasStripeInvoices(contractId: string): Promise<boolean> {
    return (await this.stripeInvoiceIdsOf(contractId)).length > 0;
  }

  /**
   * The Stripe invoices the engine pushed for the contract (adjustment invoices
   * included), with when each was finalized and is due as the close read them.
   */
  async listStripeInvoices(contractId: string): Promise<RiskStripeInvoice[]> {
    const items = await this.stripeInvoiceStatusItems(contractId);
    return items.map((item) => ({
      stripeInvoiceId: String(item['stripeInvoiceId']),
      ...(item['stripeFinalizedAt'] ? { finalizedAt: String(item['stripeFinalizedAt']) } : {}),
      ...(item['stripeDueAt'] ? { dueAt: String(item['stripeDueAt']) } : {}),
      ...(item['stripeAmountDue'] !== undefined ? { amountDueMinor: String(item['stripeAmountDue']) } : {}),
    }));
  }

  private async stripeInvoiceIdsOf(contractId: string): Promise<string[]> {
    return (await this.stripeInvoiceStatusItems(contractId)).map((item) => String(item['stripeInvoiceId']));
  }

  private async stripeInvoiceStatusItems(contractId: string): Promise<Record<string, unknown>[]> {
    const items = await this.query(contractPk(contractId), 'INVOICE#');
    return items.filter((item) => String(item[SK]).endsWith('#STATUS') && item['stripeInvoiceId']);
  }

  private async querySignals(partition: string, range: PaymentSignalRange): Promise<PaymentSignal[]> {
    if (!BY_TYPE) return [];
    // "<iso>#<event>" sorts after "<iso>": BETWEEN from AND to is the half-open [from, to).
    const from = range.from?.toISOString() ?? '0';
    const to = range.to?.toISOString() ?? '~';
    const signals: PaymentSignal[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: BY_TYPE.indexName,
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
          ExpressionAttributeNames: { '#pk': BY_TYPE.partitionKey, '#sk': BY_TYPE.sortKey },
          ExpressionAttributeValues: marshall({ ':pk': partition, ':from': from, ':to': to }),
          ExclusiveStartKey: startKey,
        }),
      );
      signals.push(...(page.Items ?? []).map((item) => JSON.parse(String(unmarshall(item)['body'])) as PaymentSignal));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return signals;
  }

  async markPaymentSignalPublished(stripeEventId: string): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: marshall({ [PK]: `STRIPE_EVENT#${stripeEventId}`, [SK]: 'PAYMENT_SIGNAL' }),
        UpdateExpression: 'SET published = :true',
        ConditionExpression: 'attribute_exists(body)',
        ExpressionAttributeValues: marshall({ ':true': true }),
      }),
    );
  }

  private async sequenceOf(contractId: string, periodId: string, correctionId: string): Promise<number> {
    const found = (await this.listCorrections(contractId, periodId)).find((stored) => stored.correction.correctionId === correctionId);
    if (!found) throw new InvoiceStoreConflictError(`no correction ${correctionId} for ${contractId} ${periodId}`);
    return found.correction.sequence;
  }

  /** Conditional put; returns undefined when written, else the existing item mapped by `existing`. */
  private async putOnce<T>(item: Record<string, unknown>, existing: (old: Record<string, unknown>) => T): Promise<T | undefined> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall(item, { removeUndefinedValues: true }),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException && error.Item) return existing(unmarshall(error.Item));
      throw error;
    }
  }

  private async get(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: marshall({ [PK]: pk, [SK]: sk }), ConsistentRead: true }),
    );
    return result.Item ? unmarshall(result.Item) : undefined;
  }

  private async query(pk: string, skPrefix: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
          ExpressionAttributeValues: marshall({ ':pk': pk, ':prefix': skPrefix }),
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}

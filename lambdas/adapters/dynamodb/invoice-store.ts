import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { InvoiceCorrection } from '../../domain/invoicing/corrections';
import type { InvoiceRecord } from '../../domain/invoicing/invoice-record';
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
import { DynamoDbInvoiceCorrectionStore } from './invoice-correction-store';
import { DynamoDbInvoiceRecordStore } from './invoice-record-store';
import { DynamoDbPaymentSignalStore, invoiceSignalsPk, paymentSignalSk, paymentSignalsPk, type PaymentSignalRange } from './payment-signal-store';
import { DynamoDbStripeCustomerLinkStore } from './stripe-customer-link-store';

// The billing ports over the engine table, put together from the stores that
// each own one kind of item: invoice records and statuses
// (invoice-record-store.ts), corrections (invoice-correction-store.ts),
// Stripe customer links (stripe-customer-link-store.ts) and payment signals
// (payment-signal-store.ts). What needs two of them (a contract's payment
// signals found through its Stripe invoices) is composed here.

export { InvoiceStoreConflictError } from './invoice-keys';
export type { PaymentSignalRange } from './payment-signal-store';

/** How a listed payment signal was found for its contract: its own metadata, or the contract's Stripe invoice. */
export type PaymentSignalContractSource = 'metadata' | 'stripe_invoice';

export interface StoredPaymentSignal {
  readonly signal: PaymentSignal;
  readonly contractId: string;
  readonly contractSource: PaymentSignalContractSource;
}

export class DynamoDbInvoiceStore implements InvoiceStore, PaymentSignalStore {
  private readonly records: DynamoDbInvoiceRecordStore;
  private readonly corrections: DynamoDbInvoiceCorrectionStore;
  private readonly customers: DynamoDbStripeCustomerLinkStore;
  private readonly signals: DynamoDbPaymentSignalStore;

  constructor(client: DynamoDBClient, tableName: string) {
    const options = { client, tableName };
    this.records = new DynamoDbInvoiceRecordStore(options);
    this.corrections = new DynamoDbInvoiceCorrectionStore(options);
    this.customers = new DynamoDbStripeCustomerLinkStore(options);
    this.signals = new DynamoDbPaymentSignalStore(options);
  }

  putRecord(record: InvoiceRecord): Promise<PutResult<InvoiceRecord>> {
    return this.records.putRecord(record);
  }

  getRecord(contractId: string, periodId: string): Promise<InvoiceRecord | undefined> {
    return this.records.getRecord(contractId, periodId);
  }

  listRecords(contractId: string): Promise<InvoiceRecord[]> {
    return this.records.listRecords(contractId);
  }

  getStatus(contractId: string, periodId: string): Promise<InvoiceStatus | undefined> {
    return this.records.getStatus(contractId, periodId);
  }

  setStatus(status: InvoiceStatus): Promise<void> {
    return this.records.setStatus(status);
  }

  putCorrection(correction: InvoiceCorrection): Promise<PutResult<InvoiceCorrection>> {
    return this.corrections.putCorrection(correction);
  }

  listCorrections(contractId: string, periodId?: string): Promise<StoredCorrection[]> {
    return this.corrections.listCorrections(contractId, periodId);
  }

  markCorrectionCredited(
    contractId: string,
    periodId: string,
    correctionId: string,
    creditNoteId: string | null,
    reconciliation?: { readonly matched: boolean; readonly stripeTotal: bigint },
  ): Promise<void> {
    return this.corrections.markCorrectionCredited(contractId, periodId, correctionId, creditNoteId, reconciliation);
  }

  recordCreditFailure(contractId: string, periodId: string, correctionId: string, failure: CreditNoteFailure): Promise<void> {
    return this.corrections.recordCreditFailure(contractId, periodId, correctionId, failure);
  }

  claimAdjustment(contractId: string, periodId: string, correctionId: string, invoiceRecordId: string): Promise<boolean> {
    return this.corrections.claimAdjustment(contractId, periodId, correctionId, invoiceRecordId);
  }

  getStripeCustomerId(customerId: string): Promise<string | undefined> {
    return this.customers.getStripeCustomerId(customerId);
  }

  putStripeCustomerId(customerId: string, stripeCustomerId: string): Promise<string> {
    return this.customers.putStripeCustomerId(customerId, stripeCustomerId);
  }

  startCustomerCreation(customerId: string, startedAt: string): Promise<PutResult<CustomerCreation>> {
    return this.customers.startCustomerCreation(customerId, startedAt);
  }

  advanceCustomerCreation(customerId: string, fromGeneration: number): Promise<CustomerCreation> {
    return this.customers.advanceCustomerCreation(customerId, fromGeneration);
  }

  putPaymentSignal(signal: PaymentSignal): Promise<{ created: boolean; published: boolean }> {
    return this.signals.putPaymentSignal(signal);
  }

  markPaymentSignalPublished(stripeEventId: string): Promise<void> {
    return this.signals.markPaymentSignalPublished(stripeEventId);
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
    const invoiceIds = (await this.records.listStripeInvoices(contractId)).map((invoice) => invoice.stripeInvoiceId);
    const [byContract, ...byInvoice] = await Promise.all([
      this.signals.listFiledUnder(paymentSignalsPk(contractId), range),
      ...invoiceIds.map((invoiceId) => this.signals.listFiledUnder(invoiceSignalsPk(invoiceId), range)),
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

  hasStripeInvoices(contractId: string): Promise<boolean> {
    return this.records.hasStripeInvoices(contractId);
  }

  listStripeInvoices(contractId: string): Promise<RiskStripeInvoice[]> {
    return this.records.listStripeInvoices(contractId);
  }
}

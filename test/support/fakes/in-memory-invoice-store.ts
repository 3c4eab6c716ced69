import type {
  CorrectionStatus,
  CreditNoteFailure,
  CustomerCreation,
  InvoiceStatus,
  InvoiceStore,
  PutResult,
  StoredCorrection,
} from '../../../lambdas/application/billing/ports';
import { InvoiceStoreConflictError } from '../../../lambdas/adapters/dynamodb/invoice-keys';
import type { InvoiceCorrection } from '../../../lambdas/domain/invoicing/corrections';
import type { InvoiceRecord } from '../../../lambdas/domain/invoicing/invoice-record';

// The invoice store in memory. It passes the same contract suite as
// DynamoDbInvoiceStore (test/support/contracts/invoice-store-contract.ts):
// records and corrections put once, a status only for its own record,
// corrections claimed and credited once.

const periodKey = (contractId: string, periodId: string) => `${contractId}|${periodId}`;

export class InMemoryInvoiceStore implements InvoiceStore {
  readonly records = new Map<string, InvoiceRecord>();
  readonly statuses = new Map<string, InvoiceStatus>();
  private readonly corrections = new Map<string, StoredCorrection>();
  private readonly customers = new Map<string, string>();
  private readonly creations = new Map<string, CustomerCreation>();

  async putRecord(record: InvoiceRecord): Promise<PutResult<InvoiceRecord>> {
    const key = periodKey(record.contractId, record.periodId);
    const existing = this.records.get(key);
    if (existing) return { created: false, value: existing };
    this.records.set(key, record);
    return { created: true, value: record };
  }

  async getRecord(contractId: string, periodId: string): Promise<InvoiceRecord | undefined> {
    return this.records.get(periodKey(contractId, periodId));
  }

  async listRecords(contractId: string): Promise<InvoiceRecord[]> {
    return [...this.records.values()]
      .filter((record) => record.contractId === contractId && record.adjustmentOf === undefined && record.thresholdOf === undefined)
      .sort((a, b) => (a.periodId < b.periodId ? -1 : 1));
  }

  async getStatus(contractId: string, periodId: string): Promise<InvoiceStatus | undefined> {
    return this.statuses.get(periodKey(contractId, periodId));
  }

  async setStatus(status: InvoiceStatus): Promise<void> {
    const key = periodKey(status.contractId, status.periodId);
    const current = this.statuses.get(key);
    if (current && current.invoiceRecordId !== status.invoiceRecordId) {
      throw new InvoiceStoreConflictError(`status of ${status.invoiceRecordId} belongs to another record`);
    }
    // "pushing" never overwrites a status that has moved on.
    if (status.status === 'pushing' && current && current.status !== 'pushing') return;
    this.statuses.set(key, { ...current, ...status });
  }

  async putCorrection(correction: InvoiceCorrection): Promise<PutResult<InvoiceCorrection>> {
    const key = `${periodKey(correction.contractId, correction.periodId)}|${correction.sequence}`;
    const existing = this.corrections.get(key);
    if (existing) return { created: false, value: existing.correction };
    this.corrections.set(key, { correction, status: { correctionId: correction.correctionId, credited: false } satisfies CorrectionStatus });
    return { created: true, value: correction };
  }

  async listCorrections(contractId: string, periodId?: string): Promise<StoredCorrection[]> {
    return [...this.corrections.values()]
      .filter(({ correction }) => correction.contractId === contractId && (periodId === undefined || correction.periodId === periodId))
      .sort((a, b) =>
        a.correction.periodId === b.correction.periodId ? a.correction.sequence - b.correction.sequence : a.correction.periodId < b.correction.periodId ? -1 : 1,
      );
  }

  async markCorrectionCredited(
    contractId: string,
    periodId: string,
    correctionId: string,
    creditNoteId: string | null,
    reconciliation?: { readonly matched: boolean; readonly stripeTotal: bigint },
  ): Promise<void> {
    const stored = this.correction(contractId, periodId, correctionId);
    stored.status = {
      ...stored.status,
      credited: true,
      ...(creditNoteId ? { creditNoteId } : {}),
      ...(reconciliation ? { creditReconciliation: reconciliation } : {}),
    };
  }

  async recordCreditFailure(contractId: string, periodId: string, correctionId: string, failure: CreditNoteFailure): Promise<void> {
    const stored = this.correction(contractId, periodId, correctionId);
    if (!stored.status.credited) stored.status = { ...stored.status, creditFailure: failure };
  }

  async claimAdjustment(contractId: string, periodId: string, correctionId: string, invoiceRecordId: string): Promise<boolean> {
    const stored = this.correction(contractId, periodId, correctionId);
    if (stored.status.billedOn !== undefined && stored.status.billedOn !== invoiceRecordId) return false;
    stored.status = { ...stored.status, billedOn: invoiceRecordId };
    return true;
  }

  async getStripeCustomerId(customerId: string): Promise<string | undefined> {
    return this.customers.get(customerId);
  }

  async putStripeCustomerId(customerId: string, stripeCustomerId: string): Promise<string> {
    const existing = this.customers.get(customerId);
    if (existing) return existing;
    this.customers.set(customerId, stripeCustomerId);
    return stripeCustomerId;
  }

  async startCustomerCreation(customerId: string, startedAt: string): Promise<PutResult<CustomerCreation>> {
    const existing = this.creations.get(customerId);
    if (existing) return { created: false, value: existing };
    const creation = { customerId, startedAt, generation: 1 };
    this.creations.set(customerId, creation);
    return { created: true, value: creation };
  }

  async advanceCustomerCreation(customerId: string, fromGeneration: number): Promise<CustomerCreation> {
    const existing = this.creations.get(customerId);
    if (!existing) throw new InvoiceStoreConflictError(`no Stripe customer creation recorded for ${customerId}`);
    if (existing.generation !== fromGeneration) return existing;
    const next = { ...existing, generation: fromGeneration + 1 };
    this.creations.set(customerId, next);
    return next;
  }

  private correction(contractId: string, periodId: string, correctionId: string): { correction: InvoiceCorrection; status: CorrectionStatus } {
    const found = [...this.corrections.values()].find(
      ({ correction }) => correction.contractId === contractId && correction.periodId === periodId && correction.correctionId === correctionId,
    ) as { correction: InvoiceCorrection; status: CorrectionStatus } | undefined;
    if (!found) throw new InvoiceStoreConflictError(`no correction ${correctionId} for ${contractId} ${periodId}`);
    return found;
  }
}

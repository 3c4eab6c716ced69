import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InvoiceStatus, InvoiceStore } from '../../../lambdas/application/billing/ports';
import type { InvoiceCorrection } from '../../../lambdas/domain/invoicing/corrections';
import type { InvoiceRecord } from '../../../lambdas/domain/invoicing/invoice-record';
import type { StoreUnderTest } from './renewal-task-store-contract';

// What every InvoiceStore must do, run against the DynamoDB store and the
// in-memory fake alike.

export function invoiceRecord(overrides: Partial<InvoiceRecord> = {}): InvoiceRecord {
  const periodId = overrides.periodId ?? '2026-11';
  return {
    invoiceRecordId: `oe:c-1:${periodId}:r1`,
    contractId: 'c-1',
    customerId: 'cust-1',
    periodId,
    period: { start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z', startDate: '2026-11-01', endDate: '2026-11-30', timeZone: 'UTC' },
    revision: 1,
    cutoff: '2026-12-01T01:00:00.000Z',
    ratedAt: '2026-12-01T01:00:00.000Z',
    planCode: 'per-unit',
    planVersion: 1,
    currency: 'USD',
    lines: [],
    subtotal: 123_456_789_012_345_678n,
    commitmentTrueUp: 0n,
    creditsApplied: 0n,
    ratedTotal: 123_456_789_012_345_678n,
    adjustmentsTotal: 0n,
    total: 123_456_789_012_345_678n,
    ...overrides,
  } as InvoiceRecord;
}

export function correction(sequence: number, overrides: Partial<InvoiceCorrection> = {}): InvoiceCorrection {
  return {
    correctionId: `oe:c-1:2026-11:c${sequence}`,
    contractId: 'c-1',
    periodId: '2026-11',
    period: { start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' },
    sequence,
    invoiceRecordId: 'oe:c-1:2026-11:r1',
    currency: 'USD',
    cutoff: '2026-12-05T00:00:00.000Z',
    ratedAt: '2026-12-05T00:00:00.000Z',
    adjustmentLines: [],
    creditNoteLines: [],
    ...overrides,
  } as InvoiceCorrection;
}

const status = (overrides: Partial<InvoiceStatus> = {}): InvoiceStatus => ({
  contractId: 'c-1',
  periodId: '2026-11',
  invoiceRecordId: 'oe:c-1:2026-11:r1',
  status: 'pushing',
  updatedAt: '2026-12-01T01:00:00.000Z',
  ...overrides,
});

export function describeInvoiceStoreContract(name: string, create: () => Promise<StoreUnderTest<InvoiceStore>>): void {
  describe(`InvoiceStore contract: ${name}`, () => {
    let subject: StoreUnderTest<InvoiceStore>;
    let store: InvoiceStore;

    beforeEach(async () => {
      subject = await create();
      store = subject.store;
    });
    afterEach(async () => {
      await subject.destroy?.();
    });

    it('puts a record once, keeps bigint totals exact, and lists period invoices without adjustment invoices', async () => {
      const record = invoiceRecord();
      expect(await store.putRecord(record)).toEqual({ created: true, value: record });
      const again = await store.putRecord({ ...record, total: 1n });
      expect(again.created).toBe(false);
      expect(again.value.total).toBe(123_456_789_012_345_678n);
      expect(await store.getRecord('c-1', '2026-11')).toEqual(record);
      expect(await store.getRecord('c-1', '2026-10')).toBeUndefined();

      await store.putRecord(invoiceRecord({ periodId: '2026-11-adjustment-1', adjustmentOf: { periodId: '2026-11', correctionId: 'oe:c-1:2026-11:c1' } }));
      await store.putRecord(
        invoiceRecord({ periodId: '2026-11-threshold-1', thresholdOf: { periodId: '2026-11', sequence: 1, thresholdAmount: 100n, spendToDate: 120n } }),
      );
      await store.putRecord(invoiceRecord({ periodId: '2026-10', invoiceRecordId: 'oe:c-1:2026-10:r1' }));
      expect((await store.listRecords('c-1')).map((listed) => listed.periodId)).toEqual(['2026-10', '2026-11']);
    });

    it('keeps a status for its own record only, and never lets "pushing" overwrite a status that moved on', async () => {
      await store.setStatus(status());
      await store.setStatus(status({ status: 'reconciled', stripeInvoiceId: 'in_1', stripeAmountDue: 1250n, updatedAt: '2026-12-01T02:00:00.000Z' }));
      await store.setStatus(status({ updatedAt: '2026-12-01T03:00:00.000Z' }));
      expect(await store.getStatus('c-1', '2026-11')).toMatchObject({ status: 'reconciled', stripeInvoiceId: 'in_1', stripeAmountDue: 1250n });
      await expect(store.setStatus(status({ invoiceRecordId: 'oe:c-1:2026-11:other', status: 'reconciled' }))).rejects.toThrow(/another record/);
    });

    it('puts a correction number once, lists corrections in order, and claims and credits them', async () => {
      expect((await store.putCorrection(correction(1))).created).toBe(true);
      const taken = await store.putCorrection(correction(1, { correctionId: 'oe:c-1:2026-11:other' }));
      expect(taken).toEqual({ created: false, value: correction(1) });
      await store.putCorrection(correction(2));
      await store.putCorrection(correction(1, { periodId: '2026-12', correctionId: 'oe:c-1:2026-12:c1' }));
      expect((await store.listCorrections('c-1', '2026-11')).map((stored) => stored.correction.sequence)).toEqual([1, 2]);
      expect(await store.listCorrections('c-1')).toHaveLength(3);

      expect(await store.claimAdjustment('c-1', '2026-11', 'oe:c-1:2026-11:c1', 'adj-1')).toBe(true);
      expect(await store.claimAdjustment('c-1', '2026-11', 'oe:c-1:2026-11:c1', 'adj-1')).toBe(true);
      expect(await store.claimAdjustment('c-1', '2026-11', 'oe:c-1:2026-11:c1', 'adj-2')).toBe(false);

      await store.markCorrectionCredited('c-1', '2026-11', 'oe:c-1:2026-11:c2', 'cn_1', { matched: true, stripeTotal: 990n });
      await store.recordCreditFailure('c-1', '2026-11', 'oe:c-1:2026-11:c2', { reason: 'stripe_refused', message: 'late', retryable: false, attempts: 1 } as never);
      const [first, second] = await store.listCorrections('c-1', '2026-11');
      expect(first?.status).toMatchObject({ credited: false, billedOn: 'adj-1' });
      expect(second?.status).toMatchObject({ credited: true, creditNoteId: 'cn_1', creditReconciliation: { matched: true, stripeTotal: 990n } });
      expect(second?.status.creditFailure).toBeUndefined();
      await expect(store.claimAdjustment('c-1', '2026-11', 'oe:c-1:2026-11:c9', 'adj-1')).rejects.toThrow(/no correction/);
    });

    it('links a Stripe customer once and moves a customer creation on one generation at a time', async () => {
      expect(await store.getStripeCustomerId('cust-1')).toBeUndefined();
      expect(await store.putStripeCustomerId('cust-1', 'cus_A')).toBe('cus_A');
      expect(await store.putStripeCustomerId('cust-1', 'cus_B')).toBe('cus_A');
      expect(await store.getStripeCustomerId('cust-1')).toBe('cus_A');

      const started = await store.startCustomerCreation('cust-2', '2026-12-01T00:00:00.000Z');
      expect(started).toEqual({ created: true, value: { customerId: 'cust-2', startedAt: '2026-12-01T00:00:00.000Z', generation: 1 } });
      expect((await store.startCustomerCreation('cust-2', '2026-12-02T00:00:00.000Z')).created).toBe(false);
      expect((await store.advanceCustomerCreation('cust-2', 1)).generation).toBe(2);
      // A run still on generation 1 continues with the generation another run chose.
      expect((await store.advanceCustomerCreation('cust-2', 1)).generation).toBe(2);
      await expect(store.advanceCustomerCreation('cust-3', 1)).rejects.toThrow(/no Stripe customer creation/);
    });
  });
}

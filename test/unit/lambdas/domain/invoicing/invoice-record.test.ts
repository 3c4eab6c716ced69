import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  InvoiceRecordInvalidError,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  boundedKey,
  createInvoiceRecord,
  decodeInvoiceRecord,
  encodeInvoiceDocument,
  invoiceRecordIdOf,
  reconcileInvoiceTotals,
  stripeKeys,
} from '../../../../../lambdas/domain/invoicing';
import { contractWith, rate } from '../../../../support/invoicing-fixtures';

describe('createInvoiceRecord', () => {
  it('keeps every rated line, the cutoff and the plan version, and totals to the draft', () => {
    const record = createInvoiceRecord(rate(12));
    expect(record).toMatchObject({
      invoiceRecordId: 'oe:ctr-1:2026-10:r1',
      contractId: 'ctr-1',
      periodId: '2026-10',
      cutoff: '2026-11-02T00:00:00.000Z',
      planCode: 'usd-plan',
      planVersion: 1,
      currency: 'USD',
      revision: 1,
      total: 11_800n,
      ratedTotal: 11_800n,
    });
    expect(record.lines.map((line) => [line.lineId, line.amount, line.quantity])).toEqual([
      ['platform', 10_000n, '1'],
      ['resolutions', 1_800n, '12'],
    ]);
  });

  it('turns prepaid credits into one negative line so Stripe totals what the engine rated', () => {
    const contract = contractWith({ prepaidCredits: { amount: '50.00' } });
    const record = createInvoiceRecord(rate(12, undefined, contract, 5_000n));
    expect(record.lines.at(-1)).toMatchObject({ lineId: 'prepaid-credits', amount: -5_000n, kind: 'prepaid_credits' });
    expect(record.total).toBe(6_800n);
    expect(record.lines.reduce((sum, line) => sum + line.amount, 0n)).toBe(record.total);
  });

  it('carries adjustments for an earlier period as their own lines', () => {
    const record = createInvoiceRecord(rate(1), {
      adjustments: [
        {
          correctionId: 'oe:ctr-1:2026-09:correction:1',
          invoiceRecordId: 'oe:ctr-1:2026-09:r1',
          periodId: '2026-09',
          period: { start: '2026-09-01T00:00:00.000Z', end: '2026-10-01T00:00:00.000Z' },
          lines: [{ lineKey: 'resolutions', chargeId: 'resolutions', metric: 'resolutions', description: 'Adjustment for 2026-09: 2 late resolutions', quantityDelta: '2', amount: 300n }],
        },
      ],
    });
    expect(record.adjustmentsTotal).toBe(300n);
    expect(record.total).toBe(10_150n + 300n);
    expect(record.lines.at(-1)).toMatchObject({ kind: 'adjustment', servicePeriod: { periodId: '2026-09' }, lineId: 'adj:oe:ctr-1:2026-09:correction:1:resolutions' });
  });

  it('refuses a draft rated without a cutoff', () => {
    expect(() => createInvoiceRecord({ ...rate(1), usageAsOf: null })).toThrow(InvoiceRecordInvalidError);
  });

  it('round-trips through its stored form exactly', () => {
    const record = createInvoiceRecord(rate(12));
    expect(decodeInvoiceRecord(encodeInvoiceDocument(record))).toEqual(record);
  });
});

describe('idempotency keys', () => {
  it('are derived from contract, period, revision and line, never random', () => {
    const id = invoiceRecordIdOf('ctr-1', '2026-10', 1);
    expect(stripeKeys.invoiceItem(id, 'resolutions')).toBe('oe:ctr-1:2026-10:r1:item:resolutions');
    expect(stripeKeys.invoiceItem(id, 'resolutions')).toBe(stripeKeys.invoiceItem(invoiceRecordIdOf('ctr-1', '2026-10', 1), 'resolutions'));
    expect(stripeKeys.invoiceItem(invoiceRecordIdOf('ctr-1', '2026-10', 2), 'resolutions')).not.toBe(stripeKeys.invoiceItem(id, 'resolutions'));
  });

  it('stay within Stripe\'s 255 characters and stay distinct when shortened', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 200, maxLength: 400 }), fc.string({ minLength: 1, maxLength: 5 }), (long, suffix) => {
        const a = boundedKey([long, 'a', suffix]);
        const b = boundedKey([long, 'b', suffix]);
        expect(a.length).toBeLessThanOrEqual(MAX_IDEMPOTENCY_KEY_LENGTH);
        expect(a).not.toBe(b);
      }),
    );
  });
});

describe('reconcileInvoiceTotals', () => {
  it('matches only identical minor units in the same currency', () => {
    expect(reconcileInvoiceTotals({ currency: 'KWD', engineTotal: 11_625n, stripeTotal: 11_625n, stripeCurrency: 'kwd' }).matched).toBe(true);
    expect(reconcileInvoiceTotals({ currency: 'KWD', engineTotal: 11_625n, stripeTotal: 11_626n, stripeCurrency: 'kwd' })).toMatchObject({
      matched: false,
      difference: 1n,
    });
    expect(reconcileInvoiceTotals({ currency: 'JPY', engineTotal: 500n, stripeTotal: 500n, stripeCurrency: 'usd' }).matched).toBe(false);
  });
});

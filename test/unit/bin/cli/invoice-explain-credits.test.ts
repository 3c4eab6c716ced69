import { describe, expect, it } from 'vitest';
import { formatInvoiceExplanation, type InvoiceExplanation } from '../../../../bin/cli/invoice-explain';

const amount = (minor: string, decimal: string) => ({ minor, decimal });
const zero = amount('0', '0.00');

function explanation(followedBy: InvoiceExplanation['followedBy']): InvoiceExplanation {
  return {
    invoiceRecordId: 'oe:ctr-acme:2027-01:r1',
    contractId: 'ctr-acme',
    customerId: 'acme',
    periodId: '2027-01',
    period: { start: '2027-01-01', end: '2027-02-01', timeZone: 'UTC' } as InvoiceExplanation['period'],
    cutoff: '2027-02-02T00:00:00.000Z',
    ratedAt: '2027-02-02T00:00:00.000Z',
    plan: { code: 'support-automation', version: 1 },
    currency: 'USD',
    kind: 'period',
    thresholdOf: null,
    thresholdSettlement: null,
    totals: { subtotal: amount('50000', '500.00'), commitmentTrueUp: zero, creditsApplied: zero, ratedTotal: amount('50000', '500.00'), adjustmentsTotal: zero, total: amount('50000', '500.00') },
    stripe: { invoiceId: null, status: null, reconciled: null, stripeTotal: null },
    lines: [],
    followedBy,
  };
}

const creditLine = (minor: string, decimal: string) =>
  ({ lineKey: 'resolutions', metric: 'ticket.resolved', quantityDelta: '-1', amount: amount(minor, decimal), description: 'Credit for 2027-01: 1 reversed resolution' }) as unknown as InvoiceExplanation['followedBy'][number]['creditNote']['lines'][number];

describe('invoice explain: prepaid credits and credit notes', () => {
  it('names prepaid credits applied and the credit notes issued after the invoice separately', () => {
    const text = formatInvoiceExplanation(
      explanation([
        {
          correctionId: 'c1',
          sequence: 1,
          cutoff: '2027-02-10T00:00:00.000Z',
          ratedAt: '2027-02-10T00:00:00.000Z',
          adjustments: { lines: [], billedOn: null },
          creditNote: { lines: [creditLine('300', '3.00')], creditNoteId: 'cn_1', credited: true },
        },
      ]),
    );
    expect(text).toMatch(/^prepaid credits applied\s+0\.00 USD$/m);
    expect(text).toMatch(/^credit notes issued after this invoice\s+1 \(-3\.00 USD\)$/m);
    expect(text).not.toMatch(/credits 0\.00\)/);
  });

  it('says none when no credit note followed', () => {
    expect(formatInvoiceExplanation(explanation([]))).toMatch(/^credit notes issued after this invoice\s+none$/m);
  });
});

describe('invoice explain: threshold invoices', () => {
  it('says which invoices are threshold invoices and what a period-end invoice left to them', () => {
    const threshold = formatInvoiceExplanation({
      ...explanation([]),
      invoiceRecordId: 'oe:ctr-acme:2027-01-threshold-1:r1',
      periodId: '2027-01-threshold-1',
      kind: 'threshold',
      thresholdOf: { periodId: '2027-01', sequence: 1, thresholdAmount: amount('20000', '200.00'), spendToDate: amount('22000', '220.00') },
    });
    expect(threshold).toMatch(/\nkind +threshold invoice 1 of 2027-01: spend to date 220.00 USD reached the threshold of 200.00 USD\n/);
    const periodEnd = formatInvoiceExplanation({
      ...explanation([]),
      thresholdSettlement: {
        billedOnThresholdInvoices: amount('22000', '220.00'),
        creditedOnThresholdInvoices: zero,
        thresholdInvoiceRecordIds: ['oe:ctr-acme:2027-01-threshold-1:r1'],
      },
    });
    expect(periodEnd).toContain(
      'period-end invoice, billing what 1 threshold invoice(s) did not: they billed 220.00 USD, 0.00 USD credited back on them (oe:ctr-acme:2027-01-threshold-1:r1)\n',
    );
  });

  it('reads threshold and adjustment invoice ids', async () => {
    const { parseInvoiceRecordId } = await import('../../../../bin/cli/invoice-explain');
    expect(parseInvoiceRecordId('oe:ctr-acme:2027-01-threshold-2:r1')).toEqual({ contractId: 'ctr-acme', periodId: '2027-01-threshold-2' });
    expect(parseInvoiceRecordId('oe:ctr-acme:2027-01-adjustment-1:r1')).toEqual({ contractId: 'ctr-acme', periodId: '2027-01-adjustment-1' });
    expect(parseInvoiceRecordId('oe:ctr-acme:2027-01:r1')).toEqual({ contractId: 'ctr-acme', periodId: '2027-01' });
  });
});

describe('invoice explain: caps', () => {
  it('prints what the caps did to a line beside its breakdown rows', () => {
    const caps = 'metric cap 20: 20 of the measured 30 billed, 10 over the cap, shown, not billed (outcomes count towards the cap in occurredAt order, then outcome id)';
    const line = {
      lineId: 'resolutions',
      kind: 'charge',
      description: 'Resolutions: 30 resolutions',
      chargeId: 'resolutions',
      metric: 'resolutions',
      quantity: '30',
      amount: amount('3000', '30.00'),
      amountDue: amount('3000', '30.00'),
      servicePeriod: { periodId: '2027-01', start: '2027-01-01T00:00:00.000Z', end: '2027-02-01T00:00:00.000Z' },
      tiers: [{ kind: 'metric_cap', metric: 'resolutions', cap: '20', measured: '30', billable: '20', overCap: '10' }],
      caps,
      ledgerQuery: null,
      adjustmentFor: null,
      definitions: null,
      disputes: null,
    } as const satisfies InvoiceExplanation['lines'][number];
    const text = formatInvoiceExplanation({ ...explanation([]), lines: [line] });
    expect(text).toContain('  tier  kind=metric_cap metric=resolutions cap=20 measured=30 billable=20 overCap=10');
    expect(text).toContain(`  caps  ${caps}`);
    expect(formatInvoiceExplanation({ ...explanation([]), lines: [{ ...line, caps: null }] })).not.toContain('  caps  ');
  });
});

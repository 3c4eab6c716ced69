// The pieces of the risk input that come from Stripe and from the values
// producers report: the webhook signal mapping, a voided invoice settling a
// past-due one, and the value summary built from reported outcome values.
import { describe, expect, it } from 'vitest';
import { assessRenewalRisk } from '../../../../../lambdas/domain/risk';
import { toRiskPaymentSignals } from '../../../../../lambdas/application/risk/gather-risk-input';
import type { PaymentSignal as StripePaymentSignal } from '../../../../../lambdas/application/billing/ports';
import { baseInput } from '../../../../support/risk-fixtures';

function stripeSignal(overrides: Partial<StripePaymentSignal>): StripePaymentSignal {
  return {
    stripeEventId: 'evt_1',
    type: 'invoice.payment_failed',
    occurredAt: '2026-09-20T12:00:00.000Z',
    receivedAt: '2026-09-20T12:00:01.000Z',
    livemode: false,
    stripeObjectId: 'in_1',
    stripeInvoiceId: 'in_1',
    stripeCustomerId: 'cus_1',
    contractId: 'acme',
    periodId: '2026-08',
    currency: 'usd',
    total: '125000',
    amountDue: '125000',
    amountPaid: '0',
    attemptCount: 1,
    status: 'open',
    ...overrides,
  };
}

describe('toRiskPaymentSignals', () => {
  it('reads a failed payment on an open invoice as a failure and as past due from that moment, with what is owed', () => {
    expect(toRiskPaymentSignals([stripeSignal({ amountPaid: '25000' })])).toEqual([
      { kind: 'payment_failed', invoiceId: 'in_1', occurredAt: '2026-09-20T12:00:00.000Z', amountMinor: '100000' },
      { kind: 'invoice_past_due', invoiceId: 'in_1', occurredAt: '2026-09-20T12:00:00.000Z', amountMinor: '100000' },
    ]);
  });

  it('maps paid and voided invoices as settling, finalized as issued, uncollectible as past due, and drops credit notes', () => {
    const mapped = toRiskPaymentSignals([
      stripeSignal({ stripeEventId: 'evt_2', type: 'invoice.paid', status: 'paid', amountPaid: '125000' }),
      stripeSignal({ stripeEventId: 'evt_3', type: 'invoice.voided', stripeInvoiceId: 'in_2', stripeObjectId: 'in_2', status: 'void' }),
      stripeSignal({ stripeEventId: 'evt_4', type: 'invoice.finalized', stripeInvoiceId: 'in_3', stripeObjectId: 'in_3', status: 'uncollectible' }),
      stripeSignal({ stripeEventId: 'evt_5', type: 'invoice.finalized', stripeInvoiceId: 'in_4', stripeObjectId: 'in_4', status: 'open' }),
      stripeSignal({ stripeEventId: 'evt_6', type: 'credit_note.created', stripeObjectId: 'cn_1', stripeInvoiceId: 'in_1', status: 'issued' }),
    ]);
    expect(mapped.map((signal) => [signal.kind, signal.invoiceId])).toEqual([
      ['invoice_paid', 'in_1'],
      ['invoice_voided', 'in_2'],
      ['invoice_finalized', 'in_3'],
      ['invoice_past_due', 'in_3'],
      ['invoice_finalized', 'in_4'],
    ]);
  });

  it('carries the due date of invoice events, and none for signals recorded without one', () => {
    const due = '2026-10-20T12:00:00.000Z';
    expect(
      toRiskPaymentSignals([
        stripeSignal({ stripeEventId: 'evt_7', type: 'invoice.finalized', occurredAt: '2026-09-20T12:00:00.000Z', dueAt: due }),
        stripeSignal({ stripeEventId: 'evt_8', type: 'invoice.payment_failed', dueAt: due }),
        // Stored before due dates were kept: no field at all.
        stripeSignal({ stripeEventId: 'evt_9', type: 'invoice.paid', status: 'paid', amountPaid: '125000' }),
        stripeSignal({ stripeEventId: 'evt_10', type: 'invoice.finalized', stripeInvoiceId: 'in_5', stripeObjectId: 'in_5', dueAt: null }),
      ]),
    ).toEqual([
      { kind: 'invoice_finalized', invoiceId: 'in_1', occurredAt: '2026-09-20T12:00:00.000Z', amountMinor: '125000', dueAt: due },
      { kind: 'payment_failed', invoiceId: 'in_1', occurredAt: '2026-09-20T12:00:00.000Z', amountMinor: '125000', dueAt: due },
      { kind: 'invoice_past_due', invoiceId: 'in_1', occurredAt: '2026-09-20T12:00:00.000Z', amountMinor: '125000', dueAt: due },
      { kind: 'invoice_paid', invoiceId: 'in_1', occurredAt: '2026-09-20T12:00:00.000Z', amountMinor: '125000' },
      { kind: 'invoice_finalized', invoiceId: 'in_5', occurredAt: '2026-09-20T12:00:00.000Z', amountMinor: '125000' },
    ]);
  });

  it('leaves a failed payment on an invoice that is no longer open as a failure only', () => {
    expect(toRiskPaymentSignals([stripeSignal({ status: 'paid' })]).map((signal) => signal.kind)).toEqual(['payment_failed']);
  });
});

describe('payment health with voided invoices', () => {
  it('clears a past-due invoice once it is voided: nothing is owed on it', () => {
    const assessment = assessRenewalRisk(
      baseInput({
        paymentSignals: [
          { kind: 'invoice_past_due', invoiceId: 'in_9', occurredAt: '2026-09-05T12:00:00Z' },
          { kind: 'invoice_voided', invoiceId: 'in_9', occurredAt: '2026-09-25T12:00:00Z' },
        ],
      }),
    );
    expect(assessment.signals.find((s) => s.code === 'payment_health')).toMatchObject({ value: '0', risk: '0' });
  });
});

describe('value summary from reported outcome values', () => {
  it('uses the values producers reported when no value per unit is configured', () => {
    const assessment = assessRenewalRisk(
      baseInput({
        outcomeValues: [],
        deliveredValues: [
          { periodStart: '2026-01-01', periodEnd: '2026-02-01', metric: 'ticket.resolved', amount: '50000' },
          { periodStart: '2026-02-01', periodEnd: '2026-03-01', metric: 'ticket.resolved', amount: '40000.005' },
        ],
      }),
    );
    expect(assessment.valueSummary).toMatchObject({
      outcomes: [{ metric: 'ticket.resolved', quantity: '4262', valueMinor: '9000001' }],
      totalValueMinor: '9000001',
      pricePaidMinor: '4500000',
      valuePerUnitOfPrice: '2',
      sentence: '4,262 resolutions delivered this term, worth $90,000.01 to the customer, for $45,000.00 paid: 2 of value per 1 of price',
    });
  });

  it('prefers the configured value per unit over reported values', () => {
    const assessment = assessRenewalRisk(
      baseInput({ deliveredValues: [{ periodStart: '2026-01-01', periodEnd: '2026-02-01', metric: 'ticket.resolved', amount: '1' }] }),
    );
    expect(assessment.valueSummary.totalValueMinor).toBe('10655000');
  });

  it('sets the value of the invoiced periods against the price when the period in progress is not rated yet', () => {
    // The $45,000 paid covers January to September; October is in progress and not rated yet.
    const assessment = assessRenewalRisk(baseInput({ spendThroughDate: '2026-10-01' }));
    expect(assessment.valueSummary).toMatchObject({
      totalValueMinor: '10655000',
      // 4,112 resolutions Jan..Sep at $25 = $102,800 against $45,000.
      valuePerUnitOfPrice: '2.28',
      sentence: '4,262 resolutions delivered this term, worth $106,550.00 to the customer, for $45,000.00 paid: 2.28 of value per 1 of price over the invoiced periods',
    });
  });

  it('says delivered outcomes without a value when neither is known', () => {
    const assessment = assessRenewalRisk(baseInput({ outcomeValues: [] }));
    expect(assessment.valueSummary).toMatchObject({ sentence: '4,262 resolutions delivered this term, for $45,000.00 paid' });
    expect(assessment.valueSummary.totalValueMinor).toBeUndefined();
  });
});

describe('commitment burn over the rated span', () => {
  it('measures the pace over the periods rated so far, not up to now', () => {
    // $45,000 rated for January..September (273 days) projects to $60,164.84 of $60,000: no underuse.
    const rated = assessRenewalRisk(baseInput({ spendThroughDate: '2026-10-01' }));
    expect(rated.signals.find((s) => s.code === 'commitment_burn')).toMatchObject({ value: '1.0027', risk: '0' });
    // The same spend read as covering up to mid-October looks like underuse.
    const unrated = assessRenewalRisk(baseInput());
    expect(unrated.signals.find((s) => s.code === 'commitment_burn')).toMatchObject({ value: '0.9527' });
  });

  it('waits until 30 days of the term are rated', () => {
    const early = assessRenewalRisk(baseInput({ spendToDateMinor: '0', spendThroughDate: '2026-01-01' }));
    expect(early.signals.find((s) => s.code === 'commitment_burn')).toMatchObject({
      applicable: false,
      notApplicableReason: 'fewer than 30 days of the term have been rated',
    });
  });
});

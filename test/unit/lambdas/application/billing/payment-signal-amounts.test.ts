import { describe, expect, it } from 'vitest';
import { paymentSignalOf, StripeEventSchema } from '../../../../../lambdas/application/billing/record-payment-signal';

function invoiceEvent(currency: string, amounts: { total: number; amount_due: number; amount_paid: number }) {
  return StripeEventSchema.parse({
    id: `evt_${currency}`,
    type: 'invoice.paid',
    created: 1_793_000_000,
    livemode: false,
    data: { object: { id: 'in_1', object: 'invoice', currency, customer: 'cus_1', status: 'paid', metadata: { contractId: 'c', periodId: '2026-10' }, ...amounts } },
  });
}

describe('payment signal amounts', () => {
  it("are engine minor units: Stripe's ISK hundredths become krónur", () => {
    const signal = paymentSignalOf(invoiceEvent('isk', { total: 1_650_000, amount_due: 1_650_000, amount_paid: 1_650_000 }), '2026-11-01T00:00:00Z');
    expect(signal).toMatchObject({ currency: 'isk', total: '16500', amountDue: '16500', amountPaid: '16500' });
  });

  it('are kept as Stripe sends them where Stripe counts like ISO 4217', () => {
    const signal = paymentSignalOf(invoiceEvent('kwd', { total: 11_625, amount_due: 11_625, amount_paid: 0 }), '2026-11-01T00:00:00Z');
    expect(signal).toMatchObject({ total: '11625', amountDue: '11625', amountPaid: '0' });
  });
});

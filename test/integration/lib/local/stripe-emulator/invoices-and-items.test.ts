// Invoices computed from their invoice items, through the typed stripe SDK:
// exact integer totals in zero-, two- and three-decimal currencies, the
// draft → open → paid/void lifecycle, and Stripe's rules for editing.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningStripeEmulator } from '../../../../../lib/local/stripe-emulator';
import { draftInvoice, sdkClient, startTestEmulator } from '../../../../support/emulator-test-support';

let emulator: RunningStripeEmulator;
let stripe: Stripe;

beforeAll(async () => {
  emulator = await startTestEmulator();
  stripe = sdkClient(emulator);
});
afterAll(async () => {
  await emulator.stop();
});

describe('invoice totals', () => {
  it('adds up integer amounts in JPY (zero-decimal) exactly', async () => {
    const { customer, invoice } = await draftInvoice(stripe, 'jpy');
    const period = { start: 1_735_689_600, end: 1_738_368_000 };
    await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, currency: 'jpy', amount: 120_000, description: 'Resolved tickets', period });
    await stripe.invoiceItems.create({
      customer: customer.id,
      invoice: invoice.id,
      currency: 'jpy',
      unit_amount_decimal: Stripe.Decimal.from('12.5'),
      quantity: 3,
      description: 'Qualified leads',
      period,
      metadata: { contract: 'ctr_1', period: '2025-01', line: '2' },
    });
    const finalized = await stripe.invoices.finalizeInvoice(invoice.id);
    // 12.5 × 3 = 37.5 yen, rounded once for the line, half away from zero.
    expect(finalized.lines.data.map((line) => line.amount)).toEqual([120_000, 38]);
    expect(finalized).toMatchObject({ currency: 'jpy', subtotal: 120_038, total: 120_038, amount_due: 120_038, amount_remaining: 120_038 });
    expect(finalized.lines.data[1]).toMatchObject({
      period,
      metadata: { contract: 'ctr_1', period: '2025-01', line: '2' },
      quantity: 3,
      parent: { type: 'invoice_item_details' },
    });
  });

  it('keeps KWD (three-decimal) amounts in fils and decimal quantities exact', async () => {
    const { customer, invoice } = await draftInvoice(stripe, 'kwd');
    const item = await stripe.invoiceItems.create({
      customer: customer.id,
      invoice: invoice.id,
      currency: 'kwd',
      unit_amount_decimal: Stripe.Decimal.from('1234.5678'),
      quantity_decimal: Stripe.Decimal.from('2.5'),
      description: 'kWh saved',
    });
    // 1234.5678 × 2.5 = 3086.4195 fils → 3086.
    expect(item.amount).toBe(3086);
    expect(item.quantity).toBe(2);
    expect(item.quantity_decimal.toString()).toBe('2.5');
    expect(item.pricing?.unit_amount_decimal?.toString()).toBe('1234.5678');
    await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, currency: 'kwd', amount: 1005 });
    const retrieved = await stripe.invoices.retrieve(invoice.id);
    expect(retrieved.total).toBe(4091);
  });

  it('rounds each line to USD cents separately before summing', async () => {
    const { customer, invoice } = await draftInvoice(stripe, 'usd');
    for (let i = 0; i < 3; i++) {
      await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, unit_amount_decimal: Stripe.Decimal.from('0.05'), quantity: 30 });
    }
    const retrieved = await stripe.invoices.retrieve(invoice.id);
    // Stripe's own example: 0.05 × 30 = 1.5 → 2 cents per line.
    expect(retrieved.total).toBe(6);
  });

  it('credits reduce the total with negative amounts, and a negative total owes nothing', async () => {
    const { customer, invoice } = await draftInvoice(stripe, 'eur');
    await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: 500 });
    await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: -800, description: 'Adjustment for 2025-01' });
    const finalized = await stripe.invoices.finalizeInvoice(invoice.id);
    expect(finalized.total).toBe(-300);
    expect(finalized.amount_due).toBe(0);
    expect(finalized.ending_balance).toBe(-300);
    expect(finalized.status).toBe('paid');
    const after = await stripe.customers.retrieve(customer.id);
    expect((after as Stripe.Customer).balance).toBe(-300);
  });
});

describe('invoice items', () => {
  it('stay pending until an invoice includes them, and only when asked', async () => {
    const customer = await stripe.customers.create({ name: 'Pending Co' });
    const pending = await stripe.invoiceItems.create({ customer: customer.id, amount: 700, currency: 'usd' });
    expect(pending.invoice).toBeNull();
    const excluded = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'exclude' });
    expect(excluded.total).toBe(0);
    const included = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include' });
    expect(included.total).toBe(700);
    expect((await stripe.invoiceItems.retrieve(pending.id)).invoice).toBe(included.id);
    const listed = await stripe.invoiceItems.list({ invoice: included.id });
    expect(listed.data.map((item) => item.id)).toEqual([pending.id]);
    const stillPending = await stripe.invoiceItems.list({ customer: customer.id, pending: true });
    expect(stillPending.data).toEqual([]);
  });

  it('can be changed and deleted while the invoice is a draft, not after', async () => {
    const { customer, invoice } = await draftInvoice(stripe);
    const item = await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: 1000 });
    const extra = await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: 50 });
    await stripe.invoiceItems.update(item.id, { unit_amount_decimal: Stripe.Decimal.from('333.333'), quantity: 3 });
    expect((await stripe.invoices.retrieve(invoice.id)).total).toBe(1050);
    const deleted = await stripe.invoiceItems.del(extra.id);
    expect(deleted).toMatchObject({ id: extra.id, deleted: true });
    expect((await stripe.invoices.retrieve(invoice.id)).total).toBe(1000);
    await stripe.invoices.finalizeInvoice(invoice.id);
    await expect(stripe.invoiceItems.del(item.id)).rejects.toMatchObject({ statusCode: 400, code: 'invoice_not_editable' });
    await expect(
      stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: 1 }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'invoice_not_editable', param: 'invoice' });
  });

  it('must match the invoice currency and name an existing customer', async () => {
    const { customer, invoice } = await draftInvoice(stripe, 'usd');
    await expect(
      stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: 1, currency: 'eur' }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'currency' });
    await expect(stripe.invoiceItems.create({ customer: 'cus_nobody', amount: 1, currency: 'usd' })).rejects.toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      param: 'customer',
    });
    await expect(
      stripe.invoiceItems.create({ customer: customer.id, amount: 1, unit_amount_decimal: Stripe.Decimal.from('1'), currency: 'usd' }),
    ).rejects.toMatchObject({ code: 'parameters_exclusive' });
    await expect(stripe.invoiceItems.create({ customer: customer.id, currency: 'usd' })).rejects.toMatchObject({
      code: 'parameter_missing',
      param: 'amount',
    });
    await expect(stripe.invoiceItems.create({ customer: customer.id, amount: 1, currency: 'xyz' })).rejects.toMatchObject({
      param: 'currency',
    });
  });

  it('embeds the first 10 lines and pages through the rest', async () => {
    const { customer, invoice } = await draftInvoice(stripe);
    const created: string[] = [];
    for (let i = 1; i <= 13; i++) {
      const item = await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: i, description: `line ${i}` });
      created.push(item.id);
    }
    const retrieved = await stripe.invoices.retrieve(invoice.id);
    expect(retrieved.lines.data).toHaveLength(10);
    expect(retrieved.lines.has_more).toBe(true);
    expect(retrieved.lines.url).toBe(`/v1/invoices/${invoice.id}/lines`);
    const lines = await stripe.invoices.listLineItems(invoice.id).autoPagingToArray({ limit: 100 });
    expect(lines.map((line) => line.description)).toEqual(created.map((_, i) => `line ${i + 1}`));
    expect(retrieved.total).toBe(91);
  });
});

describe('invoice lifecycle', () => {
  it('finalizes a draft into an open invoice with a number and due date', async () => {
    const { customer, invoice } = await draftInvoice(stripe);
    expect(invoice).toMatchObject({ status: 'draft', number: null, auto_advance: false, collection_method: 'send_invoice', billing_reason: 'manual' });
    await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: 4200 });
    const finalized = await stripe.invoices.finalizeInvoice(invoice.id);
    expect(finalized.status).toBe('open');
    expect(finalized.number).toMatch(/^[0-9A-F]{8}-0001$/);
    expect(finalized.due_date).toBe(finalized.status_transitions.finalized_at! + 30 * 86_400);
    expect(finalized.hosted_invoice_url).toContain(`/_emulator/hosted/${invoice.id}`);
    const second = await stripe.invoices.create({ customer: customer.id, currency: 'usd' });
    await stripe.invoiceItems.create({ customer: customer.id, invoice: second.id, amount: 1 });
    expect((await stripe.invoices.finalizeInvoice(second.id)).number).toBe(finalized.number!.replace(/0001$/, '0002'));
    await expect(stripe.invoices.finalizeInvoice(invoice.id)).rejects.toMatchObject({ statusCode: 400, code: 'invoice_not_editable' });
  });

  it('pays, voids and fails payments with the matching statuses and events', async () => {
    const paid = await draftInvoice(stripe, 'usd', { collection_method: 'charge_automatically', days_until_due: undefined });
    await stripe.invoiceItems.create({ customer: paid.customer.id, invoice: paid.invoice.id, amount: 999 });
    await stripe.invoices.finalizeInvoice(paid.invoice.id);
    const settled = await stripe.invoices.pay(paid.invoice.id, { paid_out_of_band: true });
    expect(settled).toMatchObject({ status: 'paid', amount_paid: 999, amount_remaining: 0 });
    await expect(stripe.invoices.voidInvoice(paid.invoice.id)).rejects.toMatchObject({ statusCode: 400 });

    const voided = await draftInvoice(stripe);
    await stripe.invoiceItems.create({ customer: voided.customer.id, invoice: voided.invoice.id, amount: 10 });
    await stripe.invoices.finalizeInvoice(voided.invoice.id);
    expect((await stripe.invoices.voidInvoice(voided.invoice.id)).status).toBe('void');

    const failing = await draftInvoice(stripe);
    await stripe.invoiceItems.create({ customer: failing.customer.id, invoice: failing.invoice.id, amount: 10 });
    await stripe.invoices.finalizeInvoice(failing.invoice.id);
    const declined = stripe.invoices.pay(failing.invoice.id, { payment_method: 'pm_card_chargeDeclined' });
    await expect(declined).rejects.toBeInstanceOf(Stripe.errors.StripeCardError);
    await expect(declined).rejects.toMatchObject({ statusCode: 402, code: 'card_declined', decline_code: 'generic_decline' });
    expect(await stripe.invoices.retrieve(failing.invoice.id)).toMatchObject({ status: 'open', attempt_count: 1, attempted: true });

    const types = (id: string) => emulator.events().filter((e) => (e.data.object as { id?: string }).id === id).map((e) => e.type);
    expect(types(paid.invoice.id)).toEqual(['invoice.created', 'invoice.finalized', 'invoice.paid']);
    expect(types(voided.invoice.id)).toEqual(['invoice.created', 'invoice.finalized', 'invoice.voided']);
    expect(types(failing.invoice.id)).toEqual(['invoice.created', 'invoice.finalized', 'invoice.payment_failed']);
  });

  it('paying a draft finalizes it first, as Stripe does', async () => {
    const { customer, invoice } = await draftInvoice(stripe);
    await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: 75 });
    const paid = await stripe.invoices.pay(invoice.id);
    expect(paid).toMatchObject({ status: 'paid', amount_paid: 75, attempt_count: 1 });
    expect(paid.number).not.toBeNull();
  });

  it('lists a customer’s invoices by status, newest first', async () => {
    const customer = await stripe.customers.create({ name: 'Lister' });
    const first = await stripe.invoices.create({ customer: customer.id, currency: 'usd' });
    const second = await stripe.invoices.create({ customer: customer.id, currency: 'usd' });
    await stripe.invoiceItems.create({ customer: customer.id, invoice: second.id, amount: 5 });
    await stripe.invoices.finalizeInvoice(second.id);
    expect((await stripe.invoices.list({ customer: customer.id })).data.map((i) => i.id)).toEqual([second.id, first.id]);
    expect((await stripe.invoices.list({ customer: customer.id, status: 'draft' })).data.map((i) => i.id)).toEqual([first.id]);
    expect((await stripe.invoices.list({ customer: customer.id, status: 'open' })).data.map((i) => i.id)).toEqual([second.id]);
  });

  it('requires due terms for send_invoice and refuses them otherwise', async () => {
    const customer = await stripe.customers.create({});
    await expect(stripe.invoices.create({ customer: customer.id, collection_method: 'send_invoice' })).rejects.toMatchObject({
      statusCode: 400,
      param: 'days_until_due',
    });
    await expect(stripe.invoices.create({ customer: customer.id, days_until_due: 10 })).rejects.toMatchObject({
      statusCode: 400,
      param: 'days_until_due',
    });
  });

  it('updates metadata after finalization but nothing that changes money', async () => {
    const { customer, invoice } = await draftInvoice(stripe);
    await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: 5 });
    await stripe.invoices.finalizeInvoice(invoice.id);
    const updated = await stripe.invoices.update(invoice.id, { metadata: { reconciled: 'yes' } });
    expect(updated.metadata).toEqual({ reconciled: 'yes' });
    await expect(stripe.invoices.update(invoice.id, { description: 'late edit' })).rejects.toMatchObject({ code: 'invoice_not_editable' });
    const updatedEvent = emulator.events('invoice.updated').at(-1);
    expect(updatedEvent?.data.previous_attributes).toEqual({ metadata: {} });
  });
});

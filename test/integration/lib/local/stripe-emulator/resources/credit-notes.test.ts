// Credit notes against finalized invoices: what an invoice can still be
// credited, pre- and post-payment amounts, and the invoice fields they move.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningStripeEmulator } from '../../../../../../lib/local/stripe-emulator';
import { draftInvoice, sdkClient, startTestEmulator } from '../../../../../support/emulator-test-support';

let emulator: RunningStripeEmulator;
let stripe: Stripe;

beforeAll(async () => {
  emulator = await startTestEmulator();
  stripe = sdkClient(emulator);
});
afterAll(async () => {
  await emulator.stop();
});

async function openInvoice(amounts: number[], currency = 'usd') {
  const { customer, invoice } = await draftInvoice(stripe, currency);
  for (const amount of amounts) {
    await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount, description: `Outcomes ${amount}` });
  }
  const finalized = await stripe.invoices.finalizeInvoice(invoice.id);
  return { customer, invoice: finalized, lineIds: finalized.lines.data.map((line) => line.id) };
}

describe('credit notes on an open invoice', () => {
  it('credit an invoice line and reduce what the invoice asks for', async () => {
    const { invoice, lineIds } = await openInvoice([3000, 2000]);
    const creditNote = await stripe.creditNotes.create({
      invoice: invoice.id,
      lines: [{ type: 'invoice_line_item', invoice_line_item: lineIds[0]!, amount: 1200 }],
      reason: 'order_change',
      memo: 'Reversed outcomes for 2025-01',
      metadata: { contract: 'ctr_9', period: '2025-01' },
    });
    expect(creditNote).toMatchObject({
      object: 'credit_note',
      status: 'issued',
      type: 'pre_payment',
      amount: 1200,
      total: 1200,
      pre_payment_amount: 1200,
      post_payment_amount: 0,
      invoice: invoice.id,
      number: `${invoice.number}-CN-01`,
      metadata: { contract: 'ctr_9', period: '2025-01' },
    });
    expect(creditNote.lines.data[0]).toMatchObject({ type: 'invoice_line_item', invoice_line_item: lineIds[0], amount: 1200 });
    const after = await stripe.invoices.retrieve(invoice.id);
    expect(after).toMatchObject({
      total: 5000,
      amount_due: 3800,
      amount_remaining: 3800,
      pre_payment_credit_notes_amount: 1200,
      post_payment_credit_notes_amount: 0,
      status: 'open',
    });
  });

  it('accept custom lines priced by unit_amount_decimal × quantity', async () => {
    const { invoice } = await openInvoice([1000], 'jpy');
    const creditNote = await stripe.creditNotes.create({
      invoice: invoice.id,
      lines: [{ type: 'custom_line_item', description: 'Service credit', unit_amount_decimal: Stripe.Decimal.from('2.5'), quantity: 3 }],
    });
    expect(creditNote.total).toBe(8);
    expect(creditNote.lines.data[0]?.unit_amount_decimal?.toString()).toBe('2.5');
  });

  it('refuse to credit more than the invoice or the line has left', async () => {
    const { invoice, lineIds } = await openInvoice([500, 500]);
    await stripe.creditNotes.create({ invoice: invoice.id, lines: [{ type: 'invoice_line_item', invoice_line_item: lineIds[0]!, amount: 400 }] });
    await expect(
      stripe.creditNotes.create({ invoice: invoice.id, lines: [{ type: 'invoice_line_item', invoice_line_item: lineIds[0]!, amount: 101 }] }),
    ).rejects.toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError', param: 'lines[0][amount]' });
    await expect(stripe.creditNotes.create({ invoice: invoice.id, amount: 601 })).rejects.toMatchObject({
      statusCode: 400,
      param: 'amount',
      message: expect.stringContaining("exceeds the invoice's remaining creditable amount (600)"),
    });
    await expect(
      stripe.creditNotes.create({ invoice: invoice.id, lines: [{ type: 'invoice_line_item', invoice_line_item: 'il_elsewhere', amount: 1 }] }),
    ).rejects.toMatchObject({ param: 'lines[0][invoice_line_item]', code: 'resource_missing' });
    const rest = await stripe.creditNotes.create({ invoice: invoice.id, amount: 600 });
    expect(rest.number).toBe(`${invoice.number}-CN-02`);
  });

  it('settle the invoice when they credit all that remained', async () => {
    const { invoice } = await openInvoice([250]);
    await stripe.creditNotes.create({ invoice: invoice.id, amount: 250 });
    expect(await stripe.invoices.retrieve(invoice.id)).toMatchObject({ status: 'paid', amount_due: 0, amount_remaining: 0 });
  });

  it('cannot be issued for drafts or missing invoices', async () => {
    const { invoice: draft } = await draftInvoice(stripe);
    await expect(stripe.creditNotes.create({ invoice: draft.id, amount: 1 })).rejects.toMatchObject({ statusCode: 400, param: 'invoice' });
    await expect(stripe.creditNotes.create({ invoice: 'in_missing', amount: 1 })).rejects.toMatchObject({ statusCode: 404, param: 'invoice' });
  });
});

describe('credit notes on a paid invoice', () => {
  it('are post-payment and must say how the amount is returned', async () => {
    const { customer, invoice, lineIds } = await openInvoice([4000]);
    await stripe.invoices.pay(invoice.id, { paid_out_of_band: true });
    await expect(
      stripe.creditNotes.create({ invoice: invoice.id, lines: [{ type: 'invoice_line_item', invoice_line_item: lineIds[0]!, amount: 1000 }] }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'credit_amount' });
    const creditNote = await stripe.creditNotes.create({
      invoice: invoice.id,
      lines: [{ type: 'invoice_line_item', invoice_line_item: lineIds[0]!, amount: 1000 }],
      credit_amount: 1000,
    });
    expect(creditNote).toMatchObject({ type: 'post_payment', pre_payment_amount: 0, post_payment_amount: 1000 });
    expect(await stripe.invoices.retrieve(invoice.id)).toMatchObject({ post_payment_credit_notes_amount: 1000, amount_paid: 4000 });
    expect(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).balance).toBe(-1000);

    // The credit balance is applied to the customer's next invoice at finalization.
    const next = await stripe.invoices.create({ customer: customer.id, currency: 'usd' });
    await stripe.invoiceItems.create({ customer: customer.id, invoice: next.id, amount: 1500 });
    const finalized = await stripe.invoices.finalizeInvoice(next.id);
    expect(finalized).toMatchObject({ total: 1500, starting_balance: -1000, amount_due: 500, ending_balance: 0 });
  });
});

describe('credit note lists and voids', () => {
  it('lists by invoice and restores the invoice when voided', async () => {
    const { invoice } = await openInvoice([900]);
    const first = await stripe.creditNotes.create({ invoice: invoice.id, amount: 100 });
    const second = await stripe.creditNotes.create({ invoice: invoice.id, amount: 200, out_of_band_amount: 0 });
    const listed = await stripe.creditNotes.list({ invoice: invoice.id });
    expect(listed.data.map((note) => note.id)).toEqual([second.id, first.id]);
    const voided = await stripe.creditNotes.voidCreditNote(second.id);
    expect(voided.status).toBe('void');
    expect(await stripe.invoices.retrieve(invoice.id)).toMatchObject({ amount_due: 800, pre_payment_credit_notes_amount: 100 });
    const lines = await stripe.creditNotes.listLineItems(first.id);
    expect(lines.data).toEqual([]);
    expect(emulator.events('credit_note.created').map((e) => (e.data.object as { id: string }).id)).toEqual(
      expect.arrayContaining([first.id, second.id]),
    );
  });
});

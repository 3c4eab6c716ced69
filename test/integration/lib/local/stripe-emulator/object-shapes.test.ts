// Every field of Stripe's published example objects (fixtures/stripe-example-objects.json,
// taken from Stripe's OpenAPI repository; see fixtures/NOTICE) is present on
// the emulator's objects.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningStripeEmulator } from '../../../../../lib/local/stripe-emulator';
import { raw, sdkClient, startTestEmulator } from '../../../../support/emulator-test-support';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', '..', 'support', 'fixtures', 'stripe-example-objects.json');

let emulator: RunningStripeEmulator;
let stripe: Stripe;
const objects: Record<string, Record<string, unknown>> = {};

beforeAll(async () => {
  emulator = await startTestEmulator();
  stripe = sdkClient(emulator);
  // Raw responses: the SDK turns decimal strings into Decimal objects, the wire has strings.
  const customer = await raw(emulator, 'POST', '/v1/customers', { form: 'name=Shapes' });
  const invoice = await raw(emulator, 'POST', '/v1/invoices', { form: `customer=${customer.body.id}&currency=usd` });
  const item = await raw(emulator, 'POST', '/v1/invoiceitems', {
    form: `customer=${customer.body.id}&invoice=${invoice.body.id}&unit_amount_decimal=100.5&quantity=2&description=Outcomes`,
  });
  const finalized = await raw(emulator, 'POST', `/v1/invoices/${invoice.body.id}/finalize`, { form: '' });
  const creditNote = await raw(emulator, 'POST', '/v1/credit_notes', {
    form: `invoice=${invoice.body.id}&lines[0][type]=invoice_line_item&lines[0][invoice_line_item]=${finalized.body.lines.data[0].id}&lines[0][amount]=50`,
  });
  const events = await raw(emulator, 'GET', '/v1/events?limit=1');
  Object.assign(objects, {
    customer: customer.body,
    invoiceitem: item.body,
    invoice: finalized.body,
    line_item: finalized.body.lines.data[0],
    credit_note: creditNote.body,
    credit_note_line_item: creditNote.body.lines.data[0],
    event: events.body.data[0],
  });
});
afterAll(async () => {
  await emulator.stop();
});

describe("Stripe's example objects", () => {
  const fixtures = (JSON.parse(readFileSync(FIXTURES, 'utf8')) as { resources: Record<string, Record<string, unknown>> }).resources;

  it.each(['customer', 'invoiceitem', 'invoice', 'line_item', 'credit_note', 'credit_note_line_item', 'event'])(
    '%s has every top-level field of the fixture, with the same object name',
    (name) => {
      const fixture = fixtures[name]!;
      const object = objects[name]!;
      const missing = Object.keys(fixture).filter((key) => !(key in object));
      expect(missing).toEqual([]);
      expect(object.object).toBe(fixture.object);
      expect(String(object.id)).toMatch(new RegExp(`^${String(fixture.id).split('_')[0]}_`));
    },
  );

  it('invoice status transitions and list envelopes have the fixture’s fields', () => {
    const invoice = objects.invoice!;
    expect(Object.keys(invoice.status_transitions as object).sort()).toEqual(
      Object.keys(fixtures.invoice!.status_transitions as object).sort(),
    );
    expect(Object.keys(invoice.lines as object).sort()).toEqual(Object.keys(fixtures.invoice!.lines as object).sort());
    expect(Object.keys(objects.line_item!.period as object).sort()).toEqual(['end', 'start']);
  });

  it('decimal fields travel as strings, as in Stripe’s JSON', () => {
    expect(objects.invoiceitem!.quantity_decimal).toBe('2');
    expect((objects.invoiceitem!.pricing as { unit_amount_decimal: string }).unit_amount_decimal).toBe('100.5');
    expect(objects.invoiceitem!.amount).toBe(201);
  });
});

describe('typed responses', () => {
  it('decode into the SDK’s types, decimals as Stripe.Decimal', async () => {
    const items = await stripe.invoiceItems.list({ limit: 1 });
    const item: Stripe.InvoiceItem = items.data[0]!;
    expect(item.quantity_decimal.eq(Stripe.Decimal.from(2))).toBe(true);
    expect(item.pricing?.unit_amount_decimal?.toString()).toBe('100.5');
  });
});

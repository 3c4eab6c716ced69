// Events recorded for billing changes, delivered to a webhook endpoint with a
// Stripe-Signature the SDK's own verifier accepts (and rejects when tampered).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningStripeEmulator } from '../../../../../lib/local/stripe-emulator';
import { draftInvoice, raw, sdkClient, startTestEmulator } from '../../../../support/emulator-test-support';

interface Received {
  body: string;
  signature: string | undefined;
}

let emulator: RunningStripeEmulator;
let stripe: Stripe;
let receiver: Server;
let received: Received[] = [];
let failNext = 0;
const secret = 'whsec_test_emulator_secret';

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), signature: req.headers['stripe-signature'] as string | undefined });
      res.statusCode = failNext-- > 0 ? 500 : 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const { port } = receiver.address() as AddressInfo;
  emulator = await startTestEmulator({ webhook: { url: `http://127.0.0.1:${port}/stripe/webhook`, secret, retryDelayMs: 10 } });
  stripe = sdkClient(emulator);
});
beforeEach(async () => {
  await emulator.webhookDeliveries();
  received = [];
  failNext = 0;
});
afterAll(async () => {
  await emulator.stop();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

async function billedInvoice() {
  const { customer, invoice } = await draftInvoice(stripe);
  await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: 2500 });
  return stripe.invoices.finalizeInvoice(invoice.id);
}

describe('webhook deliveries', () => {
  it('carry a signature that stripe.webhooks.constructEvent verifies', async () => {
    const invoice = await billedInvoice();
    await stripe.invoices.pay(invoice.id, { paid_out_of_band: true });
    await emulator.webhookDeliveries();
    const events = received.map(({ body, signature }) => stripe.webhooks.constructEvent(body, signature ?? '', secret));
    const forInvoice = events.filter((event) => (event.data.object as { id?: string }).id === invoice.id);
    expect(forInvoice.map((event) => event.type)).toEqual(['invoice.created', 'invoice.finalized', 'invoice.paid']);
    const paid = forInvoice[2]!;
    expect(paid).toMatchObject({ object: 'event', livemode: false, api_version: Stripe.API_VERSION, request: { id: expect.stringMatching(/^req_/) } });
    expect(paid.data.object).toMatchObject({ id: invoice.id, status: 'paid', amount_paid: 2500 });
    expect(emulator.webhookSecret).toBe(secret);
  });

  it('are sent again with tampered signatures that the SDK rejects', async () => {
    const invoice = await billedInvoice();
    const finalized = emulator.events('invoice.finalized').find((event) => (event.data.object as { id: string }).id === invoice.id)!;
    await emulator.webhookDeliveries();
    received = [];
    for (const tamper of ['bad-signature', 'stale-timestamp', 'missing-signature'] as const) {
      const delivery = await emulator.resendEvent(finalized.id, tamper);
      expect(delivery).toMatchObject({ eventId: finalized.id, tamper, status: 200 });
    }
    expect(received).toHaveLength(3);
    for (const { body, signature } of received) {
      expect(() => stripe.webhooks.constructEvent(body, signature ?? '', secret)).toThrow(Stripe.errors.StripeSignatureVerificationError);
    }
    const good = await emulator.resendEvent(finalized.id);
    expect(good.status).toBe(200);
    const last = received.at(-1)!;
    expect(stripe.webhooks.constructEvent(last.body, last.signature ?? '', secret).id).toBe(finalized.id);
  });

  it('are retried when the endpoint answers an error', async () => {
    failNext = 2;
    const customer = await stripe.customers.create({ name: 'Retry me' });
    const eventId = emulator.events('customer.created').at(-1)!.id;
    const forEvent = (await emulator.webhookDeliveries()).filter((delivery) => delivery.eventId === eventId);
    expect(forEvent.map((d) => d.status)).toEqual([500, 500, 200]);
    expect(received.map((r) => JSON.parse(r.body).data.object.id)).toEqual([customer.id, customer.id, customer.id]);
    const event = await stripe.events.retrieve(forEvent[0]!.eventId);
    expect(event.pending_webhooks).toBe(0);
  });

  it('record payment failures from the control route for webhook handling tests', async () => {
    const invoice = await billedInvoice();
    const failed = await raw(emulator, 'POST', `/_emulator/invoices/${invoice.id}/payment_failure`, { auth: null });
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({ id: invoice.id, status: 'open', attempt_count: 1 });
    await emulator.webhookDeliveries();
    const types = received.map((r) => JSON.parse(r.body) as Stripe.Event).filter((e) => (e.data.object as { id?: string }).id === invoice.id).map((e) => e.type);
    expect(types).toContain('invoice.payment_failed');
    expect(emulator.failInvoicePayment(invoice.id)).toMatchObject({ attempt_count: 2, attempted: true });
    await stripe.invoices.voidInvoice(invoice.id);
    expect(() => emulator.failInvoicePayment(invoice.id)).toThrow(/open or uncollectible/);
  });
});

describe('events', () => {
  it('are listed newest first and filtered by type, wildcard and types[]', async () => {
    const invoice = await billedInvoice();
    const creditNote = await stripe.creditNotes.create({ invoice: invoice.id, amount: 500 });
    const byType = await stripe.events.list({ type: 'credit_note.created', limit: 1 });
    expect((byType.data[0]?.data.object as Stripe.CreditNote).id).toBe(creditNote.id);
    const wildcard = await stripe.events.list({ type: 'invoice.*', limit: 100 });
    expect(wildcard.data.every((event) => event.type.startsWith('invoice.'))).toBe(true);
    expect(wildcard.data.map((event) => event.type)).toEqual(expect.arrayContaining(['invoice.created', 'invoice.finalized', 'invoice.updated']));
    const types = await stripe.events.list({ types: ['invoice.finalized', 'credit_note.created'], limit: 2 });
    expect(types.data.map((event) => event.type)).toEqual(['credit_note.created', 'invoice.finalized']);
    expect(byType.data[0]?.request?.idempotency_key).toMatch(/^stripe-node-retry-/);
  });
});

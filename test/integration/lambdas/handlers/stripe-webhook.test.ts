import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startStripeEmulator, type RunningStripeEmulator } from '../../../../lib/local/stripe-emulator';
import { DynamoDbInvoiceStore } from '../../../../lambdas/adapters/dynamodb/invoice-store';
import { createStripeWebhookHandler } from '../../../../lambdas/handlers/stripe-webhook';
import type { PaymentSignal } from '../../../../lambdas/application/billing/ports';
import { RecordingPublisher, createEngineTable, dynamoClient } from '../../../support/billing-fakes';

const SECRET = 'whsec_billing_integration';
let emulator: RunningStripeEmulator;
let stripe: Stripe;
let server: Server;
let store: DynamoDbInvoiceStore;
const events = new RecordingPublisher();

beforeAll(async () => {
  const client = dynamoClient(inject('dynamoDbEndpoint'));
  const tableName = `engine-webhook-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  await createEngineTable(client, tableName);
  store = new DynamoDbInvoiceStore(client, tableName);
  emulator = await startStripeEmulator({ seed: 'billing-webhook' });
  stripe = new Stripe(emulator.apiKey, { ...emulator.clientOptions, maxNetworkRetries: 2 });
  const handler = createStripeWebhookHandler(async () => ({
    webhookSecret: SECRET,
    signals: store,
    events,
    clock: () => emulator.now(),
  }));
  // A Function URL in miniature: the raw body goes to the handler base64-encoded, as Lambda sends it.
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const event = {
        headers: Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, String(value)])),
        body: Buffer.concat(chunks).toString('base64'),
        isBase64Encoded: true,
      } as unknown as APIGatewayProxyEventV2;
      handler(event).then(
        (response) => res.writeHead(response.statusCode ?? 500, { 'content-type': 'application/json' }).end(response.body),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  emulator.configureWebhook({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/stripe/webhook`, secret: SECRET });
});

afterAll(async () => {
  await emulator?.stop();
  await new Promise((resolve) => server?.close(resolve));
});

describe('Stripe webhooks from the emulator', () => {
  it('records finalized, paid and credit note events once, and rejects bad, stale and missing signatures', async () => {
    const customer = await stripe.customers.create({ name: 'Webhook Co' });
    const invoice = await stripe.invoices.create({ customer: customer.id, currency: 'jpy', metadata: { contractId: 'ctr-w', periodId: '2026-10' } });
    await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id as string, amount: 5000, currency: 'jpy', description: 'Resolutions' });
    await stripe.invoices.finalizeInvoice(invoice.id as string);
    await stripe.creditNotes.create({ invoice: invoice.id as string, amount: 1000 });
    await stripe.invoices.pay(invoice.id as string, { paid_out_of_band: true });

    const deliveries = await emulator.webhookDeliveries();
    const signalTypes = ['invoice.finalized', 'credit_note.created', 'invoice.paid'];
    for (const type of signalTypes) {
      expect(deliveries.filter((delivery) => delivery.type === type).map((delivery) => delivery.status)).toEqual([200]);
    }
    const recorded = events.ofType('Payment Signal Recorded').map((event) => event.detail['type']);
    expect(recorded.sort()).toEqual([...signalTypes].sort());
    const paid = events.ofType('Payment Signal Recorded').find((event) => event.detail['type'] === 'invoice.paid');
    expect(paid?.detail).toMatchObject({ contractId: 'ctr-w', periodId: '2026-10', stripeInvoiceId: invoice.id, currency: 'jpy' });
    // Charged automatically: Stripe sets no due date.
    expect(events.ofType('Payment Signal Recorded').find((event) => event.detail['type'] === 'invoice.finalized')?.detail).toMatchObject({ dueAt: null });

    const paidEvent = deliveries.find((delivery) => delivery.type === 'invoice.paid');
    expect((await emulator.resendEvent(paidEvent?.eventId as string)).status).toBe(200);
    expect((await emulator.resendEvent(paidEvent?.eventId as string, 'bad-signature')).status).toBe(400);
    expect((await emulator.resendEvent(paidEvent?.eventId as string, 'stale-timestamp')).status).toBe(400);
    expect((await emulator.resendEvent(paidEvent?.eventId as string, 'missing-signature')).status).toBe(400);
    // The good resend was a duplicate: still one signal per event.
    expect(events.ofType('Payment Signal Recorded')).toHaveLength(3);
    expect(await store.putPaymentSignal({ ...(paid?.detail as unknown as PaymentSignal), stripeEventId: paidEvent?.eventId as string })).toEqual({
      created: false,
      published: true,
    });
  });

  it('keeps the due date Stripe sets when an invoice with payment terms is finalized, as the engine sends them', async () => {
    const customer = await stripe.customers.create({ name: 'Terms Co' });
    const invoice = await stripe.invoices.create({
      customer: customer.id,
      currency: 'usd',
      collection_method: 'send_invoice',
      days_until_due: 30,
      metadata: { contractId: 'ctr-terms', periodId: '2026-10' },
    });
    await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id as string, amount: 120000, currency: 'usd', description: 'Resolutions' });
    const finalized = await stripe.invoices.finalizeInvoice(invoice.id as string);
    expect(finalized.due_date).toBe((finalized.status_transitions.finalized_at as number) + 30 * 86_400);
    await emulator.webhookDeliveries();

    const recorded = events.ofType('Payment Signal Recorded').filter((event) => event.detail['contractId'] === 'ctr-terms');
    expect(recorded.map((event) => event.detail)).toMatchObject([{
      type: 'invoice.finalized',
      stripeInvoiceId: invoice.id,
      status: 'open',
      amountDue: '120000',
      dueAt: new Date((finalized.due_date as number) * 1000).toISOString(),
    }]);
  });
});

// The local engine's Stripe webhook is a route of the engine's own HTTP
// server (POST /stripe/webhook on the PutEvents port): Stripe's signature is
// checked over the raw body, recorded signals are republished through that
// same endpoint, and bad signatures are refused with 400.
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLedgerTables } from '../../../../lambdas/adapters/dynamodb/create-tables';
import { DynamoDbLedgerRepository } from '../../../../lambdas/adapters/dynamodb/dynamodb-ledger-repository';
import { startLocalBilling, STRIPE_WEBHOOK_PATH, type LocalBilling } from '../../../../lib/local/local-billing';
import { validatePutEvents, type EventBridgeEnvelope } from '../../../../lib/local/put-events-request';
import { startPutEventsServer, type RunningPutEventsServer } from '../../../../lib/local/put-events-server';
import { dynamoClient } from '../../../support/billing-fakes';

const suffix = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
const ledgerTableName = `webhook-route-ledger-${suffix}`;
const engineTableName = `webhook-route-engine-${suffix}`;
const NOW = new Date('2026-11-02T01:00:00.000Z');

let server: RunningPutEventsServer;
let billing: LocalBilling;
let stripe: Stripe;
let eventBridge: EventBridgeClient;
const bus: EventBridgeEnvelope[] = [];
const dynamoDb = dynamoClient(inject('dynamoDbEndpoint'));

beforeAll(async () => {
  await createLedgerTables(dynamoDb, { ledgerTableName, engineTableName });
  server = await startPutEventsServer({
    port: 0,
    putEvents: (request) => {
      const outcome = validatePutEvents(request, { account: '000000000000', region: 'us-east-1', now: () => NOW });
      bus.push(...outcome.accepted.map((accepted) => accepted.envelope));
      return outcome.response;
    },
  });
  eventBridge = new EventBridgeClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  billing = await startLocalBilling({
    dynamoDb,
    ledger: new DynamoDbLedgerRepository({ client: dynamoDb, tableName: ledgerTableName }),
    ledgerTableName,
    engineTableName,
    eventBridge,
    eventBusName: 'outcome-engine',
    now: () => NOW,
    closeCheckIntervalMs: 0,
    stripeApiKey: '',
    emulatorSeed: 'webhook-route',
    log: () => undefined,
    httpServer: server,
  });
  const emulator = billing.emulator;
  if (!emulator) throw new Error('expected the emulator without a Stripe key');
  stripe = new Stripe(emulator.apiKey, { ...emulator.clientOptions, maxNetworkRetries: 1 });
});

afterAll(async () => {
  await billing?.stop();
  eventBridge?.destroy();
  await server?.close();
  dynamoDb.destroy();
});

function signals(type: string): EventBridgeEnvelope[] {
  return bus.filter((event) => event['detail-type'] === 'Payment Signal Recorded' && (event.detail as Record<string, unknown>)['type'] === type);
}

async function finalizedInvoice(): Promise<Stripe.Invoice> {
  const customer = await stripe.customers.create({ name: 'Acme' });
  const invoice = await stripe.invoices.create({
    customer: customer.id,
    collection_method: 'send_invoice',
    days_until_due: 30,
    pending_invoice_items_behavior: 'exclude',
    metadata: { contractId: 'ctr-acme', periodId: '2026-10' },
  });
  await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id as string, amount: 12_345, currency: 'usd', description: 'Resolutions' });
  return stripe.invoices.finalizeInvoice(invoice.id as string);
}

describe('Stripe webhook on the engine port', () => {
  it('is served at /stripe/webhook on the same port as PutEvents', () => {
    expect(billing.webhookUrl).toBe(`${server.url}${STRIPE_WEBHOOK_PATH}`);
  });

  it("accepts the emulator's signed delivery and republishes the payment signal through the engine's bus", async () => {
    const invoice = await finalizedInvoice();
    const emulator = billing.emulator!;
    const deliveries = (await emulator.webhookDeliveries()).filter((delivery) => delivery.type === 'invoice.finalized');
    expect(deliveries.map((delivery) => delivery.status)).toEqual([200]);
    expect(signals('invoice.finalized').map((event) => event.detail)).toEqual([
      expect.objectContaining({ stripeInvoiceId: invoice.id, contractId: 'ctr-acme', periodId: '2026-10' }),
    ]);
  });

  it('accepts a request signed with the webhook secret (a hand-made delivery)', async () => {
    const payload = JSON.stringify({
      id: 'evt_handmade_1',
      object: 'event',
      type: 'customer.created',
      created: Math.floor(NOW.getTime() / 1000),
      livemode: false,
      data: { object: { id: 'cus_handmade', object: 'customer' } },
    });
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: billing.emulator!.webhookSecret, timestamp: Math.floor(NOW.getTime() / 1000) });
    const response = await fetch(billing.webhookUrl, { method: 'POST', body: payload, headers: { 'content-type': 'application/json', 'stripe-signature': signature } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ outcome: 'ignored' });
  });

  it('refuses bad, stale, forged and missing signatures with 400 and records nothing', async () => {
    const emulator = billing.emulator!;
    const before = signals('invoice.finalized').length;
    const [finalized] = emulator.events('invoice.finalized');
    const tampered = await emulator.resendEvent(finalized?.id as string, 'bad-signature');
    expect(tampered.status).toBe(400);
    const stale = await emulator.resendEvent(finalized?.id as string, 'stale-timestamp');
    expect(stale.status).toBe(400);

    const payload = JSON.stringify({ id: 'evt_forged', object: 'event', type: 'invoice.paid', data: { object: { id: 'in_forged', object: 'invoice' } } });
    const forged = await fetch(billing.webhookUrl, {
      method: 'POST',
      body: payload,
      headers: { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_not_the_engines', timestamp: Math.floor(NOW.getTime() / 1000) }) },
    });
    expect(forged.status).toBe(400);
    expect(await forged.json()).toMatchObject({ code: 'invalid_signature' });
    const unsigned = await fetch(billing.webhookUrl, { method: 'POST', body: payload });
    expect(unsigned.status).toBe(400);
    expect(await unsigned.json()).toMatchObject({ code: 'missing_signature' });
    expect(signals('invoice.finalized')).toHaveLength(before);
    expect(signals('invoice.paid')).toHaveLength(0);
  });

  it('stops serving the route when billing stops, leaving the engine port up', async () => {
    const stopped = await startLocalBilling({
      dynamoDb,
      ledger: new DynamoDbLedgerRepository({ client: dynamoDb, tableName: ledgerTableName }),
      ledgerTableName,
      engineTableName,
      eventBridge,
      eventBusName: 'outcome-engine',
      now: () => NOW,
        closeCheckIntervalMs: 0,
      stripeApiKey: '',
      log: () => undefined,
      httpServer: {
        url: server.url,
        // A second billing on the same server would collide with the first one's route, so it gets a prefix.
        addRoute: (route) => server.addRoute({ ...route, path: `/second${route.path}` }),
      },
    });
    const url = `${server.url}/second${STRIPE_WEBHOOK_PATH}`;
    const served = await fetch(url, { method: 'POST', body: '{}' });
    expect(await served.json()).toMatchObject({ code: 'missing_signature' });
    await stopped.stop();
    // Now the path falls through to the PutEvents endpoint, which answers in AWS's JSON error shape.
    const gone = await fetch(url, { method: 'POST', body: '{}' });
    expect(gone.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect((await fetch(`${server.url}/_local/health`)).status).toBe(200);
  });
});

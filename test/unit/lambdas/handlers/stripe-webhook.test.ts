import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createStripeWebhookHandler, type StripeWebhookDeps } from '../../../../lambdas/handlers/stripe-webhook';
import type { PaymentSignal, PaymentSignalStore } from '../../../../lambdas/application/billing/ports';
import type { OutboundEvent } from '../../../../lambdas/application/ports';

const SECRET = 'whsec_unit_test_secret';
const NOW = new Date('2026-11-20T10:00:00.000Z');

class MemorySignals implements PaymentSignalStore {
  readonly signals = new Map<string, { signal: PaymentSignal; published: boolean }>();
  failPublishOnce = false;
  async putPaymentSignal(signal: PaymentSignal) {
    const known = this.signals.get(signal.stripeEventId);
    if (known) return { created: false, published: known.published };
    this.signals.set(signal.stripeEventId, { signal, published: false });
    return { created: true, published: false };
  }
  async markPaymentSignalPublished(id: string) {
    const known = this.signals.get(id);
    if (known) known.published = true;
  }
}

function setup() {
  const signals = new MemorySignals();
  const published: OutboundEvent[] = [];
  let failNextPublish = false;
  const deps: StripeWebhookDeps = {
    webhookSecret: SECRET,
    signals,
    clock: () => NOW,
    events: {
      publish: async (events) => {
        if (failNextPublish) {
          failNextPublish = false;
          throw new Error('bus unavailable');
        }
        published.push(...events);
      },
    },
  };
  return { signals, published, handler: createStripeWebhookHandler(async () => deps), failPublish: () => (failNextPublish = true) };
}

function stripeEvent(type: string, id = 'evt_1', invoice: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id,
    object: 'event',
    type,
    created: Math.floor(NOW.getTime() / 1000) - 5,
    livemode: false,
    data: {
      object: {
        id: 'in_123',
        object: 'invoice',
        customer: 'cus_9',
        currency: 'usd',
        total: 10300,
        amount_due: 10300,
        amount_paid: 10300,
        status: 'paid',
        metadata: { contractId: 'ctr-1', periodId: '2026-10', invoiceRecordId: 'oe:ctr-1:2026-10:r1' },
        ...invoice,
      },
    },
  });
}

function request(body: string, signature: string | undefined, base64 = false): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: signature === undefined ? { 'content-type': 'application/json' } : { 'content-type': 'application/json', 'stripe-signature': signature },
    body: base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: base64,
    requestContext: {} as APIGatewayProxyEventV2['requestContext'],
  };
}

function sign(body: string, secondsAgo = 0, secret = SECRET): string {
  return Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: Math.floor(NOW.getTime() / 1000) - secondsAgo });
}

describe('stripe-webhook handler', () => {
  it('records a signed invoice.paid once and republishes it as a payment signal', async () => {
    const { handler, published, signals } = setup();
    const body = stripeEvent('invoice.paid');
    const first = await handler(request(body, sign(body), true));
    const again = await handler(request(body, sign(body)));

    expect(first.statusCode).toBe(200);
    expect(JSON.parse(String(first.body))).toMatchObject({ outcome: 'recorded', stripeEventId: 'evt_1' });
    expect(JSON.parse(String(again.body))).toMatchObject({ outcome: 'duplicate' });
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({
      detailType: 'Payment Signal Recorded',
      detail: { type: 'invoice.paid', stripeInvoiceId: 'in_123', contractId: 'ctr-1', periodId: '2026-10', amountPaid: '10300' },
    });
    expect(signals.signals.size).toBe(1);
  });

  it('publishes again on redelivery when the first publish failed', async () => {
    const { handler, published, failPublish } = setup();
    const body = stripeEvent('invoice.payment_failed', 'evt_2');
    failPublish();
    await expect(handler(request(body, sign(body)))).rejects.toThrow('bus unavailable');
    const retry = await handler(request(body, sign(body)));
    expect(JSON.parse(String(retry.body))).toMatchObject({ outcome: 'duplicate' });
    expect(published).toHaveLength(1);
  });

  it.each([
    ['a tampered body', (body: string) => ({ body: body.replace('10300', '1'), signature: sign(body) }), 'invalid_signature'],
    ['another secret', (body: string) => ({ body, signature: sign(body, 0, 'whsec_other') }), 'invalid_signature'],
    ['a stale timestamp', (body: string) => ({ body, signature: sign(body, 301) }), 'stale_signature'],
    ['no signature', (body: string) => ({ body, signature: undefined }), 'missing_signature'],
  ])('rejects %s with 400 and records nothing', async (_name, make, code) => {
    const { handler, published, signals } = setup();
    const { body, signature } = make(stripeEvent('invoice.paid'));
    const response = await handler(request(body, signature));
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(String(response.body))).toMatchObject({ code });
    expect(published).toHaveLength(0);
    expect(signals.signals.size).toBe(0);
  });

  it('keeps the due date an invoice with payment terms carries, and none when Stripe set none', async () => {
    const { handler, published, signals } = setup();
    const dueDate = Math.floor(Date.parse('2026-12-20T10:00:00.000Z') / 1000);
    const finalized = stripeEvent('invoice.finalized', 'evt_5', { status: 'open', amount_paid: 0, collection_method: 'send_invoice', due_date: dueDate });
    expect((await handler(request(finalized, sign(finalized)))).statusCode).toBe(200);
    const charged = stripeEvent('invoice.paid', 'evt_6', { due_date: null });
    expect((await handler(request(charged, sign(charged)))).statusCode).toBe(200);

    expect(signals.signals.get('evt_5')?.signal).toMatchObject({ type: 'invoice.finalized', stripeInvoiceId: 'in_123', dueAt: '2026-12-20T10:00:00.000Z' });
    expect(signals.signals.get('evt_6')?.signal.dueAt).toBeNull();
    expect(published.map((event) => event.detail['dueAt'])).toEqual(['2026-12-20T10:00:00.000Z', null]);
  });

  it('accepts a signature just inside the 300 s tolerance', async () => {
    const { handler } = setup();
    const body = stripeEvent('invoice.finalized', 'evt_3');
    expect((await handler(request(body, sign(body, 299)))).statusCode).toBe(200);
  });

  it('acknowledges other event types without recording them', async () => {
    const { handler, published, signals } = setup();
    const body = stripeEvent('customer.created', 'evt_4');
    const response = await handler(request(body, sign(body)));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(String(response.body))).toEqual({ received: true, outcome: 'ignored', type: 'customer.created' });
    expect(published).toHaveLength(0);
    expect(signals.signals.size).toBe(0);
  });
});

describe('stripe-webhook handler as deployed (Secrets Manager, DynamoDB, EventBridge mocked)', () => {
  it('reads the webhook secret from Secrets Manager, records the signal and puts it on the bus', async () => {
    const { mockClient } = await import('aws-sdk-client-mock');
    const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const { DynamoDBClient, PutItemCommand, UpdateItemCommand } = await import('@aws-sdk/client-dynamodb');
    const { EventBridgeClient, PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
    const secrets = mockClient(SecretsManagerClient);
    const dynamo = mockClient(DynamoDBClient);
    const bus = mockClient(EventBridgeClient);
    try {
      secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ webhookSecret: SECRET, apiKey: 'sk_test_123' }) });
      dynamo.on(PutItemCommand).resolves({});
      dynamo.on(UpdateItemCommand).resolves({});
      bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
      process.env['STRIPE_SECRET_ARN'] = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe';
      process.env['ENGINE_TABLE_NAME'] = 'engine';
      process.env['EVENT_BUS_NAME'] = 'outcomes';
      const { handler } = await import('../../../../lambdas/handlers/stripe-webhook');
      const body = stripeEvent('invoice.voided', 'evt_deployed');
      const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET });
      const response = await handler(request(body, signature, true), {} as never);

      expect(response.statusCode).toBe(200);
      expect(dynamo.commandCalls(PutItemCommand)[0]?.args[0].input).toMatchObject({
        TableName: 'engine',
        ConditionExpression: 'attribute_not_exists(#pk)',
        Item: { pk: { S: 'STRIPE_EVENT#evt_deployed' } },
      });
      const entry = bus.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
      expect(entry).toMatchObject({ EventBusName: 'outcomes', Source: 'outcome-engine', DetailType: 'Payment Signal Recorded' });
      expect(JSON.parse(String(entry?.Detail))).toMatchObject({ type: 'invoice.voided', stripeEventId: 'evt_deployed' });
    } finally {
      secrets.reset();
      dynamo.reset();
      bus.reset();
      delete process.env['STRIPE_SECRET_ARN'];
      delete process.env['ENGINE_TABLE_NAME'];
      delete process.env['EVENT_BUS_NAME'];
    }
  });
});

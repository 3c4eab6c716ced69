import middy from '@middy/core';
import Stripe from 'stripe';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  StripeEventSchema,
  recordPaymentSignal,
  type RecordPaymentSignalDeps,
} from '../application/billing/record-payment-signal';
import { DynamoDbInvoiceStore } from '../adapters/dynamodb/invoice-store';
import { loadStripeSecrets } from '../adapters/stripe/stripe-secrets';
import { ENGINE_EVENT_SOURCE } from '../domain/events/detail-types';

/** Stripe's recommended (and the SDK's default) signature age limit. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export interface StripeWebhookDeps extends RecordPaymentSignalDeps {
  readonly webhookSecret: string;
  readonly toleranceSeconds?: number;
}

function respond(statusCode: number, body: Record<string, unknown>): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function rawBodyOf(event: APIGatewayProxyEventV2): string | undefined {
  if (event.body === undefined || event.body === null) return undefined;
  // Stripe signs the exact bytes it sent: decode, never re-serialize.
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

function signatureHeaderOf(event: APIGatewayProxyEventV2): string | undefined {
  const entry = Object.entries(event.headers ?? {}).find(([name]) => name.toLowerCase() === 'stripe-signature');
  return entry?.[1];
}

/** The request → response mapping, with its dependencies passed in (tests, local engine). */
export function createStripeWebhookHandler(resolveDeps: () => Promise<StripeWebhookDeps>) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const deps = await resolveDeps();
    const body = rawBodyOf(event);
    if (!body) return respond(400, { code: 'missing_body', message: 'the request has no body: expected a Stripe event' });
    const header = signatureHeaderOf(event);
    if (!header) return respond(400, { code: 'missing_signature', message: 'the Stripe-Signature header is missing' });
    let verified: Stripe.Event;
    try {
      verified = Stripe.webhooks.constructEvent(
        body,
        header,
        deps.webhookSecret,
        deps.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS,
        undefined,
        deps.clock().getTime(),
      );
    } catch (error) {
      const stale = error instanceof Error && /tolerance/i.test(error.message);
      return stale
        ? respond(400, {
            code: 'stale_signature',
            message: `the Stripe-Signature timestamp is older than ${deps.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS} s: possible replay`,
          })
        : respond(400, { code: 'invalid_signature', message: 'the Stripe-Signature does not match the body and the webhook secret' });
    }
    const parsed = StripeEventSchema.safeParse(verified);
    if (!parsed.success) {
      return respond(400, { code: 'invalid_event', message: `the signed event is not a Stripe event: ${parsed.error.issues[0]?.message ?? ''}` });
    }
    const result = await recordPaymentSignal(deps, parsed.data);
    return respond(200, {
      received: true,
      outcome: result.outcome,
      ...(result.outcome === 'ignored' ? { type: result.type } : { stripeEventId: result.signal.stripeEventId }),
    });
  };
}

let defaultDeps: Promise<StripeWebhookDeps> | undefined;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is required`);
  return value;
}

// Built once per Lambda container; secrets are read once and never logged.
async function buildDefaultDeps(): Promise<StripeWebhookDeps> {
  const secrets = await loadStripeSecrets(process.env);
  if (!secrets.webhookSecret) throw new Error('no Stripe webhook secret configured (STRIPE_SECRET_ARN or STRIPE_WEBHOOK_SECRET)');
  const store = new DynamoDbInvoiceStore(new DynamoDBClient({}), required('ENGINE_TABLE_NAME'));
  const eventBridge = new EventBridgeClient({});
  const busName = required('EVENT_BUS_NAME');
  return {
    webhookSecret: secrets.webhookSecret,
    signals: store,
    clock: () => new Date(),
    events: {
      publish: async (events) => {
        if (events.length === 0) return;
        const result = await eventBridge.send(
          new PutEventsCommand({
            Entries: events.map((entry) => ({
              EventBusName: busName,
              Source: ENGINE_EVENT_SOURCE,
              DetailType: entry.detailType,
              Detail: JSON.stringify(entry.detail),
            })),
          }),
        );
        if ((result.FailedEntryCount ?? 0) > 0) throw new Error(`EventBridge refused ${result.FailedEntryCount} event(s)`);
      },
    },
  };
}

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>().handler(
  createStripeWebhookHandler(() => {
    // A failed start (e.g. Secrets Manager throttled) must not poison the container.
    defaultDeps ??= buildDefaultDeps().catch((error: unknown) => {
      defaultDeps = undefined;
      throw error;
    });
    return defaultDeps;
  }),
);

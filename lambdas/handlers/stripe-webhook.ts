import Stripe from 'stripe';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  StripeEventSchema,
  recordPaymentSignal,
  type RecordPaymentSignalDeps,
  type RecordPaymentSignalResult,
} from '../application/billing/record-payment-signal';
import { createPaymentSignals, stripeWebhookSecretFromEnv } from '../composition/billing-service';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { getStringFromEnv } from '../shared/env';
import { withObservability } from '../shared/handler-middleware';
import { httpErrorResponse, isAnsweredToCaller } from '../shared/error-responses';
import { PAYMENT_SIGNAL_METRIC_NAMES } from '../shared/metric-names';
import { logger, metrics, traced } from '../shared/powertools';

/** Stripe's recommended (and the SDK's default) signature age limit. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export interface StripeWebhookDeps extends RecordPaymentSignalDeps {
  readonly webhookSecret: string;
  readonly toleranceSeconds?: number;
}

function respond(statusCode: number, body: Record<string, unknown>): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

type RejectionCode = 'missing_body' | 'missing_signature' | 'stale_signature' | 'invalid_signature' | 'invalid_event';

/**
 * A 400 with its code, counted per code: a run of invalid_signature after a
 * secret rotation shows on the dashboard by name. Only the code is logged,
 * never the body or the header.
 */
function reject(code: RejectionCode, message: string): APIGatewayProxyStructuredResultV2 {
  const single = metrics.singleMetric();
  single.addDimension('code', code);
  single.addMetric(PAYMENT_SIGNAL_METRIC_NAMES.rejected, MetricUnit.Count, 1);
  logger.warn('Stripe webhook request rejected', { code });
  return respond(400, { code, message });
}

/**
 * Metrics and one log line of a verified event: the signal's type, counted
 * per type, and for engine invoices (a contract id in Stripe's metadata) the
 * invoiced or paid amount per currency. Ids only in the log.
 */
export function recordSignalOutcome(result: RecordPaymentSignalResult): void {
  if (result.outcome === 'ignored') {
    metrics.addMetric(PAYMENT_SIGNAL_METRIC_NAMES.ignored, MetricUnit.Count, 1);
    logger.info('Stripe event ignored', { type: result.type });
    return;
  }
  const { signal } = result;
  logger.info(result.outcome === 'recorded' ? 'Payment signal recorded' : 'Payment signal redelivered', {
    stripeEventId: signal.stripeEventId,
    type: signal.type,
    stripeObjectId: signal.stripeObjectId,
    contractId: signal.contractId,
    periodId: signal.periodId,
    ...(result.outcome === 'duplicate' ? { republished: result.republished } : {}),
  });
  if (result.outcome === 'duplicate') {
    metrics.addMetric(PAYMENT_SIGNAL_METRIC_NAMES.duplicate, MetricUnit.Count, 1);
    return;
  }
  const byType = metrics.singleMetric();
  byType.addDimension('type', signal.type);
  byType.addMetric(PAYMENT_SIGNAL_METRIC_NAMES.recorded, MetricUnit.Count, 1);
  const amount = signal.type === 'invoice.finalized' ? signal.total : signal.type === 'invoice.paid' ? signal.amountPaid : null;
  if (signal.contractId !== null && signal.currency !== null && amount !== null && /^-?\d+$/.test(amount)) {
    const byCurrency = metrics.singleMetric();
    byCurrency.addDimension('currency', signal.currency.toUpperCase());
    byCurrency.addMetric(
      signal.type === 'invoice.finalized' ? PAYMENT_SIGNAL_METRIC_NAMES.invoicedAmount : PAYMENT_SIGNAL_METRIC_NAMES.paidAmount,
      MetricUnit.Count,
      Number(amount),
    );
  }
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
    if (!body) return reject('missing_body', 'the request has no body: expected a Stripe event');
    const header = signatureHeaderOf(event);
    if (!header) return reject('missing_signature', 'the Stripe-Signature header is missing');
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
        ? reject('stale_signature', `the Stripe-Signature timestamp is older than ${deps.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS} s: possible replay`)
        : reject('invalid_signature', 'the Stripe-Signature does not match the body and the webhook secret');
    }
    const parsed = StripeEventSchema.safeParse(verified);
    if (!parsed.success) {
      return reject('invalid_event', `the signed event is not a Stripe event: ${parsed.error.issues[0]?.message ?? ''}`);
    }
    let result: RecordPaymentSignalResult;
    try {
      result = await recordPaymentSignal(deps, parsed.data);
    } catch (error) {
      if (!isAnsweredToCaller(error)) throw error;
      logger.warn('Stripe event refused', { code: error.code, category: error.category });
      return httpErrorResponse(error);
    }
    recordSignalOutcome(result);
    return respond(200, {
      received: true,
      outcome: result.outcome,
      ...(result.outcome === 'ignored' ? { type: result.type } : { stripeEventId: result.signal.stripeEventId }),
    });
  };
}

let defaultDeps: Promise<StripeWebhookDeps> | undefined;

// Built once per Lambda container; secrets are read once and never logged.
async function buildDefaultDeps(): Promise<StripeWebhookDeps> {
  const webhookSecret = await stripeWebhookSecretFromEnv(process.env, traced(new SecretsManagerClient({})));
  return {
    webhookSecret,
    // MissingEnvironmentVariableError names the variable when the stack did not set it.
    ...createPaymentSignals({
      dynamoDb: traced(new DynamoDBClient({})),
      engineTableName: getStringFromEnv('ENGINE_TABLE_NAME'),
      eventBridge: traced(new EventBridgeClient({})),
      eventBusName: getStringFromEnv('EVENT_BUS_NAME'),
    }),
  };
}

export const handler = withObservability<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>(
  createStripeWebhookHandler(() => {
    // A failed start (e.g. Secrets Manager throttled) must not poison the container.
    defaultDeps ??= buildDefaultDeps().catch((error: unknown) => {
      defaultDeps = undefined;
      throw error;
    });
    return defaultDeps;
  }),
);

// SQS → threshold invoicing. The ThresholdInvoicing route queues the
// engine's own 'Threshold Invoicing Requested' (a ledger batch changed the
// usage of a customer with threshold invoicing); each customer of a batch is
// evaluated once (invoiceSpendThresholds: rate the open period to date, issue
// the next threshold invoice once the unbilled spend reaches the threshold).
// Idempotent: the invoice record's id is derived from the period and its
// number and put conditionally, and Stripe calls use derived idempotency
// keys, so a redelivered request issues nothing more. A customer whose
// evaluation failed has its records reported as batch item failures: SQS
// delivers them again and finally moves them to the dead-letter queue.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import type { BillingDeps } from '../application/billing/close-contract-period';
import { invoiceSpendThresholds } from '../application/billing/invoice-spend-thresholds';
import { BILLING_DETAIL_TYPES, type ContractDirectory } from '../application/billing/ports';
import { BillingEnvironmentSchema, createBillingService, stripeConnectionFromEnv } from '../composition/billing-service';
import { ENGINE_EVENT_SOURCE } from '../domain/events/detail-types';
import { ThresholdInvoicingRequestedDetailSchema } from '../domain/events/threshold-invoicing-events';
import { EngineError } from '../domain/errors/engine-error';
import { readEnvConfig } from '../shared/env';
import { withObservability } from '../shared/handler-middleware';
import { BILLING_METRIC_NAMES } from '../shared/metric-names';
import { logger, metrics, traced } from '../shared/powertools';

export type InvoiceSpendThresholdsDeps = BillingDeps & { readonly directory: ContractDirectory };

/** A message that is not the engine's request: a wiring bug, kept in the DLQ for a look. */
export class ThresholdInvoicingRequestError extends EngineError {
  readonly category = 'invalid_input';
  readonly code = 'invalid_threshold_invoicing_request';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ThresholdInvoicingRequestError';
  }
}

const RequestEnvelopeSchema = z.object({
  source: z.literal(ENGINE_EVENT_SOURCE),
  'detail-type': z.literal(BILLING_DETAIL_TYPES.thresholdInvoicingRequested),
  detail: ThresholdInvoicingRequestedDetailSchema,
});

/** The customer a queued request names. */
export function customerIdOf(record: Pick<SQSRecord, 'body'>): string {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch (error) {
    throw new ThresholdInvoicingRequestError('the message body is not JSON', { cause: error });
  }
  const parsed = RequestEnvelopeSchema.safeParse(body);
  if (!parsed.success) throw new ThresholdInvoicingRequestError(`not a threshold invoicing request: ${z.prettifyError(parsed.error)}`, { cause: parsed.error });
  return parsed.data.detail.customerId;
}

/** The SQS batch → use case → partial batch response mapping, with its dependencies passed in (tests). */
export function createInvoiceSpendThresholdsHandler(resolveDeps: () => Promise<InvoiceSpendThresholdsDeps>) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failures: string[] = [];
    const recordsByCustomer = new Map<string, string[]>();
    for (const record of event.Records) {
      try {
        const customerId = customerIdOf(record);
        recordsByCustomer.set(customerId, [...(recordsByCustomer.get(customerId) ?? []), record.messageId]);
      } catch (error) {
        logger.error('Threshold invoicing request refused', { messageId: record.messageId, code: 'invalid_threshold_invoicing_request', error });
        failures.push(record.messageId);
      }
    }
    if (recordsByCustomer.size > 0) {
      const deps = await resolveDeps();
      let issued = 0;
      // One customer at a time: a batch holds few customers, and each evaluation makes its own Stripe calls at the function's rate.
      for (const [customerId, messageIds] of recordsByCustomer) {
        try {
          const evaluations = await invoiceSpendThresholds(deps, { customerIds: [customerId], asOf: deps.clock().toISOString() });
          for (const evaluation of evaluations) {
            if (evaluation.outcome !== 'issued') continue;
            issued += 1;
            logger.info('Threshold invoice issued', { customerId, contractId: evaluation.contractId, periodId: evaluation.periodId });
          }
        } catch (error) {
          logger.warn('Threshold invoicing failed; SQS will deliver the request again', { customerId, error: error as Error });
          failures.push(...messageIds);
        }
      }
      metrics.addMetric(BILLING_METRIC_NAMES.thresholdInvoicesIssued, MetricUnit.Count, issued);
    }
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

export const InvoiceSpendThresholdsEnvironmentSchema = BillingEnvironmentSchema;

let defaultDeps: Promise<InvoiceSpendThresholdsDeps> | undefined;

// Built once per container; the Stripe key is read once (Secrets Manager) and never logged.
async function buildDefaultDeps(): Promise<InvoiceSpendThresholdsDeps> {
  const env = readEnvConfig(InvoiceSpendThresholdsEnvironmentSchema);
  const service = createBillingService({
    dynamoDb: traced(new DynamoDBClient({})),
    engineTableName: env.ENGINE_TABLE_NAME,
    ledgerTableName: env.LEDGER_TABLE_NAME,
    eventBridge: traced(new EventBridgeClient({})),
    eventBusName: env.EVENT_BUS_NAME,
    stripe: await stripeConnectionFromEnv(process.env, traced(new SecretsManagerClient({}))),
    finalizeInvoices: env.FINALIZE_INVOICES === 'true',
    ...(env.USAGE_ROLLUP_SETTLE_MINUTES === undefined
      ? {}
      : { usageRollups: { kind: 'settle-lag' as const, now: () => new Date(), settleLagMs: env.USAGE_ROLLUP_SETTLE_MINUTES * 60_000 } }),
  });
  return { ...service.deps, directory: service.directory };
}

/** The Lambda entry point (SQS event source with ReportBatchItemFailures). */
export const handler = withObservability<SQSEvent, SQSBatchResponse>(
  createInvoiceSpendThresholdsHandler(() => {
    // A failed start (Secrets Manager throttled) must not poison the container.
    defaultDeps ??= buildDefaultDeps().catch((error: unknown) => {
      defaultDeps = undefined;
      throw error;
    });
    return defaultDeps;
  }),
);

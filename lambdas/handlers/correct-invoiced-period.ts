// SQS → prompt corrections of invoiced periods. The InvoicedPeriodCorrections
// route queues the engine's own 'Outcome Adjustment Recorded' (a ledger entry
// recorded after its outcome's close grace) and 'Payment Signal Recorded'
// (an invoice finalized in Stripe) events; each batch corrects every period
// they touch once. A period whose close is still running is waited for
// (up to 20 s per invocation). A record whose period could not be corrected
// (its close still unfinished after that, Stripe or storage unavailable) is
// reported as a batch item failure, so SQS redelivers it and finally moves it
// to the dead-letter queue; redelivery is harmless, corrections and credit
// notes are made once.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import {
  correctChangedPeriods,
  type CorrectChangedPeriodsDeps,
  type CorrectChangedPeriodsResult,
  type PeriodChange,
} from '../application/billing/correct-changed-periods';
import { BILLING_DETAIL_TYPES } from '../application/billing/ports';
import { BillingEnvironmentSchema, createBillingServiceFromEnv } from '../composition/billing-service';
import { ENGINE_EVENT_SOURCE, OUTBOUND_DETAIL_TYPES } from '../domain/events/detail-types';
import { OutcomeAdjustmentRecordedDetailSchema } from '../domain/ledger/outcome-adjustment-notice';
import { readEnvConfig } from '../shared/env';
import { withObservability } from '../shared/handler-middleware';
import { CORRECTION_METRIC_NAMES } from '../shared/metric-names';
import { logger, metrics, traced } from '../shared/powertools';
import { engineErrorClass } from '../domain/errors/engine-error';

/** Payment signals after which a refused credit note can succeed (the invoice is no longer a draft). */
const RETRY_SIGNAL_TYPES: readonly string[] = ['invoice.finalized'];

export class CorrectionTriggerInputError extends engineErrorClass('CorrectionTriggerInputError', 'invalid_input', 'invalid_correction_trigger') {}

const TriggerEnvelopeSchema = z.discriminatedUnion('detail-type', [
  z.object({
    'detail-type': z.literal(OUTBOUND_DETAIL_TYPES.outcomeAdjustmentRecorded),
    source: z.literal(ENGINE_EVENT_SOURCE),
    detail: OutcomeAdjustmentRecordedDetailSchema,
  }),
  z.object({
    'detail-type': z.literal(BILLING_DETAIL_TYPES.paymentSignalRecorded),
    source: z.literal(ENGINE_EVENT_SOURCE),
    detail: z.looseObject({ type: z.string().min(1), contractId: z.string().min(1).nullable(), periodId: z.string().min(1).nullable() }),
  }),
]);

/** The change an event announces, or null for an event that changes no invoiced period (another payment signal). */
export function periodChangeOf(record: Pick<SQSRecord, 'body'>): PeriodChange | null {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch (error) {
    throw new CorrectionTriggerInputError('the message body is not JSON', { cause: error });
  }
  const parsed = TriggerEnvelopeSchema.safeParse(body);
  if (!parsed.success) throw new CorrectionTriggerInputError(`not a correction trigger: ${z.prettifyError(parsed.error)}`, { cause: parsed.error });
  const event = parsed.data;
  if (event['detail-type'] === OUTBOUND_DETAIL_TYPES.outcomeAdjustmentRecorded) {
    const { outcomeId, customerId, occurredAt, recordedAt } = event.detail;
    return { kind: 'outcome', outcomeId, customerId, occurredAt, recordedAt };
  }
  const { type, contractId, periodId } = event.detail;
  return RETRY_SIGNAL_TYPES.includes(type) && contractId && periodId ? { kind: 'invoice', contractId, periodId } : null;
}

/** Metrics and log lines of a batch: identifiers, reasons and counts only (amounts are billing data). */
export function recordCorrections(result: CorrectChangedPeriodsResult): void {
  let creditNotes = 0;
  let failedCreditNotes = 0;
  let adjustmentInvoices = 0;
  let corrections = 0;
  for (const { contractId, periodId, outcome } of result.periods) {
    if (outcome.status === 'failed') {
      logger.warn('Invoiced period not corrected yet; SQS will deliver its changes again', { contractId, periodId, error: outcome.error });
      continue;
    }
    if (outcome.status !== 'corrected') continue;
    creditNotes += outcome.creditNotes.length;
    failedCreditNotes += outcome.failedCreditNotes.length;
    adjustmentInvoices += outcome.adjustmentInvoices.length;
    if (outcome.correction) corrections += 1;
    for (const failed of outcome.failedCreditNotes) {
      logger.warn('Credit note refused by Stripe; recorded and announced', {
        contractId,
        periodId,
        correctionId: failed.correctionId,
        reason: failed.reason,
        retryable: failed.retryable,
        attempts: failed.attempts,
      });
    }
    logger.info('Invoiced period corrected', {
      contractId,
      periodId,
      correctionId: outcome.correction?.correctionId ?? null,
      creditNotes: outcome.creditNotes.length,
      adjustmentInvoices: outcome.adjustmentInvoices.length,
      deferredToNextClose: outcome.deferredIncrease !== null,
    });
  }
  metrics.addMetric(CORRECTION_METRIC_NAMES.corrections, MetricUnit.Count, corrections);
  metrics.addMetric(CORRECTION_METRIC_NAMES.creditNotesIssued, MetricUnit.Count, creditNotes);
  metrics.addMetric(CORRECTION_METRIC_NAMES.creditNotesFailed, MetricUnit.Count, failedCreditNotes);
  metrics.addMetric(CORRECTION_METRIC_NAMES.adjustmentInvoicesIssued, MetricUnit.Count, adjustmentInvoices);
  metrics.addMetric(CORRECTION_METRIC_NAMES.failures, MetricUnit.Count, result.changes.filter((change) => !change.done).length);
}

/** The SQS batch → use case → partial batch response mapping, with its dependencies passed in (tests, local engine). */
export function createCorrectInvoicedPeriodHandler(resolveDeps: () => Promise<CorrectChangedPeriodsDeps>) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failures: string[] = [];
    const changes: PeriodChange[] = [];
    const owners: string[] = [];
    for (const record of event.Records) {
      try {
        const change = periodChangeOf(record);
        if (change) {
          changes.push(change);
          owners.push(record.messageId);
        }
      } catch (error) {
        // The engine's own events: a malformed one is a bug, kept in the DLQ for a look.
        logger.error('Correction trigger refused', { messageId: record.messageId, code: 'invalid_correction_trigger', error });
        failures.push(record.messageId);
      }
    }
    if (changes.length > 0) {
      const result = await correctChangedPeriods(await resolveDeps(), changes);
      recordCorrections(result);
      result.changes.forEach((change, index) => {
        if (!change.done) failures.push(owners[index] as string);
      });
    }
    return { batchItemFailures: [...new Set(failures)].map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

export const CorrectInvoicedPeriodEnvironmentSchema = BillingEnvironmentSchema;

let defaultDeps: Promise<CorrectChangedPeriodsDeps> | undefined;

// Built once per container; the Stripe key is read once (Secrets Manager) and never logged.
async function buildDefaultDeps(): Promise<CorrectChangedPeriodsDeps> {
  const env = readEnvConfig(CorrectInvoicedPeriodEnvironmentSchema);
  const service = await createBillingServiceFromEnv(env, {
    dynamoDb: traced(new DynamoDBClient({})),
    eventBridge: traced(new EventBridgeClient({})),
    secretsManager: traced(new SecretsManagerClient({})),
  });
  return { ...service.deps, directory: service.directory, closeWait: service.closeWait, graceHours: env.CLOSE_GRACE_HOURS };
}

/** The Lambda entry point (SQS event source with ReportBatchItemFailures). */
export const handler = withObservability<SQSEvent, SQSBatchResponse>(
  createCorrectInvoicedPeriodHandler(() => {
    // A failed start (Secrets Manager throttled) must not poison the container.
    defaultDeps ??= buildDefaultDeps().catch((error: unknown) => {
      defaultDeps = undefined;
      throw error;
    });
    return defaultDeps;
  }),
);

// SQS → disputes. The Disputes route queues 'Outcome Disputed' events from
// producers and customer portals; each record opens its dispute on every
// outcome it names (lambdas/application/disputes/open-dispute.ts): the good
// ones open, each bad one is refused and logged with its code. Idempotent on
// the dispute id, so a redelivery opens nothing twice. A record that is not a
// dispute at all (bad JSON, bad fields) fails and, unchanged on every
// delivery, ends in the dead-letter queue with its body kept; a storage or
// bus failure fails the record and SQS redelivers it.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { InvalidDisputeError } from '../application/disputes/dispute-errors';
import { createLedgerService, type LedgerService, type OpenDisputeResult } from '../composition/ledger-service';
import { DISPUTE_DETAIL_TYPES } from '../domain/events/detail-types';
import { readEnvConfig } from '../shared/env';
import { DISPUTE_METRIC_NAMES } from '../shared/metric-names';
import { queueFailureDispositionOf } from '../shared/error-responses';
import { withObservability } from '../shared/handler-middleware';
import { logger, metrics, traced } from '../shared/powertools';
import { processSqsBatch } from '../shared/sqs-partial-batch';

const RECORD_CONCURRENCY = 4;

export const OpenDisputesEnvSchema = z.object({
  LEDGER_TABLE_NAME: z.string(),
  ENGINE_TABLE_NAME: z.string(),
  EVENT_BUS_NAME: z.string(),
  /** The period-close grace: dispute entries recorded later than this after their outcome are announced for correction. */
  CLOSE_GRACE_HOURS: z.coerce.number().min(0).max(24 * 31).optional(),
});

const DisputeEnvelopeSchema = z.object({
  'detail-type': z.literal(DISPUTE_DETAIL_TYPES.outcomeDisputed),
  detail: z.unknown(),
});

/** The dispute a record carries (validated by the use case), or InvalidDisputeError. */
export function disputeDetailOf(record: Pick<SQSRecord, 'body'>): unknown {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch (error) {
    throw new InvalidDisputeError('the message body is not JSON', { cause: error });
  }
  const parsed = DisputeEnvelopeSchema.safeParse(body);
  if (!parsed.success) throw new InvalidDisputeError(`not an "${DISPUTE_DETAIL_TYPES.outcomeDisputed}" event: ${z.prettifyError(parsed.error)}`, { cause: parsed.error });
  return parsed.data.detail;
}

export function createOpenDisputesHandler(deps: { ledgerService: () => LedgerService }) {
  return withObservability<SQSEvent, SQSBatchResponse>(async (event) => {
    const service = deps.ledgerService();
    const batch = await processSqsBatch<OpenDisputeResult>(event.Records, {
      concurrency: RECORD_CONCURRENCY,
      processRecord: (record) => service.openDispute(disputeDetailOf(record)),
    });
    let opened = 0;
    let refused = 0;
    for (const { record, result } of batch.succeeded) {
      opened += result.opened.filter((outcome) => outcome.created).length;
      refused += result.refused.length;
      for (const refusal of result.refused) {
        logger.info('Dispute refused for an outcome', { messageId: record.messageId, disputeId: result.disputeId, outcomeId: refusal.outcomeId, code: refusal.code });
      }
    }
    for (const { record, error } of batch.failed) {
      const details = { messageId: record.messageId, receiveCount: record.attributes?.ApproximateReceiveCount, error };
      if (queueFailureDispositionOf(error) === 'retry') logger.warn('Dispute not stored yet; SQS will redeliver it', details);
      else logger.error('Dispute message refused; SQS will dead-letter it after its retries', details);
    }
    metrics.addMetric(DISPUTE_METRIC_NAMES.opened, MetricUnit.Count, opened);
    metrics.addMetric(DISPUTE_METRIC_NAMES.refused, MetricUnit.Count, refused);
    metrics.addMetric(DISPUTE_METRIC_NAMES.failures, MetricUnit.Count, batch.failed.length);
    return batch.response;
  });
}

let containerService: LedgerService | undefined;

function containerLedgerService(): LedgerService {
  if (!containerService) {
    const env = readEnvConfig(OpenDisputesEnvSchema);
    containerService = createLedgerService({
      dynamoDb: traced(new DynamoDBClient({})),
      eventBridge: traced(new EventBridgeClient({})),
      ledgerTableName: env.LEDGER_TABLE_NAME,
      engineTableName: env.ENGINE_TABLE_NAME,
      eventBusName: env.EVENT_BUS_NAME,
      // This function writes no freshness marks: only outcomes say the ledger is current.
      ledgerFreshness: false,
      ...(env.CLOSE_GRACE_HOURS !== undefined ? { closeGraceHours: env.CLOSE_GRACE_HOURS } : {}),
    });
  }
  return containerService;
}

/** The Lambda entry point (SQS event source with ReportBatchItemFailures). */
export const handler = createOpenDisputesHandler({ ledgerService: containerLedgerService });

// SQS → ledger. Each record is one EventBridge event, as the "Outcomes" rule
// delivers it: one outcome (or adjustment), or an 'Outcomes Recorded' batch of
// several. Recorded, duplicate and rejected are all successes here: the
// ledger stores rejections itself. Only a failure to reach storage (throttling,
// timeouts, 5xx, or anything unexpected) fails a record, which SQS then
// redelivers and finally moves to the dead-letter queue. Metrics count
// outcomes, not records.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSEvent, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import {
  createLedgerService,
  outcomeResultsOf,
  type IngestMessageResult,
  type LedgerService,
} from '../composition/ledger-service';
import { OutcomeNotYetRecordedError } from '../application/errors';
import { INBOUND_DETAIL_TYPES } from '../domain/events/detail-types';
import { readEnvConfig } from '../shared/env';
import { queueFailureDispositionOf } from '../shared/error-responses';
import { withObservability } from '../shared/handler-middleware';
import { logger, metrics, traced } from '../shared/powertools';
import { processSqsBatch, type ProcessedBatch } from '../shared/sqs-partial-batch';

const DEFAULT_RECORD_CONCURRENCY = 5;

/** What the function reads from its environment (set by the CDK stack). */
export const IngestOutcomesEnvSchema = z.object({
  LEDGER_TABLE_NAME: z.string(),
  ENGINE_TABLE_NAME: z.string(),
  EVENT_BUS_NAME: z.string(),
  BACKDATING_WINDOW_DAYS: z.coerce.number().int().positive().optional(),
  /** The period-close grace: entries recorded later than this after their outcome are announced for correction. */
  CLOSE_GRACE_HOURS: z.coerce.number().min(0).max(24 * 31).optional(),
  /** Records of one batch written at the same time; small, so one batch never floods DynamoDB. */
  INGEST_RECORD_CONCURRENCY: z.coerce.number().int().min(1).max(10).default(DEFAULT_RECORD_CONCURRENCY),
  /** Outcomes of one 'Outcomes Recorded' record written at the same time (records x items bounds the writes in flight). */
  INGEST_BATCH_ITEM_CONCURRENCY: z.coerce.number().int().min(1).max(25).optional(),
});
export type IngestOutcomesEnv = z.infer<typeof IngestOutcomesEnvSchema>;

export interface IngestOutcomesDeps {
  /** Called on every invocation; return the same service each time (it caches the catalog). */
  ledgerService: () => LedgerService;
  /** Records of one batch in flight at once. @default 5 */
  recordConcurrency?: number | (() => number);
}

/**
 * The key records are ordered by inside a batch: the outcome they are about.
 * A peek only (the ledger validates); unreadable bodies get their own group.
 */
export function outcomeKeyOf(record: SQSRecord): string {
  try {
    const event = JSON.parse(record.body) as { detail?: { outcomeId?: unknown } } | null;
    const outcomeId = event?.detail?.outcomeId;
    return typeof outcomeId === 'string' ? `outcome:${outcomeId}` : `message:${record.messageId}`;
  } catch {
    return `message:${record.messageId}`;
  }
}

/**
 * Every outcome a record is about: one for a single event, each item's for an
 * 'Outcomes Recorded' batch, so an adjustment in the same SQS batch waits for
 * the batch that holds its outcome. A peek only; unreadable bodies get their own group.
 */
export function outcomeKeysOf(record: SQSRecord): string | string[] {
  try {
    const event = JSON.parse(record.body) as { detail?: { outcomeId?: unknown; outcomes?: unknown } } | null;
    const outcomes = event?.detail?.outcomes;
    if (Array.isArray(outcomes)) {
      const keys = outcomes.flatMap((item: { outcomeId?: unknown } | null) =>
        typeof item?.outcomeId === 'string' ? [`outcome:${item.outcomeId}`] : [],
      );
      return [`message:${record.messageId}`, ...keys];
    }
  } catch {
    // Not JSON: outcomeKeyOf gives it a group of its own.
  }
  return outcomeKeyOf(record);
}

// As EventBridge (and the local bus) serialise the event: compact JSON.
const NEW_OUTCOME_MARKERS = [INBOUND_DETAIL_TYPES.outcomeRecorded, INBOUND_DETAIL_TYPES.outcomesRecorded].map(
  (detailType) => `"detail-type":"${detailType}"`,
);

/**
 * Order matters only when a batch holds a reversal, correction or
 * verification, which must follow the outcome it refers to. New outcomes
 * (single or batched) among themselves need no order (the conditional write
 * settles duplicates and conflicts), so the common all-new batch skips
 * parsing for keys.
 */
export function needsOrdering(records: readonly SQSRecord[]): boolean {
  return records.length > 1 && records.some((record) => !carriesNewOutcomes(record));
}

function carriesNewOutcomes(record: SQSRecord): boolean {
  return NEW_OUTCOME_MARKERS.some((marker) => record.body.includes(marker));
}

/** New outcomes before the adjustments of their group, whatever order the queue delivered them in. */
export function orderRankOf(record: SQSRecord): number {
  return carriesNewOutcomes(record) ? 0 : 1;
}

function recordMetrics(batch: ProcessedBatch<IngestMessageResult>): void {
  let recorded = 0;
  let duplicate = 0;
  let conflict = 0;
  const rejectedByCode = new Map<string, number>();
  for (const { result: message } of batch.succeeded) {
    for (const result of outcomeResultsOf(message)) {
      if (result.status === 'rejected') {
        rejectedByCode.set(result.code, (rejectedByCode.get(result.code) ?? 0) + 1);
        if (result.code === 'OUTCOME_CONFLICT') conflict += 1;
      } else if (result.status === 'recorded') {
        recorded += 1;
      } else {
        duplicate += 1;
      }
    }
  }
  // Zeros are published too, so dashboards and alarms see a continuous series.
  metrics.addMetric('OutcomesRecorded', MetricUnit.Count, recorded);
  metrics.addMetric('OutcomesDuplicate', MetricUnit.Count, duplicate);
  metrics.addMetric('OutcomesConflict', MetricUnit.Count, conflict);
  metrics.addMetric('IngestFailures', MetricUnit.Count, batch.failed.length);
  // Every rejection, conflicts included, under its code: one metric per code
  // because a dimension applies to a whole EMF document.
  for (const [code, count] of rejectedByCode) {
    const single = metrics.singleMetric();
    single.addDimension('code', code);
    single.addMetric('OutcomesRejected', MetricUnit.Count, count);
  }
}

function deliveryAttemptOf(record: SQSRecord): number | undefined {
  const count = Number(record.attributes?.ApproximateReceiveCount);
  return Number.isInteger(count) && count > 0 ? count : undefined;
}

function logResults(batch: ProcessedBatch<IngestMessageResult>): void {
  for (const { record, result } of batch.succeeded) {
    // The reason's text can quote the payload, so only the code and id are logged;
    // the full reason is in the rejected-outcomes store under rejectionId.
    if (result.status === 'rejected') {
      logger.info('Outcome rejected and stored', {
        messageId: record.messageId,
        code: result.code,
        rejectionId: result.rejectionId,
      });
    } else if (result.status === 'batch') {
      for (const item of result.results) {
        if (item.status !== 'rejected') continue;
        logger.info('Outcome rejected and stored', {
          messageId: record.messageId,
          eventId: result.eventId,
          itemIndex: item.index,
          code: item.code,
          rejectionId: item.rejectionId,
        });
      }
    }
  }
  for (const { record, error } of batch.failed) {
    const details = {
      messageId: record.messageId,
      receiveCount: record.attributes?.ApproximateReceiveCount,
    };
    if (error === undefined) {
      logger.warn('Record not attempted after an earlier record about the same outcome failed; SQS will redeliver it', details);
    } else if (error instanceof OutcomeNotYetRecordedError) {
      // Kept apart from other retryable failures on purpose: an expected race of unordered queues, not a warning.
      logger.info('Adjustment arrived before its outcome; SQS will redeliver it', details);
    } else if (queueFailureDispositionOf(error) === 'retry') {
      logger.warn('Record failed with a retryable error (ledger storage unavailable?); SQS will redeliver it', { ...details, error });
    } else {
      logger.error('Record failed with an error redelivery will not fix; SQS will dead-letter it after its retries', { ...details, error });
    }
  }
}

/**
 * Builds the handler around a ledger service. The Lambda uses `handler`
 * below (service from env); the local engine passes its own service so the
 * same code runs against DynamoDB Local.
 */
export function createIngestOutcomesHandler(deps: IngestOutcomesDeps) {
  return withObservability<SQSEvent, SQSBatchResponse>(async (event) => {
    const service = deps.ledgerService();
    const concurrency =
      typeof deps.recordConcurrency === 'function' ? deps.recordConcurrency() : deps.recordConcurrency;
    const batch = await processSqsBatch(event.Records, {
      concurrency: concurrency ?? DEFAULT_RECORD_CONCURRENCY,
      ...(needsOrdering(event.Records) ? { keyOf: outcomeKeysOf, rankOf: orderRankOf } : {}),
      processRecord: (record) =>
        service.ingestMessage({
          body: record.body,
          messageId: record.messageId,
          deliveryAttempt: deliveryAttemptOf(record),
        }),
    });
    recordMetrics(batch);
    logResults(batch);
    logger.info('Batch ingested', {
      records: event.Records.length,
      outcomes: batch.succeeded.reduce((sum, { result }) => sum + outcomeResultsOf(result).length, 0),
      succeeded: batch.succeeded.length,
      failed: batch.failed.length,
    });
    return batch.response;
  });
}

let containerService: { service: LedgerService; recordConcurrency: number } | undefined;

/** Built on the first invocation and kept for the container's life (catalog cache included). */
function containerLedgerService(): { service: LedgerService; recordConcurrency: number } {
  if (!containerService) {
    const env = readEnvConfig(IngestOutcomesEnvSchema);
    containerService = {
      recordConcurrency: env.INGEST_RECORD_CONCURRENCY,
      service: createLedgerService({
        dynamoDb: traced(new DynamoDBClient({})),
        eventBridge: traced(new EventBridgeClient({})),
        ledgerTableName: env.LEDGER_TABLE_NAME,
        engineTableName: env.ENGINE_TABLE_NAME,
        eventBusName: env.EVENT_BUS_NAME,
        ...(env.BACKDATING_WINDOW_DAYS !== undefined ? { backdatingWindowDays: env.BACKDATING_WINDOW_DAYS } : {}),
        ...(env.CLOSE_GRACE_HOURS !== undefined ? { closeGraceHours: env.CLOSE_GRACE_HOURS } : {}),
        ...(env.INGEST_BATCH_ITEM_CONCURRENCY !== undefined ? { batchItemConcurrency: env.INGEST_BATCH_ITEM_CONCURRENCY } : {}),
      }),
    };
  }
  return containerService;
}

/** The Lambda entry point (SQS event source with ReportBatchItemFailures). */
export const handler = createIngestOutcomesHandler({
  ledgerService: () => containerLedgerService().service,
  recordConcurrency: () => containerLedgerService().recordConcurrency,
});

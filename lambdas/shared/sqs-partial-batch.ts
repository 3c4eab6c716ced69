// Processes an SQS batch with partial batch failure reporting: a record that
// fails is reported back by messageId so SQS redelivers only that record (and
// dead-letters it after maxReceiveCount), while the rest of the batch is
// deleted from the queue.
import type { SQSBatchItemFailure, SQSBatchResponse, SQSRecord } from 'aws-lambda';

export interface RecordFailure {
  record: SQSRecord;
  /** The error that failed the record; undefined when it was skipped because an earlier record of its group failed. */
  error?: unknown;
}

export interface ProcessBatchOptions<Result> {
  /** Groups processed concurrently, at most this many at a time. */
  concurrency: number;
  /**
   * Records with the same key are processed one after the other in batch
   * order; records of different keys run concurrently. When a record fails,
   * the later records of its group are not attempted and are failed too:
   * processing a reversal after its original failed would reject the reversal
   * for an outcome that simply had not been written yet.
   */
  keyOf?: (record: SQSRecord) => string;
  processRecord: (record: SQSRecord) => Promise<Result>;
}

export interface ProcessedBatch<Result> {
  response: SQSBatchResponse;
  succeeded: { record: SQSRecord; result: Result }[];
  failed: RecordFailure[];
}

/** Runs `worker` over `items` with at most `concurrency` in flight. */
async function forEachConcurrently<T>(items: readonly T[], concurrency: number, worker: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await worker(item);
    }
  });
  await Promise.all(lanes);
}

/**
 * Processes every record and never throws for a record's failure: failures
 * are returned as `batchItemFailures` in the batch's original order.
 */
export async function processSqsBatch<Result>(
  records: readonly SQSRecord[],
  options: ProcessBatchOptions<Result>,
): Promise<ProcessedBatch<Result>> {
  const groups = new Map<string, SQSRecord[]>();
  for (const record of records) {
    const key = options.keyOf?.(record) ?? record.messageId;
    const group = groups.get(key);
    if (group) group.push(record);
    else groups.set(key, [record]);
  }

  const outcomes = new Map<SQSRecord, { ok: true; result: Result } | { ok: false; error?: unknown }>();
  await forEachConcurrently([...groups.values()], options.concurrency, async (group) => {
    let groupFailed = false;
    for (const record of group) {
      if (groupFailed) {
        outcomes.set(record, { ok: false });
        continue;
      }
      try {
        outcomes.set(record, { ok: true, result: await options.processRecord(record) });
      } catch (error) {
        groupFailed = true;
        outcomes.set(record, { ok: false, error });
      }
    }
  });

  const succeeded: ProcessedBatch<Result>['succeeded'] = [];
  const failed: RecordFailure[] = [];
  const batchItemFailures: SQSBatchItemFailure[] = [];
  for (const record of records) {
    const outcome = outcomes.get(record);
    if (outcome?.ok) {
      succeeded.push({ record, result: outcome.result });
    } else {
      failed.push({ record, error: outcome?.error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { response: { batchItemFailures }, succeeded, failed };
}

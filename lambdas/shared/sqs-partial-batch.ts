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
   * order; records of different keys run concurrently. A record may have
   * several keys (a batch event holds several outcomes): records sharing any
   * key form one group. When a record fails, the later records of its group
   * are not attempted and are failed too: processing a reversal after its
   * original failed would reject the reversal for an outcome that simply had
   * not been written yet.
   */
  keyOf?: (record: SQSRecord) => string | readonly string[];
  /**
   * Within a group, records of lower rank go first (ties keep batch order):
   * queues do not keep order, so a new outcome that arrived behind its own
   * reversal in the same batch is still written before it.
   */
  rankOf?: (record: SQSRecord) => number;
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

/** Records grouped so that records sharing a key are in one group, each group in batch order. */
function groupRecords(records: readonly SQSRecord[], keyOf: ProcessBatchOptions<unknown>['keyOf']): Map<number, SQSRecord[]> {
  // Union-find over record positions: a record with several keys joins every group it touches.
  const parent = records.map((_, index) => index);
  const find = (index: number): number => {
    let root = index;
    while (parent[root] !== root) root = parent[root] as number;
    parent[index] = root;
    return root;
  };
  const ownerOfKey = new Map<string, number>();
  records.forEach((record, index) => {
    const keys = keyOf?.(record) ?? record.messageId;
    for (const key of typeof keys === 'string' ? [keys] : keys) {
      const owner = ownerOfKey.get(key);
      if (owner === undefined) {
        ownerOfKey.set(key, index);
      } else {
        const [a, b] = [find(owner), find(index)];
        // The smaller position stays root, so a group's root is its first record.
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
  });
  const groups = new Map<number, SQSRecord[]>();
  records.forEach((record, index) => {
    const root = find(index);
    const group = groups.get(root);
    if (group) group.push(record);
    else groups.set(root, [record]);
  });
  return groups;
}

/**
 * Processes every record and never throws for a record's failure: failures
 * are returned as `batchItemFailures` in the batch's original order.
 */
export async function processSqsBatch<Result>(
  records: readonly SQSRecord[],
  options: ProcessBatchOptions<Result>,
): Promise<ProcessedBatch<Result>> {
  const groups = groupRecords(records, options.keyOf);
  if (options.rankOf) {
    const rankOf = options.rankOf;
    // Array.prototype.sort is stable: equal ranks keep batch order.
    for (const group of groups.values()) if (group.length > 1) group.sort((a, b) => rankOf(a) - rankOf(b));
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

// The local twin of the ledger stream's Lambda: reads DynamoDB Local's stream
// of the ledger table shard by shard and hands each batch to the same
// apply-ledger-changes handler. Where each shard is read to is kept in the
// data folder, written before a batch is applied (the batch's range) and
// after (the last sequence applied): a restart re-reads exactly an
// interrupted batch, whose id makes the second application a no-op, so
// nothing is lost or counted twice. Like Lambda's batching window, a poll
// takes what each shard holds then (up to Lambda's 10,000 records a batch)
// as one batch and the next poll comes an interval later: the reader never
// chases the stream's tail with small batches while ingest writes it. Once
// every shard is read to its end, the reader records how far the rollups are
// complete (the seal) for the usage readers.
import type { UsageChangeListener } from '../../lambdas/application/usage/ports';
import {
  type DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  TrimmedDataAccessException,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type _Record,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DynamoDBBatchResponse } from 'aws-lambda';
import { latestStreamArn } from '../../lambdas/adapters/dynamodb/create-tables';
import { DynamoDbRollupProgress } from '../../lambdas/adapters/dynamodb/rollup-store';
import { describeStreamShards, streamsClientFor, type DrainedShards } from '../../lambdas/adapters/dynamodb/ledger-stream-probe';
import type { LedgerRepository } from '../../lambdas/application/ports';
import { rollupBucketOf } from '../../lambdas/domain/ledger/usage-rollup';
import { engineErrorClass } from '../../lambdas/domain/errors/engine-error';

/** Entries are written this long at most after their recordedAt (an ingest call's bound); the seal stays that far behind. */
export const INGEST_WRITE_BOUND_MS = 60_000;
/** GetRecords returns at most this many records a call. */
const RECORDS_PER_READ = 1000;
/** Lambda's largest stream batch: the fuller a batch, the more outcomes each cell write carries. */
export const MAX_RECORDS_PER_BATCH = 10_000;
/** Like Lambda's batching window: fewer, fuller batches cost DynamoDB Local (shared with ingest) less. */
const DEFAULT_POLL_INTERVAL_MS = 2000;

interface ShardCheckpoint {
  /** Last sequence number applied. */
  last?: string;
  /** A batch being applied: re-read exactly this range after a crash. */
  inFlight?: { first: string; last: string };
}

interface Checkpoint {
  streamArn?: string;
  shards: Record<string, ShardCheckpoint>;
}

export interface LedgerStreamReaderOptions {
  readonly dynamoDb: DynamoDBClient;
  readonly ledgerTableName: string;
  /** The apply-ledger-changes handler (or its core), given a Lambda-shaped stream event. */
  readonly apply: (event: { Records: unknown[] }) => Promise<DynamoDBBatchResponse>;
  readonly progress: Pick<DynamoDbRollupProgress, 'advance'>;
  /** The engine's clock (recordedAt comes from it). */
  readonly now: () => Date;
  /** Where the shard positions are kept; memory only when absent. */
  readonly checkpointPath?: string;
  readonly pollIntervalMs?: number;
  /** Records a batch holds at most (MAX_RECORDS_PER_BATCH unless given). */
  readonly maxRecordsPerBatch?: number;
  readonly onError?: (error: unknown) => void;
}

export class LedgerStreamReader {
  private readonly streams: DynamoDBStreamsClient;
  private checkpoint: Checkpoint = { shards: {} };
  private readonly iterators = new Map<string, string | null>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private streamArn: string | undefined;

  constructor(private readonly options: LedgerStreamReaderOptions) {
    this.streams = streamsClientFor(options.dynamoDb.config);
  }

  async start(): Promise<void> {
    await this.load();
    const tick = () => {
      if (this.stopped) return;
      this.running = this.drain()
        .then(() => undefined)
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    this.streams.destroy();
  }

  /**
   * Applies what every shard holds now, each shard's records as one batch
   * (more batches only past MAX_RECORDS_PER_BATCH, an interrupted batch
   * re-read, or a shard that ended), then moves the seal. Records written
   * meanwhile wait for the next call. Returns the records applied.
   */
  async drain(): Promise<number> {
    if (this.streamArn === undefined) await this.load();
    const streamArn = this.streamArn;
    if (streamArn === undefined) return 0;
    let applied = 0;
    for (;;) {
      const passStartedMs = this.options.now().getTime();
      const shards = await this.shards(streamArn);
      let more = false;
      for (const shard of shards) {
        const read = await this.readShard(streamArn, shard);
        applied += read.applied;
        more ||= !read.atEnd;
      }
      // Every shard was read to its end after the pass started: every entry written before then is applied.
      if (!more) {
        // The drain record's instant is the pass's end: the pass may have applied entries written after it began.
        await this.options.progress.advance(rollupBucketOf(passStartedMs - INGEST_WRITE_BOUND_MS), {
          drainedAtMs: this.options.now().getTime(),
          streamArn,
          shards: this.positionsOf(shards),
        });
        return applied;
      }
    }
  }

  /** Where a drained pass leaves each shard it read: for the usage readers' check that nothing was written since. */
  private positionsOf(shards: readonly Shard[]): DrainedShards {
    const positions: DrainedShards = {};
    for (const { ShardId: shardId } of shards) {
      if (shardId === undefined) continue;
      const last = this.checkpoint.shards[shardId]?.last;
      if (this.iterators.get(shardId) === null) positions[shardId] = { done: true };
      else if (last !== undefined) positions[shardId] = { last };
    }
    return positions;
  }

  private async load(): Promise<void> {
    this.streamArn = await latestStreamArn(this.options.dynamoDb, this.options.ledgerTableName);
    if (this.options.checkpointPath !== undefined) {
      try {
        this.checkpoint = JSON.parse(await readFile(this.options.checkpointPath, 'utf8')) as Checkpoint;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    // A new table (a fresh data folder) has a new stream: old positions mean nothing there.
    if (this.checkpoint.streamArn !== this.streamArn) this.checkpoint = { ...(this.streamArn ? { streamArn: this.streamArn } : {}), shards: {} };
  }

  private async save(): Promise<void> {
    const path = this.options.checkpointPath;
    if (path === undefined) return;
    await mkdir(dirname(path), { recursive: true });
    await writeFile(`${path}.tmp`, JSON.stringify(this.checkpoint), 'utf8');
    await rename(`${path}.tmp`, path);
  }

  /** Shards in an order that reads a parent before its children (an outcome's writes stay in order). */
  private async shards(streamArn: string): Promise<Shard[]> {
    const { shards } = await describeStreamShards(this.streams, streamArn);
    const ids = new Set(shards.map((shard) => shard.ShardId));
    // A child waits while its parent is still listed and not read to its end.
    return shards.filter((shard) => shard.ParentShardId === undefined || !ids.has(shard.ParentShardId) || this.iterators.get(shard.ParentShardId) === null);
  }

  private async iteratorFor(streamArn: string, shardId: string): Promise<string | null> {
    if (this.iterators.has(shardId)) return this.iterators.get(shardId) ?? null;
    const position = this.checkpoint.shards[shardId] ?? {};
    const request = position.inFlight
      ? { ShardIteratorType: 'AT_SEQUENCE_NUMBER' as const, SequenceNumber: position.inFlight.first }
      : position.last
        ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, SequenceNumber: position.last }
        : { ShardIteratorType: 'TRIM_HORIZON' as const };
    const output = await this.streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ...request }));
    return output.ShardIterator ?? null;
  }

  /**
   * GetRecords from the shard's cached iterator. DynamoDB Local answers
   * TrimmedDataAccessException to the NextShardIterator of a read that found
   * the shard empty once records arrive (and an iterator expires after 15
   * minutes): the iterator is then taken again, once, after the records
   * already read into the batch (`readTo`) or from the checkpoint.
   */
  private async getRecords(streamArn: string, shardId: string, limit: number, readTo: string | undefined): Promise<GetRecordsCommandOutput | null> {
    for (let attempt = 1; ; attempt += 1) {
      const iterator = await this.iteratorFor(streamArn, shardId);
      if (iterator === null) return null;
      try {
        const output = await this.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
        this.iterators.set(shardId, output.NextShardIterator ?? null);
        return output;
      } catch (error) {
        const stale = error instanceof TrimmedDataAccessException || error instanceof ExpiredIteratorException;
        if (!stale || attempt >= 2) throw error;
        this.iterators.delete(shardId);
        if (readTo !== undefined) {
          const fresh = await this.streams.send(
            new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: readTo }),
          );
          this.iterators.set(shardId, fresh.ShardIterator ?? null);
        }
      }
    }
  }

  /**
   * The shard's next batch: GetRecords calls until one comes back short (the
   * shard's end for now; DynamoDB Local returns every record written before
   * the call), the batch is full, or an interrupted batch is read again up
   * to its old end. atEnd: nothing more to read in this pass.
   */
  private async nextBatch(streamArn: string, shardId: string, inFlight: ShardCheckpoint['inFlight']): Promise<{ records: _Record[]; atEnd: boolean }> {
    const records: _Record[] = [];
    const maxRecords = this.options.maxRecordsPerBatch ?? MAX_RECORDS_PER_BATCH;
    for (;;) {
      const limit = Math.min(RECORDS_PER_READ, maxRecords - records.length);
      const output = await this.getRecords(streamArn, shardId, limit, records.at(-1)?.dynamodb?.SequenceNumber);
      // A shard that has ended: once its last records are applied, its children are read (another pass).
      if (output === null) return { records, atEnd: records.length === 0 };
      const page = output.Records ?? [];
      if (inFlight !== undefined) {
        // Re-read the interrupted batch exactly: the same range, so the same batch id.
        const end = page.findIndex((record) => record.dynamodb?.SequenceNumber === inFlight.last);
        if (end >= 0) {
          records.push(...page.slice(0, end + 1));
          return { records, atEnd: false };
        }
      }
      records.push(...page);
      if (output.NextShardIterator === undefined || output.NextShardIterator === null) return { records, atEnd: records.length === 0 };
      if (page.length < limit) return { records, atEnd: inFlight === undefined };
      if (records.length >= maxRecords) return { records, atEnd: false };
    }
  }

  private async readShard(streamArn: string, shard: Shard): Promise<{ applied: number; atEnd: boolean }> {
    const shardId = shard.ShardId ?? '';
    try {
      return await this.applyNextBatch(streamArn, shardId);
    } catch (error) {
      // The cached iterator is already past records read for the batch: the next poll starts again from the checkpoint.
      this.iterators.delete(shardId);
      throw error;
    }
  }

  private async applyNextBatch(streamArn: string, shardId: string): Promise<{ applied: number; atEnd: boolean }> {
    const position = (this.checkpoint.shards[shardId] ??= {});
    const inFlight = position.inFlight;
    const { records, atEnd } = await this.nextBatch(streamArn, shardId, inFlight);
    // Nothing read (even of an interrupted batch): nothing more this pass, so a pass that goes on has applied something.
    if (records.length === 0) return { applied: 0, atEnd: true };
    const first = records[0]?.dynamodb?.SequenceNumber ?? '';
    const last = records.at(-1)?.dynamodb?.SequenceNumber ?? '';
    position.inFlight = { first, last };
    await this.save();
    const response = await this.options.apply({
      Records: records.map((record) => ({ ...record, eventSourceARN: `${streamArn}/shard/${shardId}` })),
    });
    if (response.batchItemFailures.length > 0) {
      // Read the batch again next time, from its first record (as Lambda retries it).
      throw new LedgerStreamBatchError(`usage rollups could not apply stream records ${first}..${last} of shard ${shardId}; retrying`);
    }
    position.last = last;
    delete position.inFlight;
    await this.save();
    // A batch re-read up to its old end continues from there with a fresh iterator.
    if (inFlight !== undefined) this.iterators.delete(shardId);
    return { applied: records.length, atEnd };
  }
}

/** A batch of stream records could not be applied: read again from its start on the next poll. */
export class LedgerStreamBatchError extends engineErrorClass('LedgerStreamBatchError', 'infrastructure', 'ledger_stream_batch_failed') {}

export interface LocalUsageRollupsOptions {
  readonly dynamoDb: DynamoDBClient;
  readonly ledgerTableName: string;
  readonly engineTableName: string;
  readonly ledger: Pick<LedgerRepository, 'streamUsageEntries' | 'getOutcomeEntries'>;
  readonly now: () => Date;
  /** Where spend alerts are published (the engine's own PutEvents endpoint); no alerts when absent. */
  readonly events?: { readonly eventBridge: EventBridgeClient; readonly eventBusName: string };
  /** Shard positions file (in the data folder); memory only when absent. */
  readonly checkpointPath?: string;
  readonly log: (message: string) => void;
  /** Told which customers each applied batch changed (threshold invoicing). */
  readonly usageChanges?: UsageChangeListener;
}

/** Starts reading the ledger's stream into the usage rollups with the same handler the Lambda runs. */
export async function startLocalUsageRollups(options: LocalUsageRollupsOptions): Promise<LedgerStreamReader> {
  // Imported only now, as the engine imports its other handlers: after the Powertools defaults are set.
  const { createApplyLedgerChangesHandler } = await import('../../lambdas/handlers/apply-ledger-changes');
  const { createUsageRollupService } = await import('../../lambdas/composition/usage-rollup-service');
  const { createSpendAlerts } = await import('../../lambdas/composition/billing-service');
  const service = createUsageRollupService({ ...options, progress: { kind: 'stored' } });
  const spendAlerts = options.events
    ? createSpendAlerts({ dynamoDb: options.dynamoDb, engineTableName: options.engineTableName, usage: service.reader, ...options.events, now: options.now })
    : undefined;
  const apply = createApplyLedgerChangesHandler(async () => ({
    rollups: service.store,
    ledger: service.ledger,
    ...(options.usageChanges ? { usageChanges: options.usageChanges } : {}),
    ...(spendAlerts ? { spendAlerts } : {}),
  }));
  const reader = new LedgerStreamReader({
    dynamoDb: options.dynamoDb,
    ledgerTableName: options.ledgerTableName,
    apply,
    progress: new DynamoDbRollupProgress({ client: options.dynamoDb, tableName: options.engineTableName }),
    now: options.now,
    ...(options.checkpointPath !== undefined ? { checkpointPath: options.checkpointPath } : {}),
    onError: (error) => options.log(`usage rollups: ${error instanceof Error ? error.message : String(error)}`),
  });
  await reader.start();
  return reader;
}

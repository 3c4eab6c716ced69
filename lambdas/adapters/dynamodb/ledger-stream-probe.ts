import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { toInfrastructureError } from './aws-error-classification';

// The ledger stream as the local engine reads it: the client and the shard
// listing its stream reader uses too, and the check whether anything was
// written to the ledger since the reader's last complete pass (each shard is
// asked for one record after the position that pass had applied). Local
// only: in AWS Lambda reads the stream and the rollups trust a settle lag
// instead (a GetRecords there may answer empty before a shard's end even with
// records to come).

/** Where a drained pass left each shard: the last sequence applied, or read to its end (closed). */
export const DrainedShardsSchema = z.record(z.string(), z.union([z.object({ last: z.string().min(1) }), z.object({ done: z.literal(true) })]));
export type DrainedShards = z.infer<typeof DrainedShardsSchema>;

/** A DynamoDB Streams client on a DynamoDB client's endpoint, region and credentials (DynamoDB Local's, locally). */
export function streamsClientFor(config: DynamoDBClient['config']): DynamoDBStreamsClient {
  return new DynamoDBStreamsClient({ endpoint: config.endpoint, region: config.region, credentials: config.credentials });
}

/** Every shard of a stream (all DescribeStream pages), and whether the stream still records. */
export async function describeStreamShards(streams: DynamoDBStreamsClient, streamArn: string): Promise<{ enabled: boolean; shards: Shard[] }> {
  const shards: Shard[] = [];
  let exclusiveStartShardId: string | undefined;
  let enabled = true;
  do {
    let output;
    try {
      output = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ...(exclusiveStartShardId ? { ExclusiveStartShardId: exclusiveStartShardId } : {}) }));
    } catch (error) {
      throw toInfrastructureError(error, 'DynamoDB Streams DescribeStream (ledger)');
    }
    enabled &&= output.StreamDescription?.StreamStatus === 'ENABLED';
    shards.push(...(output.StreamDescription?.Shards ?? []));
    exclusiveStartShardId = output.StreamDescription?.LastEvaluatedShardId;
  } while (exclusiveStartShardId !== undefined);
  return { enabled, shards };
}

/** Stands for a shard whose position is older than the stream keeps: it counts as written to. */
const TRIMMED = 'trimmed';

export class LedgerStreamProbe {
  constructor(private readonly streams: DynamoDBStreamsClient) {}

  /** Builds the streams client on the DynamoDB client's endpoint, region and credentials. */
  static onEndpointOf(config: DynamoDBClient['config']): LedgerStreamProbe {
    return new LedgerStreamProbe(streamsClientFor(config));
  }

  /**
   * Lists the stream's shards and takes an iterator after each one's position
   * now; the returned function then asks each for one record: true when no
   * shard has one (a shard not in `shards` is read from its start), so
   * nothing was written since those positions, up to the moment it is called.
   */
  startCheck(streamArn: string, shards: DrainedShards): () => Promise<boolean> {
    const iterators = this.iteratorsAfter(streamArn, shards);
    // Awaited by the returned function; only a rejection nobody awaits (the caller failed first) is silenced here.
    iterators.catch(() => undefined);
    return async () => {
      const open = await iterators;
      if (open === undefined) return false;
      const found = await Promise.all(open.map((iterator) => this.hasRecord(iterator)));
      return !found.includes(true);
    };
  }

  destroy(): void {
    this.streams.destroy();
  }

  /** An iterator after each open shard's position; undefined when the stream no longer records. */
  private async iteratorsAfter(streamArn: string, shards: DrainedShards): Promise<string[] | undefined> {
    const { enabled, shards: listed } = await describeStreamShards(this.streams, streamArn);
    // A stream that no longer records (its table deleted, its stream turned off) vouches for nothing.
    if (!enabled) return undefined;
    const open = listed.filter((shard) => !('done' in (shards[shard.ShardId ?? ''] ?? {})));
    const iterators = await Promise.all(
      open.map(async (shard) => {
        const position = shards[shard.ShardId ?? ''];
        const last = position !== undefined && 'last' in position ? position.last : undefined;
        try {
          const output = await this.streams.send(
            new GetShardIteratorCommand({
              StreamArn: streamArn,
              ShardId: shard.ShardId,
              ...(last === undefined ? { ShardIteratorType: 'TRIM_HORIZON' as const } : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, SequenceNumber: last }),
            }),
          );
          return output.ShardIterator;
        } catch (error) {
          // Records past the position were trimmed (older than the stream keeps): nothing can be vouched for.
          if (error instanceof TrimmedDataAccessException) return TRIMMED;
          throw toInfrastructureError(error, 'DynamoDB Streams GetShardIterator (ledger)');
        }
      }),
    );
    return iterators.filter((iterator): iterator is string => iterator !== undefined);
  }

  private async hasRecord(iterator: string): Promise<boolean> {
    if (iterator === TRIMMED) return true;
    try {
      const output = await this.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1 }));
      return (output.Records?.length ?? 0) > 0;
    } catch (error) {
      // DynamoDB Local answers this to an iterator taken at a shard's end once records arrive after it.
      if (error instanceof TrimmedDataAccessException) return true;
      throw toInfrastructureError(error, 'DynamoDB Streams GetRecords (ledger)');
    }
  }
}

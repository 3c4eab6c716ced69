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

// Whether anything was written to the ledger since a stream reader's last
// drained pass: each shard is asked for one record after the position that
// pass had applied. Used by the local engine only, where the engine's own
// reader drains DynamoDB Local's stream; in AWS Lambda reads the stream and
// the rollups trust a settle lag instead (a GetRecords there may answer
// empty before a shard's end even with records to come).

/** Where a drained pass left each shard: the last sequence applied, or read to its end (closed). */
export const DrainedShardsSchema = z.record(z.string(), z.union([z.object({ last: z.string().min(1) }), z.object({ done: z.literal(true) })]));
export type DrainedShards = z.infer<typeof DrainedShardsSchema>;

export class LedgerStreamProbe {
  constructor(private readonly streams: DynamoDBStreamsClient) {}

  /** Builds the streams client on the DynamoDB client's endpoint, region and credentials. */
  static onEndpointOf(config: DynamoDBClient['config']): LedgerStreamProbe {
    return new LedgerStreamProbe(new DynamoDBStreamsClient({ endpoint: config.endpoint, region: config.region, credentials: config.credentials }));
  }

  /** True when no shard of the stream has a record after `shards`' positions (a shard not listed there is read from its start). */
  async nothingWrittenSince(streamArn: string, shards: DrainedShards): Promise<boolean> {
    const listed = await this.shardsOf(streamArn);
    if (listed === undefined) return false;
    const open = listed.filter((shard) => !('done' in (shards[shard.ShardId ?? ''] ?? {})));
    const found = await Promise.all(open.map((shard) => this.hasRecordAfter(streamArn, shard.ShardId ?? '', shards[shard.ShardId ?? ''])));
    return !found.includes(true);
  }

  destroy(): void {
    this.streams.destroy();
  }

  /** The stream's shards; undefined when the stream no longer records (its table was deleted or its stream turned off). */
  private async shardsOf(streamArn: string): Promise<Shard[] | undefined> {
    const shards: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      let output;
      try {
        output = await this.streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ...(exclusiveStartShardId ? { ExclusiveStartShardId: exclusiveStartShardId } : {}) }));
      } catch (error) {
        throw toInfrastructureError(error, 'DynamoDB Streams DescribeStream (ledger)');
      }
      if (output.StreamDescription?.StreamStatus !== 'ENABLED') return undefined;
      shards.push(...(output.StreamDescription.Shards ?? []));
      exclusiveStartShardId = output.StreamDescription.LastEvaluatedShardId;
    } while (exclusiveStartShardId !== undefined);
    return shards;
  }

  private async hasRecordAfter(streamArn: string, shardId: string, position: DrainedShards[string] | undefined): Promise<boolean> {
    const last = position !== undefined && 'last' in position ? position.last : undefined;
    try {
      const iterator = await this.streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shardId,
          ...(last === undefined ? { ShardIteratorType: 'TRIM_HORIZON' as const } : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, SequenceNumber: last }),
        }),
      );
      if (iterator.ShardIterator === undefined) return false;
      const output = await this.streams.send(new GetRecordsCommand({ ShardIterator: iterator.ShardIterator, Limit: 1 }));
      return (output.Records?.length ?? 0) > 0;
    } catch (error) {
      // Records past the position were trimmed (older than the stream keeps): nothing can be vouched for.
      if (error instanceof TrimmedDataAccessException) return true;
      throw toInfrastructureError(error, 'DynamoDB Streams GetRecords (ledger)');
    }
  }
}

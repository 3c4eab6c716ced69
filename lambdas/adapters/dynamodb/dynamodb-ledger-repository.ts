import {
  GetItemCommand,
  PutItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { LedgerDataError } from '../../application/errors';
import type {
  LedgerRepository,
  Page,
  PutEntryResult,
  RejectedListQuery,
  UsageEntriesQuery,
} from '../../application/ports';
import type { DisputeLedger } from '../../application/disputes/ports';
import type { DisputeEntry, LedgerEntry, RecordedEntry } from '../../domain/ledger/ledger-entries';
import {
  LISTING_SHARD_COUNT,
  listingShardOf,
  USAGE_SHARD_COUNT,
  sortableMillis,
  utcMonthsOverlapping,
} from '../../domain/ledger/ledger-keys';
import type { RejectedOutcome } from '../../domain/ledger/rejection';
import { isConditionalCheckFailed, toInfrastructureError } from './aws-error-classification';
import { CapacityMeter } from './capacity-meter';
import { DynamoTable } from './dynamo-table';
import { interleavePages } from './interleave-pages';
import {
  ATTR,
  KEY,
  LISTING_INDEX_NAME,
  USAGE_INDEX_NAME,
  disputeListingPartitionKey,
  disputeListingPrefix,
  entrySortKey,
  fromLedgerItem,
  fromRejectionItem,
  outcomePartitionKey,
  rejectedPartitionKey,
  toLedgerItem,
  toRejectionItem,
  unattributedPartitionKey,
  usagePartitionKey,
  type Item,
} from './ledger-items';
import { decodeCursor, encodeCursor, hasMore, queryMergedPage } from './merged-page';

// The ledger on DynamoDB. Every write is a conditional put that never
// overwrites (append-only is enforced by the condition, and by IAM in AWS:
// the ingest role has no UpdateItem or DeleteItem). No item has a TTL.

const CLAIM_CONDITION = 'attribute_not_exists(#pk)';
const CLAIM_NAMES = { '#pk': KEY.pk };
const CREATED: PutEntryResult = { status: 'created' };
const USAGE_QUERY_CONCURRENCY = 16;

export interface DynamoDbLedgerRepositoryOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Receives the capacity every call consumed (ReturnConsumedCapacity). */
  readonly capacity?: CapacityMeter;
}

export class DynamoDbLedgerRepository implements LedgerRepository, DisputeLedger {
  readonly capacity: CapacityMeter;
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly table: DynamoTable;

  constructor(options: DynamoDbLedgerRepositoryOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.table = new DynamoTable({ client: options.client, tableName: options.tableName });
    this.capacity = options.capacity ?? new CapacityMeter();
  }

  async putEntry(entry: LedgerEntry): Promise<PutEntryResult> {
    const existing = await this.putOnce(toLedgerItem(entry), 'DynamoDB PutItem (ledger entry)');
    if (existing === undefined) return CREATED;
    return { status: 'exists', existing: fromLedgerItem(existing) };
  }

  async putRejection(rejection: RejectedOutcome): Promise<{ readonly created: boolean }> {
    const existing = await this.putOnce(toRejectionItem(rejection), 'DynamoDB PutItem (rejection)');
    return { created: existing === undefined };
  }

  /**
   * Writes the item unless its key exists. Returns undefined when written, or
   * the stored item when the key was taken. The failed condition hands back
   * the stored item (ALL_OLD), so telling duplicate from conflict needs no
   * second read.
   */
  private async putOnce(item: Item, operation: string): Promise<Item | undefined> {
    try {
      const output = await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: CLAIM_CONDITION,
          ExpressionAttributeNames: CLAIM_NAMES,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
      this.capacity.recordWrite(output.ConsumedCapacity);
      return undefined;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw toInfrastructureError(error, operation);
      const stored = (error as { Item?: Item }).Item ?? (await this.getItem(item));
      if (stored === undefined) {
        // Append-only items never disappear, so this cannot be a real state.
        throw new LedgerDataError(`${operation}: the key ${item[KEY.pk]?.S}/${item[KEY.sk]?.S} is taken but no item was returned`);
      }
      return stored;
    }
  }

  private async getItem(item: Item): Promise<Item | undefined> {
    const key = { [KEY.pk]: item[KEY.pk] as Item[string], [KEY.sk]: item[KEY.sk] as Item[string] };
    try {
      const output = await this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: key, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }),
      );
      this.capacity.recordRead(output.ConsumedCapacity);
      return output.Item;
    } catch (error) {
      throw toInfrastructureError(error, 'DynamoDB GetItem (ledger)');
    }
  }

  async getOutcomeEntries(outcomeId: string): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = [];
    const pages = this.table.queryPages(
      {
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': KEY.pk },
        ExpressionAttributeValues: { ':pk': { S: outcomePartitionKey(outcomeId) } },
        ConsistentRead: true,
        ReturnConsumedCapacity: 'TOTAL',
      },
      'outcome',
    );
    for await (const output of pages) {
      this.capacity.recordRead(output.ConsumedCapacity);
      for (const item of output.Items ?? []) entries.push(fromLedgerItem(item));
    }
    return entries;
  }

  /** Fans out over every usage shard of every UTC month overlapping [from, to), in parallel. */
  streamUsageEntries(query: UsageEntriesQuery): AsyncIterable<readonly LedgerEntry[]> {
    const partitions: string[] = [];
    for (const month of utcMonthsOverlapping(query.fromMs, query.toMs)) {
      for (let shard = 0; shard < USAGE_SHARD_COUNT; shard += 1) {
        partitions.push(usagePartitionKey(query.metric, month, shard, query.customerId));
      }
    }
    return interleavePages(
      partitions.map((partition) => () => this.usagePartitionPages(partition, query)),
      USAGE_QUERY_CONCURRENCY,
    );
  }

  private async *usagePartitionPages(partition: string, query: UsageEntriesQuery): AsyncGenerator<readonly LedgerEntry[]> {
    const pages = this.table.queryPages(
      {
        IndexName: USAGE_INDEX_NAME,
        // asOf is a key condition: entries recorded later are never even read.
        ...(query.recordedFromMs === undefined
          ? {
              KeyConditionExpression: '#pk = :pk AND #sk <= :asOf',
              ExpressionAttributeValues: { ':pk': { S: partition }, ':asOf': { S: sortableMillis(query.asOfMs) } },
            }
          : {
              KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :asOf',
              ExpressionAttributeValues: {
                ':pk': { S: partition },
                ':from': { S: sortableMillis(Math.max(0, query.recordedFromMs)) },
                ':asOf': { S: sortableMillis(query.asOfMs) },
              },
            }),
        ExpressionAttributeNames: { '#pk': KEY.usagePk, '#sk': KEY.usageSk },
        ReturnConsumedCapacity: 'TOTAL',
      },
      'usage',
    );
    for await (const output of pages) {
      this.capacity.recordRead(output.ConsumedCapacity);
      const entries: LedgerEntry[] = [];
      for (const item of output.Items ?? []) {
        const entry = fromLedgerItem(item);
        if (entry.occurredAtMs >= query.fromMs && entry.occurredAtMs < query.toMs) entries.push(entry);
      }
      if (entries.length > 0) yield entries;
    }
  }

  /**
   * Walks months newest first and stops as soon as the page is full, so a
   * page costs a handful of queries however long the range is.
   */
  async listRejected(query: RejectedListQuery): Promise<Page<RejectedOutcome>> {
    const months = utcMonthsOverlapping(query.fromMs, query.toMs).reverse();
    const partitionsOf = (month: string) =>
      Array.from({ length: LISTING_SHARD_COUNT }, (_, shard) => rejectedPartitionKey(month, shard));
    let positions = decodeCursor(query.cursor);
    const items: Item[] = [];
    for (const month of months) {
      const partitions = partitionsOf(month);
      if (!hasMore(partitions, positions)) continue;
      const page = await queryMergedPage({
        client: this.client,
        tableName: this.tableName,
        capacity: this.capacity,
        partitions,
        // "~" sorts after "#<id>", so the bounds include every id at those instants.
        sortKeyBetween: { low: sortableMillis(query.fromMs), high: `${sortableMillis(query.toMs - 1)}~` },
        ...(query.code !== undefined
          ? { filter: { expression: '#code = :code', names: { '#code': ATTR.code }, values: { ':code': { S: query.code } } } }
          : {}),
        limit: query.limit - items.length,
        positions,
      });
      items.push(...page.items);
      positions = page.positions;
      if (items.length >= query.limit) break;
    }
    const more = hasMore(months.flatMap(partitionsOf), positions);
    return { items: items.map(fromRejectionItem), ...(more ? { cursor: encodeCursor(positions) } : {}) };
  }

  async listDisputeEntries(disputeId: string): Promise<DisputeEntry[]> {
    const entries: DisputeEntry[] = [];
    for await (const page of this.disputeListingPages(disputeListingPartitionKey(listingShardOf(disputeId)), disputeListingPrefix(disputeId))) {
      entries.push(...page);
    }
    return entries;
  }

  /** Every dispute entry: the 8 listing partitions of disputes, one after another. */
  async *streamAllDisputeEntries(): AsyncGenerator<readonly DisputeEntry[]> {
    for (let shard = 0; shard < LISTING_SHARD_COUNT; shard += 1) {
      yield* this.disputeListingPages(disputeListingPartitionKey(shard), undefined);
    }
  }

  private async *disputeListingPages(partition: string, prefix: string | undefined): AsyncGenerator<readonly DisputeEntry[]> {
    const pages = this.table.queryPages(
      {
        IndexName: LISTING_INDEX_NAME,
        KeyConditionExpression: prefix === undefined ? '#pk = :pk' : '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: prefix === undefined ? { '#pk': KEY.listingPk } : { '#pk': KEY.listingPk, '#sk': KEY.listingSk },
        ExpressionAttributeValues: prefix === undefined ? { ':pk': { S: partition } } : { ':pk': { S: partition }, ':prefix': { S: prefix } },
        ReturnConsumedCapacity: 'TOTAL',
      },
      'disputes',
    );
    for await (const output of pages) {
      this.capacity.recordRead(output.ConsumedCapacity);
      const entries: DisputeEntry[] = [];
      for (const item of output.Items ?? []) {
        const entry = fromLedgerItem(item);
        if (entry.kind !== 'disputed' && entry.kind !== 'dispute-resolved') {
          throw new LedgerDataError(`the dispute listing holds a ${entry.kind} entry under ${entrySortKey(entry)}`);
        }
        entries.push(entry);
      }
      if (entries.length > 0) yield entries;
    }
  }

  async listUnattributed(query: { readonly limit: number; readonly cursor?: string | undefined }): Promise<Page<RecordedEntry>> {
    const partitions = Array.from({ length: LISTING_SHARD_COUNT }, (_, shard) => unattributedPartitionKey(shard));
    const page = await queryMergedPage({
      client: this.client,
      tableName: this.tableName,
      capacity: this.capacity,
      partitions,
      limit: query.limit,
      positions: decodeCursor(query.cursor),
    });
    const cursor = hasMore(partitions, page.positions) ? encodeCursor(page.positions) : undefined;
    const items = page.items.map((item) => {
      const entry = fromLedgerItem(item);
      if (entry.kind !== 'recorded') throw new LedgerDataError(`listing holds a ${entry.kind} entry under ${entrySortKey(entry)}`);
      return entry;
    });
    return { items, ...(cursor !== undefined ? { cursor } : {}) };
  }
}

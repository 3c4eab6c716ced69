import {
  BatchGetItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { LedgerDataError } from '../../application/errors';
import type { RollupBatch, RollupCell, RollupCellQuery, RollupProgress, RollupStore } from '../../application/usage/ports';
import { sortableMillis, utcMonthOf, utcMonthsOverlapping } from '../../domain/ledger/ledger-keys';
import { rollupCellId, ROLLUP_DAY_MS, spanOf, type RollupCellKey, type RollupFields } from '../../domain/ledger/usage-rollup';
import { errorName, toInfrastructureError } from './aws-error-classification';
import { CapacityMeter } from './capacity-meter';
import { DynamoTable } from './dynamo-table';
import { ENGINE_TABLE } from './table-design';

// Usage rollups in the engine table:
//
//   RU#<customerId>#<metric>#<YYYY-MM of occurredAt>  / <occurred bucket ms>#<recorded bucket ms>   one quarter-hour cell; fields `~<part>.<measure>` (numbers)
//                                                      / D#<occurred day ms>#<recorded bucket ms>  the same per UTC day of occurredAt
//   RUA#<outcomeId>                                    / A                                          entry keys of an adjusted outcome already applied
//   RUB#<batchId>                                      / <chunk>                                    a stream batch chunk already applied
//   RU#progress                                        / local                                      how far the local stream reader has applied
//
// Why the engine table: cells are few and small (one per 15 minutes of
// occurredAt × recordedAt bucket actually used), and the ledger table stays
// append-only with its stream carrying ledger entries only. A cell partition
// is one customer × metric × month, and the stream writes each cell once per
// batch (about one write a second per stream shard), far below a partition's
// 1,000 writes a second, however busy the customer. Numbers are stored as
// DynamoDB numbers, which are exact decimals of up to 38 digits: sums stay
// exact, as integers of 12-decimal fixed point.

const PK = ENGINE_TABLE.partitionKey;
const SK = ENGINE_TABLE.sortKey;
const FIELD_PREFIX = '~';
/** TransactWriteItems takes 100 items; one is the chunk's marker. */
const CHUNK_ITEMS = 99;
/** Day cells sort apart from quarter-hour ones ('D' after every digit), so each kind is one key range. */
const DAY_PREFIX = 'D#';
const PROGRESS_KEY = { [PK]: { S: 'RU#progress' }, [SK]: { S: 'local' } };

type Item = Record<string, AttributeValue>;

export function rollupPartitionKey(customerId: string, metric: string, occurredBucketMs: number): string {
  return `RU#${customerId}#${metric}#${utcMonthOf(occurredBucketMs)}`;
}

function cellKey(key: RollupCellKey): Item {
  return {
    [PK]: { S: rollupPartitionKey(key.customerId, key.metric, key.occurredBucketMs) },
    [SK]: { S: `${spanOf(key) === ROLLUP_DAY_MS ? DAY_PREFIX : ''}${sortableMillis(key.occurredBucketMs)}#${sortableMillis(key.recordedBucketMs)}` },
  };
}

function fieldsOf(item: Item): RollupFields {
  const fields: RollupFields = new Map();
  for (const [name, value] of Object.entries(item)) {
    if (!name.startsWith(FIELD_PREFIX)) continue;
    if (value.N === undefined || !/^-?\d+$/.test(value.N)) throw new LedgerDataError(`rollup field ${name} is not an integer: ${JSON.stringify(value)}`);
    const amount = BigInt(value.N);
    if (amount !== 0n) fields.set(name.slice(FIELD_PREFIX.length), amount);
  }
  return fields;
}

function cellOf(item: Item, customerId: string, metric: string): RollupCell {
  const sk = item[SK]?.S ?? '';
  const daily = sk.startsWith(DAY_PREFIX);
  const [occurred, recorded] = (daily ? sk.slice(DAY_PREFIX.length) : sk).split('#').map(Number);
  if (!Number.isSafeInteger(occurred) || !Number.isSafeInteger(recorded)) throw new LedgerDataError(`rollup cell key ${sk} is malformed`);
  return {
    key: { customerId, metric, occurredBucketMs: occurred as number, recordedBucketMs: recorded as number, ...(daily ? { occurredSpanMs: ROLLUP_DAY_MS } : {}) },
    fields: fieldsOf(item),
  };
}

function addExpression(fields: ReadonlyMap<string, bigint>): Pick<TransactWriteItem['Update'] & object, 'UpdateExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> {
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  const parts: string[] = [];
  [...fields].forEach(([field, amount], index) => {
    names[`#f${index}`] = FIELD_PREFIX + field;
    values[`:f${index}`] = { N: amount.toString() };
    parts.push(`#f${index} :f${index}`);
  });
  return { UpdateExpression: `ADD ${parts.join(', ')}`, ExpressionAttributeNames: names, ExpressionAttributeValues: values };
}

export interface DynamoDbRollupStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Write and read units spent, for the benchmarks. */
  readonly capacity?: CapacityMeter;
}

export class DynamoDbRollupStore implements RollupStore {
  readonly capacity: CapacityMeter;
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly table: DynamoTable;

  constructor(options: DynamoDbRollupStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.table = new DynamoTable({ client: options.client, tableName: options.tableName });
    this.capacity = options.capacity ?? new CapacityMeter();
  }

  /**
   * Cells first, then the adjusted outcomes' applied keys, in chunks that
   * each carry a marker of (batch, chunk): a redelivered batch skips every
   * chunk already written. Applied keys go last, so until every cell chunk
   * is in, a redelivery computes the very same chunks again.
   */
  async applyBatch(batch: RollupBatch): Promise<{ applied: boolean }> {
    const cellWrites: TransactWriteItem[] = [...batch.changes]
      .sort((left, right) => (rollupCellId(left.key) < rollupCellId(right.key) ? -1 : 1))
      .map((change) => ({ Update: { TableName: this.tableName, Key: cellKey(change.key), ...addExpression(change.fields) } }));
    const appliedWrites: TransactWriteItem[] = [...batch.appliedEntries]
      .sort(([left], [right]) => (left < right ? -1 : 1))
      .map(([outcomeId, keys]) => ({
        Put: { TableName: this.tableName, Item: { [PK]: { S: `RUA#${outcomeId}` }, [SK]: { S: 'A' }, keys: { L: keys.map((key) => ({ S: key })) } } },
      }));
    const chunks: TransactWriteItem[][] = [];
    for (const writes of [cellWrites, appliedWrites]) {
      for (let start = 0; start < writes.length; start += CHUNK_ITEMS) chunks.push(writes.slice(start, start + CHUNK_ITEMS));
    }
    let applied = false;
    for (const [index, chunk] of chunks.entries()) {
      const marker: TransactWriteItem = {
        Put: {
          TableName: this.tableName,
          Item: { [PK]: { S: `RUB#${batch.batchId}` }, [SK]: { S: String(index) } },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        },
      };
      try {
        const output = await this.client.send(new TransactWriteItemsCommand({ TransactItems: [...chunk, marker], ReturnConsumedCapacity: 'TOTAL' }));
        for (const consumed of output.ConsumedCapacity ?? []) this.capacity.recordWrite(consumed);
        applied = true;
      } catch (error) {
        if (isMarkerTaken(error, chunk.length)) continue;
        throw toInfrastructureError(error, 'DynamoDB TransactWriteItems (usage rollups)');
      }
    }
    return { applied };
  }

  async readAppliedEntries(outcomeIds: readonly string[]): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>();
    for (let start = 0; start < outcomeIds.length; start += 100) {
      let keys: Item[] = outcomeIds.slice(start, start + 100).map((outcomeId) => ({ [PK]: { S: `RUA#${outcomeId}` }, [SK]: { S: 'A' } }));
      while (keys.length > 0) {
        let output;
        try {
          output = await this.client.send(
            new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } }, ReturnConsumedCapacity: 'TOTAL' }),
          );
        } catch (error) {
          throw toInfrastructureError(error, 'DynamoDB BatchGetItem (usage rollups)');
        }
        for (const consumed of output.ConsumedCapacity ?? []) this.capacity.recordRead(consumed);
        for (const item of output.Responses?.[this.tableName] ?? []) {
          const outcomeId = (item[PK]?.S ?? '').slice('RUA#'.length);
          result.set(outcomeId, (item.keys?.L ?? []).map((key) => key.S ?? ''));
        }
        keys = output.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return result;
  }

  async readCells(query: RollupCellQuery): Promise<RollupCell[]> {
    const cells: RollupCell[] = [];
    const prefix = query.daily ? DAY_PREFIX : '';
    for (const month of utcMonthsOverlapping(query.fromMs, query.toMs)) {
      const pages = this.table.queryPages(
        {
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
          ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
          ExpressionAttributeValues: {
            ':pk': { S: `RU#${query.customerId}#${query.metric}#${month}` },
            ':from': { S: `${prefix}${sortableMillis(query.fromMs)}#` },
            // Cells of the bucket starting at toMs are left out by the '#' (it sorts before digits).
            ':to': { S: `${prefix}${sortableMillis(query.toMs)}#` },
          },
          ReturnConsumedCapacity: 'TOTAL',
        },
        'usage rollups',
      );
      for await (const output of pages) {
        this.capacity.recordRead(output.ConsumedCapacity);
        for (const item of output.Items ?? []) cells.push(cellOf(item, query.customerId, query.metric));
      }
    }
    return cells;
  }

  async replaceCells(query: RollupCellQuery & { readonly recordedBeforeMs: number }, cells: readonly RollupCell[]): Promise<{ written: number }> {
    const [quarters, days] = await Promise.all([this.readCells({ ...query, daily: false }), this.readCells({ ...query, daily: true })]);
    const existing = [...quarters, ...days].filter((cell) => cell.key.recordedBucketMs < query.recordedBeforeMs);
    const wanted = new Map(cells.filter((cell) => cell.key.recordedBucketMs < query.recordedBeforeMs).map((cell) => [rollupCellId(cell.key), cell]));
    let written = 0;
    const write = async (key: RollupCellKey, difference: RollupFields) => {
      if (difference.size === 0) return;
      try {
        const output = await this.client.send(
          new UpdateItemCommand({ TableName: this.tableName, Key: cellKey(key), ...addExpression(difference), ReturnConsumedCapacity: 'TOTAL' }),
        );
        this.capacity.recordWrite(output.ConsumedCapacity);
      } catch (error) {
        throw toInfrastructureError(error, 'DynamoDB UpdateItem (usage rollups)');
      }
      written += 1;
    };
    // Adding the difference (not overwriting) leaves changes the stream adds meanwhile to unsealed cells intact.
    for (const cell of existing) {
      const target = wanted.get(rollupCellId(cell.key));
      wanted.delete(rollupCellId(cell.key));
      const difference = new Map<string, bigint>();
      for (const [field, amount] of target?.fields ?? []) difference.set(field, amount - (cell.fields.get(field) ?? 0n));
      for (const [field, amount] of cell.fields) if (!difference.has(field)) difference.set(field, -amount);
      await write(cell.key, new Map([...difference].filter(([, amount]) => amount !== 0n)));
    }
    for (const cell of wanted.values()) await write(cell.key, cell.fields);
    return { written };
  }
}

function isMarkerTaken(error: unknown, markerIndex: number): boolean {
  if (errorName(error) !== 'TransactionCanceledException') return false;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  if (reasons === undefined) return /ConditionalCheckFailed/.test(String((error as Error).message));
  return reasons[markerIndex]?.Code === 'ConditionalCheckFailed' && reasons.every((reason, index) => index === markerIndex || reason.Code === 'None' || reason.Code === undefined);
}

/** How far the local stream reader has applied the ledger (written by lib/local's stream reader). */
export class DynamoDbRollupProgress implements RollupProgress {
  constructor(private readonly options: { readonly client: DynamoDBClient; readonly tableName: string }) {}

  async sealedBeforeMs(): Promise<number | undefined> {
    let output;
    try {
      output = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: '#pk = :pk AND #sk = :sk',
          ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
          ExpressionAttributeValues: { ':pk': PROGRESS_KEY[PK], ':sk': PROGRESS_KEY[SK] },
          ConsistentRead: true,
        }),
      );
    } catch (error) {
      throw toInfrastructureError(error, 'DynamoDB Query (usage rollup progress)');
    }
    const value = output.Items?.[0]?.sealedBefore?.N;
    return value === undefined ? undefined : Number(value);
  }

  /** Moves the seal forward only: a slower writer never takes it back. */
  async advance(sealedBeforeMs: number): Promise<void> {
    try {
      await this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: PROGRESS_KEY,
          UpdateExpression: 'SET sealedBefore = :s',
          ConditionExpression: 'attribute_not_exists(sealedBefore) OR sealedBefore < :s',
          ExpressionAttributeValues: { ':s': { N: String(sealedBeforeMs) } },
        }),
      );
    } catch (error) {
      if (errorName(error) === 'ConditionalCheckFailedException') return;
      throw toInfrastructureError(error, 'DynamoDB UpdateItem (usage rollup progress)');
    }
  }
}

/** In AWS the stream is read by Lambda: cells are trusted up to a settle lag before now, which the iterator-age alarm guards. */
export class SettleLagRollupProgress implements RollupProgress {
  constructor(private readonly options: { readonly now: () => Date; readonly settleLagMs: number; readonly bucketMs: number }) {}

  sealedBeforeMs(): Promise<number> {
    const sealed = this.options.now().getTime() - this.options.settleLagMs;
    return Promise.resolve(Math.floor(sealed / this.options.bucketMs) * this.options.bucketMs);
  }
}

import {
  BatchGetItemCommand,
  GetItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { LedgerDataError } from '../../application/errors';
import type { LedgerDrain, RollupBatch, RollupCell, RollupCellQuery, RollupProgress, RollupStore } from '../../application/usage/ports';
import { sortableMillis, utcMonthOf, utcMonthsOverlapping } from '../../domain/ledger/ledger-keys';
import {
  isRecordedBefore,
  recordedSpanOf,
  rollupCellId,
  ROLLUP_DAY_MS,
  spanOf,
  type RollupCellKey,
  type RollupDelta,
  type RollupFields,
} from '../../domain/ledger/usage-rollup';
import { errorName, toInfrastructureError } from './aws-error-classification';
import { CapacityMeter } from './capacity-meter';
import { DynamoTable } from './dynamo-table';
import { DrainedShardsSchema, type DrainedShards, type LedgerStreamProbe } from './ledger-stream-probe';
import { ENGINE_TABLE } from './table-design';

// Usage rollups in the engine table:
//
//   RU#<customerId>#<metric>#<YYYY-MM of occurredAt>  / <occurred bucket ms>#<recorded bucket ms>   one quarter-hour cell; fields `~<part>.<measure>` (numbers)
//                                                      / D#<occurred day ms>#<recorded bucket ms>  the same per UTC day of occurredAt
//                                                      / DR#<occurred day ms>#<recorded day ms>   the same per UTC day of occurredAt and of recordedAt
//                                                      / R#<recorded bucket ms>#<occurred day ms>  a copy of each D# cell sorted by recordedAt
//   RU#layout                                          / recorded-days                              since when DR# and R# cells are written
//   RUA#<outcomeId>                                    / A                                          entry keys of an adjusted outcome already applied
//   RUB#<batchId>                                      / <chunk>                                    a stream batch chunk already applied
//   RU#progress                                        / local                                      how far the local stream reader has applied, and its last drained pass
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
/** Occurred day × recorded day ('DR#' sorts after every 'D#<digits>'). */
const RECORDED_DAY_PREFIX = 'DR#';
/** Copies of the D# cells keyed recordedAt first: the day cells recorded in a range are one key range. */
const BY_RECORDED_PREFIX = 'R#';
const PROGRESS_KEY = { [PK]: { S: 'RU#progress' }, [SK]: { S: 'local' } };
/**
 * What cells hold, each since the first batch that wrote it: recorded-day
 * cells and recorded-first copies; counts of entries at a bucket's first
 * millisecond (AT_BUCKET_START_FIELD).
 */
export const ROLLUP_LAYOUTS = ['recorded-days', 'bucket-start-counts'] as const;
export type RollupLayout = (typeof ROLLUP_LAYOUTS)[number];
const layoutKey = (layout: RollupLayout) => ({ [PK]: { S: 'RU#layout' }, [SK]: { S: layout } });
/**
 * Recorded-day cells and recorded-first copies are trusted for entries
 * recorded this long after the first batch that wrote them: an older writer
 * (a deployment in progress, a stream consumer behind) may still apply
 * entries recorded before then without them.
 */
const LAYOUT_MARGIN_MS = ROLLUP_DAY_MS;

type Item = Record<string, AttributeValue>;

export function rollupPartitionKey(customerId: string, metric: string, occurredBucketMs: number): string {
  return `RU#${customerId}#${metric}#${utcMonthOf(occurredBucketMs)}`;
}

function isDayCell(key: RollupCellKey): boolean {
  return spanOf(key) === ROLLUP_DAY_MS && recordedSpanOf(key) !== ROLLUP_DAY_MS;
}

function cellKey(key: RollupCellKey): Item {
  const prefix = spanOf(key) !== ROLLUP_DAY_MS ? '' : recordedSpanOf(key) === ROLLUP_DAY_MS ? RECORDED_DAY_PREFIX : DAY_PREFIX;
  return {
    [PK]: { S: rollupPartitionKey(key.customerId, key.metric, key.occurredBucketMs) },
    [SK]: { S: `${prefix}${sortableMillis(key.occurredBucketMs)}#${sortableMillis(key.recordedBucketMs)}` },
  };
}

/** Where a day cell's recorded-first copy lives (the same partition). */
function byRecordedKey(key: RollupCellKey): Item {
  return {
    [PK]: { S: rollupPartitionKey(key.customerId, key.metric, key.occurredBucketMs) },
    [SK]: { S: `${BY_RECORDED_PREFIX}${sortableMillis(key.recordedBucketMs)}#${sortableMillis(key.occurredBucketMs)}` },
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
  const prefix = [DAY_PREFIX, RECORDED_DAY_PREFIX, BY_RECORDED_PREFIX].find((candidate) => sk.startsWith(candidate)) ?? '';
  const [first, second] = sk.slice(prefix.length).split('#').map(Number);
  const [occurred, recorded] = prefix === BY_RECORDED_PREFIX ? [second, first] : [first, second];
  if (!Number.isSafeInteger(occurred) || !Number.isSafeInteger(recorded)) throw new LedgerDataError(`rollup cell key ${sk} is malformed`);
  return {
    key: {
      customerId,
      metric,
      occurredBucketMs: occurred as number,
      recordedBucketMs: recorded as number,
      ...(prefix === '' ? {} : { occurredSpanMs: ROLLUP_DAY_MS }),
      ...(prefix === RECORDED_DAY_PREFIX ? { recordedSpanMs: ROLLUP_DAY_MS } : {}),
    },
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
  /** Once a layout marker is known to be written (it never changes after), it is neither written nor read again. */
  private readonly layoutSinceMs = new Map<RollupLayout, number>();

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
    if (this.layoutSinceMs.size < ROLLUP_LAYOUTS.length && batch.changes.length > 0) await this.markLayout(batch.changes);
    const cellWrites: TransactWriteItem[] = [...batch.changes]
      .sort((left, right) => (rollupCellId(left.key) < rollupCellId(right.key) ? -1 : 1))
      .flatMap((change) => [
        { Update: { TableName: this.tableName, Key: cellKey(change.key), ...addExpression(change.fields) } },
        ...(isDayCell(change.key) ? [{ Update: { TableName: this.tableName, Key: byRecordedKey(change.key), ...addExpression(change.fields) } }] : []),
      ]);
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
    const recorded = query.daily ? query.recorded : undefined;
    // Recorded-first copies: the key range is recordedAt; occurredAt is kept to the window here.
    const [prefix, fromMs, toMs] = recorded
      ? [BY_RECORDED_PREFIX, recorded.fromMs, recorded.toMs]
      : [query.daily ? (query.byRecordedDay ? RECORDED_DAY_PREFIX : DAY_PREFIX) : '', query.fromMs, query.toMs];
    if (toMs <= fromMs) return [];
    const months = utcMonthsOverlapping(query.fromMs, query.toMs);
    const perMonth = await Promise.all(
      months.map(async (month) => {
        const cells: RollupCell[] = [];
        const pages = this.table.queryPages(
          {
            KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
            ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
            ExpressionAttributeValues: {
              ':pk': { S: `RU#${query.customerId}#${query.metric}#${month}` },
              ':from': { S: `${prefix}${sortableMillis(fromMs)}#` },
              // Cells of the bucket starting at toMs are left out by the '#' (it sorts before digits).
              ':to': { S: `${prefix}${sortableMillis(toMs)}#` },
            },
            ReturnConsumedCapacity: 'TOTAL',
          },
          'usage rollups',
        );
        for await (const output of pages) {
          this.capacity.recordRead(output.ConsumedCapacity);
          for (const item of output.Items ?? []) {
            const cell = cellOf(item, query.customerId, query.metric);
            if (!recorded || (cell.key.occurredBucketMs >= query.fromMs && cell.key.occurredBucketMs < query.toMs)) cells.push(cell);
          }
        }
        return cells;
      }),
    );
    return perMonth.flat();
  }

  /**
   * From when the recorded-day cells and the recorded-first copies hold every
   * entry (see LAYOUT_MARGIN_MS); undefined when no batch has written them
   * yet. A table created with them (createLedgerTables) holds them from the start.
   */
  recordedDayCellsFromMs(): Promise<number | undefined> {
    return this.layoutFromMs('recorded-days');
  }

  /** From when the cells count entries at their recorded bucket's first millisecond, as recordedDayCellsFromMs. */
  bucketStartCountsFromMs(): Promise<number | undefined> {
    return this.layoutFromMs('bucket-start-counts');
  }

  private async layoutFromMs(layout: RollupLayout): Promise<number | undefined> {
    const known = this.layoutSinceMs.get(layout);
    if (known !== undefined) return known + LAYOUT_MARGIN_MS;
    let output;
    try {
      output = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: layoutKey(layout), ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }));
    } catch (error) {
      throw toInfrastructureError(error, 'DynamoDB GetItem (usage rollup layout)');
    }
    this.capacity.recordRead(output.ConsumedCapacity);
    const since = output.Item?.since?.N;
    if (since === undefined) return undefined;
    this.layoutSinceMs.set(layout, Number(since));
    return Number(since) + LAYOUT_MARGIN_MS;
  }

  /** Records, once per layout, the earliest recordedAt bucket of the first batch writing it. */
  private async markLayout(changes: readonly RollupDelta[]): Promise<void> {
    // Quarter-hour recorded buckets only: a recorded-day cell's key starts its whole day, earlier than any entry in it.
    const earliest = Math.min(...changes.filter((change) => recordedSpanOf(change.key) !== ROLLUP_DAY_MS).map((change) => change.key.recordedBucketMs));
    if (!Number.isFinite(earliest)) return;
    for (const layout of ROLLUP_LAYOUTS) {
      if (!this.layoutSinceMs.has(layout)) this.layoutSinceMs.set(layout, await markRollupLayout(this.client, this.tableName, earliest, layout));
    }
  }

  async replaceCells(query: RollupCellQuery & { readonly recordedBeforeMs: number }, cells: readonly RollupCell[]): Promise<{ written: number }> {
    const sealed = (found: readonly RollupCell[]) => found.filter((cell) => isRecordedBefore(cell.key, query.recordedBeforeMs));
    const [quarters, days, recordedDays, copies] = await Promise.all([
      this.readCells({ ...query, daily: false }),
      this.readCells({ ...query, daily: true }),
      this.readCells({ ...query, daily: true, byRecordedDay: true }),
      this.readCells({ ...query, daily: true, recorded: { fromMs: 0, toMs: query.recordedBeforeMs } }),
    ]);
    const wanted = sealed(cells);
    let written = 0;
    const write = async (key: Item, difference: RollupFields) => {
      if (difference.size === 0) return;
      try {
        const output = await this.client.send(new UpdateItemCommand({ TableName: this.tableName, Key: key, ...addExpression(difference), ReturnConsumedCapacity: 'TOTAL' }));
        this.capacity.recordWrite(output.ConsumedCapacity);
      } catch (error) {
        throw toInfrastructureError(error, 'DynamoDB UpdateItem (usage rollups)');
      }
      written += 1;
    };
    // Adding the difference (not overwriting) leaves changes the stream adds meanwhile to unsealed cells intact.
    // The recorded-first copies are set on their own: they may differ from the D# cells they copy.
    for (const [existing, target, keyOf] of [
      [sealed([...quarters, ...days, ...recordedDays]), wanted, cellKey],
      [sealed(copies), wanted.filter((cell) => isDayCell(cell.key)), byRecordedKey],
    ] as const) {
      for (const { key, difference } of cellDifferences(existing, target)) await write(keyOf(key), difference);
    }
    return { written };
  }
}

/** What to add to each cell so that `existing` becomes `wanted` (cells absent from one count as zero there). */
function cellDifferences(existing: readonly RollupCell[], wanted: readonly RollupCell[]): { key: RollupCellKey; difference: RollupFields }[] {
  const remaining = new Map(wanted.map((cell) => [rollupCellId(cell.key), cell]));
  const differences: { key: RollupCellKey; difference: RollupFields }[] = [];
  for (const cell of existing) {
    const target = remaining.get(rollupCellId(cell.key));
    remaining.delete(rollupCellId(cell.key));
    const difference = new Map<string, bigint>();
    for (const [field, amount] of target?.fields ?? []) difference.set(field, amount - (cell.fields.get(field) ?? 0n));
    for (const [field, amount] of cell.fields) if (!difference.has(field)) difference.set(field, -amount);
    differences.push({ key: cell.key, difference: new Map([...difference].filter(([, amount]) => amount !== 0n)) });
  }
  for (const cell of remaining.values()) differences.push({ key: cell.key, difference: new Map(cell.fields) });
  return differences.filter((entry) => entry.difference.size > 0);
}

/**
 * Records when a layout (ROLLUP_LAYOUTS) started being written, unless
 * recorded before (the earliest writer wins); returns what the table holds.
 * createLedgerTables records 0 for a table it creates.
 */
export async function markRollupLayout(client: DynamoDBClient, tableName: string, sinceMs: number, layout: RollupLayout): Promise<number> {
  try {
    const output = await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: layoutKey(layout),
        UpdateExpression: 'SET since = if_not_exists(since, :since)',
        ExpressionAttributeValues: { ':since': { N: String(sinceMs) } },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Number(output.Attributes?.since?.N ?? sinceMs);
  } catch (error) {
    throw toInfrastructureError(error, 'DynamoDB UpdateItem (usage rollup layout)');
  }
}

function isMarkerTaken(error: unknown, markerIndex: number): boolean {
  if (errorName(error) !== 'TransactionCanceledException') return false;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  if (reasons === undefined) return /ConditionalCheckFailed/.test(String((error as Error).message));
  return reasons[markerIndex]?.Code === 'ConditionalCheckFailed' && reasons.every((reason, index) => index === markerIndex || reason.Code === 'None' || reason.Code === undefined);
}

/** A drained pass of the local stream reader, as it records it. */
export interface DrainRecord {
  readonly drainedAtMs: number;
  readonly streamArn: string;
  readonly shards: DrainedShards;
}

/** How far the local stream reader has applied the ledger (written by lib/local's stream reader). */
export class DynamoDbRollupProgress implements RollupProgress {
  constructor(
    private readonly options: {
      readonly client: DynamoDBClient;
      readonly tableName: string;
      /** Asks the stream whether anything was written since a drained pass; without it, lastDrain is never offered. */
      readonly probe?: Pick<LedgerStreamProbe, 'startCheck'>;
    },
  ) {}

  async sealedBeforeMs(): Promise<number | undefined> {
    const value = (await this.readItem())?.sealedBefore?.N;
    return value === undefined ? undefined : Number(value);
  }

  async lastDrain(): Promise<LedgerDrain | undefined> {
    const probe = this.options.probe;
    if (probe === undefined) return undefined;
    const item = await this.readItem();
    if (item?.sealedBefore?.N === undefined || item.drainedAt?.N === undefined || item.streamArn?.S === undefined) return undefined;
    const streamArn = item.streamArn.S;
    let shards: DrainedShards;
    try {
      shards = DrainedShardsSchema.parse(JSON.parse(item.drainShards?.S ?? ''));
    } catch (error) {
      throw new LedgerDataError(`the usage rollups' drain record is unreadable: ${item.drainShards?.S ?? '(none)'}`, { cause: error });
    }
    return {
      sealedBeforeMs: Number(item.sealedBefore.N),
      drainedAtMs: Number(item.drainedAt.N),
      checkNothingWrittenSince: () => probe.startCheck(streamArn, shards),
    };
  }

  /**
   * Moves the seal forward only: a slower writer never takes it back. With a
   * drained pass (the reader found nothing left to apply), also records when
   * it began and where it left each shard.
   */
  async advance(sealedBeforeMs: number, drain?: DrainRecord): Promise<void> {
    const values: Record<string, AttributeValue> = { ':s': { N: String(sealedBeforeMs) } };
    let update = 'SET sealedBefore = :s';
    let condition = 'attribute_not_exists(sealedBefore) OR sealedBefore < :s';
    if (drain !== undefined) {
      values[':d'] = { N: String(drain.drainedAtMs) };
      values[':a'] = { S: drain.streamArn };
      values[':p'] = { S: JSON.stringify(drain.shards) };
      update += ', drainedAt = :d, streamArn = :a, drainShards = :p';
      // A drained pass at the same instant (a stopped clock) may still have moved the shard positions.
      condition = '(attribute_not_exists(sealedBefore) OR sealedBefore <= :s) AND (attribute_not_exists(drainedAt) OR drainedAt <= :d)';
    }
    try {
      await this.options.client.send(
        new UpdateItemCommand({ TableName: this.options.tableName, Key: PROGRESS_KEY, UpdateExpression: update, ConditionExpression: condition, ExpressionAttributeValues: values }),
      );
    } catch (error) {
      if (errorName(error) === 'ConditionalCheckFailedException') return;
      throw toInfrastructureError(error, 'DynamoDB UpdateItem (usage rollup progress)');
    }
  }

  private async readItem(): Promise<Item | undefined> {
    try {
      return (await this.options.client.send(new GetItemCommand({ TableName: this.options.tableName, Key: PROGRESS_KEY, ConsistentRead: true }))).Item;
    } catch (error) {
      throw toInfrastructureError(error, 'DynamoDB GetItem (usage rollup progress)');
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

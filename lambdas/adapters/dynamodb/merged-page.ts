import { QueryCommand, type DynamoDBClient, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { InvalidLedgerQueryError } from '../../application/errors';
import { mapWithConcurrency } from '../../shared/map-with-concurrency';
import { toInfrastructureError } from './aws-error-classification';
import type { CapacityMeter } from './capacity-meter';
import { KEY, LISTING_INDEX_NAME, type Item } from './ledger-items';

// One page, newest first, across several sharded listing partitions. Each
// partition is read from where the previous page stopped in it; the cursor
// records that position per partition (or that it is exhausted). Listing sort
// keys are unique (time + id), so the merged order is total and matches each
// partition's own order, and no item is skipped or repeated across pages.

type Position = Record<string, string> | null;

/** Per partition: the last key consumed (null: exhausted); absent: not started. */
export type PartitionPositions = Readonly<Record<string, Position>>;

interface CursorState {
  readonly v: 1;
  readonly p: PartitionPositions;
}

export function decodeCursor(cursor: string | undefined): PartitionPositions {
  return decodeCursorState(cursor).p;
}

function decodeCursorState(cursor: string | undefined): CursorState {
  if (cursor === undefined) return { v: 1, p: {} };
  try {
    const state = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as CursorState;
    if (state.v !== 1 || typeof state.p !== 'object' || state.p === null) throw new TypeError('bad cursor shape');
    return state;
  } catch (error) {
    throw new InvalidLedgerQueryError('invalid cursor: pass back the cursor of the previous page unchanged', [
      `cursor: ${(error as Error).message}`,
    ]);
  }
}

export function encodeCursor(positions: PartitionPositions): string {
  const state: CursorState = { v: 1, p: positions };
  return Buffer.from(JSON.stringify(state), 'utf8').toString('base64url');
}

/** True while some partition is not exhausted (or not started). */
export function hasMore(partitions: readonly string[], positions: PartitionPositions): boolean {
  return partitions.some((partition) => positions[partition] !== null);
}

function keyOf(item: Item): Record<string, string> {
  return {
    [KEY.pk]: item[KEY.pk]?.S ?? '',
    [KEY.sk]: item[KEY.sk]?.S ?? '',
    [KEY.listingPk]: item[KEY.listingPk]?.S ?? '',
    [KEY.listingSk]: item[KEY.listingSk]?.S ?? '',
  };
}

function toAttributeKey(key: Record<string, string>): Item {
  return Object.fromEntries(Object.entries(key).map(([name, value]) => [name, { S: value }]));
}

export interface MergedPageRequest {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly capacity: CapacityMeter;
  readonly partitions: readonly string[];
  /** Inclusive bounds on the listing sort key. */
  readonly sortKeyBetween?: { readonly low: string; readonly high: string };
  /** Optional filter (applied by DynamoDB after the key condition). */
  readonly filter?: { readonly expression: string; readonly names: Record<string, string>; readonly values: Item };
  readonly limit: number;
  readonly positions: PartitionPositions;
}

interface Fetched {
  readonly partition: string;
  readonly items: Item[];
  readonly lastEvaluatedKey: Position;
}

async function fetchUpTo(request: MergedPageRequest, partition: string, start: Position | undefined): Promise<Fetched> {
  const items: Item[] = [];
  let exclusiveStartKey = start ? toAttributeKey(start) : undefined;
  const names: Record<string, string> = { '#pk': KEY.listingPk, ...(request.filter?.names ?? {}) };
  const values: Item = { ':pk': { S: partition }, ...(request.filter?.values ?? {}) };
  let condition = '#pk = :pk';
  if (request.sortKeyBetween !== undefined) {
    names['#sk'] = KEY.listingSk;
    values[':low'] = { S: request.sortKeyBetween.low };
    values[':high'] = { S: request.sortKeyBetween.high };
    condition += ' AND #sk BETWEEN :low AND :high';
  }
  for (;;) {
    const input: QueryCommandInput = {
      TableName: request.tableName,
      IndexName: LISTING_INDEX_NAME,
      KeyConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
      Limit: request.limit,
      ReturnConsumedCapacity: 'TOTAL',
      ...(request.filter !== undefined ? { FilterExpression: request.filter.expression } : {}),
      ...(exclusiveStartKey !== undefined ? { ExclusiveStartKey: exclusiveStartKey } : {}),
    };
    let output;
    try {
      output = await request.client.send(new QueryCommand(input));
    } catch (error) {
      throw toInfrastructureError(error, 'DynamoDB Query (listing)');
    }
    request.capacity.recordRead(output.ConsumedCapacity);
    items.push(...(output.Items ?? []));
    if (output.LastEvaluatedKey === undefined) return { partition, items, lastEvaluatedKey: null };
    exclusiveStartKey = output.LastEvaluatedKey;
    if (items.length >= request.limit) {
      return {
        partition,
        items,
        lastEvaluatedKey: Object.fromEntries(Object.entries(output.LastEvaluatedKey).map(([k, v]) => [k, v.S ?? ''])),
      };
    }
  }
}

/** Up to `limit` items, newest first, and the positions to continue from. */
export async function queryMergedPage(request: MergedPageRequest): Promise<{ items: Item[]; positions: PartitionPositions }> {
  const positions = request.positions;
  const active = request.partitions.filter((partition) => positions[partition] !== null);
  const fetched = await mapWithConcurrency(active, 16, (partition) => fetchUpTo(request, partition, positions[partition]));
  const candidates = fetched.flatMap((result) => result.items.map((item) => ({ partition: result.partition, item })));
  const sortKey = (item: Item) => item[KEY.listingSk]?.S ?? '';
  candidates.sort((a, b) => {
    const left = sortKey(a.item);
    const right = sortKey(b.item);
    return left < right ? 1 : left > right ? -1 : 0;
  });
  const taken = candidates.slice(0, request.limit);
  const next: Record<string, Position> = { ...positions };
  for (const result of fetched) {
    const takenHere = taken.filter((candidate) => candidate.partition === result.partition);
    const last = takenHere[takenHere.length - 1];
    if (takenHere.length === result.items.length) next[result.partition] = result.lastEvaluatedKey;
    else if (last !== undefined) next[result.partition] = keyOf(last.item);
  }
  return { items: taken.map((candidate) => candidate.item), positions: next };
}

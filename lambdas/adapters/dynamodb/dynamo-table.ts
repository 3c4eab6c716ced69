import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
  type QueryCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { errorName, isConditionalCheckFailed, toInfrastructureError } from './aws-error-classification';
import { ENGINE_TABLE, type TableDesign } from './table-design';

// The one way the stores reach a DynamoDB table: get, paginated query (and a
// scan for one-time maintenance),
// conditional put / update / delete and a transaction of puts. Every SDK
// failure leaves as a retryable-or-not InfrastructureError (never as bad
// input); a failed condition is an answer, not an error: the call returns
// `{ ok: false, existing }` with the item the condition saw (ALL_OLD), and
// the store decides what that means in its own domain (already there, lost a
// version race, belongs to another record).
//
// Built on the raw client with util-dynamodb's marshall rather than
// lib-dynamodb's document client: every store and handler test already holds a
// DynamoDBClient (and aws-sdk-client-mock mocks that one), items are plain
// objects either way, and no second client has to be built or wired.

/** An item as plain values (strings, numbers, booleans, lists, maps); undefined attributes are dropped on write. */
export type StoredItem = Record<string, unknown>;

/** A condition or filter: the expression, its #names and its :values (plain values). */
export interface Condition {
  readonly expression: string;
  readonly names?: Readonly<Record<string, string>>;
  readonly values?: Readonly<Record<string, unknown>>;
}

/** The outcome of a conditional write: done, or refused with the item the condition was checked against (if any). */
export type ConditionalResult<T = void> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly existing: StoredItem | undefined };

export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

export interface QueryRequest {
  /** The partition (base table) or the index partition (with `index`). */
  readonly partition: string;
  /** Only sort keys starting with this (an item kind), as a key condition. */
  readonly sortKeyPrefix?: string;
  /** Only sort keys in [from, to] (BETWEEN, both ends included). */
  readonly sortKeyBetween?: { readonly from: string; readonly to: string };
  /** Only sort keys strictly before this. */
  readonly sortKeyBefore?: string;
  /** Only sort keys at or before this. */
  readonly sortKeyAtMost?: string;
  /** Query the table's index of this name instead of the base table (eventually consistent). */
  readonly index?: string;
  /** Newest first when false. */
  readonly ascending?: boolean;
  /** Stop after this many items. */
  readonly limit?: number;
}

export interface DynamoTableOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** The key design; the engine table's by default. */
  readonly design?: TableDesign;
}

type RawItem = Record<string, AttributeValue>;

const toRaw = (item: StoredItem): RawItem => marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: false });

function conditionParts(condition: Condition | undefined) {
  if (!condition) return {};
  return {
    ConditionExpression: condition.expression,
    ...(condition.names && Object.keys(condition.names).length > 0 ? { ExpressionAttributeNames: { ...condition.names } } : {}),
    ...(condition.values && Object.keys(condition.values).length > 0 ? { ExpressionAttributeValues: toRaw({ ...condition.values }) } : {}),
  };
}

export class DynamoTable {
  readonly design: TableDesign;

  constructor(private readonly options: DynamoTableOptions) {
    this.design = options.design ?? ENGINE_TABLE;
  }

  get tableName(): string {
    return this.options.tableName;
  }

  /** The key attributes of an item. */
  key(key: ItemKey): StoredItem {
    return { [this.design.partitionKey]: key.pk, [this.design.sortKey]: key.sk };
  }

  /** The condition "no item under this key yet". */
  get absent(): Condition {
    return { expression: 'attribute_not_exists(#pk)', names: { '#pk': this.design.partitionKey } };
  }

  /** The condition "the stored item's `attribute` equals `expected`" (optimistic concurrency on a version). */
  static versionIs(attribute: string, expected: number): Condition {
    return { expression: '#version = :expected', names: { '#version': attribute }, values: { ':expected': expected } };
  }

  async get(key: ItemKey, what: string): Promise<StoredItem | undefined> {
    const output = await this.call(`DynamoDB GetItem (${what})`, () =>
      this.options.client.send(new GetItemCommand({ TableName: this.options.tableName, Key: toRaw(this.key(key)), ConsistentRead: true })),
    );
    return output.Item ? unmarshall(output.Item) : undefined;
  }

  /** An unconditional put, or one under `condition`; a failed condition returns the stored item. */
  async put(item: StoredItem, what: string, condition?: Condition): Promise<ConditionalResult> {
    try {
      await this.options.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: toRaw(item),
          ...conditionParts(condition),
          ...(condition ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } : {}),
        }),
      );
      return { ok: true, value: undefined };
    } catch (error) {
      return this.refused(error, `DynamoDB PutItem (${what})`);
    }
  }

  /** Puts the item only when its key is free; otherwise returns the item already stored. */
  async putIfAbsent(item: StoredItem, what: string): Promise<ConditionalResult> {
    return this.put(item, what, this.absent);
  }

  /** SETs the given attributes (undefined ones are skipped) under `condition`; returns the item as written. */
  async update(key: ItemKey, set: StoredItem, what: string, condition?: Condition): Promise<ConditionalResult<StoredItem>> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const assignments: string[] = [];
    Object.entries(set)
      .filter(([, value]) => value !== undefined)
      .forEach(([name, value], index) => {
        names[`#set${index}`] = name;
        values[`:set${index}`] = value;
        assignments.push(`#set${index} = :set${index}`);
      });
    try {
      const output = await this.options.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: toRaw(this.key(key)),
          UpdateExpression: `SET ${assignments.join(', ')}`,
          ...(condition ? { ConditionExpression: condition.expression } : {}),
          ExpressionAttributeNames: { ...names, ...condition?.names },
          ExpressionAttributeValues: toRaw({ ...values, ...condition?.values }),
          ReturnValues: 'ALL_NEW',
          ...(condition ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } : {}),
        }),
      );
      return { ok: true, value: output.Attributes ? unmarshall(output.Attributes) : {} };
    } catch (error) {
      return this.refused(error, `DynamoDB UpdateItem (${what})`);
    }
  }

  async delete(key: ItemKey, what: string, condition?: Condition): Promise<ConditionalResult> {
    try {
      await this.options.client.send(
        new DeleteItemCommand({
          TableName: this.options.tableName,
          Key: toRaw(this.key(key)),
          ...conditionParts(condition),
          ...(condition ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } : {}),
        }),
      );
      return { ok: true, value: undefined };
    } catch (error) {
      return this.refused(error, `DynamoDB DeleteItem (${what})`);
    }
  }

  /** Puts all items or none; `ok: false` when any condition failed (which one is not told). */
  async putAll(puts: ReadonlyArray<{ readonly item: StoredItem; readonly condition?: Condition }>, what: string): Promise<ConditionalResult> {
    try {
      await this.options.client.send(
        new TransactWriteItemsCommand({
          TransactItems: puts.map(({ item, condition }) => ({
            Put: { TableName: this.options.tableName, Item: toRaw(item), ...conditionParts(condition) },
          })),
        }),
      );
      return { ok: true, value: undefined };
    } catch (error) {
      const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
      if (errorName(error) === 'TransactionCanceledException' && reasons.some((reason) => reason.Code === 'ConditionalCheckFailed')) {
        return { ok: false, existing: undefined };
      }
      throw toInfrastructureError(error, `DynamoDB TransactWriteItems (${what})`);
    }
  }

  /** Every matching item, following pages; consistent on the base table. */
  async query(request: QueryRequest, what: string): Promise<StoredItem[]> {
    const index = request.index === undefined ? undefined : this.design.indexes.find((candidate) => candidate.indexName === request.index);
    if (request.index !== undefined && !index) throw new RangeError(`table design has no index "${request.index}"`);
    const pkName = index ? index.partitionKey : this.design.partitionKey;
    const skName = index ? index.sortKey : this.design.sortKey;
    const values: Record<string, unknown> = { ':pk': request.partition };
    let keyCondition = '#pk = :pk';
    if (request.sortKeyPrefix !== undefined && request.sortKeyPrefix !== '') {
      keyCondition += ' AND begins_with(#sk, :prefix)';
      values[':prefix'] = request.sortKeyPrefix;
    } else if (request.sortKeyBetween) {
      keyCondition += ' AND #sk BETWEEN :from AND :to';
      values[':from'] = request.sortKeyBetween.from;
      values[':to'] = request.sortKeyBetween.to;
    } else if (request.sortKeyBefore !== undefined) {
      keyCondition += ' AND #sk < :before';
      values[':before'] = request.sortKeyBefore;
    } else if (request.sortKeyAtMost !== undefined) {
      keyCondition += ' AND #sk <= :atMost';
      values[':atMost'] = request.sortKeyAtMost;
    }
    const names: Record<string, string> = { '#pk': pkName, ...(keyCondition.includes('#sk') ? { '#sk': skName } : {}) };
    const items: StoredItem[] = [];
    const pages = this.queryPages(
      {
        ...(index ? { IndexName: index.indexName } : { ConsistentRead: true }),
        KeyConditionExpression: keyCondition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: toRaw(values),
        ...(request.ascending === false ? { ScanIndexForward: false } : {}),
      },
      what,
      request.limit,
    );
    for await (const page of pages) items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    return items;
  }

  /**
   * Every page of a query, following LastEvaluatedKey until the last one or
   * until `limit` items were read (each page asks only for what is still
   * missing); stop early by leaving the loop. Pages come as DynamoDB returned
   * them (raw attribute values, consumed capacity when asked for), for stores
   * that keep exact numbers or meter capacity; `query` is the plain-value form.
   */
  async *queryPages(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey' | 'Limit'>, what: string, limit?: number): AsyncGenerator<QueryCommandOutput> {
    let read = 0;
    let start: RawItem | undefined;
    do {
      const remaining = limit === undefined ? undefined : limit - read;
      const output = await this.call(`DynamoDB Query (${what})`, () =>
        this.options.client.send(
          new QueryCommand({
            ...input,
            TableName: this.options.tableName,
            ...(remaining !== undefined ? { Limit: remaining } : {}),
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      read += output.Items?.length ?? 0;
      start = output.LastEvaluatedKey;
      yield output;
    } while (start !== undefined && (limit === undefined || read < limit));
  }

  /**
   * Every item whose sort key starts with one of `sortKeyPrefixes`, read by a
   * full scan (all pages). For one-time maintenance such as a key migration,
   * never on a request path: stores read by key conditions.
   */
  async scanSortKeyPrefixes(sortKeyPrefixes: readonly string[], what: string): Promise<StoredItem[]> {
    const values = Object.fromEntries(sortKeyPrefixes.map((prefix, index) => [`:prefix${index}`, prefix]));
    const filter = sortKeyPrefixes.map((_, index) => `begins_with(#sk, :prefix${index})`).join(' OR ');
    const items: StoredItem[] = [];
    let start: RawItem | undefined;
    do {
      const output = await this.call(`DynamoDB Scan (${what})`, () =>
        this.options.client.send(
          new ScanCommand({
            TableName: this.options.tableName,
            ConsistentRead: true,
            FilterExpression: filter,
            ExpressionAttributeNames: { '#sk': this.design.sortKey },
            ExpressionAttributeValues: toRaw(values),
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      items.push(...(output.Items ?? []).map((item) => unmarshall(item)));
      start = output.LastEvaluatedKey;
    } while (start !== undefined);
    return items;
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw toInfrastructureError(error, operation);
    }
  }

  private refused(error: unknown, operation: string): { ok: false; existing: StoredItem | undefined } {
    if (!isConditionalCheckFailed(error)) throw toInfrastructureError(error, operation);
    const old = (error as { Item?: RawItem }).Item;
    return { ok: false, existing: old ? unmarshall(old) : undefined };
  }
}

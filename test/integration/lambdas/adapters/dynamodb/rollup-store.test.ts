// The rollup store's cell layouts on DynamoDB Local: since when recorded-day
// cells and recorded-first copies are written (a new table from the start,
// an older one from the first batch that writes them), and each day cell
// written twice, read back by its recordedAt range.
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbRollupStore } from '../../../../../lambdas/adapters/dynamodb/rollup-store';
import { ROLLUP_DAY_MS, withDailyCells } from '../../../../../lambdas/domain/ledger/usage-rollup';
import { createTestTables, type TestTables } from '../../../../support/dynamodb';

const DAY = ROLLUP_DAY_MS;
const LAYOUT_KEY = { pk: { S: 'RU#layout' }, sk: { S: 'recorded-days' } };
const cell = (occurredAt: string, recordedAt: string, count: bigint) => ({
  key: { customerId: 'acme', metric: 'ticket.resolved', occurredBucketMs: Date.parse(occurredAt), recordedBucketMs: Date.parse(recordedAt) },
  fields: new Map([['a.n', count]]),
});

describe('rollup store cell layouts', () => {
  let tables: TestTables;
  beforeAll(async () => {
    tables = await createTestTables('rollup-store');
  });
  afterAll(async () => {
    await tables?.destroy();
  });

  it('holds recorded-day cells and bucket-start counts from the start on a table it created', async () => {
    const store = new DynamoDbRollupStore({ client: tables.client, tableName: tables.engineTableName });
    expect(await store.recordedDayCellsFromMs()).toBe(DAY);
    expect(await store.bucketStartCountsFromMs()).toBe(DAY);
  });

  it('on a table older than bucket-start counts, trusts them a day after the first batch that wrote them', async () => {
    const countsKey = { pk: { S: 'RU#layout' }, sk: { S: 'bucket-start-counts' } };
    await tables.client.send(new DeleteItemCommand({ TableName: tables.engineTableName, Key: countsKey }));
    expect(await new DynamoDbRollupStore({ client: tables.client, tableName: tables.engineTableName }).bucketStartCountsFromMs()).toBeUndefined();
    await new DynamoDbRollupStore({ client: tables.client, tableName: tables.engineTableName }).applyBatch({
      batchId: 'counts-first',
      // Another metric: the next test reads this customer's ticket.resolved cells whole.
      changes: withDailyCells([{ ...cell('2026-11-05T10:00:00Z', '2026-11-05T10:45:00Z', 1n), key: { ...cell('2026-11-05T10:00:00Z', '2026-11-05T10:45:00Z', 1n).key, metric: 'lead.qualified' } }]),
      appliedEntries: new Map(),
    });
    expect(await new DynamoDbRollupStore({ client: tables.client, tableName: tables.engineTableName }).bucketStartCountsFromMs()).toBe(Date.parse('2026-11-05T10:45:00Z') + DAY);
    // The recorded-day layout, marked when the table was made, is not moved.
    expect(await new DynamoDbRollupStore({ client: tables.client, tableName: tables.engineTableName }).recordedDayCellsFromMs()).toBe(DAY);
  });

  it('on an older table, trusts them a day after the earliest quarter hour the first batch writing them held; a later batch changes nothing', async () => {
    await tables.client.send(new DeleteItemCommand({ TableName: tables.engineTableName, Key: LAYOUT_KEY }));
    const reader = new DynamoDbRollupStore({ client: tables.client, tableName: tables.engineTableName });
    expect(await reader.recordedDayCellsFromMs()).toBeUndefined();
    const changes = withDailyCells([cell('2026-11-03T10:00:00Z', '2026-11-03T10:15:00Z', 2n), cell('2026-11-03T09:00:00Z', '2026-11-03T10:30:00Z', 1n)]);
    await new DynamoDbRollupStore({ client: tables.client, tableName: tables.engineTableName }).applyBatch({ batchId: 'first', changes, appliedEntries: new Map() });
    await new DynamoDbRollupStore({ client: tables.client, tableName: tables.engineTableName }).applyBatch({
      batchId: 'later',
      changes: withDailyCells([cell('2026-11-01T10:00:00Z', '2026-11-01T10:00:00Z', 1n)]),
      appliedEntries: new Map(),
    });
    // Not the recorded-day cell's key (the start of 2026-11-03): the earliest quarter hour of the first batch.
    expect(await new DynamoDbRollupStore({ client: tables.client, tableName: tables.engineTableName }).recordedDayCellsFromMs()).toBe(Date.parse('2026-11-03T10:15:00Z') + DAY);

    const window = { customerId: 'acme', metric: 'ticket.resolved', fromMs: Date.parse('2026-11-01T00:00:00Z'), toMs: Date.parse('2026-12-01T00:00:00Z'), daily: true };
    const byRecordedDay = await reader.readCells({ ...window, byRecordedDay: true });
    expect(byRecordedDay.map((found) => [new Date(found.key.occurredBucketMs).toISOString(), new Date(found.key.recordedBucketMs).toISOString(), found.key.recordedSpanMs, found.fields.get('a.n')])).toEqual([
      ['2026-11-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z', DAY, 1n],
      ['2026-11-03T00:00:00.000Z', '2026-11-03T00:00:00.000Z', DAY, 3n],
    ]);
    // The day cells recorded in a range, whatever their day of occurredAt, from their recorded-first copies.
    const copies = await reader.readCells({ ...window, recorded: { fromMs: Date.parse('2026-11-03T10:15:00Z'), toMs: Date.parse('2026-11-03T10:30:00Z') } });
    expect(copies).toEqual([{ key: { customerId: 'acme', metric: 'ticket.resolved', occurredBucketMs: Date.parse('2026-11-03T00:00:00Z'), occurredSpanMs: DAY, recordedBucketMs: Date.parse('2026-11-03T10:15:00Z') }, fields: new Map([['a.n', 2n]]) }]);
    expect(await reader.readCells(window)).toHaveLength(3);
  });
});

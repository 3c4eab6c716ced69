import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfrastructureError } from '../../../../../lambdas/application/errors';
import { DynamoTable } from '../../../../../lambdas/adapters/dynamodb/dynamo-table';
import { createTestTables, type TestTables } from '../../../../support/dynamodb';

describe('DynamoTable on DynamoDB Local', () => {
  let tables: TestTables;
  let table: DynamoTable;

  beforeAll(async () => {
    tables = await createTestTables('dynamo-table');
    table = new DynamoTable({ client: tables.client, tableName: tables.engineTableName });
  });
  afterAll(async () => {
    await tables.destroy();
  });

  it('puts once and hands back the stored item when the key is taken', async () => {
    expect(await table.putIfAbsent({ pk: 'A', sk: 'X', value: 'first' }, 'test')).toEqual({ ok: true, value: undefined });
    const second = await table.putIfAbsent({ pk: 'A', sk: 'X', value: 'second' }, 'test');
    expect(second).toEqual({ ok: false, existing: { pk: 'A', sk: 'X', value: 'first' } });
    expect(await table.get({ pk: 'A', sk: 'X' }, 'test')).toEqual({ pk: 'A', sk: 'X', value: 'first' });
  });

  it('updates only from the expected version and returns the item the condition saw', async () => {
    await table.put({ pk: 'B', sk: 'X', version: 1 }, 'test');
    const updated = await table.update({ pk: 'B', sk: 'X' }, { version: 2, note: 'moved' }, 'test', DynamoTable.versionIs('version', 1));
    expect(updated).toEqual({ ok: true, value: { pk: 'B', sk: 'X', version: 2, note: 'moved' } });
    const stale = await table.update({ pk: 'B', sk: 'X' }, { version: 2, note: 'stale' }, 'test', DynamoTable.versionIs('version', 1));
    expect(stale).toEqual({ ok: false, existing: { pk: 'B', sk: 'X', version: 2, note: 'moved' } });
  });

  it('queries one kind by sort-key prefix across pages, newest first when asked, up to a limit', async () => {
    const padding = 'x'.repeat(300_000);
    for (let index = 0; index < 6; index += 1) {
      await table.put({ pk: 'C', sk: `TASK#${index}`, padding }, 'test');
    }
    await table.put({ pk: 'C', sk: 'RESULT#0' }, 'test');
    // 6 items of ~300 KB exceed one 1 MB query page, so this reads several pages.
    const tasks = await table.query({ partition: 'C', sortKeyPrefix: 'TASK#' }, 'test');
    expect(tasks.map((item) => item['sk'])).toEqual(['TASK#0', 'TASK#1', 'TASK#2', 'TASK#3', 'TASK#4', 'TASK#5']);
    const newest = await table.query({ partition: 'C', sortKeyPrefix: 'TASK#', ascending: false, limit: 2 }, 'test');
    expect(newest.map((item) => item['sk'])).toEqual(['TASK#5', 'TASK#4']);
  });

  it('hands over raw pages with their consumed capacity, exact numbers kept, and stops at a limit', async () => {
    const padding = 'x'.repeat(300_000);
    for (let index = 0; index < 5; index += 1) {
      await table.put({ pk: 'P', sk: `CELL#${index}`, padding }, 'test');
    }
    await tables.client.send(
      new PutItemCommand({ TableName: tables.engineTableName, Item: { pk: { S: 'P' }, sk: { S: 'CELL#9' }, sum: { N: '123456789012345678901234567890' } } }),
    );
    const input = {
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
      ExpressionAttributeValues: { ':pk': { S: 'P' }, ':prefix': { S: 'CELL#' } },
      ConsistentRead: true,
      ReturnConsumedCapacity: 'TOTAL' as const,
    };
    const pages = [];
    for await (const page of table.queryPages(input, 'test')) pages.push(page);
    // 5 items of ~300 KB exceed one 1 MB page.
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.every((page) => page.ConsumedCapacity?.CapacityUnits !== undefined)).toBe(true);
    const items = pages.flatMap((page) => page.Items ?? []);
    expect(items.map((item) => item['sk']?.S)).toEqual(['CELL#0', 'CELL#1', 'CELL#2', 'CELL#3', 'CELL#4', 'CELL#9']);
    expect(items.at(-1)?.['sum']).toEqual({ N: '123456789012345678901234567890' });

    const limited = [];
    for await (const page of table.queryPages(input, 'test', 4)) limited.push(...(page.Items ?? []));
    expect(limited.map((item) => item['sk']?.S)).toEqual(['CELL#0', 'CELL#1', 'CELL#2', 'CELL#3']);
  });

  it('turns an SDK failure into an InfrastructureError that says whether to retry', async () => {
    const missing = new DynamoTable({ client: tables.client, tableName: `${tables.engineTableName}-missing` });
    const failure = await missing.get({ pk: 'A', sk: 'X' }, 'missing table').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(InfrastructureError);
    expect(failure).toMatchObject({ operation: 'DynamoDB GetItem (missing table)', retryable: false });
  });
});

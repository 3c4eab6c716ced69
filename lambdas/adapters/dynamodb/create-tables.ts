import {
  CreateTableCommand,
  DescribeTableCommand,
  UpdateTableCommand,
  type AttributeDefinition,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { errorName, toInfrastructureError } from './aws-error-classification';
import { markRollupLayout, ROLLUP_LAYOUTS } from './rollup-store';
import { ENGINE_TABLE, LEDGER_TABLE, type TableDesign } from './table-design';

// Creates the engine's tables from table-design.ts where no CDK stack does
// (the local engine, tests, benchmarks), with the same keys, on-demand
// billing and ALL-projected indexes as the stack. Existing tables are left
// as they are, so this is safe to run on every start, except that a table
// created before its design had a stream gets the stream added.

function createTableInput(tableName: string, design: TableDesign): CreateTableCommandInput {
  const names = new Set<string>([design.partitionKey, design.sortKey]);
  for (const index of design.indexes) {
    names.add(index.partitionKey);
    names.add(index.sortKey);
  }
  const attributeDefinitions: AttributeDefinition[] = [...names].map((name) => ({ AttributeName: name, AttributeType: 'S' }));
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: attributeDefinitions,
    KeySchema: [
      { AttributeName: design.partitionKey, KeyType: 'HASH' },
      { AttributeName: design.sortKey, KeyType: 'RANGE' },
    ],
    ...(design.stream !== undefined ? { StreamSpecification: { StreamEnabled: true, StreamViewType: design.stream } } : {}),
    ...(design.indexes.length > 0
      ? {
          GlobalSecondaryIndexes: design.indexes.map((index) => ({
            IndexName: index.indexName,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' },
              { AttributeName: index.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          })),
        }
      : {}),
  };
}

async function waitUntilActive(client: DynamoDBClient, tableName: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let table;
    try {
      table = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
    } catch (error) {
      if (errorName(error) !== 'ResourceNotFoundException') throw toInfrastructureError(error, 'DynamoDB DescribeTable');
    }
    const ready =
      table?.TableStatus === 'ACTIVE' && (table.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
    if (ready) return;
    if (Date.now() > deadline) {
      throw toInfrastructureError(new Error(`table ${tableName} did not become ACTIVE within ${timeoutMs} ms`), 'DynamoDB CreateTable');
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Creates one table from its design unless it exists, then waits until it and its indexes are ACTIVE. */
export async function createDesignedTable(
  client: DynamoDBClient,
  tableName: string,
  design: TableDesign,
  options: { readonly timeoutMs?: number } = {},
): Promise<{ readonly created: boolean }> {
  let created = true;
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName, design)));
  } catch (error) {
    if (errorName(error) !== 'ResourceInUseException') throw toInfrastructureError(error, 'DynamoDB CreateTable');
    created = false;
  }
  await waitUntilActive(client, tableName, options.timeoutMs ?? 60_000);
  if (design.stream !== undefined) await ensureStream(client, tableName, design.stream, options.timeoutMs ?? 60_000);
  return { created };
}

async function ensureStream(client: DynamoDBClient, tableName: string, viewType: 'NEW_IMAGE', timeoutMs: number): Promise<void> {
  let table;
  try {
    table = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    throw toInfrastructureError(error, 'DynamoDB DescribeTable');
  }
  if (table?.StreamSpecification?.StreamEnabled) return;
  try {
    await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: true, StreamViewType: viewType } }));
  } catch (error) {
    throw toInfrastructureError(error, 'DynamoDB UpdateTable (stream)');
  }
  await waitUntilActive(client, tableName, timeoutMs);
}

/** The ARN of the table's change stream, for the local stream reader. */
export async function latestStreamArn(client: DynamoDBClient, tableName: string): Promise<string | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table?.LatestStreamArn;
  } catch (error) {
    throw toInfrastructureError(error, 'DynamoDB DescribeTable');
  }
}

/**
 * Creates the ledger and engine tables (idempotent) and waits until both are
 * ACTIVE. `withStream: false` leaves the ledger's stream off (no usage
 * rollups read it; DynamoDB Local keeps every stream record in memory, which
 * slows it down at volume): the ingest benchmark measures the path without it.
 */
export async function createLedgerTables(
  client: DynamoDBClient,
  names: { readonly ledgerTableName: string; readonly engineTableName: string; readonly withStream?: boolean },
): Promise<void> {
  const ledgerDesign: TableDesign = names.withStream === false ? { ...LEDGER_TABLE, stream: undefined } : LEDGER_TABLE;
  const [, engine] = await Promise.all([
    createDesignedTable(client, names.ledgerTableName, ledgerDesign),
    createDesignedTable(client, names.engineTableName, ENGINE_TABLE),
  ]);
  // A new engine table gets every usage rollup cell kind from its first batch on.
  if (engine.created) for (const layout of ROLLUP_LAYOUTS) await markRollupLayout(client, names.engineTableName, 0, layout);
}

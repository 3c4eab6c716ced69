// Integration test tables on the run's DynamoDB Local (started once by the
// vitest globalSetup). Each call makes uniquely named tables, so test files
// and tests never see each other's data.
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { createLedgerTables } from '../../lambdas/adapters/dynamodb/create-tables';

export interface TestTables {
  client: DynamoDBClient;
  endpoint: string;
  ledgerTableName: string;
  engineTableName: string;
  /** Deletes both tables and closes the client. */
  destroy(): Promise<void>;
}

/** A DynamoDB client for the run's DynamoDB Local. */
export function createTestDynamoDbClient(endpoint = inject('dynamoDbEndpoint')): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

export async function createTestTables(prefix = 'test'): Promise<TestTables> {
  const endpoint = inject('dynamoDbEndpoint');
  const client = createTestDynamoDbClient(endpoint);
  const suffix = randomUUID().slice(0, 8);
  const ledgerTableName = `${prefix}-ledger-${suffix}`;
  const engineTableName = `${prefix}-engine-${suffix}`;
  await createLedgerTables(client, { ledgerTableName, engineTableName });
  return {
    client,
    endpoint,
    ledgerTableName,
    engineTableName,
    destroy: async () => {
      await Promise.allSettled(
        [ledgerTableName, engineTableName].map((TableName) => client.send(new DeleteTableCommand({ TableName }))),
      );
      client.destroy();
    },
  };
}

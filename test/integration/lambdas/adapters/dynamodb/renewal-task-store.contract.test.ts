import { DynamoDbRenewalTaskStore } from '../../../../../lambdas/adapters/dynamodb/task-store';
import { describeRenewalTaskStoreContract } from '../../../../support/contracts/renewal-task-store-contract';
import { createTestTables } from '../../../../support/dynamodb';
import { InMemoryRenewalTaskStore } from '../../../../support/fakes/in-memory-renewal-task-store';

describeRenewalTaskStoreContract('DynamoDB (DynamoDB Local)', async () => {
  const tables = await createTestTables('task-contract');
  return { store: new DynamoDbRenewalTaskStore({ client: tables.client, tableName: tables.engineTableName }), destroy: () => tables.destroy() };
});

describeRenewalTaskStoreContract('in memory', async () => ({ store: new InMemoryRenewalTaskStore() }));

import { DynamoDbPlanStore } from '../../../../../lambdas/adapters/dynamodb/plan-store';
import { describePlanStoreContract } from '../../../../support/contracts/plan-store-contract';
import { createTestTables } from '../../../../support/dynamodb';
import { InMemoryPlanStore } from '../../../../support/fakes/in-memory-plan-store';

describePlanStoreContract('DynamoDB (DynamoDB Local)', async () => {
  const tables = await createTestTables('plan-contract');
  return { store: new DynamoDbPlanStore({ client: tables.client, tableName: tables.engineTableName }), destroy: () => tables.destroy() };
});

describePlanStoreContract('in memory', async () => ({ store: new InMemoryPlanStore() }));

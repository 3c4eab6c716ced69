import { DynamoDbInvoiceStore } from '../../../../../lambdas/adapters/dynamodb/invoice-store';
import { describeInvoiceStoreContract } from '../../../../support/contracts/invoice-store-contract';
import { createTestTables } from '../../../../support/dynamodb';
import { InMemoryInvoiceStore } from '../../../../support/fakes/in-memory-invoice-store';

describeInvoiceStoreContract('DynamoDB (DynamoDB Local)', async () => {
  const tables = await createTestTables('invoice-contract');
  return { store: new DynamoDbInvoiceStore(tables.client, tables.engineTableName), destroy: () => tables.destroy() };
});

describeInvoiceStoreContract('in memory', async () => ({ store: new InMemoryInvoiceStore() }));

import { PutItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LedgerDataError } from '../../application/errors';
import { mapWithConcurrency } from '../../shared/map-with-concurrency';
import type { CatalogRepository } from '../../application/ports';
import {
  CatalogCustomerSchema,
  MetricDefinitionSchema,
  type Catalog,
  type CatalogCustomer,
  type MetricDefinition,
} from '../../domain/ledger/catalog';
import { toInfrastructureError } from './aws-error-classification';
import { ENGINE_TABLE } from './table-design';

// The metric and customer catalog in the engine table, one item per metric or
// customer under a single partition: it is small, read whole by every ingest
// process on cache expiry, and written rarely.
//
//   pk CATALOG   sk METRIC#<code> | CUSTOMER#<customerId>   data <JSON>
//   gsi1pk CATALOG#METRIC | CATALOG#CUSTOMER   gsi1sk <code | customerId>   (byType)

const CATALOG_PARTITION = 'CATALOG';
const METRIC_PREFIX = 'METRIC#';
const CUSTOMER_PREFIX = 'CUSTOMER#';
const [BY_TYPE] = ENGINE_TABLE.indexes;

export class DynamoDbCatalogRepository implements CatalogRepository {
  constructor(private readonly options: { readonly client: DynamoDBClient; readonly tableName: string }) {}

  async readCatalog(): Promise<Catalog> {
    const metrics: MetricDefinition[] = [];
    const customers: CatalogCustomer[] = [];
    let exclusiveStartKey: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
    do {
      let output;
      try {
        output = await this.options.client.send(
          new QueryCommand({
            TableName: this.options.tableName,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': ENGINE_TABLE.partitionKey },
            ExpressionAttributeValues: { ':pk': { S: CATALOG_PARTITION } },
            ConsistentRead: true,
            ...(exclusiveStartKey !== undefined ? { ExclusiveStartKey: exclusiveStartKey } : {}),
          }),
        );
      } catch (error) {
        throw toInfrastructureError(error, 'DynamoDB Query (catalog)');
      }
      for (const item of output.Items ?? []) {
        const sk = item[ENGINE_TABLE.sortKey]?.S ?? '';
        const data = item.data?.S;
        if (data === undefined) throw new LedgerDataError(`catalog item ${sk} has no data`);
        if (sk.startsWith(METRIC_PREFIX)) metrics.push(parseStored(MetricDefinitionSchema, data, sk));
        else if (sk.startsWith(CUSTOMER_PREFIX)) customers.push(parseStored(CatalogCustomerSchema, data, sk));
      }
      exclusiveStartKey = output.LastEvaluatedKey;
    } while (exclusiveStartKey !== undefined);
    return { metrics, customers };
  }

  async writeCatalog(catalog: Catalog): Promise<void> {
    const items = [
      ...catalog.metrics.map((metric) => ({ sk: METRIC_PREFIX + metric.code, type: 'METRIC', id: metric.code, data: metric })),
      ...catalog.customers.map((customer) => ({
        sk: CUSTOMER_PREFIX + customer.customerId,
        type: 'CUSTOMER',
        id: customer.customerId,
        data: customer,
      })),
    ];
    // Plain PutItem (not BatchWriteItem): the same permission set the stack
    // grants for read-write access, and no unprocessed items to re-drive.
    await mapWithConcurrency(items, 8, async (item) => {
      try {
        await this.options.client.send(
          new PutItemCommand({
            TableName: this.options.tableName,
            Item: {
              [ENGINE_TABLE.partitionKey]: { S: CATALOG_PARTITION },
              [ENGINE_TABLE.sortKey]: { S: item.sk },
              [BY_TYPE.partitionKey]: { S: `${CATALOG_PARTITION}#${item.type}` },
              [BY_TYPE.sortKey]: { S: item.id },
              data: { S: JSON.stringify(item.data) },
            },
          }),
        );
      } catch (error) {
        throw toInfrastructureError(error, 'DynamoDB PutItem (catalog)');
      }
    });
  }
}

function parseStored<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: Error } }, data: string, sk: string): T {
  const result = schema.safeParse(JSON.parse(data));
  if (!result.success) throw new LedgerDataError(`catalog item ${sk} no longer matches its schema`, { cause: result.error });
  return result.data;
}

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mapWithConcurrency } from '../../shared/map-with-concurrency';
import type { CatalogRepository } from '../../application/ports';
import {
  CatalogCustomerSchema,
  MetricDefinitionSchema,
  type Catalog,
  type CatalogCustomer,
  type MetricDefinition,
} from '../../domain/ledger/catalog';
import { DynamoTable } from './dynamo-table';
import { BODY_ATTRIBUTE, documentCodec } from './stored-document';
import { ENGINE_TABLE } from './table-design';

// The metric and customer catalog in the engine table, one item per metric or
// customer under a single partition: it is small, read whole by every ingest
// process on cache expiry, and written rarely.
//
//   pk CATALOG   sk METRIC#<code> | CUSTOMER#<customerId>   data <JSON>, v
//   gsi1pk CATALOG#METRIC | CATALOG#CUSTOMER   gsi1sk <code | customerId>   (byType)
//
// Catalog entries keep their JSON in `data` (not `body`), as they always have.

const CATALOG_PARTITION = 'CATALOG';
const METRIC_PREFIX = 'METRIC#';
const CUSTOMER_PREFIX = 'CUSTOMER#';
const [BY_TYPE] = ENGINE_TABLE.indexes;
const DATA_ATTRIBUTE = 'data';

export const metricDefinitionCodec = documentCodec({ kind: 'catalog metric', schema: MetricDefinitionSchema });
export const catalogCustomerCodec = documentCodec({ kind: 'catalog customer', schema: CatalogCustomerSchema });

export class DynamoDbCatalogRepository implements CatalogRepository {
  private readonly table: DynamoTable;

  constructor(options: { readonly client: DynamoDBClient; readonly tableName: string }) {
    this.table = new DynamoTable(options);
  }

  async readCatalog(): Promise<Catalog> {
    const metrics: MetricDefinition[] = [];
    const customers: CatalogCustomer[] = [];
    const items = await this.table.query({ partition: CATALOG_PARTITION }, 'catalog');
    for (const item of items) {
      const sk = String(item[ENGINE_TABLE.sortKey] ?? '');
      const document = { ...item, [BODY_ATTRIBUTE]: item[DATA_ATTRIBUTE] };
      if (sk.startsWith(METRIC_PREFIX)) metrics.push(metricDefinitionCodec.decode(document, `catalog item ${sk}`));
      else if (sk.startsWith(CUSTOMER_PREFIX)) customers.push(catalogCustomerCodec.decode(document, `catalog item ${sk}`));
    }
    return { metrics, customers };
  }

  async writeCatalog(catalog: Catalog): Promise<void> {
    const items = [
      ...catalog.metrics.map((metric) => ({ sk: METRIC_PREFIX + metric.code, type: 'METRIC', id: metric.code, ...metricDefinitionCodec.encode(metric) })),
      ...catalog.customers.map((customer) => ({
        sk: CUSTOMER_PREFIX + customer.customerId,
        type: 'CUSTOMER',
        id: customer.customerId,
        ...catalogCustomerCodec.encode(customer),
      })),
    ];
    // Plain PutItem (not BatchWriteItem): the same permission set the stack
    // grants for read-write access, and no unprocessed items to re-drive.
    await mapWithConcurrency(items, 8, async (item) => {
      await this.table.put(
        {
          [ENGINE_TABLE.partitionKey]: CATALOG_PARTITION,
          [ENGINE_TABLE.sortKey]: item.sk,
          [BY_TYPE.partitionKey]: `${CATALOG_PARTITION}#${item.type}`,
          [BY_TYPE.sortKey]: item.id,
          [DATA_ATTRIBUTE]: item.body,
          v: item.v,
        },
        'catalog',
      );
    });
  }
}

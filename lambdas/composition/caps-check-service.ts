// Wires "may this customer consume N more of M now?" (checkCapAllowance) to
// the engine table (contracts, invoices) and usage through the rollups: the
// check-caps Lambda and the local engine's POST /caps/check build it here;
// the CLI's `caps check` reads the same stores through its own connection.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbCatalogRepository } from '../adapters/dynamodb/dynamodb-catalog-repository';
import { DynamoDbInvoiceStore } from '../adapters/dynamodb/invoice-store';
import { DynamoDbPlanStore } from '../adapters/dynamodb/plan-store';
import type { LedgerRepository } from '../application/ports';
import type { ReportSpendDeps } from '../application/plans/report-spend';
import { createUsageRollupService, type UsageRollupServiceConfig } from './usage-rollup-service';

export interface CapsCheckConfig {
  readonly dynamoDb: DynamoDBClient;
  readonly engineTableName: string;
  readonly ledgerTableName: string;
  /** The local engine passes its own ledger repository; Lambda reads the ledger table directly. */
  readonly ledger?: Pick<LedgerRepository, 'streamUsageEntries' | 'getOutcomeEntries'>;
  /** How far the rollups are trusted: 'stored' on the local engine, a settle lag in AWS. */
  readonly progress: UsageRollupServiceConfig['progress'];
  readonly now: () => Date;
}

/** Read-only dependencies of checkCapAllowance: nothing here writes. */
export function createCapsCheck(config: CapsCheckConfig): ReportSpendDeps {
  const usage = createUsageRollupService({
    dynamoDb: config.dynamoDb,
    engineTableName: config.engineTableName,
    ledgerTableName: config.ledgerTableName,
    ...(config.ledger ? { ledger: config.ledger } : {}),
    progress: config.progress,
  });
  return {
    contracts: new DynamoDbPlanStore({ client: config.dynamoDb, tableName: config.engineTableName }),
    usage: usage.reader,
    invoices: new DynamoDbInvoiceStore(config.dynamoDb, config.engineTableName),
    // A contract that pins definition versions is rated under them.
    definitions: new DynamoDbCatalogRepository({ client: config.dynamoDb, tableName: config.engineTableName }),
    now: config.now,
  };
}

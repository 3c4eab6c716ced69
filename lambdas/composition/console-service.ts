// Wires the console API to the stores the command line reads: the ledger,
// renewal-risk tasks, plans and contracts, invoices, and usage through the
// rollups. Staff sign-in and portal link keys come from the caller: the local
// engine passes its data-folder keyring and local staff token; in AWS they are
// the Secrets Manager keyring and the Cognito authenticator (see
// awsConsoleAccessFromEnv below).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { S3Client } from '@aws-sdk/client-s3';
import { DynamoDbCatalogRepository } from '../adapters/dynamodb/dynamodb-catalog-repository';
import { DynamoDbFiredAlertStore } from '../adapters/dynamodb/fired-alert-store';
import { DynamoDbInvoiceStore } from '../adapters/dynamodb/invoice-store';
import { DynamoDbPlanStore } from '../adapters/dynamodb/plan-store';
import { S3StatementFileStore } from '../adapters/s3/s3-statement-file-store';
import type { ConsoleService } from '../application/console/console-routes';
import type { ConsoleStores, PortalLinkKeyring, StaffAuthenticator } from '../application/console/ports';
import type { RenewalRiskSettings } from '../application/risk/risk-settings';
import { createConsoleAwsAuth } from './console-aws-auth';
import { createLedgerService } from './ledger-service';
import { createRiskService } from './risk-service';
import { createUsageRollupService, type UsageRollupServiceConfig } from './usage-rollup-service';

export interface ConsoleServiceConfig {
  readonly dynamoDb: DynamoDBClient;
  readonly eventBridge: EventBridgeClient;
  readonly eventBusName: string;
  readonly ledgerTableName: string;
  readonly engineTableName: string;
  readonly keyring: PortalLinkKeyring;
  readonly staff: StaffAuthenticator;
  /** The portal page's absolute URL, for the links staff create. */
  readonly portalBaseUrl?: string;
  readonly settings?: Partial<RenewalRiskSettings>;
  /**
   * How far the usage rollups are trusted: 'stored' where the local stream
   * reader records it, a settle lag behind now in AWS (as the close and the
   * renewal check read them). @default { kind: 'stored' }
   */
  readonly usageRollupProgress?: UsageRollupServiceConfig['progress'];
  /** @default () => new Date() */
  readonly now?: () => Date;
  /**
   * The private bucket statement CSVs are stored in and linked from (in AWS,
   * STATEMENT_BUCKET_NAME: a Lambda answer is at most 6 MB); unset locally,
   * where the console server streams them in its answer.
   */
  readonly statementBucket?: { readonly client: S3Client; readonly bucketName: string };
}

export function createConsoleService(config: ConsoleServiceConfig): ConsoleService {
  const now = config.now ?? (() => new Date());
  const progress = config.usageRollupProgress ?? { kind: 'stored' as const };
  const ledger = createLedgerService({
    dynamoDb: config.dynamoDb,
    eventBridge: config.eventBridge,
    eventBusName: config.eventBusName,
    ledgerTableName: config.ledgerTableName,
    engineTableName: config.engineTableName,
    now,
  });
  const tasks = createRiskService({
    dynamoDb: config.dynamoDb,
    engineTableName: config.engineTableName,
    ledger,
    eventBridge: config.eventBridge,
    eventBusName: config.eventBusName,
    ...(config.settings ? { settings: config.settings } : {}),
    // Progress charts measure every period of the term (and the previous term's tail): through the rollups, not a scan per period.
    usageRollups: { progress, ledgerTableName: config.ledgerTableName },
    now,
  });
  const plans = new DynamoDbPlanStore({ client: config.dynamoDb, tableName: config.engineTableName });
  const usage = createUsageRollupService({
    dynamoDb: config.dynamoDb,
    engineTableName: config.engineTableName,
    ledgerTableName: config.ledgerTableName,
    ledger: ledger.repository,
    progress,
  }).reader;
  const invoices = new DynamoDbInvoiceStore(config.dynamoDb, config.engineTableName);
  const catalog = new DynamoDbCatalogRepository({ client: config.dynamoDb, tableName: config.engineTableName });
  const stores: ConsoleStores = {
    tasks,
    plans,
    invoices,
    rejected: ledger,
    outcomes: ledger,
    catalog,
    simulation: { store: plans, usage, definitions: catalog },
    now,
  };
  return {
    stores,
    keyring: config.keyring,
    staff: config.staff,
    ...(config.portalBaseUrl !== undefined ? { portalBaseUrl: config.portalBaseUrl } : {}),
    extensions: {
      disputes: ledger,
      statements: ledger.repository,
      ...(config.statementBucket ? { statementFiles: new S3StatementFileStore({ ...config.statementBucket, now }) } : {}),
      // Live spend reads what `spend` and `caps check` read, and the markers the ledger stream writes when an alert fires.
      spend: { contracts: plans, usage, invoices, definitions: catalog, fired: new DynamoDbFiredAlertStore({ client: config.dynamoDb, tableName: config.engineTableName }) },
    },
  };
}

/**
 * The deployed stack's access: the Secrets Manager portal keyring
 * (PORTAL_LINK_SECRET_ARN) and the Cognito staff authenticator
 * (STAFF_USER_POOL_ID, STAFF_USER_POOL_CLIENT_ID). A missing or malformed
 * variable stops the function at start rather than run without sign-in.
 */
export function awsConsoleAccessFromEnv(env: Readonly<Record<string, string | undefined>>): { keyring: PortalLinkKeyring; staff: StaffAuthenticator } {
  return createConsoleAwsAuth(env);
}

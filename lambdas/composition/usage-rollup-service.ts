import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbLedgerRepository } from '../adapters/dynamodb/dynamodb-ledger-repository';
import { LedgerStreamProbe } from '../adapters/dynamodb/ledger-stream-probe';
import { LedgerUsageReader } from '../adapters/dynamodb/ledger-usage-reader';
import { DynamoDbRollupProgress, DynamoDbRollupStore, SettleLagRollupProgress } from '../adapters/dynamodb/rollup-store';
import type { LedgerRepository } from '../application/ports';
import type { RollupProgress } from '../application/usage/ports';
import { RollupUsageReader } from '../application/usage/read-usage-through-rollups';
import { ROLLUP_BUCKET_MS } from '../domain/ledger/usage-rollup';

// The stream records' decoding, for the handler that receives them (handlers reach adapters only through composition).
export { ledgerChangesOf, type LedgerStreamRecord } from '../adapters/dynamodb/ledger-stream-records';

// Wires the usage rollups: the stream handler, the local stream reader, the
// usage readers of period close, invoice preview and simulation, and the CLI.

/** In AWS, cells are trusted up to this long before now; the stream's iterator-age alarm fires at a third of it. */
export const DEFAULT_ROLLUP_SETTLE_LAG_MS = 15 * 60_000;

export interface UsageRollupServiceConfig {
  readonly dynamoDb: DynamoDBClient;
  readonly engineTableName: string;
  readonly ledgerTableName: string;
  readonly ledger?: Pick<LedgerRepository, 'streamUsageEntries' | 'getOutcomeEntries'>;
  /**
   * Where the seal comes from: 'stored' (the local stream reader records how
   * far it has applied) or a settle lag behind `now` (Lambda reads the stream).
   */
  readonly progress: { readonly kind: 'stored' } | { readonly kind: 'settle-lag'; readonly now: () => Date; readonly settleLagMs?: number };
}

export interface UsageRollupService {
  readonly store: DynamoDbRollupStore;
  readonly progress: RollupProgress;
  readonly ledger: Pick<LedgerRepository, 'streamUsageEntries' | 'getOutcomeEntries'>;
  /** The raw scan (what `usage check` compares with, and what cells cannot answer). */
  readonly raw: LedgerUsageReader;
  /** Usage for rating through the rollups. */
  readonly reader: RollupUsageReader;
}

export function createUsageRollupService(config: UsageRollupServiceConfig): UsageRollupService {
  const store = new DynamoDbRollupStore({ client: config.dynamoDb, tableName: config.engineTableName });
  const ledger = config.ledger ?? new DynamoDbLedgerRepository({ client: config.dynamoDb, tableName: config.ledgerTableName });
  const progress: RollupProgress =
    config.progress.kind === 'stored'
      ? // The local engine's reader drains the stream itself: a question asked as of now can check the stream is still drained.
        new DynamoDbRollupProgress({ client: config.dynamoDb, tableName: config.engineTableName, probe: LedgerStreamProbe.onEndpointOf(config.dynamoDb.config) })
      : new SettleLagRollupProgress({ now: config.progress.now, settleLagMs: config.progress.settleLagMs ?? DEFAULT_ROLLUP_SETTLE_LAG_MS, bucketMs: ROLLUP_BUCKET_MS });
  const raw = new LedgerUsageReader({ ledger });
  return { store, progress, ledger, raw, reader: new RollupUsageReader({ rollups: store, progress, ledger, raw }) };
}

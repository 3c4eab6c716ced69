import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CatalogCache } from '../application/catalog-cache';
import { getOutcome } from '../application/get-outcome';
import { getUsage, listNetOutcomes, resolveUsageQuery } from '../application/get-usage';
import { ingestOutcomeMessage, outcomeResultsOf, type InboundMessage, type IngestMessageResult } from '../application/ingest-outcome-message';
import { listRejected } from '../application/list-rejected';
import { listUnattributed } from '../application/list-unattributed';
import { loadCatalog } from '../application/load-catalog';
import type { LedgerRepository, MetricDisplayNameReader, Page } from '../application/ports';
import { metricDisplayName } from '../domain/ledger/metric-display-name';
import { listDisputes, type DisputeListQuery, type DisputeRow } from '../application/disputes/list-disputes';
import { openDispute, type DisputeScope, type OpenDisputeResult } from '../application/disputes/open-dispute';
import { resolveDispute, type ResolveDisputeResult } from '../application/disputes/resolve-dispute';
import { DynamoDbCatalogRepository } from '../adapters/dynamodb/dynamodb-catalog-repository';
import { DynamoDbLedgerRepository } from '../adapters/dynamodb/dynamodb-ledger-repository';
import { DynamoDbLedgerFreshnessStore } from '../adapters/dynamodb/ledger-freshness-store';
import { DynamoDbPlanStore } from '../adapters/dynamodb/plan-store';
import type { CapacitySnapshot } from '../adapters/dynamodb/capacity-meter';
import { EventBridgeEventPublisher } from '../adapters/eventbridge/eventbridge-event-publisher';
import type { CatalogInput } from '../domain/ledger/catalog';
import type { LedgerEntry } from '../domain/ledger/ledger-entries';
import type { NetOutcome } from '../domain/ledger/net-outcomes';
import type { OutcomeView } from '../domain/ledger/outcome-view';
import type { RejectedOutcome } from '../domain/ledger/rejection';
import type { RejectionCode } from '../domain/ledger/rejection-codes';
import type { UsageQuery, UsageSummary } from '../domain/ledger/summarize-usage';

// Wires the ledger's use cases to DynamoDB and EventBridge. The Lambda
// handler, the local engine, the CLI and the benchmarks all build the ledger
// through this one function, so they all run the same code.

export type {
  BatchIngestResult,
  BatchItemResult,
  IngestMessageResult,
  IngestResult,
  InboundMessage,
} from '../application/ingest-outcome-message';
export { outcomeResultsOf } from '../application/ingest-outcome-message';
export type { CatalogInput } from '../domain/ledger/catalog';
export type { LedgerEntry } from '../domain/ledger/ledger-entries';
export type { NetOutcome } from '../domain/ledger/net-outcomes';
export type { OutcomeView } from '../domain/ledger/outcome-view';
export type { RejectedOutcome } from '../domain/ledger/rejection';
export type { RejectionCode } from '../domain/ledger/rejection-codes';
export type { UsageBasis, UsageQuery, UsageSummary } from '../domain/ledger/summarize-usage';
export type { CapacitySnapshot } from '../adapters/dynamodb/capacity-meter';
export type { DisputeListQuery, DisputeRow } from '../application/disputes/list-disputes';
export type { DisputeScope, OpenDisputeResult } from '../application/disputes/open-dispute';
export type { ResolveDisputeResult } from '../application/disputes/resolve-dispute';
export { DisputeNotFoundError, InvalidDisputeError } from '../application/disputes/dispute-errors';
export { InfrastructureError, InvalidCatalogError, InvalidLedgerQueryError, LedgerDataError } from '../application/errors';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** The close's default grace (DEFAULT_CLOSE_GRACE_HOURS in the billing use cases). */
const DEFAULT_CLOSE_GRACE_HOURS = 24;
const MINUTE_MS = 60_000;

export interface LedgerServiceConfig {
  /** Real client; its endpoint decides AWS or DynamoDB Local. */
  dynamoDb: DynamoDBClient;
  ledgerTableName: string;
  /** Where the catalog (metrics, customers) lives. */
  engineTableName: string;
  /** For 'Outcome Rejected' announcements. */
  eventBridge: EventBridgeClient;
  eventBusName: string;
  /** @default () => new Date() */
  now?: () => Date;
  /** Outcomes that occurred longer ago are rejected. @default 35 */
  backdatingWindowDays?: number;
  /** Outcomes that occur further ahead are rejected. @default 5 */
  maxFutureSkewMinutes?: number;
  /** How long the catalog is cached in memory. @default 60_000 */
  catalogCacheTtlMs?: number;
  /** Least time between catalog reloads forced by an unknown metric or customer. @default 5_000 */
  catalogRefreshIntervalMs?: number;
  /** Outcomes of one 'Outcomes Recorded' event written at the same time. @default 10 */
  batchItemConcurrency?: number;
  /**
   * Marks in the ledger when something was last recorded (one write per hour
   * per service instance), read back by ledgerDataAsOf for renewal risk's
   * stale-data check. @default true
   */
  ledgerFreshness?: boolean;
  /**
   * The period-close grace in hours: entries recorded later than this after
   * their outcome are announced as 'Outcome Adjustment Recorded', so an
   * invoiced period is corrected at once. @default 24 (the close's default)
   */
  closeGraceHours?: number;
}

export interface LedgerService {
  /**
   * Records, adjusts or rejects one message; for an 'Outcomes Recorded' event,
   * each of its outcomes on its own (`status: 'batch'`, results per item; see
   * outcomeResultsOf). Throws InfrastructureError (retry the whole message)
   * when storage or the bus fail.
   */
  ingestMessage(input: InboundMessage): Promise<IngestMessageResult>;
  getUsage(query: UsageQuery): Promise<UsageSummary>;
  getOutcome(outcomeId: string, options?: { asOf?: Date }): Promise<OutcomeView | undefined>;
  listRejected(query: {
    from?: Date;
    to?: Date;
    code?: RejectionCode;
    limit?: number;
    cursor?: string;
  }): Promise<{ items: RejectedOutcome[]; cursor?: string }>;
  listUnattributed(query: { limit?: number; cursor?: string }): Promise<{ items: OutcomeView[]; cursor?: string }>;
  loadCatalog(catalog: CatalogInput): Promise<{ metrics: number; customers: number }>;
  /**
   * The newest recordedAt the ledger had noted at `asOf` (within an hour),
   * across all producers; undefined when nothing was noted by then. Renewal
   * risk reads it as `dataAsOf`.
   */
  ledgerDataAsOf(asOf: Date): Promise<Date | undefined>;
  /** Net outcomes behind a usage query (all non-reversed, flagged billable/verified at asOf), for in-memory rating. */
  listNetOutcomes(query: UsageQuery): Promise<NetOutcome[]>;
  /** Raw entries (recorded + adjustments) behind a usage query, page by page; aggregate with aggregateUsage. */
  streamUsageEntries(query: UsageQuery): AsyncIterable<readonly LedgerEntry[]>;
  /** DynamoDB capacity consumed by this service's ledger calls since creation (or the last reset). */
  consumedCapacity(options?: { reset?: boolean }): CapacitySnapshot;
  /**
   * Opens a dispute (`{ disputeId, outcomeIds, reason, raisedBy }`, as the
   * 'Outcome Disputed' detail) on each outcome it names: the good ones open,
   * each bad one is refused with a code and a sentence. Idempotent on disputeId.
   */
  openDispute(request: unknown, scope?: DisputeScope): Promise<OpenDisputeResult>;
  /** Decides a dispute (`{ disputeId, upheld, note, resolvedBy, outcomeIds? }`): upheld reverses the outcome, rejected changes nothing. */
  resolveDispute(request: unknown): Promise<ResolveDisputeResult>;
  /** One row per disputed outcome, oldest first. */
  listDisputes(query?: DisputeListQuery): Promise<DisputeRow[]>;
  /** The storage port, for callers that need the raw repository (benchmarks, rating). */
  readonly repository: LedgerRepository;
}

export function createLedgerService(config: LedgerServiceConfig): LedgerService {
  const now = config.now ?? (() => new Date());
  const nowMs = () => now().getTime();
  const ledger = new DynamoDbLedgerRepository({ client: config.dynamoDb, tableName: config.ledgerTableName });
  const catalogs = new DynamoDbCatalogRepository({ client: config.dynamoDb, tableName: config.engineTableName });
  const publisher = new EventBridgeEventPublisher({ client: config.eventBridge, eventBusName: config.eventBusName });
  const cache = new CatalogCache(catalogs, {
    ttlMs: config.catalogCacheTtlMs ?? 60_000,
    minRefreshIntervalMs: config.catalogRefreshIntervalMs ?? 5_000,
  });
  const ingestDeps = {
    ledger,
    catalog: cache,
    publisher,
    nowMs,
    backdatingWindowMs: (config.backdatingWindowDays ?? 35) * DAY_MS,
    maxFutureSkewMs: (config.maxFutureSkewMinutes ?? 5) * MINUTE_MS,
    ...(config.batchItemConcurrency !== undefined ? { batchItemConcurrency: config.batchItemConcurrency } : {}),
    lateAfterMs: (config.closeGraceHours ?? DEFAULT_CLOSE_GRACE_HOURS) * HOUR_MS,
  };
  const queryDeps = { ledger, nowMs };
  const plans = new DynamoDbPlanStore({ client: config.dynamoDb, tableName: config.engineTableName });
  const disputeDeps = {
    ledger,
    catalog: cache,
    publisher,
    nowMs,
    lateAfterMs: ingestDeps.lateAfterMs,
    // A contract's pinned definition version sets the dispute window and hold of the outcomes it bills.
    contracts: { contractsOf: async (customerId: string) => (await plans.listContracts()).map((stored) => stored.contract).filter((contract) => contract.customerId === customerId) },
  };
  const freshness =
    config.ledgerFreshness === false ? undefined : new DynamoDbLedgerFreshnessStore({ client: config.dynamoDb, tableName: config.ledgerTableName });

  return {
    repository: ledger,
    ingestMessage: async (input) => {
      const recordedAt = now();
      const result = await ingestOutcomeMessage(ingestDeps, input);
      // A duplicate counts too: the pipeline is delivering. The note writes at
      // most once an hour; a failure fails the message, whose retry notes again.
      if (freshness && outcomeResultsOf(result).some((item) => item.status === 'recorded' || item.status === 'duplicate')) {
        await freshness.noteRecorded(recordedAt);
      }
      return result;
    },
    ledgerDataAsOf: (asOf) => (freshness ? freshness.ledgerDataAsOf(asOf) : Promise.resolve(undefined)),
    getUsage: (query) => getUsage(queryDeps, query),
    getOutcome: (outcomeId, options) => getOutcome(queryDeps, outcomeId, options),
    listRejected: (query) => listRejected(queryDeps, query) as Promise<Page<RejectedOutcome>>,
    listUnattributed: (query) => listUnattributed(queryDeps, query),
    loadCatalog: (catalog) => loadCatalog({ catalogs, cache }, catalog),
    listNetOutcomes: (query) => listNetOutcomes(queryDeps, query),
    openDispute: (request, scope) => openDispute(disputeDeps, request, scope),
    resolveDispute: (request) => resolveDispute(disputeDeps, request),
    listDisputes: (query) => listDisputes(disputeDeps, query),
    streamUsageEntries: (query) => ledger.streamUsageEntries(resolveUsageQuery(query, nowMs())),
    consumedCapacity: (options) => {
      const snapshot = ledger.capacity.snapshot();
      if (options?.reset) ledger.capacity.reset();
      return snapshot;
    },
  };
}

/** Metric display names from the engine's catalog (one small partition, read per check or correction). */
export function catalogMetricNames(catalog: Pick<DynamoDbCatalogRepository, 'readCatalog'>): MetricDisplayNameReader {
  return {
    metricDisplayNames: async () => new Map((await catalog.readCatalog()).metrics.map((metric) => [metric.code, metricDisplayName(metric)])),
  };
}

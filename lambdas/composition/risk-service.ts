import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDbCatalogRepository } from '../adapters/dynamodb/dynamodb-catalog-repository';
import { DynamoDbInvoiceStore } from '../adapters/dynamodb/invoice-store';
import { DynamoDbPlanStore } from '../adapters/dynamodb/plan-store';
import { DynamoDbRenewalTaskStore } from '../adapters/dynamodb/task-store';
import { EventBridgeCheckpointScheduler, type CheckpointScheduleSettings } from '../adapters/scheduler/eventbridge-checkpoint-scheduler';
import { backtestRenewalRisk } from '../application/risk/backtest-renewal-risk';
import { assessContractRisk, checkRenewalRisk, type AdHocRiskCheck, type CheckRenewalRiskDeps, type CheckRenewalRiskResult } from '../application/risk/check-renewal-risk';
import {
  acknowledgeRenewalTask,
  listRenewalTasks,
  resolveRenewalTask,
  showRenewalTask,
  type RenewalTaskView,
  type ListRenewalTasksRequest,
  type ResolveRenewalTaskRequest,
} from '../application/risk/manage-renewal-tasks';
import { recordRenewalResult, type RecordRenewalResultOutcome, type RecordRenewalResultRequest } from '../application/risk/record-renewal-result';
import type { CheckpointSchedulerPort, RenewalTask, RiskCustomerDirectory, RiskDataFreshnessReader, RiskDisputeReader, RiskMetricCatalog, RiskPaymentSignalReader, RiskUsageQuery, RiskUsageReader } from '../application/risk/ports';
import { DEFAULT_RENEWAL_RISK_SETTINGS, type RenewalRiskSettings } from '../application/risk/risk-settings';
import {
  scheduleRenewalChecks,
  type ContractChange,
  type ScheduleRenewalChecksDeps,
  type ScheduleRenewalChecksResult,
} from '../application/risk/schedule-renewal-checks';
import type { RenewalRiskAssessment } from '../domain/risk/assess-renewal-risk';
import { DEFAULT_TASK_CONTENT_OPTIONS } from '../domain/risk/task-rules';
import type { RenewalCheckpointPayload } from '../domain/risk/checkpoint-payload';
import { EventBridgeEventPublisher } from '../adapters/eventbridge/eventbridge-event-publisher';
import { catalogMetricNames, type LedgerService } from './ledger-service';
import { createUsageRollupService, type UsageRollupServiceConfig } from './usage-rollup-service';
import { riskUsageThroughRollups } from '../application/risk/read-risk-usage-through-rollups';

// Wires renewal risk to DynamoDB (tasks, contracts, invoices), the ledger
// (usage) and EventBridge (task events). The check and schedule handlers, the
// local engine and the CLI all build it through this function.

export interface RiskServiceConfig {
  readonly dynamoDb: DynamoDBClient;
  readonly engineTableName: string;
  /**
   * With `ledgerDataAsOf` (a LedgerService has it), the ledger's freshness
   * marks feed the stale-data check; with `listDisputes`, disputes feed the
   * dispute-rate signal.
   */
  readonly ledger: Pick<LedgerService, 'getUsage' | 'listNetOutcomes'> & Partial<Pick<LedgerService, 'ledgerDataAsOf' | 'listDisputes'>>;
  readonly eventBridge: EventBridgeClient;
  readonly eventBusName: string;
  /** Absent: the service can check and manage tasks but not schedule (the CLI). */
  readonly scheduler?: CheckpointSchedulerPort;
  /**
   * Stripe payment signals per contract. Defaults to the invoice store, which
   * files every webhook signal under its contract; `null` disconnects payments
   * (payment health is then reported not applicable).
   */
  readonly payments?: RiskPaymentSignalReader | null;
  /**
   * The ledger's freshness. Defaults to the ledger's own freshness marks
   * (`ledger.ledgerDataAsOf`, written by the ingest path); `null`, or no mark
   * written yet, means the ledger is assumed current (no stale-data flag).
   */
  readonly freshness?: RiskDataFreshnessReader | null;
  readonly settings?: Partial<RenewalRiskSettings>;
  /**
   * Read measured usage through the usage rollups (sealed as `progress` says,
   * like period close), the raw scan where the cells cannot answer exactly.
   * Absent: the raw scan of the ledger only.
   */
  readonly usageRollups?: { readonly progress: UsageRollupServiceConfig['progress']; readonly ledgerTableName: string };
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export interface RiskService {
  checkRenewalRisk(payload: RenewalCheckpointPayload): Promise<CheckRenewalRiskResult>;
  assessContract(request: AdHocRiskCheck): Promise<RenewalRiskAssessment>;
  scheduleRenewalChecks(change: ContractChange): Promise<ScheduleRenewalChecksResult>;
  listTasks(request: ListRenewalTasksRequest): Promise<RenewalTaskView[]>;
  showTask(taskId: string): Promise<RenewalTaskView>;
  acknowledgeTask(request: { taskId: string; by?: string }): Promise<RenewalTask>;
  resolveTask(request: ResolveRenewalTaskRequest): Promise<RenewalTask>;
  /** The renewal result of any contract term (`contracts renewal-result`), with or without a task. */
  recordRenewalResult(request: RecordRenewalResultRequest): Promise<RecordRenewalResultOutcome>;
  backtest(): ReturnType<typeof backtestRenewalRisk>;
  readonly deps: CheckRenewalRiskDeps;
}

/** Disputes as the risk check reads them: the customer's, by the occurredAt of their outcomes. */
export function ledgerRiskDisputeReader(listDisputes: LedgerService['listDisputes']): RiskDisputeReader {
  return {
    disputesOf: async (customerId, range) =>
      (await listDisputes({ customerIds: [customerId], occurredFromMs: range.from.getTime(), occurredToMs: range.to.getTime() })).map((row) => ({
        metric: row.metric,
        status: row.status,
      })),
  };
}

/** A risk query's customer, metric, window, cutoff and basis, as the ledger reads them. */
function ledgerWindowOf(query: Pick<RiskUsageQuery, 'customerId' | 'metric' | 'from' | 'to' | 'asOf' | 'basis'>) {
  return { customerId: query.customerId, metric: query.metric, from: query.from, to: query.to, asOf: query.asOf, basis: query.basis };
}

/** The ledger as the risk check reads it: measured usage and net outcomes as of a cutoff. */
export function ledgerRiskUsageReader(ledger: Pick<LedgerService, 'getUsage' | 'listNetOutcomes'>): RiskUsageReader {
  const summarize = async (query: RiskUsageQuery) => {
    const summary = await ledger.getUsage(ledgerWindowOf(query));
    return { quantity: query.measure === 'count' ? String(summary.count) : summary.quantity, values: summary.value };
  };
  return {
    summarize,
    measure: async (query) => (await summarize(query)).quantity,
    outcomes: async (query) => {
      const outcomes = await ledger.listNetOutcomes(ledgerWindowOf(query));
      return outcomes.map((outcome) => ({ occurredAt: new Date(outcome.occurredAtMs).toISOString(), quantity: outcome.quantity }));
    },
  };
}

export interface RenewalCheckSchedulingConfig {
  readonly dynamoDb: DynamoDBClient;
  readonly scheduler: SchedulerClient;
  readonly engineTableName: string;
  /** The stack's schedule group, the check function and the role and dead-letter queue Scheduler uses. */
  readonly schedules: CheckpointScheduleSettings;
  /** Default checkpoint days and local time, and the fallback task owner, as the stage configured them. */
  readonly settings: Pick<RenewalRiskSettings, 'checkpointsDays' | 'localTime' | 'taskOptions'>;
  /** Where 'Renewal Risk Task Reassigned' is published when a CSM change moves a contract's open tasks. */
  readonly eventBridge: EventBridgeClient;
  readonly eventBusName: string;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/**
 * Keeps a contract's renewal-check schedules in step with it (EventBridge
 * Scheduler, the stored contracts and plans), and its open tasks with its CSM.
 */
export function createRenewalCheckScheduling(config: RenewalCheckSchedulingConfig): (change: ContractChange) => Promise<ScheduleRenewalChecksResult> {
  const contracts = new DynamoDbPlanStore({ client: config.dynamoDb, tableName: config.engineTableName });
  const scheduler = new EventBridgeCheckpointScheduler(config.scheduler, config.schedules);
  const clock = config.now ?? (() => new Date());
  const taskOwners = riskTaskOwners({
    tasks: new DynamoDbRenewalTaskStore({ client: config.dynamoDb, tableName: config.engineTableName }),
    events: new EventBridgeEventPublisher({ client: config.eventBridge, eventBusName: config.eventBusName }),
    settings: config.settings,
  });
  // The plan store reads plans too, so a plan's own checkpoint days apply.
  return (change) => scheduleRenewalChecks({ scheduler, contracts, plans: contracts, settings: config.settings, clock, taskOwners }, change);
}

/** What moves a contract's open tasks to its new CSM, from the risk check's own dependencies. */
export function riskTaskOwners(
  deps: Pick<CheckRenewalRiskDeps, 'tasks' | 'events'> & { readonly settings: Pick<RenewalRiskSettings, 'taskOptions'> },
): NonNullable<ScheduleRenewalChecksDeps['taskOwners']> {
  return { tasks: deps.tasks, events: deps.events, fallbackOwner: deps.settings.taskOptions?.fallbackOwner ?? DEFAULT_TASK_CONTENT_OPTIONS.fallbackOwner };
}

export function createRiskService(config: RiskServiceConfig): RiskService {
  const clock = config.now ?? (() => new Date());
  const settings: RenewalRiskSettings = { ...DEFAULT_RENEWAL_RISK_SETTINGS, ...config.settings };
  const contracts = new DynamoDbPlanStore({ client: config.dynamoDb, tableName: config.engineTableName });
  const tasks = new DynamoDbRenewalTaskStore({ client: config.dynamoDb, tableName: config.engineTableName });
  const catalogRepository = new DynamoDbCatalogRepository({ client: config.dynamoDb, tableName: config.engineTableName });
  const customers: RiskCustomerDirectory = {
    customerNames: async () => new Map((await catalogRepository.readCatalog()).customers.map((customer) => [customer.customerId, customer.name])),
  };
  const invoices = new DynamoDbInvoiceStore(config.dynamoDb, config.engineTableName);
  const payments = config.payments === undefined ? invoices : config.payments;
  const ledgerDataAsOf = config.ledger.ledgerDataAsOf?.bind(config.ledger);
  const listDisputes = config.ledger.listDisputes?.bind(config.ledger);
  const freshness = config.freshness === undefined ? (ledgerDataAsOf ? { ledgerDataAsOf } : undefined) : config.freshness;
  const deps: CheckRenewalRiskDeps = {
    contracts,
    tasks,
    events: new EventBridgeEventPublisher({ client: config.eventBridge, eventBusName: config.eventBusName }),
    usage: config.usageRollups
      ? riskUsageThroughRollups(
          createUsageRollupService({ dynamoDb: config.dynamoDb, engineTableName: config.engineTableName, ...config.usageRollups }).reader,
          ledgerRiskUsageReader(config.ledger),
        )
      : ledgerRiskUsageReader(config.ledger),
    invoices,
    ...(payments ? { payments } : {}),
    ...(freshness ? { freshness } : {}),
    ...(listDisputes ? { disputes: ledgerRiskDisputeReader(listDisputes) } : {}),
    catalog: catalogMetricNames(catalogRepository),
    settings,
    clock,
  };
  return {
    deps,
    checkRenewalRisk: (payload) => checkRenewalRisk(deps, payload),
    assessContract: (request) => assessContractRisk(deps, request),
    scheduleRenewalChecks: (change) => {
      if (!config.scheduler) throw new Error('this risk service was built without a scheduler');
      // The plan store reads plans too, so a plan's own checkpoint days apply.
      return scheduleRenewalChecks({ scheduler: config.scheduler, contracts, plans: contracts, settings, clock, taskOwners: riskTaskOwners(deps) }, change);
    },
    listTasks: (request) => listRenewalTasks({ tasks, customers }, request),
    showTask: (taskId) => showRenewalTask({ tasks, customers }, taskId),
    acknowledgeTask: (request) => acknowledgeRenewalTask(deps, request),
    resolveTask: (request) => resolveRenewalTask(deps, request),
    recordRenewalResult: (request) => recordRenewalResult(deps, request),
    backtest: () => backtestRenewalRisk(deps),
  };
}

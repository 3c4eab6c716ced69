// Wires period close to DynamoDB, the ledger, Stripe and EventBridge. The
// close-period Lambda, the local engine and the CLI all build billing through
// this module, so each runs the same close.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { setTimeout as sleepFor } from 'node:timers/promises';
import Stripe from 'stripe';
import { z } from 'zod';
import { DynamoDbCatalogRepository } from '../adapters/dynamodb/dynamodb-catalog-repository';
import { DynamoDbFiredAlertStore } from '../adapters/dynamodb/fired-alert-store';
import { DynamoDbInvoiceStore } from '../adapters/dynamodb/invoice-store';
import { DynamoDbPaymentSignalStore } from '../adapters/dynamodb/payment-signal-store';
import { DynamoDbLedgerRepository } from '../adapters/dynamodb/dynamodb-ledger-repository';
import { DynamoDbPlanStore } from '../adapters/dynamodb/plan-store';
import { LedgerUsageReader } from '../adapters/dynamodb/ledger-usage-reader';
import { createUsageRollupService, type UsageRollupServiceConfig } from './usage-rollup-service';
import { catalogMetricNames } from './ledger-service';
import { EventBridgeEventPublisher } from '../adapters/eventbridge/eventbridge-event-publisher';
import { EventBridgePeriodCloseScheduler, type PeriodCloseScheduleSettings } from '../adapters/scheduler/eventbridge-period-close-scheduler';
import { StripeBillingGateway } from '../adapters/stripe/stripe-billing-gateway';
import { StripeConfigError, loadStripeSecrets } from '../adapters/stripe/stripe-secrets';
import type { BillingDeps } from '../application/billing/close-contract-period';
import { DEFAULT_CLOSE_WAIT_TIMING, type CloseWait } from '../application/billing/correct-changed-periods';
import type { RecordPaymentSignalDeps } from '../application/billing/record-payment-signal';
import type { ReschedulePeriodClosesDeps } from '../application/billing/schedule-period-closes';
import type { ContractDirectory, ContractReader, UsageReader } from '../application/billing/ports';
import type { EventPublisher } from '../application/ports';
import type { EvaluateSpendAlertsDeps } from '../application/plans/evaluate-spend-alerts';
import type { LedgerRepository } from '../application/ports';
import { ENGINE_EVENT_SOURCE } from '../domain/events/detail-types';

/** Where the Stripe API is: Stripe itself, or the local emulator (host/port/protocol). */
export interface StripeConnection {
  /** sk_test_/rk_test_ (or live) key; never logged. */
  readonly apiKey: string;
  readonly host?: string;
  readonly port?: number;
  readonly protocol?: 'http' | 'https';
  /** Overrides the gateway's default rate (25/s test keys, 100/s live keys). */
  readonly ratePerSecond?: number;
}

export interface BillingServiceConfig {
  readonly dynamoDb: DynamoDBClient;
  readonly engineTableName: string;
  readonly ledgerTableName: string;
  /** The ledger's repository when the caller already has one (the local engine's ledger service). */
  readonly ledger?: Pick<LedgerRepository, 'streamUsageEntries' | 'getOutcomeEntries'>;
  /**
   * Read usage through the usage rollups, sealed by the local stream reader's
   * record ('stored') or a settle lag behind now (Lambda reads the stream).
   * Absent: the raw scan of the ledger only.
   */
  readonly usageRollups?: UsageRollupServiceConfig['progress'];
  /** Contracts and plans; the DynamoDB plan store of the engine table by default. */
  readonly contracts?: ContractReader;
  readonly eventBridge: EventBridgeClient;
  readonly eventBusName: string;
  readonly stripe: StripeConnection;
  /**
   * Bill every contract through a customer the engine creates, ignoring the
   * contract's `stripeCustomerId`: for the emulator, which cannot hold ids
   * taken from a real Stripe account.
   */
  readonly ignoreContractStripeCustomerIds?: boolean;
  /** @default true */
  readonly finalizeInvoices?: boolean;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export interface BillingService {
  readonly deps: BillingDeps;
  /** Which contracts bill a customer (for corrections triggered by ledger changes). */
  readonly directory: ContractDirectory;
  /** How a correction waits for a close in flight: real pauses. */
  readonly closeWait: CloseWait;
  readonly stripe: Stripe;
  readonly gateway: StripeBillingGateway;
  readonly invoices: DynamoDbInvoiceStore;
  readonly planStore: DynamoDbPlanStore;
}

export function createStripeClient(connection: StripeConnection): Stripe {
  return new Stripe(connection.apiKey, {
    maxNetworkRetries: 0, // the gateway's call policy owns retries (it also handles 429s)
    ...(connection.host ? { host: connection.host } : {}),
    ...(connection.port !== undefined ? { port: connection.port } : {}),
    ...(connection.protocol ? { protocol: connection.protocol } : {}),
  });
}

export function createBillingService(config: BillingServiceConfig): BillingService {
  const planStore = new DynamoDbPlanStore({ client: config.dynamoDb, tableName: config.engineTableName });
  const invoices = new DynamoDbInvoiceStore(config.dynamoDb, config.engineTableName);
  const ledger = config.ledger ?? new DynamoDbLedgerRepository({ client: config.dynamoDb, tableName: config.ledgerTableName });
  const stripe = createStripeClient(config.stripe);
  const gateway = new StripeBillingGateway({
    stripe,
    apiKey: config.stripe.apiKey,
    ...(config.stripe.ratePerSecond !== undefined ? { ratePerSecond: config.stripe.ratePerSecond } : {}),
  });
  const reader = config.contracts ?? planStore;
  const catalog = new DynamoDbCatalogRepository({ client: config.dynamoDb, tableName: config.engineTableName });
  const contracts: ContractReader = config.ignoreContractStripeCustomerIds
    ? {
        getPlan: (code) => reader.getPlan(code),
        getContract: async (contractId) => {
          const contract = await reader.getContract(contractId);
          if (!contract?.stripeCustomerId) return contract;
          const { stripeCustomerId: _ignored, ...rest } = contract;
          return rest;
        },
      }
    : reader;
  const deps: BillingDeps = {
    contracts,
    usage:
      config.usageRollups === undefined
        ? new LedgerUsageReader({ ledger })
        : createUsageRollupService({ ...config, ledger, progress: config.usageRollups }).reader,
    invoices,
    billing: gateway,
    events: new EventBridgeEventPublisher({ client: config.eventBridge, eventBusName: config.eventBusName }),
    clock: config.now ?? (() => new Date()),
    finalizeInvoices: config.finalizeInvoices ?? true,
    metricNames: catalogMetricNames(catalog),
    definitions: catalog,
    disputes: new DynamoDbLedgerRepository({ client: config.dynamoDb, tableName: config.ledgerTableName }),
  };
  const closeWait: CloseWait = { ...DEFAULT_CLOSE_WAIT_TIMING, sleep: (ms) => sleepFor(ms) };
  return { deps, directory: cachedContractDirectory(planStore, deps.clock), closeWait, stripe, gateway, invoices, planStore };
}

export interface PeriodCloseSchedulingConfig {
  readonly dynamoDb: DynamoDBClient;
  readonly scheduler: SchedulerClient;
  readonly engineTableName: string;
  /** The stack's schedule group, the close function and the role and dead-letter queue Scheduler uses. */
  readonly schedules: PeriodCloseScheduleSettings;
  /** Hours after the period end before it closes; the close-period function uses the same value. */
  readonly graceHours: number;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** What keeps a contract's close schedules in step with it: EventBridge Scheduler and the stored contracts. */
export function createPeriodCloseScheduling(config: PeriodCloseSchedulingConfig): ReschedulePeriodClosesDeps {
  return {
    scheduler: new EventBridgePeriodCloseScheduler(config.scheduler, config.schedules),
    contracts: new DynamoDbPlanStore({ client: config.dynamoDb, tableName: config.engineTableName }),
    clock: config.now ?? (() => new Date()),
    graceHours: config.graceHours,
  };
}

export interface PaymentSignalsConfig {
  readonly dynamoDb: DynamoDBClient;
  readonly engineTableName: string;
  readonly eventBridge: EventBridgeClient;
  readonly eventBusName: string;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/**
 * What the Stripe webhook records and announces with: the payment-signal store keeps
 * each signal once, and 'Payment Signal Recorded' goes out through the same
 * publisher as every engine event (batched, refusals retried as infrastructure errors).
 */
export function createPaymentSignals(config: PaymentSignalsConfig): RecordPaymentSignalDeps {
  return {
    signals: new DynamoDbPaymentSignalStore({ client: config.dynamoDb, tableName: config.engineTableName }),
    events: new EventBridgeEventPublisher({ client: config.eventBridge, eventBusName: config.eventBusName }),
    clock: config.now ?? (() => new Date()),
  };
}

/**
 * A customer's contracts from the stored contract list, listed at most once
 * per `ttlMs`. A contract stored in the meantime has no invoiced period yet,
 * so a correction cannot miss one by reading a slightly old list.
 */
export function cachedContractDirectory(
  store: Pick<DynamoDbPlanStore, 'listContracts'>,
  clock: () => Date,
  ttlMs = 300_000,
): ContractDirectory {
  let cached: { at: number; byCustomer: Promise<Map<string, string[]>> } | undefined;
  const load = async (): Promise<Map<string, string[]>> => {
    const byCustomer = new Map<string, string[]>();
    for (const { contract } of await store.listContracts()) {
      byCustomer.set(contract.customerId, [...(byCustomer.get(contract.customerId) ?? []), contract.contractId]);
    }
    return byCustomer;
  };
  return {
    contractIdsOfCustomer: async (customerId) => {
      const now = clock().getTime();
      if (!cached || now - cached.at > ttlMs || now < cached.at) {
        const entry = { at: now, byCustomer: load() };
        cached = entry;
        // A failed listing is not kept.
        entry.byCustomer.catch(() => {
          if (cached === entry) cached = undefined;
        });
      }
      return (await cached.byCustomer).get(customerId) ?? [];
    },
  };
}

/** The billing settings a Lambda (or the CLI) reads from its environment. */
export const BillingEnvironmentSchema = z.object({
  ENGINE_TABLE_NAME: z.string().min(1),
  LEDGER_TABLE_NAME: z.string().min(1),
  EVENT_BUS_NAME: z.string().min(1),
  /** "false" leaves invoices as drafts for review in the Dashboard. */
  FINALIZE_INVOICES: z.enum(['true', 'false']).default('true'),
  /** Hours after the period end before it closes, so late outcomes make it in. */
  CLOSE_GRACE_HOURS: z.coerce.number().min(0).max(24 * 31).default(24),
  STRIPE_API_HOST: z.string().min(1).optional(),
  STRIPE_API_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
  STRIPE_API_PROTOCOL: z.enum(['http', 'https']).optional(),
  STRIPE_RATE_PER_SECOND: z.coerce.number().positive().optional(),
  /** Set (by the stack, with the ledger stream's function) to read usage through the rollups trusted up to this many minutes before now. */
  USAGE_ROLLUP_SETTLE_MINUTES: z.coerce.number().int().min(1).max(24 * 60).optional(),
});
export type BillingEnvironment = z.infer<typeof BillingEnvironmentSchema>;

/** The clients a Lambda builds its billing on (traced by the handler). */
export interface BillingLambdaClients {
  readonly dynamoDb: DynamoDBClient;
  readonly eventBridge: EventBridgeClient;
  readonly secretsManager: SecretsManagerClient;
}

/**
 * Usage read through the rollups the ledger stream keeps, trusted up to
 * `settleMinutes` before now (USAGE_ROLLUP_SETTLE_MINUTES); absent: none.
 */
export function settleLagRollupProgress(settleMinutes: number | undefined): UsageRollupServiceConfig['progress'] | undefined {
  return settleMinutes === undefined ? undefined : { kind: 'settle-lag', now: () => new Date(), settleLagMs: settleMinutes * 60_000 };
}

/**
 * A Lambda's billing from its environment: the tables, the bus, Stripe (the
 * key from Secrets Manager or the environment, read once and never logged),
 * whether invoices are finalized, and the rollups when the stack set them.
 */
export async function createBillingServiceFromEnv(
  env: BillingEnvironment,
  clients: BillingLambdaClients,
  processEnv: Readonly<Record<string, string | undefined>> = process.env,
): Promise<BillingService> {
  const usageRollups = settleLagRollupProgress(env.USAGE_ROLLUP_SETTLE_MINUTES);
  return createBillingService({
    dynamoDb: clients.dynamoDb,
    engineTableName: env.ENGINE_TABLE_NAME,
    ledgerTableName: env.LEDGER_TABLE_NAME,
    eventBridge: clients.eventBridge,
    eventBusName: env.EVENT_BUS_NAME,
    stripe: await stripeConnectionFromEnv(processEnv, clients.secretsManager),
    finalizeInvoices: env.FINALIZE_INVOICES === 'true',
    ...(usageRollups === undefined ? {} : { usageRollups }),
  });
}

/**
 * The Stripe connection from the environment: the key from Secrets Manager
 * (STRIPE_SECRET_ARN) in AWS, else STRIPE_API_KEY (alias STRIPE_SECRET_KEY)
 * locally; STRIPE_API_HOST/PORT/PROTOCOL point the SDK at the emulator.
 */
export async function stripeConnectionFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  secretsClient?: SecretsManagerClient,
): Promise<StripeConnection> {
  const apiKey = (await loadStripeSecrets(env, secretsClient)).apiKey;
  if (!apiKey) throw new StripeConfigError('no Stripe API key configured (STRIPE_SECRET_ARN in AWS, STRIPE_API_KEY locally)');
  const settings = z
    .object({
      STRIPE_API_HOST: BillingEnvironmentSchema.shape.STRIPE_API_HOST,
      STRIPE_API_PORT: BillingEnvironmentSchema.shape.STRIPE_API_PORT,
      STRIPE_API_PROTOCOL: BillingEnvironmentSchema.shape.STRIPE_API_PROTOCOL,
      STRIPE_RATE_PER_SECOND: BillingEnvironmentSchema.shape.STRIPE_RATE_PER_SECOND,
    })
    .parse({
      STRIPE_API_HOST: env['STRIPE_API_HOST'] || undefined,
      STRIPE_API_PORT: env['STRIPE_API_PORT'] || undefined,
      STRIPE_API_PROTOCOL: env['STRIPE_API_PROTOCOL'] || undefined,
      STRIPE_RATE_PER_SECOND: env['STRIPE_RATE_PER_SECOND'] || undefined,
    });
  return {
    apiKey,
    ...(settings.STRIPE_API_HOST ? { host: settings.STRIPE_API_HOST } : {}),
    ...(settings.STRIPE_API_PORT !== undefined ? { port: settings.STRIPE_API_PORT } : {}),
    ...(settings.STRIPE_API_PROTOCOL ? { protocol: settings.STRIPE_API_PROTOCOL } : {}),
    ...(settings.STRIPE_RATE_PER_SECOND !== undefined ? { ratePerSecond: settings.STRIPE_RATE_PER_SECOND } : {}),
  };
}

/** The webhook signing secret: from Secrets Manager (STRIPE_SECRET_ARN) in AWS, else STRIPE_WEBHOOK_SECRET locally. */
export async function stripeWebhookSecretFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  secretsClient?: SecretsManagerClient,
): Promise<string> {
  const { webhookSecret } = await loadStripeSecrets(env, secretsClient);
  if (!webhookSecret) throw new StripeConfigError('no Stripe webhook secret configured (STRIPE_SECRET_ARN or STRIPE_WEBHOOK_SECRET)');
  return webhookSecret;
}

export interface SpendAlertsConfig {
  readonly dynamoDb: DynamoDBClient;
  readonly engineTableName: string;
  /** Usage through the rollups (the service above's reader). */
  readonly usage: UsageReader;
  readonly eventBridge: EventBridgeClient;
  readonly eventBusName: string;
  readonly now: () => Date;
}

/** What evaluateSpendAlerts needs after each stream batch: contracts, usage through the rollups, fired markers, the bus. */
export function createSpendAlerts(config: SpendAlertsConfig): EvaluateSpendAlertsDeps {
  const planStore = new DynamoDbPlanStore({ client: config.dynamoDb, tableName: config.engineTableName });
  return {
    contracts: planStore,
    directory: cachedContractDirectory(planStore, config.now),
    usage: config.usage,
    invoices: new DynamoDbInvoiceStore(config.dynamoDb, config.engineTableName),
    definitions: new DynamoDbCatalogRepository({ client: config.dynamoDb, tableName: config.engineTableName }),
    fired: new DynamoDbFiredAlertStore({ client: config.dynamoDb, tableName: config.engineTableName }),
    events: new EventBridgeEventPublisher({ client: config.eventBridge, eventBusName: config.eventBusName }),
    now: config.now,
  };
}

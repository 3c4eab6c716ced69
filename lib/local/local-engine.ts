// The local engine: the whole ingest path of the AWS deployment on one
// machine. The real DynamoDB Local holds the tables; an HTTP endpoint speaks
// EventBridge's PutEvents; the bus routes with the CDK stack's routing table;
// each queue route is an in-process queue that feeds the very handler module
// the Lambda runs, with partial batch retries and a dead-letter file. The
// engine's own 'Contract Changed' events reach the schedule-period-closes and
// schedule-renewal-checks handlers the same way, on the engine's in-memory
// schedulers (docs/contract-schedules.md).
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Context, SQSEvent } from 'aws-lambda';
import { createLedgerService, type LedgerService } from '../../lambdas/composition/ledger-service';
import { createLedgerTables } from '../../lambdas/adapters/dynamodb/create-tables';
import { ROUTES, type HandlerName, type Route } from '../routing/routing-table';
import { freePort, startDynamoDbLocal, type RunningDynamoDbLocal } from './dynamodb-local';
import { readCatalogFile } from './catalog-file';
import { DeadLetterStore, type DeadLetter } from './dead-letter-store';
import {
  EventJournal,
  journaledEventOf,
  readEventJournal,
  type EventJournalFilter,
  type JournaledEvent,
} from './event-journal';
import {
  acquireEngineLock,
  deadLetterFilePath,
  eventJournalPath,
  pendingMessagesPath,
  resolveDataDir,
  stripeEmulatorStatePath,
} from './engine-state';
import { createLambdaContext, withLocalObservability } from './lambda-context';
import { LocalEventBus, type BusListener, type RouteTarget } from './local-event-bus';
import { ENGINE_EVENT_SOURCE } from '../../lambdas/domain/events/detail-types';
import { LocalQueue, QueueStoppedError, type QueueConsumer } from './local-queue';
import { QueueJournal } from './queue-journal';
import { JournalClosedError, JournalWriteError } from './group-commit-writer';
import { AwsJsonError, validatePutEvents } from './put-events-request';
import { startPutEventsServer, type RunningPutEventsServer } from './put-events-server';
import { loadSeedPlans, SEED_CATALOG_FILE, storeSeedPlans, type SeededPlans, type SeedPlans } from './seed-plans';
import { DynamoDbPlanStore } from '../../lambdas/adapters/dynamodb/plan-store';
import { DEFAULT_LOCAL_PORT, LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_DEFAULTS, LOCAL_ENGINE_CREDENTIALS } from './local-aws';
import { DEFAULT_CLOSE_GRACE_HOURS } from '../../lambdas/application/billing/schedule-period-closes';
import { startLocalBilling, type LocalBilling, type LocalBillingSettings } from './local-billing';
import { startLocalUsageRollups } from './ledger-stream-reader';
import { invoiceSpendThresholds } from '../../lambdas/application/billing/invoice-spend-thresholds';
import { capsCheckRoute } from './local-caps-check';
import { usageDropTimeline } from './local-usage-drops';
import {
  createLocalClock,
  periodCloseTimeline,
  combinedTimeline,
  paymentCollectionTimeline,
  startLocalRenewalRisk,
  type LocalClock,
  type LocalRenewalRisk,
  type LocalRenewalRiskSettings,
} from './local-clock';

export { DEFAULT_LOCAL_PORT, LOCAL_ACCOUNT_ID, LOCAL_DEFAULTS } from './local-aws';

/** The console and portal on the engine's own stores, signed in with the data folder's staff token and link keys. */
async function startLocalConsole(
  settings: LocalConsoleSettings,
  deps: {
    dataDir: string;
    dynamoDb: DynamoDBClient;
    eventBridge: EventBridgeClient;
    eventBusName: string;
    ledgerTableName: string;
    engineTableName: string;
    now: () => Date;
    log: (message: string) => void;
  },
): Promise<{ info: LocalConsole; url: string; close: () => Promise<void> }> {
  const { createConsoleService } = await import('../../lambdas/composition/console-service');
  const { startConsoleServer } = await import('./console-server');
  const { localPortalKeyring, localStaffAuthenticator, localStaffToken } = await import('./local-console-access');
  const staffToken = await localStaffToken(deps.dataDir);
  let portalBaseUrl = '';
  const service = createConsoleService({
    dynamoDb: deps.dynamoDb,
    eventBridge: deps.eventBridge,
    eventBusName: deps.eventBusName,
    ledgerTableName: deps.ledgerTableName,
    engineTableName: deps.engineTableName,
    keyring: localPortalKeyring(deps.dataDir),
    staff: localStaffAuthenticator(staffToken),
    now: deps.now,
  });
  const server = await startConsoleServer({
    // The portal URL is known once the port is: links made before that (none) would have none.
    service: {
      ...service,
      get portalBaseUrl() {
        return portalBaseUrl;
      },
    },
    ...(settings.port !== undefined ? { port: settings.port } : {}),
    ...(settings.portalFrameAncestors ? { portalFrameAncestors: settings.portalFrameAncestors } : {}),
    ...(settings.assetsDir ? { assetsDir: settings.assetsDir } : {}),
    log: deps.log,
  });
  portalBaseUrl = server.portalUrl;
  return {
    info: { url: server.url, portalUrl: server.portalUrl, staffToken, signInUrl: `${server.url}#staff=${staffToken}` },
    url: server.url,
    close: () => server.close(),
  };
}

export interface LocalQueueSettings {
  /** @default 10 */
  batchSize?: number;
  /** Invocations of the handler in flight per queue. @default 4 */
  maxConcurrency?: number;
  /** @default 5 */
  maxReceiveCount?: number;
  retryDelayMs?: (receiveCount: number) => number;
  /**
   * Messages a queue may hold (ready, waiting for a retry, or in flight)
   * before PutEvents calls routed to it are throttled (ThrottlingException,
   * which the AWS SDK retries with backoff). @default 5000
   */
  maxBacklog?: number;
}

/** See LocalQueueSettings.maxBacklog. */
export const DEFAULT_MAX_QUEUE_BACKLOG = 5000;

export interface LocalEngineOptions {
  /** PutEvents port on 127.0.0.1; 0 picks a free one. @default 4010 */
  port?: number;
  /** Data folder: DynamoDB files, dead letters, pending messages, engine.json. @default .local-data */
  dataDir?: string;
  /** Keep DynamoDB in memory instead of under <dataDir>/dynamodb. */
  inMemory?: boolean;
  /** Use this DynamoDB Local (or any DynamoDB endpoint) instead of starting one. */
  dynamoDbEndpoint?: string;
  /** Port for the DynamoDB Local the engine starts. @default a free port */
  dynamoDbPort?: number;
  /** A DynamoDB client for the ledger (e.g. one that injects failures); its endpoint must be the engine's DynamoDB. */
  dynamoDbClient?: DynamoDBClient;
  ledgerTableName?: string;
  engineTableName?: string;
  eventBusName?: string;
  region?: string;
  /** The ledger's clock (recordedAt, the future/backdating checks) and the bus's event time. */
  now?: () => Date;
  backdatingWindowDays?: number;
  /** Load the example catalog (metrics and customers). @default true */
  seed?: boolean;
  queue?: LocalQueueSettings;
  /** Records of one batch the handler processes at once. @default the handler's default */
  recordConcurrency?: number;
  /**
   * Record the endpoints, the clock and Stripe in <dataDir>/engine.json for the
   * CLI. The data folder is locked (engine.json) either way. @default true
   */
  writeStateFile?: boolean;
  /** Where the engine reports what it does (warnings, failed invocations). @default silent */
  log?: (message: string) => void;
  /** Period close: Stripe emulator (or a test-mode key), webhook route, closes on the engine's clock; false turns it off. */
  billing?: LocalBillingSettings | false;
  /** The controllable clock everything runs on (wraps `now`); `clock advance` moves it. @default a clock on `now` */
  clock?: LocalClock;
  /** Renewal-risk checkpoints fired on the clock, and the clock's control endpoint; false turns them off. */
  renewalRisk?: LocalRenewalRiskSettings | false;
  /** Read the ledger's stream into the usage rollups; false leaves usage to the raw reads (benchmarks of the ingest path alone). @default true */
  usageRollups?: boolean;
  /** Serve the web console and the customer portal (docs/console.md); off unless given (`npm start` turns it on). */
  console?: LocalConsoleSettings;
  /** Size of <dataDir>/events.jsonl at which the event journal rotates (one older file is kept). @default 8 MiB */
  eventJournalMaxFileBytes?: number;
}

export interface LocalConsoleSettings {
  /** 127.0.0.1 port; 0 picks a free one. @default 4020, or a free port when 4020 is taken */
  port?: number;
  /** Origins allowed to embed the portal in an iframe (its CSP frame-ancestors). */
  portalFrameAncestors?: readonly string[];
  /** The built pages. @default <package root>/dist/console */
  assetsDir?: string;
}

export interface LocalConsole {
  /** The console, e.g. http://127.0.0.1:4020/ */
  url: string;
  portalUrl: string;
  /** The staff token the console signs in with (kept in <dataDir>/console-staff-token). */
  staffToken: string;
  /** The console with the staff token in its fragment: the URL to open. */
  signInUrl: string;
}

export interface LocalEngine {
  /** The PutEvents endpoint, e.g. http://127.0.0.1:4010 */
  url: string;
  dynamoDbEndpoint: string;
  region: string;
  ledgerTableName: string;
  engineTableName: string;
  eventBusName: string;
  dataDir: string;
  /** The ledger service the handlers use, for reading usage back. */
  ledgerService: LedgerService;
  /** The example plans and contracts, validated. */
  seedPlans: SeedPlans;
  /** What this start loaded from the example catalog; undefined when skipped (disabled, or a persistent engine seeded before). */
  seededCatalog?: { metrics: number; customers: number };
  /** Period close and Stripe (absent when turned off). */
  billing?: LocalBilling;
  /** The engine's controllable clock. */
  clock: LocalClock;
  /** Renewal-risk checks on the clock (absent when turned off). */
  renewalRisk?: LocalRenewalRisk;
  /** The web console and the portal (absent unless the `console` option is given). */
  console?: LocalConsole;
  /** What this start stored of the example plans and contracts (with `seed`); failures are logged, not fatal. */
  seededPlans?: SeededPlans;
  /** Resolves once every queue is empty: delivered, or dead-lettered after its retries. */
  drain(): Promise<void>;
  deadLetters(): Promise<DeadLetter[]>;
  /** Observes every event the bus accepts. */
  subscribe(listener: BusListener): () => void;
  /** The event journal (<dataDir>/events.jsonl): every event the bus accepted, oldest first. */
  events(filter?: EventJournalFilter): Promise<JournaledEvent[]>;
  /** Stops the endpoint, lets invocations in flight finish (what is still queued stays in the queue journals for the next start), stops DynamoDB Local if it started it. */
  stop(): Promise<void>;
}

/** What the route handlers run on; billing and renewal risk start after the routes, so they are looked up per event. */
interface RouteHandlerDeps {
  ledgerService: () => LedgerService;
  recordConcurrency?: number;
  /** Period close (its in-memory close scheduler and plan store); undefined when turned off. */
  billing: () => LocalBilling | undefined;
  closeGraceHours: number;
  /** Renewal-risk checkpoints on the clock; undefined when turned off. */
  renewalRisk: () => LocalRenewalRisk | undefined;
  now: () => Date;
}

/** The handler each routing-table target names, as the in-process function to call. */
async function loadRouteHandler(name: HandlerName, deps: RouteHandlerDeps): Promise<(event: never, context: Context) => Promise<unknown>> {
  switch (name) {
    case 'ingest-outcomes': {
      // Loaded on demand: only an engine that routes to it pays for its module.
      const { createIngestOutcomesHandler } = await import('../../lambdas/handlers/ingest-outcomes');
      return createIngestOutcomesHandler({
        ledgerService: deps.ledgerService,
        ...(deps.recordConcurrency !== undefined ? { recordConcurrency: deps.recordConcurrency } : {}),
      });
    }
    case 'schedule-period-closes': {
      // The Lambda's own handler core on the engine's in-memory close scheduler.
      const { createSchedulePeriodClosesHandler } = await import('../../lambdas/handlers/schedule-period-closes');
      const schedule = createSchedulePeriodClosesHandler(async () => {
        const billing = deps.billing();
        if (!billing) throw new Error('period close is turned off in this engine');
        return { scheduler: billing.scheduler, contracts: billing.service.planStore, clock: deps.now, graceHours: deps.closeGraceHours };
      });
      return async (event: unknown) => (deps.billing() ? schedule(event) : { skipped: 'period close is turned off in this engine' });
    }
    case 'schedule-renewal-checks': {
      const { createScheduleRenewalChecksHandler } = await import('../../lambdas/handlers/schedule-renewal-checks');
      const schedule = createScheduleRenewalChecksHandler(async () => {
        const renewalRisk = deps.renewalRisk();
        if (!renewalRisk) throw new Error('renewal risk is turned off in this engine');
        return (change) => renewalRisk.renewalScheduler.applyChange(change);
      });
      return async (event: unknown) => (deps.renewalRisk() ? schedule(event) : { skipped: 'renewal risk is turned off in this engine' });
    }
    case 'open-disputes': {
      // The Lambda's own handler core on the engine's ledger service.
      const { createOpenDisputesHandler } = await import('../../lambdas/handlers/open-disputes');
      return createOpenDisputesHandler({ ledgerService: deps.ledgerService });
    }
    case 'correct-invoiced-period': {
      // The Lambda's own handler core on the engine's billing (Stripe emulator or test mode).
      const { createCorrectInvoicedPeriodHandler } = await import('../../lambdas/handlers/correct-invoiced-period');
      const correct = createCorrectInvoicedPeriodHandler(async () => {
        const billing = deps.billing();
        if (!billing) throw new Error('period close is turned off in this engine');
        return { ...billing.service.deps, directory: billing.service.directory, closeWait: billing.service.closeWait, graceHours: deps.closeGraceHours };
      });
      // With billing off nothing is invoiced, so there is nothing to correct: acknowledged.
      return async (event: SQSEvent) => (deps.billing() ? correct(event) : { batchItemFailures: [] });
    }
    case 'invoice-spend-thresholds': {
      // The Lambda's own handler core on the engine's billing. The engine's stream reader runs threshold
      // invoicing in process and announces no requests, so this route only serves requests put on the bus.
      const { createInvoiceSpendThresholdsHandler } = await import('../../lambdas/handlers/invoice-spend-thresholds');
      const invoice = createInvoiceSpendThresholdsHandler(async () => {
        const billing = deps.billing();
        if (!billing) throw new Error('period close is turned off in this engine');
        return { ...billing.service.deps, directory: billing.service.directory };
      });
      // With billing off nothing is invoiced: acknowledged.
      return async (event: SQSEvent) => (deps.billing() ? invoice(event) : { batchItemFailures: [] });
    }
    default: {
      const unknown: never = name;
      throw new Error(`The local engine has no handler for route target "${String(unknown)}"`);
    }
  }
}

/**
 * A function target as EventBridge invokes it: asynchronously, one event per
 * invocation, retried twice before its dead-letter destination. Modelled as a
 * queue of batch size 1 so retries and dead letters work the same way.
 */
export function functionTargetConsumer(invoke: (event: unknown, context: Context) => Promise<unknown>): QueueConsumer {
  return async (event: SQSEvent, context: Context) => {
    for (const record of event.Records) await invoke(JSON.parse(record.body), context);
  };
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Starts the local engine in this process.
 *
 * @example
 * const engine = await startLocalEngine({ port: 0, dynamoDbEndpoint, ledgerTableName: 'l-1', engineTableName: 'e-1' });
 * // ... PutEvents to engine.url with the real EventBridgeClient ...
 * await engine.drain();
 * await engine.stop();
 */
export async function startLocalEngine(options: LocalEngineOptions = {}): Promise<LocalEngine> {
  const log = options.log ?? (() => undefined);
  const region = options.region ?? LOCAL_DEFAULTS.region;
  const eventBusName = options.eventBusName ?? LOCAL_DEFAULTS.eventBusName;
  const ledgerTableName = options.ledgerTableName ?? LOCAL_DEFAULTS.ledgerTableName;
  const engineTableName = options.engineTableName ?? LOCAL_DEFAULTS.engineTableName;
  const dataDir = resolveDataDir(options.dataDir);
  const inMemory = options.inMemory ?? false;
  const clock = options.clock ?? createLocalClock(options.now);
  const now = () => clock.now();
  const host = '127.0.0.1';
  // The port is fixed before anything starts because the ledger publishes its
  // own events (Outcome Rejected) to this very endpoint.
  const port = options.port === 0 ? await freePort() : (options.port ?? DEFAULT_LOCAL_PORT);
  const url = `http://${host}:${port}`;

  // Handlers log warnings only and publish no EMF metrics locally unless asked to.
  // Powertools reads these once, when the shared logger and metrics are created
  // (this module's imports may already have done it): `npm start` sets them
  // before it loads the engine; here they are the fallback for other callers.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

  const cleanups: (() => Promise<void>)[] = [];
  const cleanUp = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => log(`cleanup failed: ${describeError(error)}`));
    }
  };

  // One engine per data folder, refused before anything in it is touched.
  const lock = await acquireEngineLock({ dataDir, url, log });
  cleanups.push(() => lock.release());

  try {
    let dynamoDbEndpoint = options.dynamoDbEndpoint;
    if (!dynamoDbEndpoint) {
      const dynamoDb: RunningDynamoDbLocal = await startDynamoDbLocal({
        ...(options.dynamoDbPort !== undefined ? { port: options.dynamoDbPort } : {}),
        ...(inMemory ? {} : { dbPath: join(dataDir, 'dynamodb') }),
      });
      cleanups.push(() => dynamoDb.stop());
      dynamoDbEndpoint = dynamoDb.endpoint;
      // If this engine dies, the next start on the folder stops it (it holds the database files).
      if (dynamoDb.pid !== undefined) await lock.update({ dynamoDbPid: dynamoDb.pid });
    }

    const dynamoDb =
      options.dynamoDbClient ?? new DynamoDBClient({ endpoint: dynamoDbEndpoint, region, credentials: LOCAL_CREDENTIALS });
    // Signs as the engine: the bus lets only the engine put events with its own source.
    const eventBridge = new EventBridgeClient({ endpoint: url, region, credentials: LOCAL_ENGINE_CREDENTIALS });
    cleanups.push(async () => {
      eventBridge.destroy();
      if (!options.dynamoDbClient) dynamoDb.destroy();
    });

    await createLedgerTables(dynamoDb, { ledgerTableName, engineTableName, withStream: options.usageRollups ?? true });

    const ledgerService = createLedgerService({
      dynamoDb,
      eventBridge,
      eventBusName,
      ledgerTableName,
      engineTableName,
      now,
      // Late entries are announced against the grace the engine's closes use.
      closeGraceHours: (options.billing ? options.billing.closeGraceHours : undefined) ?? DEFAULT_CLOSE_GRACE_HOURS,
      ...(options.backdatingWindowDays !== undefined ? { backdatingWindowDays: options.backdatingWindowDays } : {}),
    });
    // Assigned once they start (below); events and stream batches reach them only after that.
    let startedBilling: LocalBilling | undefined;
    let startedRenewalRisk: LocalRenewalRisk | undefined;
    // Threshold invoicing runs beside the stream reader, not inside its batch: rating and Stripe calls
    // (and a clock that waits for the reader) must never hold the rollups back. Customers whose
    // evaluation failed stay pending and are evaluated again after the next batch.
    const thresholds = (() => {
      const pending = new Set<string>();
      let running: Promise<void> | undefined;
      const run = (): void => {
        if (running) return;
        running = (async () => {
          while (pending.size > 0 && startedBilling) {
            const customerIds = [...pending];
            pending.clear();
            try {
              await invoiceSpendThresholds(
                { ...startedBilling.service.deps, directory: startedBilling.service.directory },
                { customerIds, asOf: now().toISOString() },
              );
            } catch (error) {
              for (const customerId of customerIds) pending.add(customerId);
              log(`threshold invoicing: ${describeError(error)} (evaluated again after the next ledger batch)`);
              return;
            }
          }
        })().finally(() => {
          running = undefined;
        });
      };
      return {
        changed: (customerIds: readonly string[]): void => {
          for (const customerId of customerIds) pending.add(customerId);
          run();
        },
        idle: async (): Promise<void> => {
          while (running) await running;
        },
      };
    })();
    if (options.usageRollups ?? true) {
      const usageRollups = await startLocalUsageRollups({
        dynamoDb, ledgerTableName, engineTableName, ledger: ledgerService.repository, now, log,
        // Threshold invoicing after each applied batch, once billing has started (it starts after the rollups).
        usageChanges: { usageChanged: async (customerIds) => thresholds.changed(customerIds) },
        events: { eventBridge, eventBusName },
        ...(inMemory ? {} : { checkpointPath: join(dataDir, 'ledger-stream.json') }),
      });
      cleanups.push(() => usageRollups.stop());
    }

    const seedPlans = await loadSeedPlans();
    let seededCatalog: { metrics: number; customers: number } | undefined;
    let seededPlans: SeededPlans | undefined;
    if (options.seed ?? true) {
      // A persistent engine seeds once, so a catalog changed later is not overwritten on restart.
      const marker = join(dataDir, 'seeded');
      const persistent = !inMemory && !options.dynamoDbEndpoint;
      if (!persistent || !existsSync(marker)) {
        seededCatalog = await ledgerService.loadCatalog(await readCatalogFile(SEED_CATALOG_FILE));
        if (persistent) {
          await mkdir(dataDir, { recursive: true });
          await writeFile(marker, `${new Date().toISOString()}\n`, 'utf8');
        }
      }
      seededPlans = await storeSeedPlans(seedPlans, new DynamoDbPlanStore({ client: dynamoDb, tableName: engineTableName }), now);
      for (const item of [...seededPlans.plans.items, ...seededPlans.contracts.items]) {
        if (item.status === 'failed') log(`example ${item.kind} "${item.id}" was not loaded: ${item.message}`);
      }
    }

    // An in-memory engine starts its event journal empty too: it keeps nothing from an earlier run.
    const eventJournal = await EventJournal.open({
      filePath: eventJournalPath(dataDir),
      startEmpty: inMemory,
      ...(options.eventJournalMaxFileBytes !== undefined ? { maxFileBytes: options.eventJournalMaxFileBytes } : {}),
    });
    cleanups.push(() => eventJournal.close());

    const deadLetters = new DeadLetterStore(deadLetterFilePath(dataDir));
    // A persistent engine journals every queue: PutEvents acknowledges an entry only once it is on disk.
    const persistQueues = !inMemory;
    if (persistQueues) await deadLetters.repair({ log });
    const { maxBacklog = DEFAULT_MAX_QUEUE_BACKLOG, ...queueSettings } = options.queue ?? {};
    const journals: QueueJournal[] = [];
    const queues: LocalQueue[] = [];
    // Each target resolves once its queue holds the event durably (journaled on a persistent engine).
    const routes: { route: Route; target: RouteTarget }[] = [];
    for (const route of ROUTES) {
      const loaded = await loadRouteHandler(route.target.handler, {
        ledgerService: () => ledgerService,
        ...(options.recordConcurrency !== undefined ? { recordConcurrency: options.recordConcurrency } : {}),
        billing: () => startedBilling,
        closeGraceHours: (options.billing ? options.billing.closeGraceHours : undefined) ?? DEFAULT_CLOSE_GRACE_HOURS,
        renewalRisk: () => startedRenewalRisk,
        now,
      });
      // Each handler runs under the observability middleware, so its log lines name its own function.
      const handler = withLocalObservability(loaded);
      const isQueue = route.target.kind === 'queue';
      const opened = persistQueues
        ? await QueueJournal.open({
            filePath: pendingMessagesPath(dataDir, route.id),
            log,
            onBackgroundError: (error) => log(`${route.id}: ${describeError(error)} (a finished message may be delivered again after a restart)`),
          })
        : undefined;
      if (opened) {
        journals.push(opened.journal);
        cleanups.push(() => opened.journal.close());
        if (opened.pending.length > 0) log(`${route.id}: ${opened.pending.length} message(s) left unfinished by the last run are queued again`);
      }
      const queue = new LocalQueue({
        name: route.id,
        consumer: isQueue
          ? (handler as unknown as QueueConsumer)
          : functionTargetConsumer(handler as unknown as (event: unknown, context: Context) => Promise<unknown>),
        createContext: () =>
          createLambdaContext({ functionName: route.target.handler, timeoutMs: 30_000, region, accountId: LOCAL_ACCOUNT_ID }),
        deadLetters,
        region,
        accountId: LOCAL_ACCOUNT_ID,
        ...(opened ? { journal: opened.journal } : {}),
        ...(isQueue ? queueSettings : { ...queueSettings, batchSize: 1, maxReceiveCount: 3 }),
        onError: (error, context) =>
          log(`${context.queue}: delivery of ${context.messageIds.length} message(s) failed: ${describeError(error)}`),
      });
      if (opened) queue.restore(opened.pending);
      queues.push(queue);
      routes.push({ route, target: (_envelope, body) => queue.send(body) });
    }

    const bus = new LocalEventBus({
      name: eventBusName,
      routes,
      onEventsForOtherBus: (busName) =>
        log(
          `events for bus "${busName}" are accepted but not routed: the engine's rules are on "${eventBusName}" ` +
            `(as in AWS, set EventBusName to "${eventBusName}")`,
        ),
    });

    const drain = async (): Promise<void> => {
      // A handler can enqueue more (its own events), so drain until all are idle together.
      for (;;) {
        await Promise.all(queues.map((queue) => queue.drain()));
        if (queues.every((queue) => queue.backlog === 0)) return;
      }
    };

    const queuesByRoute = new Map(queues.map((queue) => [queue.name, queue]));
    // As EventBridge's own throttling: the SDK backs off and retries, so producers slow down instead of filling memory.
    const admit = (routeIds: ReadonlySet<string>): void => {
      for (const routeId of routeIds) {
        if ((queuesByRoute.get(routeId)?.backlog ?? 0) >= maxBacklog) throw new AwsJsonError('ThrottlingException', 'Rate exceeded', 400);
      }
    };
    const stoppingError = () => new AwsJsonError('InternalException', 'The local engine is stopping; send again once it is back.', 500);
    const server: RunningPutEventsServer = await startPutEventsServer({
      host,
      port,
      // The EventIds are answered only once every entry is in its queues' journals (flushed to disk).
      putEvents: async (request, caller) => {
        const outcome = validatePutEvents(request, {
          account: LOCAL_ACCOUNT_ID,
          region,
          now,
          caller,
          reservedSource: { eventBusName, source: ENGINE_EVENT_SOURCE, allowedAccessKeyIds: [LOCAL_ENGINE_CREDENTIALS.accessKeyId] },
        });
        try {
          // Routed first (admission may refuse the whole call), then journaled; both flush to disk together.
          const delivered = bus.publish(outcome.accepted, admit);
          const journaled = eventJournal.append(
            outcome.accepted.map((entry) => journaledEventOf(entry.eventBusName, entry.envelope)),
          );
          await Promise.all([delivered, journaled]);
        } catch (error) {
          if (error instanceof QueueStoppedError || error instanceof JournalClosedError) throw stoppingError();
          if (error instanceof JournalWriteError) {
            log(`PutEvents not acknowledged: ${describeError(error)}: ${describeError(error.cause)}`);
            throw new AwsJsonError('InternalException', 'The local engine could not store the events durably; send them again.', 500);
          }
          throw error;
        }
        return outcome.response;
      },
      control: { drain, deadLetters: () => deadLetters.list() },
      onInternalError: (error) => log(`PutEvents endpoint error: ${describeError(error)}`),
    });
    cleanups.push(() => server.close());
    // The caps check producers call (in AWS the check-caps Function URL), on the engine's own port.
    server.addRoute(capsCheckRoute({ dynamoDb, engineTableName, ledgerTableName, ledger: ledgerService.repository, now }));
    // Runs before the endpoint closes: invocations in flight may still publish
    // their own events (Outcome Rejected) through it while queues wind down.
    // Every queue refuses new messages at once, so an event any queue would
    // take gets a retryable error, never an EventId; what a journal holds is
    // delivered by the next start.
    cleanups.push(async () => {
      const stopped = await Promise.all(queues.map((queue) => queue.stop()));
      await Promise.all(journals.map((journal) => journal.close()));
      if (persistQueues) return;
      stopped.forEach((pending, index) => {
        if (pending.length > 0) log(`${queues[index]?.name}: ${pending.length} message(s) still queued were discarded`);
      });
    });

    const writeState = options.writeStateFile ?? true;
    const billing =
      options.billing === false
        ? undefined
        : await startLocalBilling({
            ...options.billing,
            // A persistent engine's Stripe emulator keeps the customers and invoices its tables point at.
            ...(inMemory ? {} : { emulatorStateFile: stripeEmulatorStatePath(dataDir) }),
            dynamoDb,
            ledger: ledgerService.repository,
            ledgerTableName,
            engineTableName,
            eventBridge,
            eventBusName,
            now,
            log,
            // The Stripe webhook is served on the engine's own port (POST /stripe/webhook).
            httpServer: server,
          });
    // Stopped before the bus: a close in flight still publishes its events through it.
    if (billing) cleanups.push(() => billing.stop());
    // Runs before billing stops: a threshold invoice in flight finishes first.
    cleanups.push(() => thresholds.idle());
    const renewalRisk =
      options.renewalRisk === false
        ? undefined
        : await startLocalRenewalRisk({
            clock,
            dynamoDb,
            engineTableName,
            ledger: ledgerService,
            ...((options.usageRollups ?? true) ? { ledgerTableName } : {}),
            // Closes fire in time order with the checks, so a check sees every close due before it.
            // Payments after the closes: an invoice closed at an instant is not paid at that same instant.
            // The daily usage-drop evaluation last: at one instant it sees the closes and payments before it.
            closes: combinedTimeline(
              ...(billing ? [periodCloseTimeline(billing, now), paymentCollectionTimeline(billing)] : []),
              usageDropTimeline({ dynamoDb, engineTableName, ledgerTableName, ledger: ledgerService.repository, eventBridge, eventBusName, now, log }),
            ),
            eventBridge,
            eventBusName,
            log,
            ...(options.renewalRisk ? { settings: options.renewalRisk } : {}),
          });
    if (renewalRisk) cleanups.push(() => renewalRisk.stop());
    startedBilling = billing;
    startedRenewalRisk = renewalRisk;
    const localConsole = options.console ? await startLocalConsole(options.console, { dataDir, dynamoDb, eventBridge, eventBusName, ledgerTableName, engineTableName, now, log }) : undefined;
    if (localConsole) cleanups.push(() => localConsole.close());
    await lock.update({
      status: 'running',
      ...(writeState
        ? {
            dynamoDbEndpoint,
            region,
            ledgerTableName,
            engineTableName,
            eventBusName,
            ...(renewalRisk ? { clockUrl: renewalRisk.clockUrl } : {}),
            ...(billing ? { stripe: billing.stripeState } : {}),
            ...(localConsole ? { consoleUrl: localConsole.url } : {}),
          }
        : {}),
    });

    let stopping: Promise<void> | undefined;
    return {
      url,
      dynamoDbEndpoint,
      region,
      ledgerTableName,
      engineTableName,
      eventBusName,
      dataDir,
      ledgerService,
      seedPlans,
      ...(billing ? { billing } : {}),
      clock,
      ...(renewalRisk ? { renewalRisk } : {}),
      ...(localConsole ? { console: localConsole.info } : {}),
      ...(seededCatalog ? { seededCatalog } : {}),
      ...(seededPlans ? { seededPlans } : {}),
      drain,
      deadLetters: () => deadLetters.list(),
      subscribe: (listener) => bus.subscribe(listener),
      events: async (filter) => (await readEventJournal(eventJournal.filePath, filter)).events,
      stop: () => (stopping ??= cleanUp()),
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

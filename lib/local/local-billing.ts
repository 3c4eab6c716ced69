// Period close on the local engine: Stripe is the project's emulator, started
// in this process, unless a real test-mode key is given (STRIPE_API_KEY=sk_test_...);
// the Stripe webhook, a route of the engine's own port (POST /stripe/webhook),
// runs the Lambda's own handler core with signature verification; period closes fire on the engine's clock from in-memory
// one-time schedules, as EventBridge Scheduler fires them in AWS.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { EventBridgeEventPublisher } from '../../lambdas/adapters/eventbridge/eventbridge-event-publisher';
import { createBillingService, type BillingService, type StripeConnection } from '../../lambdas/composition/billing-service';
import { DEFAULT_CLOSE_GRACE_HOURS, runScheduledClose, schedulePeriodCloses, type CloseScheduledPeriodResult } from '../../lambdas/application/billing/schedule-period-closes';
import { InMemoryPeriodCloseScheduler } from './in-memory-period-close-scheduler';
import type { LedgerRepository } from '../../lambdas/application/ports';
import { createStripeWebhookHandler } from '../../lambdas/handlers/stripe-webhook';
import { stripeApiKeyFromEnv } from '../../lambdas/adapters/stripe/stripe-secrets';
import type { HttpRoute, RunningPutEventsServer } from './put-events-server';
import type { LocalStripeState } from './engine-state';
import { asLocalLambda } from './lambda-context';
import { LOCAL_ACCOUNT_ID, LOCAL_DEFAULTS } from './local-aws';
import { startStripeEmulator, type PaymentBehaviour, type RunningStripeEmulator } from './stripe-emulator';

export const STRIPE_WEBHOOK_PATH = '/stripe/webhook';
const LOCAL_WEBHOOK_SECRET = 'whsec_local_engine';

export interface LocalBillingSettings {
  /** A Stripe test-mode key; without one the emulator is started. @default env STRIPE_API_KEY (alias STRIPE_SECRET_KEY) */
  stripeApiKey?: string;
  /** Hours after a period's end before it closes. @default 24 */
  closeGraceHours?: number;
  /** How often due closes are looked for on the engine's clock; 0 turns the timer off. @default 60000 */
  closeCheckIntervalMs?: number;
  /** Finalize invoices (true) or leave drafts. @default true */
  finalizeInvoices?: boolean;
  /** Seed for the emulator's ids. */
  emulatorSeed?: string;
  /**
   * The emulator's customers pay their invoices by themselves, each at the
   * time its payment behaviour gives (on its due date unless set otherwise
   * with `outcome-engine stripe payments`), as the clock reaches it; false:
   * nobody pays unless told to (`outcome-engine stripe pay`). @default true
   */
  emulatorCollectsPayments?: boolean;
  /** How customers without a behaviour of their own pay. @default on-time */
  emulatorDefaultPaymentBehaviour?: PaymentBehaviour;
}

export interface LocalBillingOptions extends LocalBillingSettings {
  /**
   * Where the built-in emulator keeps its objects across restarts (the
   * engine's customer links in DynamoDB point at them); absent: it forgets
   * them when it stops, as with an in-memory engine.
   */
  emulatorStateFile?: string;
  dynamoDb: DynamoDBClient;
  ledger: Pick<LedgerRepository, 'streamUsageEntries' | 'getOutcomeEntries'>;
  ledgerTableName: string;
  engineTableName: string;
  eventBridge: EventBridgeClient;
  eventBusName: string;
  now: () => Date;
  log: (message: string) => void;
  /**
   * The engine's HTTP server: the webhook becomes its POST /stripe/webhook
   * route. Without it the webhook gets a port of its own.
   */
  httpServer?: Pick<RunningPutEventsServer, 'url' | 'addRoute'>;
}

export interface LocalBilling {
  readonly service: BillingService;
  readonly stripeMode: LocalStripeState['mode'];
  /** How the CLI reaches this Stripe (recorded in the engine's engine.json; never a real key). */
  readonly stripeState: LocalStripeState;
  /** The in-process emulator (absent with a real test-mode key). */
  readonly emulator?: RunningStripeEmulator;
  readonly webhookUrl: string;
  readonly scheduler: InMemoryPeriodCloseScheduler;
  /** Schedules every stored contract's closes and runs those due on the engine's clock. */
  runDueCloses(): Promise<{ closed: CloseScheduledPeriodResult[]; failed: { scheduleName: string; error: Error }[] }>;
  /** The emulator's customers pay (or fail to pay) what is due on the engine's clock; their webhooks are delivered when it resolves. */
  collectDuePayments(): Promise<{ paid: string[]; failed: string[] }>;
  stop(): Promise<void>;
}

/**
 * The Stripe webhook as a route of the engine's HTTP server. The raw bytes go
 * to the Lambda's own handler base64-encoded, as a Function URL passes a body
 * it must not alter, so the signature is checked over exactly what was sent.
 */
export function stripeWebhookRoute(
  webhook: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>,
  log: (message: string) => void,
): HttpRoute {
  return {
    method: 'POST',
    path: STRIPE_WEBHOOK_PATH,
    handle: async (request) => {
      try {
        const result = await webhook({
          body: request.body.toString('base64'),
          isBase64Encoded: true,
          headers: { ...request.headers },
        } as unknown as APIGatewayProxyEventV2);
        return { statusCode: result.statusCode ?? 200, body: result.body ?? '' };
      } catch (error) {
        // A storage or bus failure: 500 makes Stripe (or the emulator) deliver again.
        log(`Stripe webhook failed: ${error instanceof Error ? error.message : String(error)}`);
        return { statusCode: 500, body: JSON.stringify({ code: 'internal_error', message: 'the webhook could not be recorded; deliver again' }) };
      }
    },
  };
}

/** A server of its own for the webhook, when billing runs without the engine's HTTP server. */
async function serveRouteAlone(route: HttpRoute): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== route.method || path !== route.path) {
        response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `no route ${request.method} ${path}` }));
        return;
      }
      const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]));
      // The route answers every failure itself (stripeWebhookRoute never rejects).
      void route
        .handle({ method: route.method, path: route.path, query: new URLSearchParams(), headers, body: Buffer.concat(chunks) })
        .then((answer) => response.writeHead(answer.statusCode, { 'content-type': 'application/json' }).end(answer.body));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function startLocalBilling(options: LocalBillingOptions): Promise<LocalBilling> {
  const apiKey = options.stripeApiKey ?? stripeApiKeyFromEnv(process.env);
  if (apiKey && !/^(sk|rk)_test_/.test(apiKey)) {
    throw new Error('the local engine only takes a Stripe test-mode key (sk_test_... or rk_test_...), never a live key');
  }
  const webhookSecret = apiKey ? process.env['STRIPE_WEBHOOK_SECRET'] : LOCAL_WEBHOOK_SECRET;

  let service: BillingService | undefined;
  // Run as the stripe-webhook Lambda, so its log lines name that function.
  const webhookCore = createStripeWebhookHandler(() => {
    if (!service) throw new Error('billing is not started yet');
    if (!webhookSecret) throw new Error('no STRIPE_WEBHOOK_SECRET set for the Stripe test-mode key');
    return Promise.resolve({
      webhookSecret,
      signals: service.invoices,
      events: new EventBridgeEventPublisher({ client: options.eventBridge, eventBusName: options.eventBusName }),
      clock: options.now,
    });
  });
  const webhook = asLocalLambda('stripe-webhook', webhookCore, { timeoutMs: 30_000, region: LOCAL_DEFAULTS.region, accountId: LOCAL_ACCOUNT_ID });
  const route = stripeWebhookRoute(webhook, options.log);
  let closeServer: () => Promise<void>;
  let baseUrl: string;
  if (options.httpServer) {
    const removeRoute = options.httpServer.addRoute(route);
    closeServer = async () => removeRoute();
    baseUrl = options.httpServer.url;
  } else {
    const alone = await serveRouteAlone(route);
    closeServer = alone.close;
    baseUrl = alone.url;
  }
  const webhookUrl = `${baseUrl}${STRIPE_WEBHOOK_PATH}`;

  let emulator: RunningStripeEmulator | undefined;
  try {
    let connection: StripeConnection;
    if (apiKey) {
      connection = { apiKey };
    } else {
      emulator = await startStripeEmulator({
        now: options.now,
        webhook: { url: webhookUrl, secret: LOCAL_WEBHOOK_SECRET },
        paymentCollection: {
          enabled: options.emulatorCollectsPayments ?? true,
          ...(options.emulatorDefaultPaymentBehaviour ? { defaultBehaviour: options.emulatorDefaultPaymentBehaviour } : {}),
        },
        ...(options.emulatorSeed ? { seed: options.emulatorSeed } : {}),
        ...(options.emulatorStateFile
          ? {
              stateFile: options.emulatorStateFile,
              onDamagedState: (damaged) => options.log(`the Stripe emulator starts empty: ${damaged.message}`),
            }
          : {}),
      });
      connection = { apiKey: emulator.apiKey, ...emulator.clientOptions };
    }
    service = createBillingService({
      dynamoDb: options.dynamoDb,
      engineTableName: options.engineTableName,
      ledgerTableName: options.ledgerTableName,
      ledger: options.ledger,
      // Sealed by the local ledger stream reader; the raw scan until it has read the stream once.
      usageRollups: { kind: 'stored' },
      eventBridge: options.eventBridge,
      eventBusName: options.eventBusName,
      stripe: connection,
      ignoreContractStripeCustomerIds: emulator !== undefined,
      finalizeInvoices: options.finalizeInvoices ?? true,
      now: options.now,
    });
    const billing = service;
    const stripeMode: LocalStripeState['mode'] = emulator ? 'emulator' : 'stripe_test_mode';
    const stripeState: LocalStripeState = {
      mode: stripeMode,
      ...(emulator ? { ...emulator.clientOptions, apiKey: emulator.apiKey } : {}),
      webhookUrl,
    };

    const graceHours = options.closeGraceHours ?? DEFAULT_CLOSE_GRACE_HOURS;
    const scheduler = new InMemoryPeriodCloseScheduler();
    const reportedFailures = new Set<string>();
    let running: Promise<Awaited<ReturnType<LocalBilling['runDueCloses']>>> | undefined;
    const runDueCloses: LocalBilling['runDueCloses'] = () =>
      (running ??= (async () => {
        try {
          for (const stored of await billing.planStore.listContracts()) {
            // Closes whose time passed while the engine was stopped are scheduled too, so they catch up.
            await schedulePeriodCloses({ scheduler, clock: () => new Date(0) }, { contract: stored.contract, graceHours });
          }
          const closed: CloseScheduledPeriodResult[] = [];
          const failed: { scheduleName: string; error: Error }[] = [];
          for (const close of scheduler.due(options.now())) {
            try {
              const outcome = await runScheduledClose({ ...billing.deps, graceHours }, { contractId: close.contractId, periodId: close.periodId });
              // A schedule left from an earlier version of the contract fires and is skipped, as in AWS.
              if (outcome.status === 'skipped') options.log(`period close ${close.contractId} ${close.periodId} ${outcome.message}`);
              else closed.push(outcome);
              scheduler.complete(close.scheduleName);
            } catch (error) {
              // Left scheduled: the next tick retries it, as Scheduler's retry policy would.
              failed.push({ scheduleName: close.scheduleName, error: error instanceof Error ? error : new Error(String(error)) });
              if (!reportedFailures.has(close.scheduleName)) {
                reportedFailures.add(close.scheduleName);
                options.log(`period close ${close.contractId} ${close.periodId} failed (retried every check): ${error instanceof Error ? error.message : String(error)}`);
              }
            }
          }
          return { closed, failed };
        } finally {
          running = undefined;
        }
      })());

    const collectDuePayments: LocalBilling['collectDuePayments'] = async () => {
      if (!emulator) return { paid: [], failed: [] };
      const collected = emulator.collectDuePayments();
      // The engine hears of them (payment signals) before anything later on the clock runs.
      if (collected.paid.length + collected.failed.length > 0) await emulator.webhookDeliveries();
      return collected;
    };

    const interval = options.closeCheckIntervalMs ?? 60_000;
    const timer =
      interval > 0
        ? setInterval(() => {
            runDueCloses()
              .then(() => collectDuePayments())
              .catch((error: unknown) => options.log(`period closes failed: ${error instanceof Error ? error.message : String(error)}`));
          }, interval)
        : undefined;
    timer?.unref();

    return {
      service: billing,
      stripeMode,
      stripeState,
      ...(emulator ? { emulator } : {}),
      webhookUrl,
      scheduler,
      runDueCloses,
      collectDuePayments,
      stop: async () => {
        if (timer) clearInterval(timer);
        await running?.catch(() => undefined);
        await emulator?.stop();
        await closeServer();
      },
    };
  } catch (error) {
    await emulator?.stop();
    await closeServer();
    throw error;
  }
}

/**
 * The `npm start` banner lines about Stripe: which Stripe the engine talks to
 * and where its webhook route is. A real key is never shown, not even in part.
 */
export function describeLocalStripe(
  billing: Pick<LocalBilling, 'stripeMode' | 'webhookUrl'> & { readonly emulator?: Pick<RunningStripeEmulator, 'url'> },
  env: Readonly<Record<string, string | undefined>> = process.env,
): string[] {
  const stripe =
    billing.stripeMode === 'emulator' && billing.emulator
      ? `emulator at ${billing.emulator.url} (in this process; set STRIPE_API_KEY=sk_test_... to use Stripe test mode)`
      : `Stripe test mode (the sk_test_/rk_test_ key in STRIPE_API_KEY)`;
  const webhook =
    billing.stripeMode === 'emulator'
      ? `POST ${billing.webhookUrl}  (the emulator delivers its events here, signed)`
      : env['STRIPE_WEBHOOK_SECRET']
        ? `POST ${billing.webhookUrl}  (forward test-mode events: stripe listen --forward-to ${billing.webhookUrl})`
        : `POST ${billing.webhookUrl}  (set STRIPE_WEBHOOK_SECRET to accept test-mode events; refused until then)`;
  return [`  Stripe              ${stripe}`, `  Stripe webhook      ${webhook}`];
}

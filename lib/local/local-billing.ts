// Period close on the local engine: Stripe is the project's emulator, started
// in this process, unless a real test-mode key is given (STRIPE_API_KEY=sk_test_...);
// the Stripe webhook route runs the Lambda's own handler core with signature
// verification; period closes fire on the engine's clock from in-memory
// one-time schedules, as EventBridge Scheduler fires them in AWS.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { z } from 'zod';
import { createBillingService, engineEventPublisher, type BillingService, type StripeConnection } from '../../lambdas/composition/billing-service';
import {
  DEFAULT_CLOSE_GRACE_HOURS,
  InMemoryPeriodCloseScheduler,
  closeScheduledPeriod,
  schedulePeriodCloses,
  type CloseScheduledPeriodResult,
} from '../../lambdas/application/billing/schedule-period-closes';
import type { LedgerRepository } from '../../lambdas/application/ports';
import { createStripeWebhookHandler } from '../../lambdas/handlers/stripe-webhook';
import { startStripeEmulator, type RunningStripeEmulator } from './stripe-emulator';

export const STRIPE_WEBHOOK_PATH = '/stripe/webhook';
const LOCAL_WEBHOOK_SECRET = 'whsec_local_engine';

/** What the CLI needs to reach the engine's Stripe: written to <dataDir>/stripe.json (never a real key). */
export const LocalStripeStateSchema = z.object({
  pid: z.number().int(),
  mode: z.enum(['emulator', 'stripe_test_mode']),
  host: z.string().optional(),
  port: z.number().int().optional(),
  protocol: z.enum(['http', 'https']).optional(),
  /** The emulator's key only; a real key stays in the environment. */
  apiKey: z.string().optional(),
  webhookUrl: z.string(),
});
export type LocalStripeState = z.infer<typeof LocalStripeStateSchema>;

export function stripeStatePath(dataDir: string): string {
  return join(dataDir, 'stripe.json');
}

export async function readLocalStripeState(dataDir: string): Promise<LocalStripeState | undefined> {
  try {
    return LocalStripeStateSchema.parse(JSON.parse(await readFile(stripeStatePath(dataDir), 'utf8')));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export interface LocalBillingSettings {
  /** A Stripe test-mode key; without one the emulator is started. @default env STRIPE_API_KEY */
  stripeApiKey?: string;
  /** Hours after a period's end before it closes. @default 24 */
  closeGraceHours?: number;
  /** How often due closes are looked for on the engine's clock; 0 turns the timer off. @default 60000 */
  closeCheckIntervalMs?: number;
  /** Finalize invoices (true) or leave drafts. @default true */
  finalizeInvoices?: boolean;
  /** Seed for the emulator's ids. */
  emulatorSeed?: string;
}

export interface LocalBillingOptions extends LocalBillingSettings {
  dataDir: string;
  dynamoDb: DynamoDBClient;
  ledger: Pick<LedgerRepository, 'streamUsageEntries'>;
  ledgerTableName: string;
  engineTableName: string;
  eventBridge: EventBridgeClient;
  eventBusName: string;
  now: () => Date;
  writeStateFile: boolean;
  log: (message: string) => void;
}

export interface LocalBilling {
  readonly service: BillingService;
  readonly stripeMode: LocalStripeState['mode'];
  /** The in-process emulator (absent with a real test-mode key). */
  readonly emulator?: RunningStripeEmulator;
  readonly webhookUrl: string;
  readonly scheduler: InMemoryPeriodCloseScheduler;
  /** Schedules every stored contract's closes and runs those due on the engine's clock. */
  runDueCloses(): Promise<{ closed: CloseScheduledPeriodResult[]; failed: { scheduleName: string; error: Error }[] }>;
  stop(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

export async function startLocalBilling(options: LocalBillingOptions): Promise<LocalBilling> {
  const apiKey = options.stripeApiKey ?? process.env['STRIPE_API_KEY'];
  if (apiKey && !/^(sk|rk)_test_/.test(apiKey)) {
    throw new Error('the local engine only takes a Stripe test-mode key (sk_test_... or rk_test_...), never a live key');
  }
  const webhookSecret = apiKey ? process.env['STRIPE_WEBHOOK_SECRET'] : LOCAL_WEBHOOK_SECRET;

  let service: BillingService | undefined;
  const webhook = createStripeWebhookHandler(() => {
    if (!service) throw new Error('billing is not started yet');
    if (!webhookSecret) throw new Error('no STRIPE_WEBHOOK_SECRET set for the Stripe test-mode key');
    return Promise.resolve({
      webhookSecret,
      signals: service.invoices,
      events: engineEventPublisher(options.eventBridge, options.eventBusName),
      clock: options.now,
    });
  });
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'POST' || path !== STRIPE_WEBHOOK_PATH) {
      request.resume();
      response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `no route ${request.method} ${path}` }));
      return;
    }
    readBody(request)
      .then((body) =>
        webhook({
          body,
          isBase64Encoded: false,
          headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : (value ?? '')])),
        } as unknown as APIGatewayProxyEventV2),
      )
      .then((result) => {
        response.writeHead(result.statusCode ?? 200, { 'content-type': 'application/json' }).end(result.body ?? '');
      })
      .catch((error: unknown) => {
        // A storage or bus failure: 500 makes Stripe (or the emulator) deliver again.
        options.log(`Stripe webhook failed: ${error instanceof Error ? error.message : String(error)}`);
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ code: 'internal_error', message: 'the webhook could not be recorded; deliver again' }));
      });
  });
  const webhookUrl = `http://127.0.0.1:${await listen(server)}${STRIPE_WEBHOOK_PATH}`;
  const closeServer = () => new Promise<void>((resolve) => server.close(() => resolve()));

  let emulator: RunningStripeEmulator | undefined;
  try {
    let connection: StripeConnection;
    if (apiKey) {
      connection = { apiKey };
    } else {
      emulator = await startStripeEmulator({
        now: options.now,
        webhook: { url: webhookUrl, secret: LOCAL_WEBHOOK_SECRET },
        ...(options.emulatorSeed ? { seed: options.emulatorSeed } : {}),
      });
      connection = { apiKey: emulator.apiKey, ...emulator.clientOptions };
    }
    service = createBillingService({
      dynamoDb: options.dynamoDb,
      engineTableName: options.engineTableName,
      ledgerTableName: options.ledgerTableName,
      ledger: options.ledger,
      eventBridge: options.eventBridge,
      eventBusName: options.eventBusName,
      stripe: connection,
      ignoreContractStripeCustomerIds: emulator !== undefined,
      finalizeInvoices: options.finalizeInvoices ?? true,
      now: options.now,
    });
    const billing = service;
    const stripeMode: LocalStripeState['mode'] = emulator ? 'emulator' : 'stripe_test_mode';
    if (options.writeStateFile) {
      const state: LocalStripeState = {
        pid: process.pid,
        mode: stripeMode,
        ...(emulator ? { ...emulator.clientOptions, apiKey: emulator.apiKey } : {}),
        webhookUrl,
      };
      await mkdir(options.dataDir, { recursive: true });
      await writeFile(stripeStatePath(options.dataDir), `${JSON.stringify(state, null, 2)}\n`, 'utf8');
    }

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
              closed.push(await closeScheduledPeriod({ ...billing.deps, graceHours }, { contractId: close.contractId, periodId: close.periodId }));
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

    const interval = options.closeCheckIntervalMs ?? 60_000;
    const timer =
      interval > 0
        ? setInterval(() => {
            runDueCloses().catch((error: unknown) => options.log(`period closes failed: ${error instanceof Error ? error.message : String(error)}`));
          }, interval)
        : undefined;
    timer?.unref();

    return {
      service: billing,
      stripeMode,
      ...(emulator ? { emulator } : {}),
      webhookUrl,
      scheduler,
      runDueCloses,
      stop: async () => {
        if (timer) clearInterval(timer);
        await running?.catch(() => undefined);
        if (options.writeStateFile) {
          const state = await readLocalStripeState(options.dataDir).catch(() => undefined);
          if (state?.pid === process.pid) await rm(stripeStatePath(options.dataDir), { force: true });
        }
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

// One local engine for an end-to-end test: a temporary data folder, the
// engine on the shared DynamoDB Local with tables of its own, the Stripe
// emulator, a producer sending through the real EventBridge client, the CLI on
// the same data folder, and every bus event kept for assertions.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsCommandOutput, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import Stripe from 'stripe';
import { expect, inject } from 'vitest';
import { runCli } from '../../bin/cli/program';
import type { CliIo } from '../../bin/cli/cli-io';
import type { PeriodCloseReport } from '../../bin/cli/period-command';
import { DynamoDbPlanStore } from '../../lambdas/adapters/dynamodb/plan-store';
import { LOCAL_CREDENTIALS } from '../../lib/local/local-aws';
import { startLocalEngine, type LocalEngine, type LocalEngineOptions } from '../../lib/local/local-engine';
import type { EventBridgeEnvelope } from '../../lib/local/put-events-request';
import { ContractSchema } from '../../lambdas/domain/plans/contract-schema';
import { PlanSchema } from '../../lambdas/domain/plans/plan-schema';

/** A clock the test moves by hand; the engine and the CLI both read it. */
export interface ManualClock {
  now: () => Date;
  setNow: (iso: string) => void;
}

export function manualClock(startIso: string): ManualClock {
  let nowMs = Date.parse(startIso);
  return {
    now: () => new Date(nowMs),
    setNow: (iso) => {
      nowMs = Date.parse(iso);
    },
  };
}

/** One PutEvents entry on the engine's bus. */
export function busEntry(detailType: string, detail: unknown, source = 'com.example.support'): PutEventsRequestEntry {
  return { EventBusName: 'outcome-engine', Source: source, DetailType: detailType, Detail: JSON.stringify(detail) };
}

export interface BusEvent {
  detailType: string;
  detail: Record<string, unknown>;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface LocalEngineHarnessOptions {
  /** Names the data folder, the tables and the emulator seed. */
  name: string;
  now: () => Date;
  /** The CLI's clock (e.g. the engine's, when `clock advance` moves time). @default now */
  cliNow?: () => Date;
  /** Environment the CLI sees (e.g. USER for the acting user). @default {} */
  cliEnv?: Record<string, string>;
  /** Extra engine options over the harness's defaults (e.g. renewalRisk: false; billing: false runs without Stripe). */
  engine?: Omit<LocalEngineOptions, 'port' | 'dynamoDbEndpoint' | 'dataDir' | 'now'>;
}

export interface LocalEngineHarness {
  readonly dataDir: string;
  readonly busEvents: BusEvent[];
  /** The same events as the bus delivered them. */
  readonly busEnvelopes: EventBridgeEnvelope[];
  readonly engine: LocalEngine;
  /** The emulator's Stripe client; not there when the engine runs with billing: false. */
  readonly stripe: Stripe;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Sends through PutEvents (10 entries a call), expects every entry accepted, and waits until the engine has processed them. */
  send(entries: PutEventsRequestEntry[]): Promise<void>;
  /** One PutEvents call (at most 10 entries) answered as it is, refused entries included; does not wait for the engine. */
  putEvents(entries: PutEventsRequestEntry[]): Promise<PutEventsCommandOutput>;
  /** Writes a file into the data folder (objects as JSON) and returns its path, for CLI commands that load files. */
  writeDataFile(name: string, content: string | object): string;
  /** Runs the CLI on the engine's data folder (it finds the engine and its Stripe there). */
  cli(args: string[]): Promise<CliResult>;
  /** Runs the CLI with --json, expects success and no stderr, and parses the output. */
  cliJson<T>(args: string[]): Promise<T>;
  /** Closes a period with the CLI and returns its report. */
  closePeriod(period: string, extra?: string[]): Promise<PeriodCloseReport>;
  /** Every Stripe invoice of a contract, in the emulator's order. */
  stripeInvoicesOf(contractId: string): Promise<Stripe.Invoice[]>;
  /** Stores plans and contracts (raw definitions, parsed as the loader does) in the engine's plan store. */
  loadCatalog(catalog: { plans?: unknown[]; contracts?: unknown[] }): Promise<void>;
}

export function localEngineHarness(options: LocalEngineHarnessOptions): LocalEngineHarness {
  const dataDir = mkdtempSync(join(tmpdir(), `outcome-engine-${options.name}-`));
  const busEvents: BusEvent[] = [];
  const busEnvelopes: EventBridgeEnvelope[] = [];
  let engine: LocalEngine | undefined;
  let stripe: Stripe | undefined;
  let producer: EventBridgeClient | undefined;
  let dynamoDb: DynamoDBClient | undefined;

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not available before start()`);
    return value;
  };

  const harness: LocalEngineHarness = {
    dataDir,
    busEvents,
    busEnvelopes,
    get engine() {
      return started(engine, 'the local engine');
    },
    get stripe() {
      return started(stripe, 'the Stripe client');
    },
    async start() {
      const suffix = randomUUID().slice(0, 8);
      engine = await startLocalEngine({
        port: 0,
        dynamoDbEndpoint: inject('dynamoDbEndpoint'),
        dataDir,
        ledgerTableName: `${options.name}-ledger-${suffix}`,
        engineTableName: `${options.name}-engine-${suffix}`,
        now: options.now,
        queue: { retryDelayMs: () => 5 },
        billing: { closeCheckIntervalMs: 0, emulatorSeed: `${options.name}-e2e` },
        ...options.engine,
      });
      engine.subscribe((envelope) => {
        busEnvelopes.push(envelope);
        const raw = envelope as unknown as { 'detail-type': string; detail: Record<string, unknown> };
        busEvents.push({ detailType: raw['detail-type'], detail: raw.detail });
      });
      if (options.engine?.billing !== false) {
        const emulator = engine.billing ? engine.billing.emulator : undefined;
        if (!emulator) throw new Error('the local engine did not start the Stripe emulator');
        stripe = new Stripe(emulator.apiKey, { ...emulator.clientOptions, maxNetworkRetries: 2 });
      }
      producer = new EventBridgeClient({ endpoint: engine.url, region: engine.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
      dynamoDb = new DynamoDBClient({ endpoint: engine.dynamoDbEndpoint, region: engine.region, credentials: LOCAL_CREDENTIALS });
    },
    async stop() {
      producer?.destroy();
      dynamoDb?.destroy();
      await engine?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
    async send(entries) {
      const client = started(producer, 'the producer');
      // PutEvents takes at most 10 entries a call.
      for (let start = 0; start < entries.length; start += 10) {
        const result = await client.send(new PutEventsCommand({ Entries: entries.slice(start, start + 10) }));
        expect(result.FailedEntryCount).toBe(0);
      }
      await harness.engine.drain();
    },
    async putEvents(entries) {
      return started(producer, 'the producer').send(new PutEventsCommand({ Entries: entries }));
    },
    writeDataFile(name, content) {
      const path = join(dataDir, name);
      writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content), 'utf8');
      return path;
    },
    async cli(args) {
      let stdout = '';
      let stderr = '';
      const io: CliIo = { out: (t) => (stdout += t), err: (t) => (stderr += t), env: { ...options.cliEnv }, now: options.cliNow ?? options.now };
      const code = await runCli(['--data-dir', dataDir, ...args], io);
      return { code, stdout, stderr };
    },
    async cliJson<T>(args: string[]) {
      const result = await harness.cli([...args, '--json']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      return JSON.parse(result.stdout) as T;
    },
    async closePeriod(period, extra = []) {
      return harness.cliJson<PeriodCloseReport>(['period', 'close', '--period', period, ...extra]);
    },
    async stripeInvoicesOf(contractId) {
      const all = await harness.stripe.invoices.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
      return all.filter((invoice) => invoice.metadata?.['contractId'] === contractId);
    },
    async loadCatalog(catalog) {
      // The engine table's plan store, as the engine's billing and renewal risk read it.
      const planStore = new DynamoDbPlanStore({ client: started(dynamoDb, 'the DynamoDB client'), tableName: harness.engine.engineTableName });
      for (const plan of catalog.plans ?? []) await planStore.putPlan(PlanSchema.parse(plan));
      for (const contract of catalog.contracts ?? []) await planStore.putContract(ContractSchema.parse(contract), options.now());
    },
  };
  return harness;
}

/** The flat platform fee plus a per-resolution charge most end-to-end tests bill. */
export function supportAutomationPlan(code: string): unknown {
  return {
    kind: 'plan',
    code,
    name: 'Support automation',
    currency: 'USD',
    versions: [
      {
        version: 1,
        effectiveFrom: '2026-01-01',
        metrics: [{ code: 'resolutions', ledgerMetric: 'ticket.resolved', aggregation: 'count' }],
        charges: [
          { id: 'platform', name: 'Platform fee', model: 'flat', amount: '100.00' },
          { id: 'resolutions', name: 'Resolutions', model: 'per_unit', metric: 'resolutions', unitPrice: '1.50' },
        ],
      },
    ],
  };
}

/** A monthly contract on plan version 1 from 2026-11-01 for a year, in UTC and USD; `extra` adds or overrides fields. */
export function monthlyContract(contractId: string, planCode: string, extra: Record<string, unknown> = {}): unknown {
  return {
    kind: 'contract',
    contractId,
    customerId: 'acme',
    plan: { code: planCode, version: 1 },
    termStart: '2026-11-01',
    termEnd: '2027-11-01',
    billingPeriod: { cadence: 'monthly', anchorDay: 1 },
    timeZone: 'UTC',
    currency: 'USD',
    ...extra,
  };
}

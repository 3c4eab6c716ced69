// The local engine's life on one data folder: one engine at a time, a clock
// no request can break, CLI defaults on the engine's clock, and a restart
// that bills on as before (the Stripe emulator keeps its objects).
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CliIo } from '../../bin/cli/cli-io';
import type { ReconcileReport } from '../../bin/cli/invoice-reconcile';
import type { PeriodCloseReport } from '../../bin/cli/period-command';
import { runCli } from '../../bin/cli/program';
import { ContractSchema } from '../../lambdas/domain/plans/contract-schema';
import { PlanSchema } from '../../lambdas/domain/plans/plan-schema';
import type { RejectedOutcome } from '../../lambdas/domain/ledger/rejection';
import { EngineAlreadyRunningError, engineStatePath, stripeEmulatorStatePath } from '../../lib/local/engine-state';
import { readCatalogFile } from '../../lib/local/catalog-file';
import { LOCAL_CREDENTIALS } from '../../lib/local/local-aws';
import { SEED_CATALOG_FILE } from '../../lib/local/seed-plans';
import { startLocalEngine, type LocalEngine, type LocalEngineOptions } from '../../lib/local/local-engine';

const HOUR_MS = 3_600_000;

async function cliIn(dataDir: string, args: string[], io: Partial<CliIo> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['--data-dir', dataDir, ...args], {
    out: (text) => (stdout += text),
    err: (text) => (stderr += text),
    env: {},
    now: () => new Date(),
    ...io,
  });
  return { code, stdout, stderr };
}

describe('a running engine on its data folder', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'outcome-engine-lifecycle-'));
  const suffix = randomUUID().slice(0, 8);
  const options: LocalEngineOptions = {
    port: 0,
    dataDir,
    ledgerTableName: `lifecycle-ledger-${suffix}`,
    engineTableName: `lifecycle-engine-${suffix}`,
    queue: { retryDelayMs: () => 5 },
    billing: { closeCheckIntervalMs: 0 },
    renewalRisk: { tickIntervalMs: 0 },
    // No example contracts: moving the clock closes nothing here (their catch-up closes are another test's business).
    seed: false,
  };
  let engine: LocalEngine;
  let producer: EventBridgeClient;
  // The CLI as a user runs it: it follows the running engine's clock.
  const cli = (args: string[]) => cliIn(dataDir, args, { followLocalEngineClock: true });

  beforeAll(async () => {
    // The wall clock, as `npm start` runs it.
    engine = await startLocalEngine({ ...options, dynamoDbEndpoint: inject('dynamoDbEndpoint') });
    await engine.ledgerService.loadCatalog(await readCatalogFile(SEED_CATALOG_FILE));
    producer = new EventBridgeClient({ endpoint: engine.url, region: engine.region, credentials: LOCAL_CREDENTIALS });
  });

  afterAll(async () => {
    producer?.destroy();
    await engine?.stop();
    expect(existsSync(engineStatePath(dataDir))).toBe(false);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const outcome = (outcomeId: string, occurredAt: Date, extra: Record<string, unknown> = {}) => ({
    EventBusName: 'outcome-engine',
    Source: 'com.example.support',
    DetailType: 'Outcome Recorded',
    Detail: JSON.stringify({ outcomeId, customerId: 'acme', metric: 'ticket.resolved', occurredAt: occurredAt.toISOString(), ...extra }),
  });

  it('refuses a second engine on the same folder, naming the running one, and the first runs on untouched', async () => {
    const before = readFileSync(engineStatePath(dataDir), 'utf8');
    const second = startLocalEngine({ ...options, dynamoDbEndpoint: inject('dynamoDbEndpoint') });
    await expect(second).rejects.toBeInstanceOf(EngineAlreadyRunningError);
    await expect(second).rejects.toThrow(`pid ${process.pid}, ${engine.url}, since`);
    expect(readFileSync(engineStatePath(dataDir), 'utf8')).toBe(before);
    expect((await fetch(`${engine.url}/_local/health`)).status).toBe(200);
  });

  it('refuses clock changes that are not sane instants with 400, and ingest answers as before', async () => {
    const clockUrl = engine.renewalRisk!.clockUrl;
    const advance = (body: string) => fetch(`${clockUrl}/_local/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const before = engine.clock.now().getTime();
    const cases: [string, string][] = [
      ['{"by":"99999999999d"}', 'invalid_duration'],
      ['{"by":"101y"}', 'invalid_duration'],
      ['{"to":"9999-12-31T23:59:59Z"}', 'clock_out_of_range'],
      ['{"to":"2001-01-01T00:00:00Z"}', 'clock_backwards'],
      ['{"to":"+275760-09-13T00:00:00Z"}', 'invalid_clock_request'],
      ['{oops', 'invalid_json'],
      [JSON.stringify({ by: '1d'.repeat(40_000) }), 'request_too_large'],
    ];
    for (const [body, code] of cases) {
      const response = await advance(body);
      expect(response.status, body.slice(0, 40)).toBe(400);
      const answer = (await response.json()) as { code: string; message: string };
      expect(answer.code, body.slice(0, 40)).toBe(code);
      expect(answer.message).not.toBe('');
    }
    // The clock did not move, and PutEvents still accepts events.
    expect(engine.clock.now().getTime() - before).toBeLessThan(10 * 60_000);
    const result = await producer.send(new PutEventsCommand({ Entries: [outcome(`ok-after-bad-clock-${suffix}`, new Date())] }));
    expect(result.FailedEntryCount).toBe(0);
    await engine.drain();
    expect(await engine.ledgerService.getOutcome(`ok-after-bad-clock-${suffix}`)).toMatchObject({ status: 'counted' });
  });

  it('after `clock advance`, `outcome` and `rejected` default to the engine time', async () => {
    const advanced = await cli(['clock', 'advance', '10d', '--json']);
    expect(advanced.stderr).toBe('');
    expect(advanced.code).toBe(0);
    const engineNow = engine.clock.now();
    expect(engineNow.getTime() - Date.now()).toBeGreaterThan(9 * 24 * HOUR_MS);

    const result = await producer.send(
      new PutEventsCommand({
        Entries: [
          outcome(`later-${suffix}`, new Date(engineNow.getTime() - HOUR_MS)),
          outcome(`later-negative-${suffix}`, new Date(engineNow.getTime() - HOUR_MS), { quantity: '-2' }),
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(0);
    await engine.drain();

    const shown = await cli(['outcome', `later-${suffix}`, '--json']);
    expect(shown.stderr).toBe('');
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ outcomeId: `later-${suffix}`, status: 'counted' });

    const listed = await cli(['rejected', '--json']);
    expect(listed.code).toBe(0);
    const rejected = JSON.parse(listed.stdout) as RejectedOutcome[];
    expect(rejected.map((item) => item.outcomeId)).toContain(`later-negative-${suffix}`);
  });
});

describe('a restart on a persistent data folder', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'outcome-engine-restart-'));
  const suffix = randomUUID().slice(0, 8);
  const CONTRACT = `restart-${suffix}`;
  let nowMs = Date.parse('2026-11-20T12:00:00Z');
  const now = () => new Date(nowMs);
  let engine: LocalEngine | undefined;
  const start = () =>
    startLocalEngine({
      port: 0,
      dynamoDbEndpoint: inject('dynamoDbEndpoint'),
      dataDir,
      ledgerTableName: `restart-ledger-${suffix}`,
      engineTableName: `restart-engine-${suffix}`,
      now,
      queue: { retryDelayMs: () => 5 },
      billing: { closeCheckIntervalMs: 0, emulatorSeed: 'restart-e2e' },
      renewalRisk: { tickIntervalMs: 0 },
    });
  const cli = async (args: string[]) => {
    const result = await cliIn(dataDir, args, { now });
    await engine?.drain();
    return result;
  };
  const stripeOf = (running: LocalEngine) => {
    const emulator = running.billing?.emulator;
    if (!emulator) throw new Error('the local engine did not start the Stripe emulator');
    return new Stripe(emulator.apiKey, { ...emulator.clientOptions, maxNetworkRetries: 2 });
  };
  const close = async (period: string) => {
    const result = await cli(['period', 'close', '--period', period, '--contract', CONTRACT, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const row = (JSON.parse(result.stdout) as PeriodCloseReport).closed[0];
    expect(row).toMatchObject({ periodId: period, matched: true });
    return row!;
  };

  beforeAll(async () => {
    engine = await start();
    const store = engine.billing!.service.planStore;
    await store.putPlan(
      PlanSchema.parse({
        kind: 'plan',
        code: `restart-flat-${suffix}`,
        name: 'Flat platform fee',
        currency: 'USD',
        versions: [{ version: 1, effectiveFrom: '2026-01-01', metrics: [], charges: [{ id: 'platform', name: 'Platform fee', model: 'flat', amount: '100.00' }] }],
      }),
    );
    await store.putContract(
      ContractSchema.parse({
        kind: 'contract',
        contractId: CONTRACT,
        customerId: 'acme',
        plan: { code: `restart-flat-${suffix}`, version: 1 },
        termStart: '2026-11-01',
        termEnd: '2027-11-01',
        billingPeriod: { cadence: 'monthly', anchorDay: 1 },
        timeZone: 'UTC',
        currency: 'USD',
      }),
      now(),
    );
  });

  afterAll(async () => {
    await engine?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('closes the next period against the same Stripe customer, and the earlier invoice still reconciles', async () => {
    nowMs = Date.parse('2026-12-03T00:00:00Z');
    const first = await close('2026-11');
    const firstInvoice = await stripeOf(engine!).invoices.retrieve(first.stripeInvoiceId);
    await engine!.stop();
    expect(existsSync(stripeEmulatorStatePath(dataDir))).toBe(true);

    engine = await start();
    nowMs = Date.parse('2027-01-03T00:00:00Z');
    const second = await close('2026-12');
    const stripe = stripeOf(engine);
    const secondInvoice = await stripe.invoices.retrieve(second.stripeInvoiceId);
    expect(secondInvoice.customer).toBe(firstInvoice.customer);
    expect(second.stripeInvoiceId).not.toBe(first.stripeInvoiceId);
    // The restarted emulator still has the earlier invoice, as Stripe would.
    expect((await stripe.invoices.retrieve(first.stripeInvoiceId)).total).toBe(firstInvoice.total);

    const reconciled = await cli(['invoice', 'reconcile', '--contract', CONTRACT, '--period', '2026-11', '--json']);
    expect(reconciled.stderr).toBe('');
    expect(reconciled.code).toBe(0);
    expect(JSON.parse(reconciled.stdout) as ReconcileReport).toMatchObject({ stripeInvoiceId: first.stripeInvoiceId, matched: true });
  });
});

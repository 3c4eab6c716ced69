// The local engine schedules exactly as AWS does: `contracts load` (the CLI,
// in process) announces 'Contract Changed' to the running engine, its bus
// routes the event with the stack's routing table to the schedule-period-closes
// and schedule-renewal-checks handlers, which fill the engine's in-memory
// schedulers; moving the engine's clock fires them. No catch-up scan runs
// before the assertions (timers off), so the schedules seen came over the bus.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../../../bin/cli/program';
import type { CliIo } from '../../../../bin/cli/cli-io';
import type { EventBridgeEnvelope } from '../../../../lib/local/put-events-request';
import { startLocalEngine, type LocalEngine } from '../../../../lib/local/local-engine';

const CONTRACT = 'ctr-local-schedules';

describe('contract changes on the local engine', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'outcome-engine-schedules-'));
  const seen: EventBridgeEnvelope[] = [];
  let engine: LocalEngine;

  async function cliJson<T>(args: string[]): Promise<T> {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { out: (t) => (stdout += t), err: (t) => (stderr += t), env: {}, now: () => engine.clock.now() };
    // Only the data folder: the CLI finds the engine (tables, bus) from its state file, as a user's would.
    const code = await runCli(['--data-dir', dataDir, ...args, '--json'], io);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    return JSON.parse(stdout) as T;
  }

  function file(name: string, content: unknown): string {
    const path = join(dataDir, name);
    writeFileSync(path, JSON.stringify(content), 'utf8');
    return path;
  }

  const contract = (extra: Record<string, unknown> = {}) => ({
    kind: 'contract',
    contractId: CONTRACT,
    customerId: 'globex',
    plan: { code: 'platform-eur', version: 1 },
    termStart: '2026-01-01',
    termEnd: '2026-07-01',
    billingPeriod: { cadence: 'monthly' },
    timeZone: 'UTC',
    currency: 'EUR',
    renewalCheckpointsDays: [60, 30],
    ...extra,
  });

  beforeAll(async () => {
    const suffix = randomUUID().slice(0, 8);
    engine = await startLocalEngine({
      port: 0,
      dynamoDbEndpoint: inject('dynamoDbEndpoint'),
      dataDir,
      ledgerTableName: `schedules-ledger-${suffix}`,
      engineTableName: `schedules-engine-${suffix}`,
      now: () => new Date('2026-03-10T12:00:00Z'),
      seed: false,
      billing: { closeCheckIntervalMs: 0, emulatorSeed: suffix },
      renewalRisk: { tickIntervalMs: 0 },
      queue: { retryDelayMs: () => 5 },
    });
    engine.subscribe((envelope) => seen.push(envelope));
    await cliJson(['plans', 'load', file('plan.json', {
      kind: 'plan',
      code: 'platform-eur',
      name: 'Platform (EUR)',
      currency: 'EUR',
      versions: [{ version: 1, effectiveFrom: '2025-01-01', charges: [{ id: 'platform', name: 'Platform fee', model: 'flat', amount: '250.00' }] }],
    })]);
  });

  afterAll(async () => {
    await engine?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const ourCloses = () => engine.billing!.scheduler.list().filter((c) => c.contractId === CONTRACT).map((c) => `${c.periodId}@${c.closeAt}`).sort();
  const ourChecks = () => engine.renewalRisk!.renewalScheduler.pending().filter((c) => c.payload.contractId === CONTRACT).map((c) => `${c.payload.checkpointDays}d@${c.fireAt}`);

  it('a loaded contract reaches the engine as Contract Changed and schedules its closes and checkpoints', async () => {
    const loaded = await cliJson<{ items: unknown[]; announcement: { target: string } }>(['contracts', 'load', file('contract.json', contract())]);
    expect(loaded.items).toEqual([{ kind: 'contract', id: CONTRACT, status: 'created', revision: 1, announced: 'created' }]);
    expect(loaded.announcement.target).toBe('local_engine');
    await engine.drain();
    expect(await engine.deadLetters()).toEqual([]);
    expect(seen.filter((e) => e['detail-type'] === 'Contract Changed').map((e) => [e.source, (e.detail as { change: string }).change])).toEqual([['outcome-engine', 'created']]);

    // Future closes only (February's passed on March 2); checks 60 and 30 days before 2026-07-01, as the contract says.
    expect(ourCloses()).toEqual(['2026-03@2026-04-02T00:00:00.000Z', '2026-04@2026-05-02T00:00:00.000Z', '2026-05@2026-06-02T00:00:00.000Z', '2026-06@2026-07-02T00:00:00.000Z']);
    expect(ourChecks()).toEqual(['60d@2026-05-02T09:00:00.000Z', '30d@2026-06-01T09:00:00.000Z']);
  });

  it('advancing the clock fires them: the 60-day check runs and the due periods close', async () => {
    const fired = await engine.renewalRisk!.renewalScheduler.advanceTo(new Date('2026-05-03T00:00:00Z'));
    expect(fired.map((f) => [f.scheduleName, f.error])).toEqual([[`rr.${CONTRACT}.2026-01-01.60d`, undefined]]);
    // The advance closed the due periods too, each at its own time: January and February (before the
    // load) at once by the engine's catch-up scan, March and April when the clock reached their closes.
    const records = await engine.billing!.service.invoices.listRecords(CONTRACT);
    expect(records.map((r) => [r.periodId, r.ratedTotal, r.ratedAt])).toEqual([
      ['2026-01', 25000n, '2026-03-10T12:00:00.000Z'],
      ['2026-02', 25000n, '2026-03-10T12:00:00.000Z'],
      ['2026-03', 25000n, '2026-04-02T00:00:00.000Z'],
      ['2026-04', 25000n, '2026-05-02T00:00:00.000Z'],
    ]);
    expect(ourCloses()).toEqual(['2026-05@2026-06-02T00:00:00.000Z', '2026-06@2026-07-02T00:00:00.000Z']);
    // Nothing is left for the billing tick.
    const { closed, failed } = await engine.billing!.runDueCloses();
    expect(failed).toEqual([]);
    expect(closed.filter((c) => c.close.contractId === CONTRACT)).toEqual([]);
  });

  it('a cancellation over the bus removes the checks and the closes after the final billed period', async () => {
    const loaded = await cliJson<{ items: unknown[] }>(['contracts', 'load', file('contract.json', contract({ cancelledOn: '2026-05-20' }))]);
    expect(loaded.items).toEqual([{ kind: 'contract', id: CONTRACT, status: 'updated', revision: 2, announced: 'cancelled' }]);
    await engine.drain();
    expect(await engine.deadLetters()).toEqual([]);
    expect(ourChecks()).toEqual([]);
    expect(ourCloses()).toEqual(['2026-05@2026-06-02T00:00:00.000Z']);
  });
});

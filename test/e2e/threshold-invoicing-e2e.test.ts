// Threshold invoicing on the local engine: outcomes sent with the real
// EventBridge client cross a contract's spend threshold; the ledger stream
// reader applies them to the rollups and the engine issues the threshold
// invoice in the Stripe emulator, announced once in the event journal; the
// period-end close then bills only the rest.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../bin/cli/program';
import type { PeriodCloseReport } from '../../bin/cli/period-command';
import type { JournaledEvent } from '../../lib/local/event-journal';
import { startLocalEngine, type LocalEngine } from '../../lib/local/local-engine';
import { ContractSchema } from '../../lambdas/domain/plans/contract-schema';
import { PlanSchema } from '../../lambdas/domain/plans/plan-schema';

const CONTRACT = 'e2e-threshold-acme';
let nowMs = Date.parse('2026-11-20T12:00:00Z');
const now = () => new Date(nowMs);

const resolved = (outcomeId: string, occurredAt: string): PutEventsRequestEntry => ({
  EventBusName: 'outcome-engine',
  Source: 'com.example.support',
  DetailType: 'Outcome Recorded',
  Detail: JSON.stringify({ outcomeId, customerId: 'acme', metric: 'ticket.resolved', occurredAt }),
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('threshold invoicing end to end on the local engine', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'outcome-engine-threshold-'));
  let engine: LocalEngine;
  let producer: EventBridgeClient;
  let stripe: Stripe;

  async function send(prefix: string, count: number, occurredAt: string): Promise<void> {
    for (let start = 0; start < count; start += 10) {
      const entries = Array.from({ length: Math.min(10, count - start) }, (_, i) => resolved(`${prefix}-${start + i}`, occurredAt));
      const result = await producer.send(new PutEventsCommand({ Entries: entries }));
      expect(result.FailedEntryCount).toBe(0);
    }
    await engine.drain();
  }

  const invoicesIssued = async (): Promise<JournaledEvent[]> =>
    (await engine.events({ detailType: 'Invoice Issued' })).filter((event) => event.detail['contractId'] === CONTRACT);

  async function cli(args: string[]): Promise<{ code: number; stdout: string }> {
    let stdout = '';
    let stderr = '';
    const code = await runCli(['--data-dir', dataDir, ...args], { out: (text) => (stdout += text), err: (text) => (stderr += text), env: {}, now });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    return { code, stdout };
  }

  async function stripeInvoices(): Promise<Stripe.Invoice[]> {
    const all = await stripe.invoices.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
    return all.filter((invoice) => invoice.metadata?.['contractId'] === CONTRACT);
  }

  beforeAll(async () => {
    const suffix = randomUUID().slice(0, 8);
    engine = await startLocalEngine({
      port: 0,
      dynamoDbEndpoint: inject('dynamoDbEndpoint'),
      dataDir,
      ledgerTableName: `threshold-ledger-${suffix}`,
      engineTableName: `threshold-engine-${suffix}`,
      now,
      queue: { retryDelayMs: () => 5 },
      billing: { closeCheckIntervalMs: 0, emulatorSeed: 'threshold-e2e' },
      renewalRisk: false,
    });
    const emulator = engine.billing?.emulator;
    if (!emulator) throw new Error('the local engine did not start the Stripe emulator');
    stripe = new Stripe(emulator.apiKey, { ...emulator.clientOptions, maxNetworkRetries: 2 });
    producer = new EventBridgeClient({ endpoint: engine.url, region: engine.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const store = engine.billing!.service.planStore;
    await store.putPlan(
      PlanSchema.parse({
        kind: 'plan',
        code: 'e2e-threshold',
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
      }),
    );
    await store.putContract(
      ContractSchema.parse({
        kind: 'contract',
        contractId: CONTRACT,
        customerId: 'acme',
        plan: { code: 'e2e-threshold', version: 1 },
        termStart: '2026-11-01',
        termEnd: '2027-11-01',
        billingPeriod: { cadence: 'monthly', anchorDay: 1 },
        timeZone: 'UTC',
        currency: 'USD',
        thresholdInvoicing: { amount: '200.00' },
      }),
      now(),
    );
  });

  afterAll(async () => {
    producer?.destroy();
    await engine?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('issues the threshold invoice once when spend crosses it, and the period-end invoice bills the rest', async () => {
    // 80 resolutions: 100.00 + 120.00 = 220.00 crosses 200.00.
    await send('nov-a', 80, '2026-11-10T09:00:00Z');
    const [issued] = await until('the threshold invoice', async () => {
      const found = (await invoicesIssued()).filter((event) => event.detail['periodId'] === '2026-11-threshold-1');
      return found.length > 0 ? found : undefined;
    });
    expect(issued!.detail).toMatchObject({ engineTotal: '22000', stripeTotal: '22000' });
    expect(issued!.source).toBe('outcome-engine');

    // 20 more (30.00 unbilled): below the threshold, so no second threshold invoice.
    await send('nov-b', 20, '2026-11-15T09:00:00Z');
    expect((await stripeInvoices()).map((invoice) => invoice.total)).toEqual([22_000]);
    // The CLI path runs the same evaluation: 30.00 not invoiced yet, below the threshold.
    const evaluated = JSON.parse((await cli(['invoice', 'thresholds', '--contract', CONTRACT, '--json'])).stdout) as { outcome: string; unbilled: string };
    expect(evaluated).toMatchObject({ outcome: 'below_threshold', unbilled: '3000' });

    nowMs = Date.parse('2026-12-03T00:00:00Z');
    const closed = await cli(['period', 'close', '--period', '2026-11', '--contract', CONTRACT, '--json']);
    const report = JSON.parse(closed.stdout) as PeriodCloseReport;
    expect(report.failed).toEqual([]);
    // 100 resolutions: 250.00 rated, 220.00 billed at the threshold, 30.00 at period end.
    const invoices = await stripeInvoices();
    expect(invoices.map((invoice) => [invoice.metadata?.['periodId'], invoice.total]).sort()).toEqual([
      ['2026-11', 3_000],
      ['2026-11-threshold-1', 22_000],
    ]);
    const announced = await invoicesIssued();
    expect(announced.map((event) => event.detail['periodId']).sort()).toEqual(['2026-11', '2026-11-threshold-1']);

    // `invoice list` and `invoice explain` say which invoice is the threshold invoice.
    const listed = JSON.parse((await cli(['invoice', 'list', '--contract', CONTRACT, '--json'])).stdout) as { periodId: string; kind: string; total: { minor: string } }[];
    expect(listed.map((invoice) => [invoice.periodId, invoice.kind, invoice.total.minor])).toEqual([
      ['2026-11-threshold-1', 'threshold', '22000'],
      ['2026-11', 'period', '3000'],
    ]);
    const explained = JSON.parse((await cli(['invoice', 'explain', '--invoice', `oe:${CONTRACT}:2026-11-threshold-1:r1`, '--json'])).stdout) as {
      kind: string;
      thresholdOf: { sequence: number; thresholdAmount: { minor: string } };
    };
    expect(explained).toMatchObject({ kind: 'threshold', thresholdOf: { sequence: 1, thresholdAmount: { minor: '20000' } } });
  }, 240_000);
});

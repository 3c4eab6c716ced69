// `outcome-engine invoice reconcile` on the local engine: a draft invoice
// edited in Stripe after its close no longer reconciles; once the edit is
// undone, the command reconciles it again and announces Invoice Issued.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../bin/cli/program';
import type { CliIo } from '../../bin/cli/cli-io';
import type { PeriodCloseReport } from '../../bin/cli/period-command';
import type { ReconcileReport } from '../../bin/cli/invoice-reconcile';
import { startLocalEngine, type LocalEngine } from '../../lib/local/local-engine';
import { ContractSchema } from '../../lambdas/domain/plans/contract-schema';
import { PlanSchema } from '../../lambdas/domain/plans/plan-schema';

const CONTRACT = 'reconcile-e2e';
let nowMs = Date.parse('2026-11-20T12:00:00Z');
const now = () => new Date(nowMs);

describe('invoice reconcile on the local engine', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'outcome-engine-reconcile-'));
  const busEvents: { detailType: string; detail: Record<string, unknown> }[] = [];
  let engine: LocalEngine;
  let stripe: Stripe;
  let stripeInvoiceId = '';
  let invoiceRecordId = '';

  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    // Drafts, so the invoice can still be edited in Stripe after the close.
    const io: CliIo = { out: (t) => (stdout += t), err: (t) => (stderr += t), env: { FINALIZE_INVOICES: 'false' }, now };
    const code = await runCli(['--data-dir', dataDir, ...args], io);
    await engine.drain();
    return { code, stdout, stderr };
  }

  const issued = () => busEvents.filter((e) => e.detailType === 'Invoice Issued' && e.detail['contractId'] === CONTRACT);
  const failures = () => busEvents.filter((e) => e.detailType === 'Invoice Reconciliation Failed' && e.detail['contractId'] === CONTRACT);

  beforeAll(async () => {
    const suffix = randomUUID().slice(0, 8);
    engine = await startLocalEngine({
      port: 0,
      dynamoDbEndpoint: inject('dynamoDbEndpoint'),
      dataDir,
      ledgerTableName: `reconcile-ledger-${suffix}`,
      engineTableName: `reconcile-engine-${suffix}`,
      now,
      queue: { retryDelayMs: () => 5 },
      billing: { closeCheckIntervalMs: 0, emulatorSeed: 'invoice-reconcile-e2e' },
    });
    engine.subscribe((envelope) => {
      const raw = envelope as unknown as { 'detail-type': string; detail: Record<string, unknown> };
      busEvents.push({ detailType: raw['detail-type'], detail: raw.detail });
    });
    const emulator = engine.billing?.emulator;
    if (!emulator) throw new Error('the local engine did not start the Stripe emulator');
    stripe = new Stripe(emulator.apiKey, { ...emulator.clientOptions, maxNetworkRetries: 2 });
    const store = engine.billing!.service.planStore;
    await store.putPlan(
      PlanSchema.parse({
        kind: 'plan',
        code: 'reconcile-flat',
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
        plan: { code: 'reconcile-flat', version: 1 },
        termStart: '2026-11-01',
        termEnd: '2027-11-01',
        billingPeriod: { cadence: 'monthly', anchorDay: 1 },
        timeZone: 'UTC',
        currency: 'USD',
      }),
      now(),
    );
    nowMs = Date.parse('2026-12-03T00:00:00Z');
    const closed = await cli(['period', 'close', '--period', '2026-11', '--contract', CONTRACT, '--json']);
    expect(closed.code).toBe(0);
    const row = (JSON.parse(closed.stdout) as PeriodCloseReport).closed[0]!;
    expect(row).toMatchObject({ engineTotal: '10000', matched: true });
    stripeInvoiceId = row.stripeInvoiceId;
    invoiceRecordId = row.invoiceRecordId;
  });

  afterAll(async () => {
    await engine?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses an invoice named twice, not at all, or malformed, before connecting (exit 2)', async () => {
    for (const args of [[], ['--invoice', invoiceRecordId, '--contract', CONTRACT, '--period', '2026-11'], ['--contract', CONTRACT], ['--invoice', 'nonsense']]) {
      const result = await cli(['invoice', 'reconcile', ...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).not.toBe('');
    }
  });

  it('reports a period that has no Stripe invoice with its code', async () => {
    const result = await cli(['invoice', 'reconcile', '--contract', CONTRACT, '--period', '2026-12']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/invoice_not_issued/);
  });

  it('finds a draft edited in Stripe: status reconciliation_failed, the difference, the failure announced again, exit 4', async () => {
    const invoice = await stripe.invoices.retrieve(stripeInvoiceId);
    const stray = await stripe.invoiceItems.create({ customer: String(invoice.customer), invoice: stripeInvoiceId, amount: 500, currency: 'usd', description: 'added by hand' });
    const before = failures().length;

    const result = await cli(['invoice', 'reconcile', '--contract', CONTRACT, '--period', '2026-11', '--json']);
    expect(result.code).toBe(4);
    const report = JSON.parse(result.stdout) as ReconcileReport;
    expect(report).toMatchObject({
      contractId: CONTRACT,
      periodId: '2026-11',
      invoiceRecordId,
      stripeInvoiceId,
      status: 'reconciliation_failed',
      matched: false,
      engineTotal: '10000',
      stripeTotal: '10500',
      difference: '500',
    });
    expect(failures()).toHaveLength(before + 1);

    // Undo the edit in Stripe, then reconcile again by the Stripe invoice id.
    await stripe.invoiceItems.del(stray.id);
    const issuedBefore = issued().length;
    const fixed = await cli(['invoice', 'reconcile', '--invoice', stripeInvoiceId, '--json']);
    expect(fixed.stderr).toBe('');
    expect(fixed.code).toBe(0);
    expect(JSON.parse(fixed.stdout)).toMatchObject({ status: 'reconciled', matched: true, stripeTotal: '10000', difference: '0' });
    expect(issued()).toHaveLength(issuedBefore + 1);

    // By the engine's own id, for people: the same answer.
    const text = await cli(['invoice', 'reconcile', '--invoice', invoiceRecordId]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/status\s+reconciled/);
  });
});

// `outcome-engine invoice reconcile` on the local engine: a draft invoice
// edited in Stripe after its close no longer reconciles; once the edit is
// undone, the command reconciles it again and announces Invoice Issued.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeriodCloseReport } from '../../bin/cli/period-command';
import type { ReconcileReport } from '../../bin/cli/invoice-reconcile';
import { localEngineHarness, manualClock, monthlyContract } from '../support/local-engine-harness';

const CONTRACT = 'reconcile-e2e';
const { now, setNow } = manualClock('2026-11-20T12:00:00Z');

describe('invoice reconcile on the local engine', () => {
  // Drafts, so the invoice can still be edited in Stripe after the close.
  const harness = localEngineHarness({ name: 'reconcile', now, cliEnv: { FINALIZE_INVOICES: 'false' }, engine: { billing: { closeCheckIntervalMs: 0, emulatorSeed: 'invoice-reconcile-e2e' } } });
  const { busEvents } = harness;
  let engine: typeof harness.engine;
  let stripe: typeof harness.stripe;
  let stripeInvoiceId = '';
  let invoiceRecordId = '';

  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const result = await harness.cli(args);
    await engine.drain();
    return result;
  }

  const issued = () => busEvents.filter((e) => e.detailType === 'Invoice Issued' && e.detail['contractId'] === CONTRACT);
  const failures = () => busEvents.filter((e) => e.detailType === 'Invoice Reconciliation Failed' && e.detail['contractId'] === CONTRACT);

  beforeAll(async () => {
    await harness.start();
    engine = harness.engine;
    stripe = harness.stripe;
    await harness.loadCatalog({
      plans: [
        {
          kind: 'plan',
          code: 'reconcile-flat',
          name: 'Flat platform fee',
          currency: 'USD',
          versions: [{ version: 1, effectiveFrom: '2026-01-01', metrics: [], charges: [{ id: 'platform', name: 'Platform fee', model: 'flat', amount: '100.00' }] }],
        },
      ],
      contracts: [monthlyContract(CONTRACT, 'reconcile-flat')],
    });
    setNow('2026-12-03T00:00:00Z');
    const closed = await cli(['period', 'close', '--period', '2026-11', '--contract', CONTRACT, '--json']);
    expect(closed.code).toBe(0);
    const row = (JSON.parse(closed.stdout) as PeriodCloseReport).closed[0]!;
    expect(row).toMatchObject({ engineTotal: '10000', matched: true });
    stripeInvoiceId = row.stripeInvoiceId;
    invoiceRecordId = row.invoiceRecordId;
  });

  afterAll(() => harness.stop());

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

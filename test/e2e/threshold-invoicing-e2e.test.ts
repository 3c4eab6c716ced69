// Threshold invoicing on the local engine: outcomes sent with the real
// EventBridge client cross a contract's spend threshold; the ledger stream
// reader applies them to the rollups and the engine issues the threshold
// invoice in the Stripe emulator, announced once in the event journal; the
// period-end close then bills only the rest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeriodCloseReport } from '../../bin/cli/period-command';
import type { JournaledEvent } from '../../lib/local/event-journal';
import { busEntry, localEngineHarness, manualClock, monthlyContract, supportAutomationPlan } from '../support/local-engine-harness';

const CONTRACT = 'e2e-threshold-acme';
const { now, setNow } = manualClock('2026-11-20T12:00:00Z');

const resolved = (outcomeId: string, occurredAt: string) =>
  busEntry('Outcome Recorded', { outcomeId, customerId: 'acme', metric: 'ticket.resolved', occurredAt });

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
  const harness = localEngineHarness({ name: 'threshold', now, engine: { renewalRisk: false } });
  let engine: typeof harness.engine;

  const send = (prefix: string, count: number, occurredAt: string): Promise<void> =>
    harness.send(Array.from({ length: count }, (_, i) => resolved(`${prefix}-${i}`, occurredAt)));

  const invoicesIssued = async (): Promise<JournaledEvent[]> =>
    (await engine.events({ detailType: 'Invoice Issued' })).filter((event) => event.detail['contractId'] === CONTRACT);

  async function cli(args: string[]): Promise<{ code: number; stdout: string }> {
    const result = await harness.cli(args);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return result;
  }

  const stripeInvoices = () => harness.stripeInvoicesOf(CONTRACT);

  beforeAll(async () => {
    await harness.start();
    engine = harness.engine;
    await harness.loadCatalog({
      plans: [supportAutomationPlan('e2e-threshold')],
      contracts: [monthlyContract(CONTRACT, 'e2e-threshold', { thresholdInvoicing: { amount: '200.00' } })],
    });
  });

  afterAll(() => harness.stop());

  it('issues the threshold invoice once when spend crosses it, and the period-end invoice bills the rest', async () => {
    // 80 resolutions: 100.00 + 120.00 = 220.00 crosses 200.00. They arrive in
    // several PutEvents calls, so the stream reader may evaluate the contract
    // between two of them: the threshold invoice bills what was recorded when
    // spend first reached 200.00 (resolution 65 onwards: 200.00 to 220.00),
    // and the rest is billed later. The sum is what the test pins exactly.
    await send('nov-a', 80, '2026-11-10T09:00:00Z');
    const [issued] = await until('the threshold invoice', async () => {
      const found = (await invoicesIssued()).filter((event) => event.detail['periodId'] === '2026-11-threshold-1');
      return found.length > 0 ? found : undefined;
    });
    const thresholdTotal = Number(issued!.detail['engineTotal']);
    expect(thresholdTotal).toBeGreaterThanOrEqual(20_000);
    expect(thresholdTotal).toBeLessThanOrEqual(22_000);
    expect(issued!.detail['stripeTotal']).toBe(issued!.detail['engineTotal']);
    expect(issued!.source).toBe('outcome-engine');

    // 20 more (250.00 rated in all): what is not invoiced yet stays below the
    // threshold, so no second threshold invoice.
    await send('nov-b', 20, '2026-11-15T09:00:00Z');
    const unbilled = 25_000 - thresholdTotal;
    expect((await stripeInvoices()).map((invoice) => invoice.total)).toEqual([thresholdTotal]);
    // The CLI path runs the same evaluation once all 100 are in the rollups.
    const evaluated = await until('the CLI to see all 100 resolutions', async () => {
      const answer = JSON.parse((await cli(['invoice', 'thresholds', '--contract', CONTRACT, '--json'])).stdout) as { outcome: string; unbilled: string };
      return answer.unbilled === String(unbilled) ? answer : undefined;
    });
    expect(evaluated).toMatchObject({ outcome: 'below_threshold', unbilled: String(unbilled) });
    expect((await stripeInvoices()).map((invoice) => invoice.total)).toEqual([thresholdTotal]);

    setNow('2026-12-03T00:00:00Z');
    const closed = await cli(['period', 'close', '--period', '2026-11', '--contract', CONTRACT, '--json']);
    const report = JSON.parse(closed.stdout) as PeriodCloseReport;
    expect(report.failed).toEqual([]);
    // 100 resolutions: 250.00 rated, the threshold invoice's amount billed at the threshold, the rest at period end.
    const invoices = await stripeInvoices();
    expect(invoices.map((invoice) => [invoice.metadata?.['periodId'], invoice.total]).sort()).toEqual([
      ['2026-11', unbilled],
      ['2026-11-threshold-1', thresholdTotal],
    ]);
    const announced = await invoicesIssued();
    expect(announced.map((event) => event.detail['periodId']).sort()).toEqual(['2026-11', '2026-11-threshold-1']);

    // `invoice list` and `invoice explain` say which invoice is the threshold invoice.
    const listed = JSON.parse((await cli(['invoice', 'list', '--contract', CONTRACT, '--json'])).stdout) as { periodId: string; kind: string; total: { minor: string } }[];
    expect(listed.map((invoice) => [invoice.periodId, invoice.kind, invoice.total.minor])).toEqual([
      ['2026-11-threshold-1', 'threshold', String(thresholdTotal)],
      ['2026-11', 'period', String(unbilled)],
    ]);
    const explained = JSON.parse((await cli(['invoice', 'explain', '--invoice', `oe:${CONTRACT}:2026-11-threshold-1:r1`, '--json'])).stdout) as {
      kind: string;
      thresholdOf: { sequence: number; thresholdAmount: { minor: string } };
    };
    expect(explained).toMatchObject({ kind: 'threshold', thresholdOf: { sequence: 1, thresholdAmount: { minor: '20000' } } });
  }, 240_000);
});

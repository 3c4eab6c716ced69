// Renewal risk end to end from a real contract load, with billing on: the
// catalog, plan and contract go in through the CLI (`contracts load`
// announces 'Contract Changed' to the running engine, whose bus schedules the
// closes and the checks), outcomes come in through PutEvents month by month,
// and `clock advance` walks the term. Every month closes into a Stripe
// (emulator) invoice before the checks that follow it, so commitment burn and
// payment health are measured. The invoices are sent with 30 days to pay and
// the customer pays them in time, except June's, left unpaid past its due date,
// and July's, whose payment fails: the 120-day check opens a task, a dire
// September escalates it at 90 days, and once June and July are paid and
// October recovers, the 60-day check resolves it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RenewalTask } from '../../lambdas/application/risk/ports';
import type { RenewalRiskAssessment } from '../../lambdas/domain/risk/assess-renewal-risk';
import { busEntry, localEngineHarness } from '../support/local-engine-harness';

const CONTRACT = 'ctr-greenco-2026';
const TERM = '2026-01-01';
const TASK_ID = `${CONTRACT}#${TERM}#120d`;

interface ClockView {
  now: string;
  fired?: { scheduleName: string; fireAt: string; result?: { outcome: string; tier?: string; score?: number; action?: string; taskId?: string }; error?: string }[];
}

describe('renewal risk from a loaded contract, with billing, on the local clock', () => {
  const harness = localEngineHarness({
    name: 'risk-load',
    // Frozen: only `clock advance` moves time. The contract is signed on January 20.
    now: () => new Date('2026-01-20T12:00:00Z'),
    // The CLI gets only the data folder: it finds the engine (tables, bus, clock) from its state files, as a user's would.
    cliNow: () => harness.engine.clock.now(),
    engine: {
      seed: false,
      // Nobody pays unless this test says so: it pays by hand, late or never, to see payment health change.
      billing: { closeCheckIntervalMs: 0, emulatorSeed: randomUUID().slice(0, 8), emulatorCollectsPayments: false },
      renewalRisk: { tickIntervalMs: 0 },
    },
  });
  const { cli, cliJson, busEnvelopes: announced } = harness;
  const file = harness.writeDataFile;
  let engine: typeof harness.engine;
  let stripe: typeof harness.stripe;

  async function record(occurredAt: string, quantity: string): Promise<void> {
    const detail = { outcomeId: `greenco-${occurredAt}`, customerId: 'greenco', metric: 'energy.saved', occurredAt, quantity };
    await harness.send([busEntry('Outcome Recorded', detail, 'com.example.energy')]);
    expect(await engine.deadLetters()).toEqual([]);
  }
  const advanceTo = (to: string) => cliJson<ClockView>(['clock', 'advance', '--to', to]);
  const firedCheck = (view: ClockView, days: number) => view.fired?.find((f) => f.scheduleName === `rr.${CONTRACT}.${TERM}.${days}d`);
  const stripeInvoiceOf = async (periodId: string) => (await engine.billing!.service.invoices.getStatus(CONTRACT, periodId))?.stripeInvoiceId;
  /** The customer pays the period's invoice (by bank transfer, recorded in Stripe) at the engine's current time. */
  async function pay(periodId: string): Promise<void> {
    await stripe.invoices.pay((await stripeInvoiceOf(periodId))!, { paid_out_of_band: true });
    await engine.billing!.emulator!.webhookDeliveries();
  }
  const riskEvents = () => announced.filter((e) => e['detail-type'].startsWith('Renewal Risk') && (e.detail as { contractId?: string }).contractId === CONTRACT);

  beforeAll(async () => {
    await harness.start();
    engine = harness.engine;
    stripe = harness.stripe;
  }, 60_000);

  afterAll(() => harness.stop());

  it('loads the contract through the CLI, which announces it; the bus schedules its closes and checks', async () => {
    await cliJson(['catalog', 'load', file('catalog.json', {
      metrics: [{ code: 'energy.saved', name: 'Energy saved', unit: 'kWh', displayName: { singular: 'kWh saved', plural: 'kWh saved' }, aggregation: 'sum', billable: { when: 'immediately' } }],
      customers: [{ customerId: 'greenco', name: 'GreenCo' }],
    })]);
    await cliJson(['plans', 'load', file('plan.json', {
      kind: 'plan',
      code: 'energy-savings',
      name: 'Energy savings',
      currency: 'USD',
      versions: [{
        version: 1,
        effectiveFrom: '2026-01-01',
        metrics: [{ code: 'kwh', ledgerMetric: 'energy.saved', aggregation: 'sum_quantity' }],
        charges: [
          { id: 'platform', name: 'Platform fee', model: 'flat', amount: '1000.00' },
          { id: 'savings', name: 'Energy saved', model: 'per_unit', metric: 'kwh', unitPrice: '1.00' },
        ],
      }],
    })]);
    const loaded = await cliJson<{ items: unknown[]; announcement: { target: string } }>(['contracts', 'load', file('contract.json', {
      kind: 'contract',
      contractId: CONTRACT,
      customerId: 'greenco',
      plan: { code: 'energy-savings', version: 'latest' },
      termStart: TERM,
      termEnd: '2027-01-01',
      billingPeriod: { cadence: 'monthly' },
      timeZone: 'UTC',
      currency: 'USD',
      commitment: { trueUp: 'term_end', amountForTerm: '24000.00' },
      successTargets: [{ metric: 'energy.saved', measure: 'sum_quantity', targetPerPeriod: '1000' }],
      csmOwner: 'dana@vendor.example',
    })]);
    expect(loaded).toMatchObject({ items: [{ kind: 'contract', id: CONTRACT, status: 'created', revision: 1, announced: 'created' }], announcement: { target: 'local_engine' } });
    await engine.drain();

    // Read straight from the schedulers (no clock command has run a catch-up scan yet): the announcement did this.
    expect(announced.filter((e) => e['detail-type'] === 'Contract Changed').map((e) => e.detail)).toMatchObject([{ contractId: CONTRACT, change: 'created' }]);
    expect(engine.renewalRisk!.renewalScheduler.pending().filter((c) => c.payload.contractId === CONTRACT).map((c) => [c.payload.checkpointDays, c.fireAt])).toEqual([
      [180, '2026-07-05T09:00:00.000Z'],
      [120, '2026-09-03T09:00:00.000Z'],
      [90, '2026-10-03T09:00:00.000Z'],
      [60, '2026-11-02T09:00:00.000Z'],
      [30, '2026-12-02T09:00:00.000Z'],
    ]);
    expect(engine.billing!.scheduler.list().filter((c) => c.contractId === CONTRACT)).toHaveLength(12);
  });

  // One test per month, each well inside the test timeout on a loaded machine:
  // a month is a PutEvents call, a clock advance through its close (rating,
  // Stripe invoice, webhooks) and a payment. All seven in one test made a
  // timeout likely under load, and a timed-out test keeps running beside the
  // next one, which then moves the clock under it.
  const MONTHS: readonly (readonly [period: string, quantity: string])[] = [
    ['2026-01', '1000'],
    ['2026-02', '1000'],
    ['2026-03', '1000'],
    ['2026-04', '1000'],
    ['2026-05', '1000'],
    ['2026-06', '1000'],
    ['2026-07', '600'],
  ];
  it.each(MONTHS.map(([period, quantity], index) => [period, quantity, index] as const))(
    'bills %s (%s kWh) into a Stripe invoice before the checks',
    async (period, quantity, index) => {
      await record(`${period}-20T10:00:00Z`, quantity);
      const next = MONTHS[index + 1]?.[0];
      await advanceTo(next ? `${next}-20T12:00:00Z` : '2026-08-03T00:00:00Z');
      expect(await stripeInvoiceOf(period)).toMatch(/^in_/);
      if (index === 0) {
        // January closed on February 2; as of February 1 nothing had gone to Stripe yet.
        const before = await cliJson<RenewalRiskAssessment>(['risk', 'check', '--contract', CONTRACT, '--as-of', '2026-02-01T00:00:00Z']);
        expect(before.signals.find((s) => s.code === 'payment_health')).toMatchObject({ applicable: false });
        const after = await cliJson<RenewalRiskAssessment>(['risk', 'check', '--contract', CONTRACT]);
        expect(after.signals.find((s) => s.code === 'payment_health')).toMatchObject({ applicable: true, value: '0' });
      }
      // January to May are paid on the 20th of the month after, well before their due dates; June is not paid.
      if (index < 5) await pay(period);
    },
  );

  it('leaves June past due by its due date alone, and July due 30 days after its close', async () => {
    // $2,000 a month, then $1,600 for July, each due 30 days after its close.
    const july = await stripe.invoices.retrieve((await stripeInvoiceOf('2026-07'))!);
    expect([july.total, july.collection_method, july.due_date]).toEqual([160000, 'send_invoice', Date.parse('2026-09-01T00:00:00Z') / 1000]);
    // June's due date (August 1) has passed without a payment or a failed one: past due by its due date alone.
    const june = await stripeInvoiceOf('2026-06');
    const early = await cliJson<RenewalRiskAssessment>(['risk', 'check', '--contract', CONTRACT]);
    expect(early.signals.find((s) => s.code === 'payment_health')).toMatchObject({ applicable: true, value: '1', details: { failedPaymentsInWindow: 0 } });
    expect(early.reasons.filter((r) => r.signal === 'payment_health').map((r) => r.message)).toEqual([`invoice ${june} ($2,000.00) is 2 days past due`]);
    // As of the day before, it was not due yet.
    const asOf = await cliJson<RenewalRiskAssessment>(['risk', 'check', '--contract', CONTRACT, '--as-of', '2026-07-31T12:00:00Z']);
    expect(asOf.signals.find((s) => s.code === 'payment_health')).toMatchObject({ applicable: true, value: '0' });
  });

  it('opens a task at 120 days: the July payment failed and usage fell', async () => {
    // July's automatic charge is declined right after its close.
    engine.billing!.emulator!.failInvoicePayment((await stripeInvoiceOf('2026-07'))!);
    await engine.billing!.emulator!.webhookDeliveries();
    await advanceTo('2026-08-20T12:00:00Z');
    await record('2026-08-20T10:00:00Z', '300');

    // August closes on September 2, before the check on September 3 sees it.
    const view = await advanceTo('2026-09-04T00:00:00Z');
    expect(view.fired?.map((f) => f.fireAt)).toEqual(['2026-09-03T09:00:00.000Z']);
    // The clock stopped at August's close time and closed it there, a day before the check.
    expect((await engine.billing!.service.invoices.getRecord(CONTRACT, '2026-08'))?.ratedAt).toBe('2026-09-02T00:00:00.000Z');
    expect(firedCheck(view, 120)?.result).toMatchObject({ outcome: 'checked', action: 'create', taskId: TASK_ID });
    const [task] = await cliJson<RenewalTask[]>(['tasks', 'list', '--contract', CONTRACT]);
    expect(task).toMatchObject({ id: TASK_ID, status: 'open', owner: 'dana@vendor.example', recommendedPlay: { code: 'usage_drop_investigation' } });
    expect([task?.tier, task?.score]).toEqual(['at_risk', 59]);
    expect(task?.priority).toMatchObject({ rank: 'P2', revenueAtRiskMinor: '2400000', expectedRevenueAtRiskMinor: '1416000', revenueAtRiskBasis: 'commitment' });
    const julyInvoice = await stripeInvoiceOf('2026-07');
    expect(task?.reasons.map((r) => r.message)).toEqual([
      'kWh saved down 65% on the prior quarter: 300 in the latest month against a baseline of 866.7 per month',
      '300 of 1,000 targeted kWh saved per month (30%), down 65% on the prior quarter; 86% of target to date, 78% projected by term end (9,383 of 12,000)',
      '1 failed payment in the last 90 days, 1 not yet recovered',
      // June from its due date (August 1); July from its failed payment, which came before its due date (September 1).
      `invoice ${await stripeInvoiceOf('2026-06')} ($2,000.00) is 33 days past due`,
      `invoice ${julyInvoice} ($1,600.00) is 31 days past due`,
      // Nothing at all reached this ledger since August 20: the freshness mark says so, and the gap is counted only to it.
      'ledger data is 13 days old (newest record 2026-08-20T12:00:00Z); usage signals may lag reality',
    ]);
    // Eight closed months ($14,900) extended to the year, against $24,000 committed.
    const assessment = await cliJson<RenewalRiskAssessment>(['risk', 'check', '--contract', CONTRACT, '--as-of', '2026-09-03T09:00:00Z']);
    expect(assessment.signals.find((s) => s.code === 'commitment_burn')).toMatchObject({ applicable: true, details: { spendToDateMinor: '1490000' } });
  });

  it('escalates the task at 90 days after a dire September', async () => {
    await advanceTo('2026-09-20T12:00:00Z');
    await pay('2026-08');
    await record('2026-09-20T10:00:00Z', '100');
    const view = await advanceTo('2026-10-04T00:00:00Z');
    expect(firedCheck(view, 90)?.result).toMatchObject({ tier: 'critical', action: 'escalate', taskId: TASK_ID });
    const [task] = await cliJson<RenewalTask[]>(['tasks', 'list', '--contract', CONTRACT]);
    expect(task).toMatchObject({ tier: 'critical', escalations: [{ toTier: 'critical', checkpointDays: 90 }] });
    const shown = await cli(['tasks', 'show', '--task', TASK_ID]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^customer\s+GreenCo \(greenco\)$/m);
    expect(shown.stdout).toContain('created at the 120-day checkpoint: at_risk (59)');
    expect(shown.stdout).toMatch(/escalated at the 90-day checkpoint: at_risk -> critical/);
  });

  it('resolves the task at 60 days once June and July are paid and October recovers', async () => {
    for (const period of ['2026-06', '2026-07', '2026-09']) await pay(period);
    await advanceTo('2026-10-31T12:00:00Z');
    await record('2026-10-31T10:00:00Z', '4000');
    const view = await advanceTo('2026-11-03T00:00:00Z');
    const check = firedCheck(view, 60)?.result;
    expect(check).toMatchObject({ tier: 'healthy', action: 'resolve', taskId: TASK_ID });
    expect(await cliJson<RenewalTask[]>(['tasks', 'list', '--contract', CONTRACT])).toEqual([]);

    await engine.drain();
    expect(riskEvents().map((e) => e['detail-type'])).toEqual(['Renewal Risk Task Created', 'Renewal Risk Escalated', 'Renewal Risk Resolved']);
  });

  it('records the renewal result for the term and backtests it from the first at-risk task', async () => {
    const recorded = await cliJson<{ status: string; resolvedTasks: unknown[] }>(['contracts', 'renewal-result', '--contract', CONTRACT, '--result', 'downsized']);
    expect(recorded).toMatchObject({ status: 'recorded', resolvedTasks: [] });
    const report = await cliJson<{ contracts: number; lost: number; medianLeadTimeDays?: string; atRiskOrCritical: { flagged: number } }>(['risk', 'backtest']);
    // The task was handed over on 2026-09-03T09:00Z, 119 days and 15 hours before term end.
    expect(report).toMatchObject({ contracts: 1, lost: 1, medianLeadTimeDays: '119.6', atRiskOrCritical: { flagged: 1 } });
  });
});

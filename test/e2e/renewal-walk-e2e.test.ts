// A whole contract term as a CSM lives it, on the local engine's clock:
// three contracts of the same plan (Hale stays healthy, Dwindle declines,
// Rebound dips and recovers) are loaded through the CLI, outcomes arrive
// month by month through PutEvents, every month closes into a Stripe
// (emulator) invoice which the emulator's customers pay on its due date by
// themselves, and `clock advance` walks the checkpoints. Along the way
// Dwindle's CSM changes (its open task follows) and Rebound's target and
// Dwindle's commitment change (a past `risk check --as-of` still answers as
// it did). At the end: the task list and `tasks show` as the CSM reads them,
// the renewal results, and the backtest per checkpoint.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RenewalTaskView } from '../../lambdas/application/risk/manage-renewal-tasks';
import type { RenewalRiskAssessment } from '../../lambdas/domain/risk/assess-renewal-risk';
import type { RiskBacktestReport } from '../../lambdas/domain/risk/backtest-risk-tiers';
import { busEntry, localEngineHarness } from '../support/local-engine-harness';

const TERM = '2026-01-01';
const CUSTOMERS = { hale: 'Hale Health', dwin: 'Dwindle Ltd', rebo: 'Rebound Inc' } as const;
type Customer = keyof typeof CUSTOMERS;
const contractOf = (customer: Customer) => `ctr-${customer}`;
const taskOf = (customer: Customer, days: number) => `${contractOf(customer)}#${TERM}#${days}d`;

// Resolutions per month; the target is 1,000.
const MONTHS: readonly (readonly [period: string, quantities: Record<Customer, string>])[] = [
  ['2026-01', { hale: '1000', dwin: '1000', rebo: '1000' }],
  ['2026-02', { hale: '1000', dwin: '1000', rebo: '1000' }],
  ['2026-03', { hale: '1000', dwin: '1000', rebo: '1000' }],
  ['2026-04', { hale: '1000', dwin: '1000', rebo: '1000' }],
  ['2026-05', { hale: '1000', dwin: '1000', rebo: '1000' }],
  ['2026-06', { hale: '1000', dwin: '1000', rebo: '1000' }],
  ['2026-07', { hale: '1000', dwin: '500', rebo: '500' }],
  ['2026-08', { hale: '1000', dwin: '300', rebo: '300' }],
];

interface FiredCheck {
  scheduleName: string;
  fireAt: string;
  result?: { outcome: string; tier?: string; score?: number; action?: string; taskId?: string };
  error?: string;
}
interface ClockView {
  now: string;
  fired?: FiredCheck[];
}

/** An e2e step on a loaded 2-core machine: each runs closes, payments and checks in-process. */
const STEP_TIMEOUT = 300_000;

describe('a renewal term walked on the local clock: three contracts, a CSM change, a target change, self-paying customers', () => {
  const harness = localEngineHarness({
    name: 'walk',
    // Frozen: only `clock advance` moves time. The contracts are signed on January 20.
    now: () => new Date('2026-01-20T12:00:00Z'),
    // The CLI gets only the data folder: it finds the engine (tables, bus, clock, Stripe emulator) from its state files.
    cliNow: () => harness.engine.clock.now(),
    engine: {
      seed: false,
      // The emulator's customers pay by themselves (the default), on the engine's clock.
      billing: { closeCheckIntervalMs: 0, emulatorSeed: randomUUID().slice(0, 8) },
      renewalRisk: { tickIntervalMs: 0 },
    },
  });
  const { cli, cliJson, busEnvelopes: announced } = harness;
  const file = harness.writeDataFile;
  let engine: typeof harness.engine;
  let stripe: typeof harness.stripe;
  /** `risk check --as-of` the 120-day check's moment, asked before anything changed. */
  const asOf120 = new Map<Customer, RenewalRiskAssessment>();

  function contract(customer: Customer, overrides: Record<string, unknown> = {}) {
    return {
      kind: 'contract',
      contractId: contractOf(customer),
      customerId: customer,
      plan: { code: 'support-outcomes', version: 'latest' },
      termStart: TERM,
      termEnd: '2027-01-01',
      billingPeriod: { cadence: 'monthly' },
      timeZone: 'UTC',
      currency: 'USD',
      commitment: { trueUp: 'term_end', amountForTerm: '18000.00' },
      successTargets: [{ metric: 'ticket.resolved', measure: 'sum_quantity', targetPerPeriod: '1000' }],
      csmOwner: 'ana@vendor.example',
      ...overrides,
    };
  }
  async function record(occurredAt: string, quantities: Partial<Record<Customer, string>>): Promise<void> {
    const entries = Object.entries(quantities).map(([customer, quantity]) =>
      busEntry('Outcome Recorded', { outcomeId: `${customer}-${occurredAt}`, customerId: customer, metric: 'ticket.resolved', occurredAt, quantity }),
    );
    await harness.send(entries);
    expect(await engine.deadLetters()).toEqual([]);
  }
  const advanceTo = (to: string) => cliJson<ClockView>(['clock', 'advance', '--to', to]);
  const firedFor = (view: ClockView, customer: Customer, days: number) => view.fired?.find((f) => f.scheduleName === `rr.${contractOf(customer)}.${TERM}.${days}d`);
  const stripeInvoiceOf = async (customer: Customer, periodId: string) => (await engine.billing!.service.invoices.getStatus(contractOf(customer), periodId))?.stripeInvoiceId;
  const assess = (customer: Customer, asOf?: string) =>
    cliJson<RenewalRiskAssessment>(['risk', 'check', '--contract', contractOf(customer), ...(asOf ? ['--as-of', asOf] : [])]);

  beforeAll(async () => {
    await harness.start();
    engine = harness.engine;
    stripe = harness.stripe;
  }, 120_000);

  afterAll(() => harness.stop());

  it('loads the catalog (with display names), the plan and three contracts through the CLI', async () => {
    await cliJson(['catalog', 'load', file('catalog.json', {
      metrics: [{ code: 'ticket.resolved', name: 'Resolved ticket', unit: 'ticket', displayName: { singular: 'resolution', plural: 'resolutions' }, aggregation: 'sum', billable: { when: 'immediately' } }],
      customers: Object.entries(CUSTOMERS).map(([customerId, name]) => ({ customerId, name })),
    })]);
    await cliJson(['plans', 'load', file('plan.json', {
      kind: 'plan',
      code: 'support-outcomes',
      name: 'Support outcomes',
      currency: 'USD',
      versions: [{
        version: 1,
        effectiveFrom: '2026-01-01',
        metrics: [{ code: 'resolutions', ledgerMetric: 'ticket.resolved', aggregation: 'sum_quantity' }],
        charges: [
          { id: 'platform', name: 'Platform fee', model: 'flat', amount: '1000.00' },
          { id: 'resolutions', name: 'Resolutions', model: 'per_unit', metric: 'resolutions', unitPrice: '0.50' },
        ],
      }],
    })]);
    const loaded = await cliJson<{ items: { id: string; status: string }[] }>(['contracts', 'load', ...(['hale', 'dwin', 'rebo'] as const).map((c) => file(`${c}.json`, contract(c)))]);
    expect(loaded.items.map((item) => [item.id, item.status])).toEqual([['ctr-hale', 'created'], ['ctr-dwin', 'created'], ['ctr-rebo', 'created']]);
    await engine.drain();
    // Checks at 180 (the earlier default checkpoint), 120, 90, 60 and 30 days before term end.
    expect(engine.renewalRisk!.renewalScheduler.pending().filter((c) => c.payload.contractId === 'ctr-dwin').map((c) => [c.payload.checkpointDays, c.fireAt])).toEqual([
      [180, '2026-07-05T09:00:00.000Z'],
      [120, '2026-09-03T09:00:00.000Z'],
      [90, '2026-10-03T09:00:00.000Z'],
      [60, '2026-11-02T09:00:00.000Z'],
      [30, '2026-12-02T09:00:00.000Z'],
    ]);
  }, STEP_TIMEOUT);

  it.each(MONTHS.map(([period, quantities], index) => [period, quantities, index] as const))(
    'bills %s; each customer pays its invoice on the due date by itself',
    async (period, quantities, index) => {
      await record(`${period}-20T10:00:00Z`, quantities);
      const next = MONTHS[index + 1]?.[0];
      if (!next) return; // August closes on September 2, on the way to the 120-day check.
      const view = await advanceTo(`${next}-20T12:00:00Z`);
      for (const customer of ['hale', 'dwin', 'rebo'] as const) expect(await stripeInvoiceOf(customer, period)).toMatch(/^in_/);
      if (period === '2026-06') {
        // The 180-day check (July 5) found every contract healthy: June was on target.
        for (const customer of ['hale', 'dwin', 'rebo'] as const) expect(firedFor(view, customer, 180)?.result).toMatchObject({ outcome: 'checked', action: 'none' });
      }
    },
    STEP_TIMEOUT,
  );

  it('has every invoice due by now paid by the emulator, so payment health is clean; stripe pay and payments work from the CLI', async () => {
    // January to June closed and fell due 30 days after their close: paid on the due date, with the webhooks Stripe sends.
    for (const customer of ['hale', 'dwin', 'rebo'] as const) {
      const january = await stripe.invoices.retrieve((await stripeInvoiceOf(customer, '2026-01'))!);
      expect([january.status, january.status_transitions.paid_at]).toEqual(['paid', january.due_date]);
      const health = (await assess(customer)).signals.find((s) => s.code === 'payment_health');
      expect(health).toMatchObject({ applicable: true, value: '0' });
    }
    const signals = announced.filter((e) => e['detail-type'] === 'Payment Signal Recorded' && (e.detail as { type?: string }).type === 'invoice.paid');
    expect(signals.length).toBeGreaterThanOrEqual(18);

    // Hale pays no more by itself; its July invoice (due August 31) is paid by hand instead.
    const set = await cliJson<{ customers: Record<string, unknown> }>(['stripe', 'payments', '--customer', 'hale', '--behaviour', 'never']);
    expect(set.customers).toEqual({ hale: { kind: 'never' } });
    const julyInvoice = (await stripeInvoiceOf('hale', '2026-07'))!;
    const paid = await cliJson<{ id: string; status: string }>(['stripe', 'pay', '--invoice', julyInvoice]);
    expect(paid).toMatchObject({ id: julyInvoice, status: 'paid' });
    await engine.billing!.emulator!.webhookDeliveries();
    await engine.drain();
    expect(announced.some((e) => e['detail-type'] === 'Payment Signal Recorded' && (e.detail as { stripeObjectId?: string }).stripeObjectId === julyInvoice)).toBe(true);
    const refused = await cli(['stripe', 'void', '--invoice', julyInvoice]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/only void an open or uncollectible invoice/);
    expect((await cli(['stripe', 'payments', '--customer', 'hale', '--behaviour', 'sometimes'])).stderr).toMatch(/"sometimes" is not a payment behaviour/);
    await cliJson(['stripe', 'payments', '--customer', 'hale', '--behaviour', 'default']);
  }, STEP_TIMEOUT);

  it('opens tasks at 120 days for the declining and the dipping contract, none for the healthy one', async () => {
    const view = await advanceTo('2026-09-04T00:00:00Z');
    expect(firedFor(view, 'hale', 120)?.result).toMatchObject({ outcome: 'checked', action: 'none' });
    for (const customer of ['dwin', 'rebo'] as const) {
      expect(firedFor(view, customer, 120)?.result).toMatchObject({ outcome: 'checked', action: 'create', taskId: taskOf(customer, 120) });
      asOf120.set(customer, await assess(customer, '2026-09-03T09:00:00Z'));
    }
    const [task] = await cliJson<RenewalTaskView[]>(['tasks', 'list', '--contract', 'ctr-dwin']);
    // The check's own answer is the as-of answer at its moment.
    expect([task?.tier, task?.score, task?.reasons]).toEqual([asOf120.get('dwin')?.tier, asOf120.get('dwin')?.score, asOf120.get('dwin')?.reasons]);
    expect(task?.reasons.map((r) => r.message).join('\n')).toContain('of 1,000 targeted resolutions per month');
  }, STEP_TIMEOUT);

  it('moves the open task to the new CSM, and answers a past risk check as it did, after a change of CSM, commitment and target', async () => {
    await advanceTo('2026-09-10T12:00:00Z');
    const loaded = await cliJson<{ items: { id: string; status: string }[] }>(['contracts', 'load',
      file('dwin-2.json', contract('dwin', { csmOwner: 'bo@vendor.example', commitment: { trueUp: 'term_end', amountForTerm: '24000.00' } })),
      file('rebo-2.json', contract('rebo', { successTargets: [{ metric: 'ticket.resolved', measure: 'sum_quantity', targetPerPeriod: '800' }] })),
    ]);
    expect(loaded.items.map((item) => [item.id, item.status])).toEqual([['ctr-dwin', 'updated'], ['ctr-rebo', 'updated']]);
    await engine.drain();
    const reassigned = announced.filter((e) => e['detail-type'] === 'Renewal Risk Task Reassigned');
    expect(reassigned.map((e) => e.detail)).toMatchObject([{ contractId: 'ctr-dwin', fromOwner: 'ana@vendor.example', toOwner: 'bo@vendor.example' }]);
    expect((await cliJson<RenewalTaskView[]>(['tasks', 'list', '--owner', 'bo@vendor.example'])).map((t) => t.id)).toEqual([taskOf('dwin', 120)]);
    expect((await cliJson<RenewalTaskView[]>(['tasks', 'list', '--owner', 'ana@vendor.example'])).map((t) => t.id)).toEqual([taskOf('rebo', 120)]);

    for (const customer of ['dwin', 'rebo'] as const) {
      // Field for field what it answered before the changes.
      expect(await assess(customer, '2026-09-03T09:00:00Z')).toEqual(asOf120.get(customer));
    }
    // Now, the new revisions: the new CSM, commitment and target.
    expect(await assess('dwin')).toMatchObject({ csmOwner: 'bo@vendor.example' });
    expect((await assess('rebo', '2026-09-10T12:00:00Z')).reasons.map((r) => r.message).join('\n')).not.toEqual(asOf120.get('rebo')?.reasons.map((r) => r.message).join('\n'));
  }, STEP_TIMEOUT);

  it('re-assesses at 90 and 60 days: Dwindle keeps declining, Rebound recovers and its task resolves', async () => {
    // The contract change re-ran the latest passed checkpoint (120) five minutes after it: a catch-up, the same task key.
    const catchUp = await advanceTo('2026-09-20T12:00:00Z');
    expect(firedFor(catchUp, 'dwin', 120)).toMatchObject({ fireAt: '2026-09-10T12:05:00.000Z', result: { outcome: 'checked', taskId: taskOf('dwin', 120) } });
    await record('2026-09-20T10:00:00Z', { hale: '1000', dwin: '200', rebo: '1500' });
    const at90 = await advanceTo('2026-10-04T00:00:00Z');
    await advanceTo('2026-10-20T12:00:00Z');
    await record('2026-10-20T10:00:00Z', { hale: '1000', dwin: '150', rebo: '3000' });
    // The first outcomes of November arrive before the 60-day check, so its data is fresh.
    await advanceTo('2026-11-01T12:00:00Z');
    await record('2026-11-01T10:00:00Z', { hale: '40', dwin: '5', rebo: '120' });
    const at60 = await advanceTo('2026-11-03T00:00:00Z');
    // Hale never had a task; Dwindle's is re-assessed or escalated at each checkpoint.
    for (const view of [at90, at60]) expect(view.fired?.filter((f) => f.scheduleName.startsWith('rr.ctr-hale.')).map((f) => f.result?.action)).toEqual(['none']);
    expect(['reassess', 'escalate']).toContain(firedFor(at90, 'dwin', 90)?.result?.action);
    expect(['reassess', 'escalate']).toContain(firedFor(at60, 'dwin', 60)?.result?.action);
    // Rebound is healthy again at 90 days, but on data 13 days old (nothing since September 20): a task is
    // never resolved on stale data. At 60 days, with fresh data, it is.
    expect(firedFor(at90, 'rebo', 90)?.result).toMatchObject({ tier: 'healthy', action: 'none' });
    expect(firedFor(at60, 'rebo', 60)?.result).toMatchObject({ tier: 'healthy', action: 'resolve', taskId: taskOf('rebo', 120) });
    const [rebo] = await cliJson<RenewalTaskView[]>(['tasks', 'list', '--contract', 'ctr-rebo', '--all']);
    expect(rebo).toMatchObject({ id: taskOf('rebo', 120), status: 'resolved', resolution: { kind: 'risk_cleared', checkpointDays: 60 } });
    expect(rebo?.history.at(-1)).toMatchObject({ kind: 'resolved' });
  }, STEP_TIMEOUT);

  it('shows the CSM the task: the list with customer, current tier and score, revenue at risk and the whole top reason; tasks show with everything', async () => {
    const [task] = await cliJson<RenewalTaskView[]>(['tasks', 'list', '--owner', 'bo@vendor.example']);
    expect(task).toMatchObject({ id: taskOf('dwin', 120), customerName: 'Dwindle Ltd', owner: 'bo@vendor.example' });
    const listed = await cli(['tasks', 'list', '--owner', 'bo@vendor.example']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('Dwindle Ltd (dwin)');
    expect(listed.stdout).toContain(`${task!.tier} (${task!.score})`);
    // Revenue at risk from the commitment in force at the latest check (raised to $24,000 in September).
    expect(task?.priority).toMatchObject({ revenueAtRiskMinor: '2400000', revenueAtRiskBasis: 'commitment' });
    expect(listed.stdout).toContain('$24,000.00');
    // The top reason whole, however long, wrapped at word boundaries.
    const words = (text: string) => text.split(/\s+/).filter((w) => w !== '').join(' ');
    expect(words(listed.stdout)).toContain(words(task!.reasons[0]!.message));
    const shown = await cli(['tasks', 'show', '--task', taskOf('dwin', 120)]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^customer\s+Dwindle Ltd \(dwin\)$/m);
    for (const reason of task!.reasons) expect(words(shown.stdout)).toContain(words(reason.message));
    expect(shown.stdout).toMatch(/SIGNAL\s+VALUE\s+THRESHOLD\s+WEIGHT\s+POINTS/);
    expect(shown.stdout).toMatch(/^value\s+\S/m);
    expect(shown.stdout).toMatch(/^revenue at risk\s+\$/m);
    expect(shown.stdout).toContain('created at the 120-day checkpoint');
    expect(shown.stdout).toContain('reassigned from ana@vendor.example to bo@vendor.example');
    expect(shown.stdout).toMatch(/(re-assessed|escalated) at the 90-day checkpoint/);
    expect(shown.stdout).toMatch(/(re-assessed|escalated) at the 60-day checkpoint/);
  }, STEP_TIMEOUT);

  it('records the renewal results and backtests them per checkpoint', async () => {
    await cliJson(['contracts', 'renewal-result', '--contract', 'ctr-dwin', '--result', 'churned']);
    await cliJson(['contracts', 'renewal-result', '--contract', 'ctr-rebo', '--result', 'renewed']);
    await cliJson(['contracts', 'renewal-result', '--contract', 'ctr-hale', '--result', 'renewed']);
    const report = await cliJson<RiskBacktestReport>(['risk', 'backtest']);
    expect(report).toMatchObject({ contracts: 3, lost: 1, atRiskOrCritical: { flagged: 2, truePositives: 1 } });
    // Dwindle's loss was first caught at the 120-day checkpoint (2026-09-03T09:00Z, 119 days 15 hours before term end).
    expect(report.byCheckpoint).toEqual([{ checkpointDays: 120, firstCaught: 1, medianLeadTimeDays: '119.6' }]);
    const text = await cli(['risk', 'backtest']);
    expect(text.stdout).toContain('first caught at the 120-day checkpoint: 1 lost contract, median lead time 119.6 days');
  }, STEP_TIMEOUT);
});

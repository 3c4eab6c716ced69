// Period close through the local engine: outcomes sent with the real
// EventBridge client, the period closed with the CLI, invoices in the Stripe
// emulator the engine serves, webhooks back into the engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvoiceExplanation } from '../../bin/cli/invoice-explain';
import { busEntry as entry, localEngineHarness, manualClock, monthlyContract, supportAutomationPlan } from '../support/local-engine-harness';

const CONTRACT = 'e2e-acme-support';
const { now, setNow } = manualClock('2026-11-20T12:00:00Z');
const resolved = (outcomeId: string, occurredAt: string) =>
  entry('Outcome Recorded', { outcomeId, customerId: 'acme', metric: 'ticket.resolved', occurredAt });

describe('period close end to end on the local engine', () => {
  // No connection flags on the CLI: it finds the engine (and its Stripe) through the data folder.
  const harness = localEngineHarness({ name: 'period-close', now });
  const { busEvents, send, cli } = harness;
  const close = harness.closePeriod;
  const invoicesOfContract = () => harness.stripeInvoicesOf(CONTRACT);
  let engine: typeof harness.engine;
  let stripe: typeof harness.stripe;

  beforeAll(async () => {
    await harness.start();
    engine = harness.engine;
    stripe = harness.stripe;
    await harness.loadCatalog({ plans: [supportAutomationPlan('e2e-support')], contracts: [monthlyContract(CONTRACT, 'e2e-support')] });
  });

  afterAll(() => harness.stop());

  let novemberInvoiceId = '';
  let novemberRecordId = '';
  let decemberInvoiceId = '';

  it('closes November into one Stripe invoice whose total is the rated total to the cent', async () => {
    await send(Array.from({ length: 7 }, (_, i) => resolved(`nov-${i}`, `2026-11-${String(10 + i)}T09:00:00Z`)));
    setNow('2026-12-03T00:00:00Z');
    const report = await close('2026-11', ['--contract', CONTRACT]);
    expect(report.failed).toEqual([]);
    expect(report.closed).toHaveLength(1);
    const closed = report.closed[0]!;
    // 100.00 platform fee + 7 x 1.50
    expect(closed).toMatchObject({ contractId: CONTRACT, engineTotal: '11050', stripeTotal: '11050', matched: true, status: 'reconciled', recordCreated: true, itemsCreated: 2, cutoff: '2026-12-02T00:00:00.000Z' });
    novemberInvoiceId = closed.stripeInvoiceId;
    novemberRecordId = closed.invoiceRecordId;

    const invoice = await stripe.invoices.retrieve(novemberInvoiceId);
    expect(invoice.total).toBe(11050);
    expect(invoice.currency).toBe('usd');
    expect(invoice.status).toBe('open');
    const items = await stripe.invoiceItems.list({ invoice: novemberInvoiceId, limit: 100 });
    expect(items.data.map((item) => item.amount).sort((a, b) => a - b)).toEqual([1050, 10000]);
    expect(items.data.every((item) => item.metadata?.['periodId'] === '2026-11')).toBe(true);
    expect(busEvents.filter((e) => e.detailType === 'Invoice Issued').map((e) => e.detail['engineTotal'])).toEqual(['11050']);
  });

  it('re-running the close (by contract, then for every contract) creates nothing new in Stripe', async () => {
    const again = await close('2026-11', ['--contract', CONTRACT]);
    expect(again.closed[0]).toMatchObject({ recordCreated: false, itemsCreated: 0, stripeInvoiceId: novemberInvoiceId, engineTotal: '11050' });
    const all = await close('2026-11');
    expect(all.closed.map((row) => [row.contractId, row.itemsCreated, row.stripeInvoiceId])).toEqual([[CONTRACT, 0, novemberInvoiceId]]);
    expect(await invoicesOfContract()).toHaveLength(1);
    expect((await stripe.invoiceItems.list({ invoice: novemberInvoiceId, limit: 100 })).data).toHaveLength(2);
  });

  it('records the webhook invoice.paid as a payment signal on the bus; a tampered delivery is refused', async () => {
    await stripe.invoices.pay(novemberInvoiceId, { paid_out_of_band: true });
    const emulator = engine.billing!.emulator!;
    const deliveries = await emulator.webhookDeliveries();
    const paid = deliveries.filter((delivery) => delivery.type === 'invoice.paid');
    expect(paid.map((delivery) => delivery.status)).toEqual([200]);
    await engine.drain();
    const signals = busEvents.filter((e) => e.detailType === 'Payment Signal Recorded' && e.detail['type'] === 'invoice.paid');
    expect(signals).toHaveLength(1);
    expect(signals[0]!.detail).toMatchObject({ stripeInvoiceId: novemberInvoiceId, contractId: CONTRACT, periodId: '2026-11', amountPaid: '11050' });

    const paidEvent = emulator.events('invoice.paid')[0]!;
    const tampered = await emulator.resendEvent(paidEvent.id, 'bad-signature');
    expect(tampered.status).toBe(400);
    // The redelivered original is acknowledged without a second signal.
    await emulator.resendEvent(paidEvent.id);
    await engine.drain();
    expect(busEvents.filter((e) => e.detailType === 'Payment Signal Recorded' && e.detail['type'] === 'invoice.paid')).toHaveLength(1);
  });

  it('bills a late November outcome as an adjustment line on December\'s invoice, labelled with November', async () => {
    setNow('2026-12-05T00:00:00Z');
    await send([resolved('nov-late', '2026-11-29T10:00:00Z'), resolved('dec-0', '2026-12-04T10:00:00Z'), resolved('dec-1', '2026-12-04T11:00:00Z')]);
    setNow('2027-01-03T00:00:00Z');
    const report = await close('2026-12', ['--contract', CONTRACT]);
    const closed = report.closed[0]!;
    // 100.00 + 2 x 1.50 for December, + 1.50 adjustment for November
    expect(closed).toMatchObject({ engineTotal: '10450', stripeTotal: '10450', matched: true });
    expect(closed.corrections).toEqual([expect.objectContaining({ periodId: '2026-11', adjustmentLines: 1, creditNotes: [] })]);
    decemberInvoiceId = closed.stripeInvoiceId;
    const items = await stripe.invoiceItems.list({ invoice: decemberInvoiceId, limit: 100 });
    const adjustment = items.data.find((item) => item.description?.includes('2026-11'));
    expect(adjustment?.amount).toBe(150);
    expect(adjustment?.description).toMatch(/Adjustment for 2026-11/);
    expect((await stripe.invoices.retrieve(decemberInvoiceId)).total).toBe(10450);
    // November's own invoice is untouched.
    expect((await stripe.invoices.retrieve(novemberInvoiceId)).total).toBe(11050);
  });

  it('credits a reversed December outcome on December\'s invoice at once, with a credit note for exactly the rated difference', async () => {
    setNow('2027-01-05T00:00:00Z');
    await send([entry('Outcome Reversed', { outcomeId: 'dec-1', reason: 'ticket reopened by the customer' })]);
    // The ledger announced the reversal (recorded after December's grace) and the
    // InvoicedPeriodCorrections route credited December before any later close.
    expect(busEvents.filter((e) => e.detailType === 'Outcome Adjustment Recorded' && e.detail['kind'] === 'reversed').map((e) => e.detail)).toEqual([
      expect.objectContaining({ outcomeId: 'dec-1', kind: 'reversed', customerId: 'acme', occurredAt: '2026-12-04T11:00:00.000Z' }),
    ]);
    const notes = await stripe.creditNotes.list({ invoice: decemberInvoiceId, limit: 10 });
    expect(notes.data).toHaveLength(1);
    expect(notes.data[0]!.total).toBe(150);
    expect(notes.data[0]!.metadata?.['periodId']).toBe('2026-12');
    expect(busEvents.filter((e) => e.detailType === 'Credit Note Issued').map((e) => e.detail['total'])).toEqual(['150']);
    expect(await engine.deadLetters()).toEqual([]);

    setNow('2027-02-03T00:00:00Z');
    const report = await close('2027-01', ['--contract', CONTRACT]);
    const closed = report.closed[0]!;
    expect(closed).toMatchObject({ engineTotal: '10000', matched: true });
    // Nothing was left for January's close to correct.
    expect(closed.corrections).toEqual([]);
    // Closing January again issues no second credit note.
    await close('2027-01', ['--contract', CONTRACT]);
    expect((await stripe.creditNotes.list({ invoice: decemberInvoiceId, limit: 10 })).data).toHaveLength(1);
  });

  it('explains an invoice: lines to charges, tiers and ledger query, then the corrections that followed', async () => {
    const result = await cli(['invoice', 'explain', '--invoice', novemberRecordId, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const explained = JSON.parse(result.stdout) as InvoiceExplanation;
    expect(explained.totals.total.minor).toBe('11050');
    const resolutions = explained.lines.find((line) => line.chargeId === 'resolutions')!;
    expect(resolutions.quantity).toBe('7');
    expect(resolutions.tiers.length).toBeGreaterThan(0);
    expect(resolutions.ledgerQuery).toMatchObject({ ledgerMetric: 'ticket.resolved', asOf: '2026-12-02T00:00:00.000Z' });
    expect(resolutions.ledgerQuery?.rerun).toContain('--as-of 2026-12-02T00:00:00.000Z');
    expect(explained.followedBy).toHaveLength(1);
    expect(explained.followedBy[0]!.adjustments.lines[0]).toMatchObject({ quantityDelta: '1', amount: { minor: '150' } });
    expect(explained.followedBy[0]!.adjustments.billedOn).toMatch(/2026-12/);

    const byStripeId = await cli(['invoice', 'explain', '--invoice', decemberInvoiceId]);
    expect(byStripeId.code).toBe(0);
    expect(byStripeId.stdout).toContain('Adjustment for 2026-11');
    expect(byStripeId.stdout).toMatch(/credit -1\.50 USD .*credit note cn_/);

    const missing = await cli(['invoice', 'explain', '--invoice', `oe:${CONTRACT}:2026-10:r1`]);
    expect(missing.code).toBe(3);
  });

  it('refuses to close a period that is not over yet, with a specific error', async () => {
    const result = await cli(['period', 'close', '--period', '2027-02', '--contract', CONTRACT]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not over/);
  });

  // Closes every period of the example contracts too (about 25), each with a Stripe invoice.
  it('runs due closes on the engine\'s clock, once', { timeout: 90_000 }, async () => {
    setNow('2027-03-02T00:00:00Z'); // February's close time (end + 24 h)
    const first = await engine.billing!.runDueCloses();
    // The engine's example contracts are due too; every close succeeds against the emulator.
    expect(first.failed).toEqual([]);
    const ours = first.closed.filter((c) => c.close.contractId === CONTRACT);
    // Periods closed earlier by the CLI are confirmed, not billed again; only February is new.
    expect(ours.map((c) => [c.close.periodId, c.result.recordCreated, c.result.itemsCreated])).toEqual([
      ['2026-11', false, 0],
      ['2026-12', false, 0],
      ['2027-01', false, 0],
      ['2027-02', true, 2], // platform fee and a zero resolutions line
    ]);
    const february = ours[3]!;
    expect(february.result.engineTotal).toBe(10000n);
    expect((await stripe.invoices.retrieve(february.result.stripeInvoiceId)).total).toBe(10000);
    const second = await engine.billing!.runDueCloses();
    expect(second.closed).toEqual([]);
    expect(second.failed).toEqual([]);
  });
});

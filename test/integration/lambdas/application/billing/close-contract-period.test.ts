import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { startStripeEmulator, type RunningStripeEmulator } from '../../../../../lib/local/stripe-emulator';
import { DynamoDbInvoiceStore } from '../../../../../lambdas/adapters/dynamodb/invoice-store';
import { StripeBillingGateway } from '../../../../../lambdas/adapters/stripe/stripe-billing-gateway';
import {
  closeContractPeriod,
  closePeriodForAll,
  reconcileInvoicedPeriod,
  type BillingDeps,
} from '../../../../../lambdas/application/billing/close-contract-period';
import { correctInvoicedPeriod } from '../../../../../lambdas/application/billing/correct-invoiced-period';
import { explainInvoice } from '../../../../../lambdas/application/billing/explain-invoice';
import { reportSpend } from '../../../../../lambdas/application/plans/report-spend';
import { BILLING_DETAIL_TYPES } from '../../../../../lambdas/application/billing/ports';
import {
  FakeContracts,
  FakeLedger,
  RecordingPublisher,
  createEngineTable,
  dynamoClient,
  monthlyContract,
  perUnitPlan,
} from '../../../../support/billing-fakes';
import { inMemoryDefinitionCatalog } from '../../../../support/fakes/in-memory-definition-catalog';

const OCTOBER_CUTOFF = '2026-11-02T00:00:00.000Z'; // period end + 24 h grace
const NOVEMBER_CUTOFF = '2026-12-02T00:00:00.000Z';

let emulator: RunningStripeEmulator;
let stripe: Stripe;
let store: DynamoDbInvoiceStore;
let contracts: FakeContracts;
let ledger: FakeLedger;
let events: RecordingPublisher;
let gateway: StripeBillingGateway;

function deps(overrides: Partial<BillingDeps> = {}): BillingDeps {
  return {
    contracts,
    usage: ledger,
    definitions: inMemoryDefinitionCatalog(),
    invoices: store,
    billing: gateway,
    events,
    clock: () => new Date('2026-11-02T01:00:00.000Z'),
    finalizeInvoices: true,
    ...overrides,
  };
}

function addOutcomes(contractId: string, count: number, occurredAt: string, recordedAt = occurredAt): void {
  ledger.add({ contractId, ledgerMetric: 'ticket.resolved', occurredAt, recordedAt }, count);
}

async function invoicesOf(contractId: string): Promise<Stripe.Invoice[]> {
  const all = await stripe.invoices.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 });
  return all.filter((invoice) => invoice.metadata?.['contractId'] === contractId);
}

async function itemsOf(invoiceId: string): Promise<Stripe.InvoiceItem[]> {
  return stripe.invoiceItems.list({ invoice: invoiceId, limit: 100 }).autoPagingToArray({ limit: 10_000 });
}

beforeAll(async () => {
  emulator = await startStripeEmulator({ seed: 'billing-close' });
  stripe = new Stripe(emulator.apiKey, { ...emulator.clientOptions, maxNetworkRetries: 2 });
  const client = dynamoClient(inject('dynamoDbEndpoint'));
  const tableName = `engine-billing-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  await createEngineTable(client, tableName);
  store = new DynamoDbInvoiceStore(client, tableName);
  contracts = new FakeContracts();
  contracts.addPlan(perUnitPlan('usd-plan', 'USD', '1.50', '100.00'));
  contracts.addPlan(perUnitPlan('jpy-plan', 'JPY', '120', '50000'));
  contracts.addPlan(perUnitPlan('kwd-plan', 'KWD', '0.125', '10.500'));
  contracts.addPlan(perUnitPlan('isk-plan', 'ISK', '250', '15000'));
});

afterAll(async () => {
  await emulator?.stop();
});

beforeEach(() => {
  ledger = new FakeLedger();
  events = new RecordingPublisher();
  emulator.faults.clear();
  gateway = new StripeBillingGateway({ stripe, apiKey: emulator.apiKey, retries: 3, minTimeoutMs: 5, maxTimeoutMs: 20 });
});

describe('closeContractPeriod against the Stripe emulator and DynamoDB Local', () => {
  it.each([
    ['USD', 'usd-plan', 12, 10_000n + 1_800n],
    ['JPY', 'jpy-plan', 7, 50_000n + 840n],
    ['KWD', 'kwd-plan', 9, 10_500n + 1_125n],
  ] as const)('bills %s outcomes with the exact total in minor units', async (currency, planCode, outcomes, expected) => {
    const contractId = `ctr-exact-${currency}`;
    contracts.addContract(monthlyContract(contractId, planCode, currency, 'Asia/Tokyo'));
    addOutcomes(contractId, outcomes, '2026-10-10T03:00:00.000Z');

    const result = await closeContractPeriod(deps(), { contractId, periodId: '2026-10', cutoff: OCTOBER_CUTOFF });

    expect(result).toMatchObject({ status: 'reconciled', matched: true, engineTotal: expected, stripeTotal: expected, recordCreated: true });
    const invoice = await stripe.invoices.retrieve(result.stripeInvoiceId);
    expect(invoice).toMatchObject({ status: 'open', currency: currency.toLowerCase(), total: Number(expected) });
    expect(invoice.metadata).toEqual({
      contractId,
      periodId: '2026-10',
      invoiceRecordId: result.invoiceRecordId,
      outcome_statement: `outcome-engine invoice statement --invoice ${result.invoiceRecordId}`,
    });
    const items = await itemsOf(invoice.id as string);
    expect(items.map((item) => [item.metadata?.['lineId'], item.amount]).sort()).toEqual(
      [
        ['platform', Number(currency === 'USD' ? 10_000 : currency === 'JPY' ? 50_000 : 10_500)],
        ['resolutions', Number(expected) - (currency === 'USD' ? 10_000 : currency === 'JPY' ? 50_000 : 10_500)],
      ].sort(),
    );
    // The service period is the contract's local month (Tokyo midnight).
    const resolutions = items.find((item) => item.metadata?.['lineId'] === 'resolutions');
    expect(resolutions?.period).toEqual({ start: Date.parse('2026-09-30T15:00:00Z') / 1000, end: Date.parse('2026-10-31T15:00:00Z') / 1000 });
    expect(events.ofType(BILLING_DETAIL_TYPES.invoiceIssued)).toHaveLength(1);
  });

  it('bills ISK in Stripe\'s two-decimal ISK amounts (100 = 1 króna), and reconciles in krónur', async () => {
    // ISO 4217 gives ISK no minor unit, so the engine's amounts are krónur;
    // Stripe's API counts ISK in hundredths and refuses fractional krónur.
    const contractId = 'ctr-exact-ISK';
    contracts.addContract(monthlyContract(contractId, 'isk-plan', 'ISK', 'Atlantic/Reykjavik'));
    addOutcomes(contractId, 6, '2026-10-10T03:00:00.000Z');
    const expected = 15_000n + 6n * 250n;

    const result = await closeContractPeriod(deps(), { contractId, periodId: '2026-10', cutoff: OCTOBER_CUTOFF });

    expect(result).toMatchObject({ status: 'reconciled', matched: true, engineTotal: expected, stripeTotal: expected });
    const invoice = await stripe.invoices.retrieve(result.stripeInvoiceId);
    expect(invoice).toMatchObject({ currency: 'isk', total: Number(expected) * 100, amount_due: Number(expected) * 100 });
    const items = await itemsOf(invoice.id as string);
    expect(items.map((item) => [item.metadata?.['lineId'], item.amount]).sort()).toEqual(
      [
        ['platform', 1_500_000],
        ['resolutions', 150_000],
      ].sort(),
    );
    const status = await store.getStatus(contractId, '2026-10');
    expect(status?.stripeAmountDue).toBe(expected);
  });

  it('re-running a close creates nothing new and does not re-rate', async () => {
    const contractId = 'ctr-rerun';
    contracts.addContract(monthlyContract(contractId, 'usd-plan', 'USD'));
    addOutcomes(contractId, 4, '2026-10-03T00:00:00.000Z');
    const first = await closeContractPeriod(deps(), { contractId, periodId: '2026-10', cutoff: OCTOBER_CUTOFF });
    // The finalize answer's dates are kept on the status: sent with 30 days to pay.
    const finalized = await stripe.invoices.retrieve(first.stripeInvoiceId);
    const keptDates = {
      stripeFinalizedAt: new Date((finalized.status_transitions.finalized_at as number) * 1000).toISOString(),
      stripeDueAt: new Date(((finalized.status_transitions.finalized_at as number) + 30 * 86_400) * 1000).toISOString(),
      stripeAmountDue: 10_600n,
    };
    expect(await store.getStatus(contractId, '2026-10')).toMatchObject(keptDates);
    expect(await store.listStripeInvoices(contractId)).toEqual([
      { stripeInvoiceId: first.stripeInvoiceId, finalizedAt: keptDates.stripeFinalizedAt, dueAt: keptDates.stripeDueAt, amountDueMinor: '10600' },
    ]);
    // Outcomes arriving after the record exist must not change it.
    addOutcomes(contractId, 50, '2026-10-04T00:00:00.000Z', '2026-11-01T12:00:00.000Z');
    const second = await closeContractPeriod(deps(), { contractId, periodId: '2026-10', cutoff: OCTOBER_CUTOFF });

    expect(second).toMatchObject({ recordCreated: false, stripeInvoiceId: first.stripeInvoiceId, engineTotal: 10_600n, matched: true });
    expect(await store.getStatus(contractId, '2026-10')).toMatchObject(keptDates);
    const invoices = await invoicesOf(contractId);
    expect(invoices).toHaveLength(1);
    expect(await itemsOf(first.stripeInvoiceId)).toHaveLength(2);
  });

  it('resumes after faults midway (429s, a 500 saved after processing, a failed finalize) with exact totals and no duplicates', async () => {
    const contractId = 'ctr-faults';
    contracts.addContract(monthlyContract(contractId, 'usd-plan', 'USD'));
    addOutcomes(contractId, 33, '2026-10-20T00:00:00.000Z');
    emulator.faults.inject({ status: 429, times: 3, path: /^\/v1\/invoiceitems$/, method: 'POST' });
    emulator.faults.inject({ status: 500, times: 1, phase: 'after', path: /^\/v1\/invoices$/, method: 'POST' });
    emulator.faults.inject({ status: 500, times: 1, phase: 'after', path: /^\/v1\/invoiceitems$/, method: 'POST' });
    emulator.faults.inject({ status: 503, times: 100, path: /\/finalize$/, method: 'POST' });

    await expect(closeContractPeriod(deps(), { contractId, periodId: '2026-10', cutoff: OCTOBER_CUTOFF })).rejects.toThrow();
    const [halfDone] = await invoicesOf(contractId);
    expect(halfDone?.status).toBe('draft');
    expect(await itemsOf(halfDone?.id as string)).toHaveLength(2);

    emulator.faults.clear();
    const resumed = await closeContractPeriod(deps(), { contractId, periodId: '2026-10', cutoff: OCTOBER_CUTOFF });
    expect(resumed).toMatchObject({ status: 'reconciled', matched: true, engineTotal: 14_950n, stripeTotal: 14_950n, itemsCreated: 0 });
    const invoices = await invoicesOf(contractId);
    expect(invoices).toHaveLength(1);
    expect(invoices[0]).toMatchObject({ status: 'open', total: 14_950 });
    expect(await itemsOf(resumed.stripeInvoiceId)).toHaveLength(2);
    expect(gateway.policy.stats.retries).toBeGreaterThanOrEqual(3);
  });

  it('resumes from Stripe by metadata when the engine lost the invoice id (idempotency keys expired)', async () => {
    const contractId = 'ctr-lost-status';
    contracts.addContract(monthlyContract(contractId, 'usd-plan', 'USD'));
    addOutcomes(contractId, 2, '2026-10-20T00:00:00.000Z');
    emulator.faults.inject({ status: 503, times: 100, path: /^\/v1\/invoiceitems$/, method: 'POST' });
    // The status write after the invoice exists fails, as if the process died right there.
    const crashing = Object.create(store) as DynamoDbInvoiceStore;
    crashing.setStatus = async (status) => {
      if (status.stripeInvoiceId) throw new Error('process died');
      return store.setStatus(status);
    };
    await expect(closeContractPeriod(deps({ invoices: crashing }), { contractId, periodId: '2026-10', cutoff: OCTOBER_CUTOFF })).rejects.toThrow(
      'process died',
    );
    emulator.faults.clear();
    await emulator.advanceClock(25 * 3600); // Stripe has forgotten every idempotency key
    const resumed = await closeContractPeriod(deps(), { contractId, periodId: '2026-10', cutoff: OCTOBER_CUTOFF });
    expect(resumed).toMatchObject({ matched: true, stripeTotal: 10_300n });
    expect(await invoicesOf(contractId)).toHaveLength(1);
    expect(await itemsOf(resumed.stripeInvoiceId)).toHaveLength(2);
  });

  it('closes many contracts with bounded concurrency', async () => {
    const ids = Array.from({ length: 6 }, (_, index) => `ctr-batch-${index}`);
    for (const [index, contractId] of ids.entries()) {
      contracts.addContract(monthlyContract(contractId, 'jpy-plan', 'JPY'));
      addOutcomes(contractId, index, '2026-10-15T00:00:00.000Z');
    }
    const result = await closePeriodForAll(deps(), { contractIds: [...ids, 'ctr-unknown'], periodId: '2026-10', cutoff: OCTOBER_CUTOFF, concurrency: 3 });
    expect(result.closed).toHaveLength(6);
    expect(result.closed.every((closed) => closed.matched)).toBe(true);
    expect(result.failed.map((failure) => failure.contractId)).toEqual(['ctr-unknown']);
    const totals = result.closed.map((closed) => closed.stripeTotal).sort((a, b) => Number(a - b));
    expect(totals).toEqual(ids.map((_, index) => 50_000n + 120n * BigInt(index)));
  });
});

describe('corrections after close', () => {
  it('bills a late outcome as an adjustment line on the next invoice, labelled with its period', async () => {
    const contractId = 'ctr-late';
    contracts.addContract(monthlyContract(contractId, 'usd-plan', 'USD'));
    addOutcomes(contractId, 10, '2026-10-05T00:00:00.000Z');
    await closeContractPeriod(deps(), { contractId, periodId: '2026-10', cutoff: OCTOBER_CUTOFF });
    addOutcomes(contractId, 12, '2026-10-30T00:00:00.000Z', '2026-11-05T00:00:00.000Z');
    addOutcomes(contractId, 5, '2026-11-10T00:00:00.000Z');

    const corrected = await correctInvoicedPeriod(deps(), { contractId, periodId: '2026-10', asOf: '2026-11-20T00:00:00.000Z' });
    expect(corrected.correction?.adjustmentLines).toEqual([
      expect.objectContaining({ lineKey: 'resolutions', amount: 1_800n, quantityDelta: '12', description: 'Adjustment for 2026-10: 12 late resolutions' }),
    ]);
    expect(corrected.creditNotes).toEqual([]);
    // Asking again changes nothing: the difference is already accounted for.
    expect((await correctInvoicedPeriod(deps(), { contractId, periodId: '2026-10', asOf: '2026-11-21T00:00:00.000Z' })).correction).toBeNull();

    const november = await closeContractPeriod(deps(), { contractId, periodId: '2026-11', cutoff: NOVEMBER_CUTOFF });
    expect(november).toMatchObject({ matched: true, engineTotal: 10_000n + 750n + 1_800n });
    const items = await itemsOf(november.stripeInvoiceId);
    const adjustment = items.find((item) => item.description === 'Adjustment for 2026-10: 12 late resolutions');
    expect(adjustment).toMatchObject({ amount: 1_800, metadata: expect.objectContaining({ servicePeriodId: '2026-10' }) });
    expect(adjustment?.period.start).toBe(Date.parse('2026-10-01T00:00:00Z') / 1000);
    const [stored] = await store.listCorrections(contractId, '2026-10');
    expect(stored?.status.billedOn).toBe(november.invoiceRecordId);
  });

  it('credits a reversal on the original invoice for exactly the rated difference, once', async () => {
    const contractId = 'ctr-reversal';
    contracts.addContract(monthlyContract(contractId, 'kwd-plan', 'KWD'));
    addOutcomes(contractId, 10, '2026-10-05T00:00:00.000Z');
    const october = await closeContractPeriod(deps(), { contractId, periodId: '2026-10', cutoff: OCTOBER_CUTOFF });
    ledger.reverse(contractId, 3, '2026-11-10T00:00:00.000Z');

    const corrected = await correctInvoicedPeriod(deps(), { contractId, periodId: '2026-10', asOf: '2026-11-20T00:00:00.000Z' });
    expect(corrected.correction?.creditNoteLines).toEqual([
      expect.objectContaining({ amount: 375n, quantityDelta: '-3', description: 'Credit for 2026-10: 3 reversed resolutions' }),
    ]);
    expect(corrected.creditNotes).toHaveLength(1);
    const again = await correctInvoicedPeriod(deps(), { contractId, periodId: '2026-10', asOf: '2026-11-21T00:00:00.000Z' });
    expect(again).toEqual({ correction: null, creditNotes: [], failedCreditNotes: [], adjustmentInvoices: [], deferredIncrease: null });

    const notes = await stripe.creditNotes.list({ invoice: october.stripeInvoiceId }).autoPagingToArray({ limit: 100 });
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ total: 375, currency: 'kwd', metadata: expect.objectContaining({ periodId: '2026-10' }) });
    const invoice = await stripe.invoices.retrieve(october.stripeInvoiceId);
    expect(invoice.amount_remaining).toBe(10_500 + 1_250 - 375);
    expect(events.ofType(BILLING_DETAIL_TYPES.creditNoteIssued)).toHaveLength(1);
  });
});

describe('caps', () => {
  it('bills the capped amounts on Stripe with the cap on the line, explains it, and corrects by the capped difference', async () => {
    // 30 resolutions capped at 20 (30.00), the 100.00 fee: 130.00, spend-capped at 125.00.
    const contractId = 'ctr-capped';
    contracts.addContract({ ...monthlyContract(contractId, 'usd-plan', 'USD'), caps: [{ metric: 'resolutions', quantity: '20' }, { spend: '125.00' }] });
    addOutcomes(contractId, 30, '2026-10-05T00:00:00.000Z');

    const spend = await reportSpend({ contracts, usage: ledger, definitions: inMemoryDefinitionCatalog(), invoices: store, now: () => new Date(OCTOBER_CUTOFF) }, { contractId, asOf: new Date('2026-10-20T00:00:00.000Z') });
    expect(spend.usage).toEqual([{ chargeId: 'resolutions', metric: 'resolutions', quantity: '30' }]);
    expect(spend.draft.subtotal).toBe(12_500n);
    expect(spend.draft.spendCap).toEqual({ cap: 12_500n, subtotalBefore: 13_000n, reduction: 500n });
    expect(spend.forecast.subtotal).toBe(12_500n);

    const closed = await closeContractPeriod(deps(), { contractId, periodId: '2026-10', cutoff: OCTOBER_CUTOFF });
    expect(closed).toMatchObject({ status: 'reconciled', matched: true, engineTotal: 12_500n, stripeTotal: 12_500n });
    const items = await itemsOf(closed.stripeInvoiceId);
    const resolutions = items.find((item) => item.metadata?.['lineId'] === 'resolutions');
    expect(resolutions).toMatchObject({ amount: 2_500, description: 'Resolutions: 30 resolutions (spend cap 125.00: -5.00)' });
    expect(items.find((item) => item.metadata?.['lineId'] === 'platform')?.amount).toBe(10_000);

    // The stored record keeps the cap rows (the codec knows them) and explain shows them.
    const explained = await explainInvoice(store, { contractId, periodId: '2026-10' });
    const line = explained?.lines.find((entry) => entry.lineId === 'resolutions');
    expect(line?.tiers.map((row) => row.kind)).toEqual(['metric_cap', 'units', 'spend_cap']);
    expect(line?.tiers[0]).toEqual({ kind: 'metric_cap', metric: 'resolutions', cap: '20', measured: '30', billable: '20', overCap: '10' });
    expect(line?.caps).toContain('metric cap 20: 20 of the measured 30 billed, 10 over the cap');
    expect(line?.caps).toContain('spend cap 125.00 (charges before it 130.00): -5.00 on this line');

    // Late outcomes past the caps change nothing billed.
    addOutcomes(contractId, 5, '2026-10-30T00:00:00.000Z', '2026-11-05T00:00:00.000Z');
    expect((await correctInvoicedPeriod(deps(), { contractId, periodId: '2026-10', asOf: '2026-11-10T00:00:00.000Z' })).correction).toBeNull();
    // Reversing 20 of the 35 leaves 15 under the cap: 100.00 + 22.50 = 122.50, so 2.50 is credited, once.
    ledger.reverse(contractId, 20, '2026-11-12T00:00:00.000Z');
    const corrected = await correctInvoicedPeriod(deps(), { contractId, periodId: '2026-10', asOf: '2026-11-20T00:00:00.000Z' });
    expect(corrected.correction?.creditNoteLines).toEqual([expect.objectContaining({ lineKey: 'resolutions', amount: 250n, quantityDelta: '-15' })]);
    const notes = await stripe.creditNotes.list({ invoice: closed.stripeInvoiceId }).autoPagingToArray({ limit: 100 });
    expect(notes.map((note) => note.total)).toEqual([250]);
  });
});

describe('reconciliation', () => {
  it('publishes Invoice Reconciliation Failed when Stripe\'s total drifts from the record', async () => {
    const contractId = 'ctr-drift';
    contracts.addContract(monthlyContract(contractId, 'usd-plan', 'USD'));
    addOutcomes(contractId, 2, '2026-10-05T00:00:00.000Z');
    const closed = await closeContractPeriod(deps({ finalizeInvoices: false }), { contractId, periodId: '2026-10', cutoff: OCTOBER_CUTOFF });
    expect(closed).toMatchObject({ matched: true, status: 'reconciled' });
    const draft = await stripe.invoices.retrieve(closed.stripeInvoiceId);
    expect(draft.status).toBe('draft');
    // A draft is not issued: no finalization time, no due date yet.
    expect(await store.listStripeInvoices(contractId)).toEqual([{ stripeInvoiceId: closed.stripeInvoiceId, amountDueMinor: '10300' }]);

    const [item] = (await itemsOf(closed.stripeInvoiceId)).filter((entry) => entry.metadata?.['lineId'] === 'resolutions');
    await stripe.invoiceItems.update(item?.id as string, { amount: 999 });
    const status = await reconcileInvoicedPeriod(deps(), { contractId, periodId: '2026-10' });

    expect(status).toMatchObject({ status: 'reconciliation_failed', reconciliation: { matched: false, difference: 999n - 300n } });
    const [alarm] = events.ofType(BILLING_DETAIL_TYPES.invoiceReconciliationFailed);
    expect(alarm?.detail).toMatchObject({ contractId, engineTotal: '10300', stripeTotal: '10999', difference: '699' });
    expect((await store.getStatus(contractId, '2026-10'))?.status).toBe('reconciliation_failed');
  });
});

describe('DynamoDbInvoiceStore', () => {
  it('stores a record once: a second put (even a different rating) returns the first, unchanged', async () => {
    const contractId = 'ctr-store';
    contracts.addContract(monthlyContract(contractId, 'usd-plan', 'USD'));
    addOutcomes(contractId, 3, '2026-10-05T00:00:00.000Z');
    await closeContractPeriod(deps(), { contractId, periodId: '2026-10', cutoff: OCTOBER_CUTOFF });
    const stored = await store.getRecord(contractId, '2026-10');
    expect(stored?.total).toBe(10_450n);
    const tampered = { ...(stored as NonNullable<typeof stored>), total: 1n, lines: [] };
    const put = await store.putRecord(tampered);
    expect(put.created).toBe(false);
    expect(put.value).toEqual(stored);
    expect(await store.getRecord(contractId, '2026-10')).toEqual(stored);
    expect((await store.getStatus(contractId, '2026-10'))?.status).toBe('reconciled');
    // "pushing" never overwrites a status that has moved on.
    await store.setStatus({ contractId, periodId: '2026-10', invoiceRecordId: stored?.invoiceRecordId as string, status: 'pushing', updatedAt: 'x' });
    expect((await store.getStatus(contractId, '2026-10'))?.status).toBe('reconciled');
  });
});

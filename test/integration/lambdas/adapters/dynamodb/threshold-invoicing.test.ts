// Threshold invoicing against the Stripe emulator and DynamoDB Local: threshold
// invoices for the open period to date, the period-end invoice billing only the
// rest, and Stripe's totals (less credit notes) adding up to the period's rated
// total to the cent, after reversals before and after the close.
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { startStripeEmulator, type RunningStripeEmulator } from '../../../../../lib/local/stripe-emulator';
import { DynamoDbInvoiceStore } from '../../../../../lambdas/adapters/dynamodb/invoice-store';
import { StripeBillingGateway } from '../../../../../lambdas/adapters/stripe/stripe-billing-gateway';
import { closeContractPeriod, type BillingDeps } from '../../../../../lambdas/application/billing/close-contract-period';
import { correctInvoicedPeriod } from '../../../../../lambdas/application/billing/correct-invoiced-period';
import { invoiceSpendThreshold, invoiceSpendThresholds } from '../../../../../lambdas/application/billing/invoice-spend-thresholds';
import { BILLING_DETAIL_TYPES } from '../../../../../lambdas/application/billing/ports';
import { FakeContracts, FakeLedger, RecordingPublisher, createEngineTable, dynamoClient, monthlyContract, perUnitPlan } from '../../../../support/billing-fakes';
import { inMemoryDefinitionCatalog } from '../../../../support/fakes/in-memory-definition-catalog';

const OCTOBER_CUTOFF = '2026-11-02T00:00:00.000Z';

let emulator: RunningStripeEmulator;
let stripe: Stripe;
let store: DynamoDbInvoiceStore;
let contracts: FakeContracts;
let ledger: FakeLedger;
let events: RecordingPublisher;
let gateway: StripeBillingGateway;

function deps(now = '2026-11-02T01:00:00.000Z'): BillingDeps {
  return { contracts, usage: ledger, definitions: inMemoryDefinitionCatalog(), invoices: store, billing: gateway, events, clock: () => new Date(now), finalizeInvoices: true };
}

function addOutcomes(contractId: string, count: number, at: string): void {
  ledger.add({ contractId, ledgerMetric: 'ticket.resolved', occurredAt: at, recordedAt: at }, count);
}

async function stripeInvoicesOf(contractId: string): Promise<Stripe.Invoice[]> {
  const all = await stripe.invoices.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 });
  return all.filter((invoice) => invoice.metadata?.['contractId'] === contractId);
}

async function creditNotesOf(invoiceIds: readonly string[]): Promise<Stripe.CreditNote[]> {
  const notes = await Promise.all(invoiceIds.map((invoice) => stripe.creditNotes.list({ invoice }).autoPagingToArray({ limit: 100 })));
  return notes.flat();
}

/** What Stripe bills for the contract in all: invoice totals less credit notes, in minor units. */
async function stripeNet(contractId: string): Promise<{ invoices: Stripe.Invoice[]; notes: Stripe.CreditNote[]; net: number }> {
  const invoices = await stripeInvoicesOf(contractId);
  const notes = await creditNotesOf(invoices.map((invoice) => invoice.id as string));
  const net = invoices.reduce((sum, invoice) => sum + invoice.total, 0) - notes.reduce((sum, note) => sum + note.total, 0);
  return { invoices, notes, net };
}

beforeAll(async () => {
  emulator = await startStripeEmulator({ seed: 'threshold-invoicing' });
  stripe = new Stripe(emulator.apiKey, { ...emulator.clientOptions, maxNetworkRetries: 2 });
  const client = dynamoClient(inject('dynamoDbEndpoint'));
  const tableName = `engine-threshold-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  await createEngineTable(client, tableName);
  store = new DynamoDbInvoiceStore(client, tableName);
  contracts = new FakeContracts();
  // 100.00 a month plus 1.50 a resolution.
  contracts.addPlan(perUnitPlan('usd-plan', 'USD', '1.50', '100.00'));
});

afterAll(async () => {
  await emulator?.stop();
});

beforeEach(() => {
  ledger = new FakeLedger();
  events = new RecordingPublisher();
  gateway = new StripeBillingGateway({ stripe, apiKey: emulator.apiKey, retries: 3, minTimeoutMs: 5, maxTimeoutMs: 20 });
});

describe('threshold invoicing through the close path', () => {
  it('issues a threshold invoice per crossing once, bills only the rest at period end, and reconciles to the rated total after reversals', async () => {
    const contractId = 'ctr-threshold-usd';
    contracts.addContract({ ...monthlyContract(contractId, 'usd-plan', 'USD'), thresholdInvoicing: { amount: '200.00' } });

    addOutcomes(contractId, 10, '2026-10-03T10:00:00.000Z');
    expect(await invoiceSpendThreshold(deps(), { contractId, asOf: '2026-10-03T12:00:00.000Z' })).toMatchObject({
      outcome: 'below_threshold', periodId: '2026-10', thresholdAmount: 20_000n, spendToDate: 11_500n, unbilled: 11_500n, invoices: [],
    });

    // 80 resolutions: 100.00 + 120.00 = 220.00 crosses 200.00.
    addOutcomes(contractId, 70, '2026-10-05T10:00:00.000Z');
    const first = await invoiceSpendThreshold(deps(), { contractId, asOf: '2026-10-05T12:00:00.000Z' });
    expect(first).toMatchObject({ outcome: 'issued', spendToDate: 22_000n, unbilled: 0n });
    expect(first.invoices).toHaveLength(1);
    expect(first.invoices[0]).toMatchObject({ periodId: '2026-10-threshold-1', status: 'reconciled', matched: true, engineTotal: 22_000n, stripeTotal: 22_000n });
    const firstStripe = await stripe.invoices.retrieve(first.invoices[0]!.stripeInvoiceId);
    expect(firstStripe.metadata).toEqual({
      contractId,
      periodId: '2026-10-threshold-1',
      invoiceRecordId: 'oe:ctr-threshold-usd:2026-10-threshold-1:r1',
      outcome_statement: 'outcome-engine invoice statement --invoice oe:ctr-threshold-usd:2026-10-threshold-1:r1',
    });

    // The same batch evaluated again (a retry), and from the batch path: nothing more.
    expect((await invoiceSpendThreshold(deps(), { contractId, asOf: '2026-10-05T12:00:00.000Z' })).outcome).toBe('below_threshold');
    const directory = { contractIdsOfCustomer: async (customerId: string) => (customerId === `customer-${contractId}` ? [contractId] : []) };
    const batch = await invoiceSpendThresholds({ ...deps(), directory }, { customerIds: [`customer-${contractId}`, 'nobody'], asOf: '2026-10-05T12:00:00.000Z' });
    expect(batch.map((evaluation) => evaluation.outcome)).toEqual(['below_threshold']);
    expect(await stripeInvoicesOf(contractId)).toHaveLength(1);

    // 100 more: 150.00 unbilled, below; 40 more: 210.00, the second crossing (the threshold resets after each invoice).
    addOutcomes(contractId, 100, '2026-10-20T10:00:00.000Z');
    expect((await invoiceSpendThreshold(deps(), { contractId, asOf: '2026-10-20T12:00:00.000Z' })).outcome).toBe('below_threshold');
    addOutcomes(contractId, 40, '2026-10-25T10:00:00.000Z');
    const second = await invoiceSpendThreshold(deps(), { contractId, asOf: '2026-10-25T12:00:00.000Z' });
    expect(second.invoices.map((invoice) => [invoice.periodId, invoice.engineTotal, invoice.stripeTotal])).toEqual([['2026-10-threshold-2', 21_000n, 21_000n]]);

    // 10 reversed after the second threshold invoice, then 30 more before the period ends: 240 resolutions in all.
    ledger.reverse(contractId, 10, '2026-10-28T10:00:00.000Z');
    addOutcomes(contractId, 30, '2026-10-30T10:00:00.000Z');

    const close = await closeContractPeriod(deps(), { contractId, periodId: '2026-10', cutoff: OCTOBER_CUTOFF });
    // Rated: 100.00 + 240 x 1.50 = 460.00; billed at thresholds 430.00; the period-end invoice bills 30.00.
    expect(close).toMatchObject({ status: 'reconciled', matched: true, engineTotal: 3_000n, stripeTotal: 3_000n, thresholdCredits: [] });
    const record = (await store.getRecord(contractId, '2026-10'))!;
    expect(record.ratedTotal).toBe(46_000n);
    expect(record.thresholdSettlement).toEqual({
      billedOnThresholdInvoices: 43_000n,
      creditedOnThresholdInvoices: 0n,
      thresholdInvoiceRecordIds: ['oe:ctr-threshold-usd:2026-10-threshold-1:r1', 'oe:ctr-threshold-usd:2026-10-threshold-2:r1'],
    });
    // Threshold invoices are not billing periods: the contract's period list holds October once.
    expect((await store.listRecords(contractId)).map((listed) => listed.periodId)).toEqual(['2026-10']);
    expect((await invoiceSpendThreshold(deps(), { contractId, asOf: '2026-10-31T12:00:00.000Z' })).outcome).toBe('period_closed');

    let stripeSide = await stripeNet(contractId);
    expect(stripeSide.invoices).toHaveLength(3);
    expect(stripeSide.net).toBe(46_000);

    // 4 reversed after the close: credited on the period-end invoice for exactly 6.00, nothing twice.
    ledger.reverse(contractId, 4, '2026-11-05T10:00:00.000Z');
    const corrected = await correctInvoicedPeriod(deps('2026-11-05T12:00:00.000Z'), { contractId, periodId: '2026-10', asOf: '2026-11-05T12:00:00.000Z', mode: 'prompt' });
    expect(corrected.creditNotes.map((note) => note.total)).toEqual([600n]);
    stripeSide = await stripeNet(contractId);
    expect(stripeSide.net).toBe(46_000 - 600);
    expect(events.ofType(BILLING_DETAIL_TYPES.invoiceIssued)).toHaveLength(3);
  });

  it('credits a reversal that takes a line below what a threshold invoice billed on that threshold invoice', async () => {
    const contractId = 'ctr-threshold-reversal';
    contracts.addContract({ ...monthlyContract(contractId, 'usd-plan', 'USD'), thresholdInvoicing: { amount: '200.00' } });
    addOutcomes(contractId, 80, '2026-10-05T10:00:00.000Z');
    const first = await invoiceSpendThreshold(deps(), { contractId, asOf: '2026-10-05T12:00:00.000Z' });
    expect(first.invoices.map((invoice) => invoice.engineTotal)).toEqual([22_000n]);
    // 30 of the 80 reversed before the period ends: 175.00 rated, 220.00 billed.
    ledger.reverse(contractId, 30, '2026-10-10T10:00:00.000Z');

    const close = await closeContractPeriod(deps(), { contractId, periodId: '2026-10', cutoff: OCTOBER_CUTOFF });
    expect(close).toMatchObject({ engineTotal: 0n, stripeTotal: 0n, matched: true });
    expect(close.thresholdCredits).toHaveLength(1);
    expect(close.thresholdCredits![0]).toMatchObject({ kind: 'issued', note: { correctionId: 'oe:ctr-threshold-reversal:2026-10-threshold-1:correction:1', total: 4_500n, matched: true } });

    // A re-run of the close issues nothing more.
    const again = await closeContractPeriod(deps(), { contractId, periodId: '2026-10', cutoff: OCTOBER_CUTOFF });
    expect(again.recordCreated).toBe(false);
    expect(again.thresholdCredits).toEqual([]);
    const stripeSide = await stripeNet(contractId);
    expect(stripeSide.notes.map((note) => [note.invoice, note.total])).toEqual([[first.invoices[0]!.stripeInvoiceId, 4_500]]);
    expect(stripeSide.net).toBe(17_500);
  });

  it('does nothing for a contract without thresholdInvoicing', async () => {
    const contractId = 'ctr-no-threshold';
    contracts.addContract(monthlyContract(contractId, 'usd-plan', 'USD'));
    addOutcomes(contractId, 500, '2026-10-05T10:00:00.000Z');
    expect(await invoiceSpendThreshold(deps(), { contractId, asOf: '2026-10-05T12:00:00.000Z' })).toEqual({ contractId, outcome: 'not_configured', invoices: [] });
    expect(await stripeInvoicesOf(contractId)).toHaveLength(0);
  });
});

// A batch close (closePeriodForAll) that loses Stripe midway: from the tenth
// issued invoice on, Stripe executes every request and then answers 503,
// saving that answer against the idempotency key (so the same key replays
// the 503 even after Stripe is back). The contracts in flight fail half done;
// the operator re-runs the batch once Stripe is back, and it ends with one
// invoice and one item per line for every contract, each total equal to the
// engine's: the re-run finds the work by metadata, not by keys.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbInvoiceStore } from '../../../../../lambdas/adapters/dynamodb/invoice-store';
import { StripeBillingGateway } from '../../../../../lambdas/adapters/stripe/stripe-billing-gateway';
import { closePeriodForAll, type BillingDeps } from '../../../../../lambdas/application/billing/close-contract-period';
import { BILLING_DETAIL_TYPES } from '../../../../../lambdas/application/billing/ports';
import type { OutboundEvent } from '../../../../../lambdas/application/ports';
import { startStripeEmulator, type RunningStripeEmulator } from '../../../../../lib/local/stripe-emulator';
import { FakeContracts, FakeLedger, createEngineTable, dynamoClient, monthlyContract, perUnitPlan } from '../../../../support/billing-fakes';
import { inMemoryDefinitionCatalog } from '../../../../support/fakes/in-memory-definition-catalog';

const CONTRACTS = 30;
const OUTAGE_AFTER_ISSUED = 10;
const CUTOFF = '2026-11-02T00:00:00.000Z';
const outcomesOf = (index: number) => 1 + ((index * 5) % 17);

let emulator: RunningStripeEmulator;
let stripe: Stripe;
let tableName: string;
const dynamoDb = dynamoClient(inject('dynamoDbEndpoint'));

beforeAll(async () => {
  emulator = await startStripeEmulator({ seed: 'close-all-resume' });
  stripe = new Stripe(emulator.apiKey, { ...emulator.clientOptions, maxNetworkRetries: 0 });
  tableName = `close-all-resume-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  await createEngineTable(dynamoDb, tableName);
});

afterAll(async () => {
  await emulator?.stop();
  dynamoDb.destroy();
});

/** Contracts `<prefix>-00..29` and billing deps that start the outage on `outagePath` at the tenth issued invoice. */
function batch(prefix: string, outagePath: RegExp): { contractIds: string[]; deps: BillingDeps } {
  emulator.reset();
  const contractIds = Array.from({ length: CONTRACTS }, (_, index) => `${prefix}-${String(index).padStart(2, '0')}`);
  const contracts = new FakeContracts();
  contracts.addPlan(perUnitPlan('usd-plan', 'USD', '1.50', '100.00'));
  const ledger = new FakeLedger();
  contractIds.forEach((contractId, index) => {
    contracts.addContract(monthlyContract(contractId, 'usd-plan', 'USD'));
    ledger.add({ contractId, ledgerMetric: 'ticket.resolved', occurredAt: '2026-10-15T00:00:00.000Z', recordedAt: '2026-10-15T00:00:01.000Z' }, outcomesOf(index));
  });
  let issued = 0;
  const deps: BillingDeps = {
    contracts,
    usage: ledger,
    definitions: inMemoryDefinitionCatalog(),
    invoices: new DynamoDbInvoiceStore(dynamoDb, tableName),
    billing: new StripeBillingGateway({ stripe, apiKey: emulator.apiKey, ratePerSecond: 1000, retries: 1, minTimeoutMs: 1, maxTimeoutMs: 5 }),
    events: {
      publish: async (events: readonly OutboundEvent[]) => {
        issued += events.filter((event) => event.detailType === BILLING_DETAIL_TYPES.invoiceIssued).length;
        // Stripe keeps doing the work but answers 503, from here until the faults are cleared.
        if (issued === OUTAGE_AFTER_ISSUED) emulator.faults.inject({ status: 503, phase: 'after', times: Infinity, path: outagePath });
      },
    },
    clock: () => new Date('2026-11-02T01:00:00.000Z'),
    finalizeInvoices: true,
  };
  return { contractIds, deps };
}

async function closeTwice(contractIds: string[], deps: BillingDeps) {
  const first = await closePeriodForAll(deps, { contractIds, periodId: '2026-10', cutoff: CUTOFF, concurrency: 4 });
  emulator.faults.clear();
  const second = await closePeriodForAll(deps, { contractIds, periodId: '2026-10', cutoff: CUTOFF, concurrency: 4 });
  return { first, second };
}

describe('closePeriodForAll after losing Stripe midway', () => {
  it('fails the contracts it could not finish, then a re-run completes all of them without a duplicate', async () => {
    const { contractIds, deps } = batch('ctr-batch', /^\/v1\/(invoices|invoiceitems)/);
    const { first, second } = await closeTwice(contractIds, deps);
    expect(first.closed.length).toBeGreaterThanOrEqual(OUTAGE_AFTER_ISSUED);
    expect(first.failed.length).toBeGreaterThan(0);
    expect(first.closed.length + first.failed.length).toBe(CONTRACTS);
    expect(emulator.faults.stats().errors['503']).toBeGreaterThan(0);

    expect(second.failed.map(({ contractId, error }) => `${contractId}: ${error.message}`)).toEqual([]);
    expect(second.closed).toHaveLength(CONTRACTS);
    expect(second.closed.every((closed) => closed.matched && closed.status === 'reconciled')).toBe(true);

    const invoices = await stripe.invoices.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
    const items = await stripe.invoiceItems.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
    expect(invoices).toHaveLength(CONTRACTS);
    expect(items).toHaveLength(CONTRACTS * 2);
    expect(items.every((item) => typeof item.invoice === 'string')).toBe(true);
    const byContract = new Map(invoices.map((invoice) => [invoice.metadata?.['contractId'], invoice]));
    contractIds.forEach((contractId, index) => {
      expect(byContract.get(contractId)).toMatchObject({ status: 'open', total: 10_000 + 150 * outcomesOf(index) });
    });
    expect(await customersPerEngineCustomer()).toEqual(new Map(contractIds.map((contractId) => [`customer-${contractId}`, 1])));
  });

  it('re-runs also finish contracts whose customer create got a saved 5xx, with exactly one customer per contract', async () => {
    const { contractIds, deps } = batch('ctr-cust', /^\/v1\/customers$/);
    const { first, second } = await closeTwice(contractIds, deps);
    expect(first.failed.length).toBeGreaterThan(0);
    expect(emulator.faults.stats().errors['503']).toBeGreaterThan(0);
    expect(second.failed.map(({ contractId, error }) => `${contractId}: ${error.message}`)).toEqual([]);
    expect(second.closed.every((closed) => closed.matched)).toBe(true);
    expect(await customersPerEngineCustomer()).toEqual(new Map(contractIds.map((contractId) => [`customer-${contractId}`, 1])));
  });

  it('still makes one customer per contract when the re-run comes after Stripe forgot the keys (25 h)', async () => {
    const { contractIds, deps } = batch('ctr-late', /^\/v1\/customers$/);
    const first = await closePeriodForAll(deps, { contractIds, periodId: '2026-10', cutoff: CUTOFF, concurrency: 4 });
    expect(first.failed.length).toBeGreaterThan(0);
    emulator.faults.clear();
    // The customer keys now run again as new requests: only the lookup keeps them from making a second customer.
    await emulator.advanceClock(25 * 3600);
    const second = await closePeriodForAll(deps, { contractIds, periodId: '2026-10', cutoff: CUTOFF, concurrency: 4 });
    expect(second.failed.map(({ contractId, error }) => `${contractId}: ${error.message}`)).toEqual([]);
    expect(await customersPerEngineCustomer()).toEqual(new Map(contractIds.map((contractId) => [`customer-${contractId}`, 1])));
  });
});

describe('Stripe customer creation', () => {
  function single(contractId: string): BillingDeps {
    const { deps } = batch(contractId, /^$/);
    return deps;
  }

  it('makes a single customer when Stripe failed before executing (same key again, no new generation)', async () => {
    const deps = single('ctr-before');
    emulator.faults.inject({ status: 500, phase: 'before', times: Infinity, path: /^\/v1\/customers$/, method: 'POST' });
    await expect(closePeriodForAll(deps, { contractIds: ['ctr-before-00'], periodId: '2026-10', cutoff: CUTOFF })).resolves.toMatchObject({
      failed: [{ contractId: 'ctr-before-00' }],
    });
    expect(await customersPerEngineCustomer()).toEqual(new Map());
    emulator.faults.clear();
    const second = await closePeriodForAll(deps, { contractIds: ['ctr-before-00'], periodId: '2026-10', cutoff: CUTOFF });
    expect(second.failed).toEqual([]);
    expect(await customersPerEngineCustomer()).toEqual(new Map([['customer-ctr-before-00', 1]]));
    const store = deps.invoices as DynamoDbInvoiceStore;
    expect((await store.startCustomerCreation('customer-ctr-before-00', 'x')).value.generation).toBe(1);
  });

  it('moves to a new key generation when the saved answer replays and Stripe holds no such customer', async () => {
    const deps = single('ctr-gen');
    emulator.faults.inject({ status: 500, phase: 'after', times: 1, path: /^\/v1\/customers$/, method: 'POST' });
    // The lookup after the saved 500 fails too, so this run ends with the key spent.
    emulator.faults.inject({ status: 503, phase: 'before', times: Infinity, path: /^\/v1\/customers$/, method: 'GET' });
    const first = await closePeriodForAll(deps, { contractIds: ['ctr-gen-00'], periodId: '2026-10', cutoff: CUTOFF });
    expect(first.failed).toHaveLength(1);
    emulator.faults.clear();
    // The customer Stripe made is deleted (in the Dashboard, say): the old key would replay its 500 for a day.
    const [made] = await stripe.customers.list({ limit: 100 }).autoPagingToArray({ limit: 100 });
    await stripe.customers.del(made?.id as string);

    const second = await closePeriodForAll(deps, { contractIds: ['ctr-gen-00'], periodId: '2026-10', cutoff: CUTOFF });
    expect(second.failed.map(({ error }) => error.message)).toEqual([]);
    expect(await customersPerEngineCustomer()).toEqual(new Map([['customer-ctr-gen-00', 1]]));
    const store = deps.invoices as DynamoDbInvoiceStore;
    expect((await store.startCustomerCreation('customer-ctr-gen-00', 'x')).value.generation).toBe(2);
    const [customer] = await stripe.customers.list({ limit: 100 }).autoPagingToArray({ limit: 100 });
    expect(await store.getStripeCustomerId('customer-ctr-gen-00')).toBe(customer?.id);
  });
});

/** Live Stripe customers per engine customer (metadata.customerId). */
async function customersPerEngineCustomer(): Promise<Map<string, number>> {
  const customers = await stripe.customers.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
  const counts = new Map<string, number>();
  for (const customer of customers) {
    const id = customer.metadata?.['customerId'] ?? '?';
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return new Map([...counts].sort(([a], [b]) => a.localeCompare(b)));
}

// Customers and Stripe's cursor pagination, including the SDK's auto-pagination.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningStripeEmulator } from '../../../../../lib/local/stripe-emulator';
import { sdkClient, startTestEmulator } from '../../../../support/emulator-test-support';

let emulator: RunningStripeEmulator;
let stripe: Stripe;
let customerId: string;
let invoiceIds: string[];

beforeAll(async () => {
  // A fixed clock puts every object in the same second, so order comes from creation alone.
  emulator = await startTestEmulator({ now: () => new Date('2025-02-01T00:00:00Z') });
  stripe = sdkClient(emulator);
  customerId = (await stripe.customers.create({ name: 'Paged' })).id;
  invoiceIds = [];
  for (let i = 0; i < 25; i++) {
    invoiceIds.push((await stripe.invoices.create({ customer: customerId, currency: 'usd', metadata: { n: String(i) } })).id);
  }
});
afterAll(async () => {
  await emulator.stop();
});

describe('list pagination', () => {
  it('returns 10 objects by default, newest first, with has_more and url', async () => {
    const page = await stripe.invoices.list({ customer: customerId });
    expect(page.object).toBe('list');
    expect(page.url).toBe('/v1/invoices');
    expect(page.has_more).toBe(true);
    expect(page.data.map((invoice) => invoice.id)).toEqual([...invoiceIds].reverse().slice(0, 10));
  });

  it('walks forward with starting_after and backward with ending_before', async () => {
    const newestFirst = [...invoiceIds].reverse();
    const second = await stripe.invoices.list({ customer: customerId, limit: 10, starting_after: newestFirst[9]! });
    expect(second.data.map((i) => i.id)).toEqual(newestFirst.slice(10, 20));
    const last = await stripe.invoices.list({ customer: customerId, limit: 10, starting_after: newestFirst[19]! });
    expect(last.data.map((i) => i.id)).toEqual(newestFirst.slice(20));
    expect(last.has_more).toBe(false);
    const back = await stripe.invoices.list({ customer: customerId, limit: 5, ending_before: newestFirst[10]! });
    expect(back.data.map((i) => i.id)).toEqual(newestFirst.slice(5, 10));
    expect(back.has_more).toBe(true);
  });

  it('is followed by the SDK’s auto-pagination', async () => {
    const seen: string[] = [];
    for await (const invoice of stripe.invoices.list({ customer: customerId, limit: 7 })) seen.push(invoice.id);
    expect(seen).toEqual([...invoiceIds].reverse());
    const all = await stripe.invoices.list({ customer: customerId, limit: 3 }).autoPagingToArray({ limit: 100 });
    expect(all).toHaveLength(25);
  });

  it('rejects limits outside 1..100, both cursors at once, and unknown cursors', async () => {
    await expect(stripe.invoices.list({ limit: 101 })).rejects.toMatchObject({ statusCode: 400, param: 'limit' });
    await expect(stripe.invoices.list({ limit: 0 })).rejects.toMatchObject({ statusCode: 400, param: 'limit' });
    await expect(stripe.invoices.list({ starting_after: invoiceIds[0]!, ending_before: invoiceIds[1]! })).rejects.toMatchObject({
      code: 'parameters_exclusive',
    });
    await expect(stripe.invoices.list({ starting_after: 'in_unknown' })).rejects.toMatchObject({
      statusCode: 404,
      param: 'starting_after',
    });
  });

  it('filters by created range', async () => {
    const created = (await stripe.invoices.retrieve(invoiceIds[0]!)).created;
    expect(created).toBe(Date.parse('2025-02-01T00:00:00Z') / 1000);
    const page = await stripe.invoices.list({ customer: customerId, created: { gte: created + 1 }, limit: 100 });
    expect(page.data).toEqual([]);
    const same = await stripe.invoices.list({ customer: customerId, created: { lte: created }, limit: 100 });
    expect(same.data).toHaveLength(25);
  });
});

describe('customers', () => {
  it('are created, retrieved, updated, listed and deleted', async () => {
    const customer = await stripe.customers.create({
      name: 'Northwind',
      email: 'ap@northwind.test',
      metadata: { tenant: 't-1', region: 'eu' },
      preferred_locales: ['en'],
    });
    expect(customer).toMatchObject({ object: 'customer', balance: 0, livemode: false, currency: null, next_invoice_sequence: 1 });
    expect(customer.id).toMatch(/^cus_[0-9A-Za-z]{24}$/);
    const updated = await stripe.customers.update(customer.id, { metadata: { region: '', tier: 'gold' }, name: 'Northwind Ltd' });
    expect(updated.metadata).toEqual({ tenant: 't-1', tier: 'gold' });
    expect(updated.name).toBe('Northwind Ltd');
    const byEmail = await stripe.customers.list({ email: 'ap@northwind.test' });
    expect(byEmail.data.map((c) => c.id)).toEqual([customer.id]);
    const cleared = await stripe.customers.update(customer.id, { metadata: '' });
    expect(cleared.metadata).toEqual({});
    expect(await stripe.customers.del(customer.id)).toMatchObject({ id: customer.id, deleted: true });
    await expect(stripe.customers.retrieve(customer.id)).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
    const updatedEvent = emulator.events('customer.updated')[0];
    expect(updatedEvent?.data.previous_attributes).toEqual({ metadata: { tenant: 't-1', region: 'eu' }, name: 'Northwind' });
  });
});

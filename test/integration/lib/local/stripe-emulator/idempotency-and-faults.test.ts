// Stripe's idempotency semantics and injected faults, as a retrying client
// meets them: replays, mismatches, concurrent use of a key, the 24-hour
// window, and 429/500/503/lost responses before and after execution.
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningStripeEmulator } from '../../../../../lib/local/stripe-emulator';
import { raw, sdkClient, startTestEmulator } from '../../../../support/emulator-test-support';

let emulator: RunningStripeEmulator;
let stripe: Stripe;
let customerId: string;

beforeAll(async () => {
  emulator = await startTestEmulator();
  stripe = sdkClient(emulator);
  customerId = (await stripe.customers.create({ name: 'Idempotent Inc' })).id;
});
afterEach(() => {
  emulator.faults.clear();
});
afterAll(async () => {
  await emulator.stop();
});

async function itemsOf(description: string): Promise<Stripe.InvoiceItem[]> {
  const all = await stripe.invoiceItems.list({ customer: customerId }).autoPagingToArray({ limit: 1000 });
  return all.filter((item) => item.description === description);
}

describe('idempotency keys', () => {
  it('replay the first response for the same key and parameters', async () => {
    const form = `customer=${customerId}&amount=100&currency=usd&description=replayed`;
    const headers = { 'Idempotency-Key': 'close:ctr_1:2025-01:line-1' };
    const first = await raw(emulator, 'POST', '/v1/invoiceitems', { form, headers });
    const second = await raw(emulator, 'POST', '/v1/invoiceitems', { form, headers });
    expect(second.status).toBe(first.status);
    expect(second.body).toEqual(first.body);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.headers.get('original-request')).toBe(first.headers.get('request-id'));
    expect(await itemsOf('replayed')).toHaveLength(1);
  });

  it('compare parameters regardless of their order', async () => {
    const headers = { 'Idempotency-Key': 'order-insensitive' };
    const first = await raw(emulator, 'POST', '/v1/customers', { form: 'name=A&metadata[x]=1&metadata[y]=2', headers });
    const second = await raw(emulator, 'POST', '/v1/customers', { form: 'metadata[y]=2&metadata[x]=1&name=A', headers });
    expect(second.body.id).toBe(first.body.id);
  });

  it('answer 400 idempotency_error for the same key with other parameters or another endpoint', async () => {
    await stripe.invoiceItems.create({ customer: customerId, amount: 1, currency: 'usd' }, { idempotencyKey: 'mismatch' });
    const other = stripe.invoiceItems.create({ customer: customerId, amount: 2, currency: 'usd' }, { idempotencyKey: 'mismatch' });
    await expect(other).rejects.toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    await expect(other).rejects.toMatchObject({ statusCode: 400, type: 'StripeIdempotencyError', message: expect.stringContaining("other than 'mismatch'") });
    await expect(stripe.customers.create({}, { idempotencyKey: 'mismatch' })).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining("'POST /v1/invoiceitems' vs 'POST /v1/customers'"),
    });
  });

  it('answer 409 idempotency_key_in_use while the first request with the key is still executing', async () => {
    emulator.faults.delay({ ms: 300, times: 1, path: /^\/v1\/invoiceitems$/ });
    const form = `customer=${customerId}&amount=5&currency=usd&description=concurrent`;
    const headers = { 'Idempotency-Key': 'concurrent-key' };
    const slow = raw(emulator, 'POST', '/v1/invoiceitems', { form, headers });
    // Wait until the first request holds the key (it has taken the delay).
    while (emulator.faults.list().length > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const concurrent = await raw(emulator, 'POST', '/v1/invoiceitems', { form, headers });
    expect(concurrent.status).toBe(409);
    expect(concurrent.body.error).toMatchObject({ code: 'idempotency_key_in_use', type: 'invalid_request_error' });
    expect((await slow).status).toBe(200);
    // Nothing was saved for the 409: a retry now replays the first request's answer.
    const retry = await raw(emulator, 'POST', '/v1/invoiceitems', { form, headers });
    expect(retry.body.id).toBe((await slow).body.id);
    expect(await itemsOf('concurrent')).toHaveLength(1);
  });

  it('are forgotten after 24 hours of emulated time', async () => {
    const form = `customer=${customerId}&amount=7&currency=usd&description=expiring`;
    const headers = { 'Idempotency-Key': 'expiring-key' };
    const first = await raw(emulator, 'POST', '/v1/invoiceitems', { form, headers });
    emulator.advanceClock(24 * 3600 - 1);
    expect((await raw(emulator, 'POST', '/v1/invoiceitems', { form, headers })).body.id).toBe(first.body.id);
    emulator.advanceClock(1);
    const afterExpiry = await raw(emulator, 'POST', '/v1/invoiceitems', { form, headers });
    expect(afterExpiry.body.id).not.toBe(first.body.id);
    expect(await itemsOf('expiring')).toHaveLength(2);
  });

  it('save nothing when parameters fail validation, so a corrected retry runs', async () => {
    const headers = { 'Idempotency-Key': 'fix-and-retry' };
    const invalid = await raw(emulator, 'POST', '/v1/invoiceitems', { form: `customer=${customerId}&amount=abc&currency=usd`, headers });
    expect(invalid.status).toBe(400);
    const valid = await raw(emulator, 'POST', '/v1/invoiceitems', { form: `customer=${customerId}&amount=3&currency=usd`, headers });
    expect(valid.status).toBe(200);
  });

  it('save errors raised while executing, like Stripe', async () => {
    const headers = { 'Idempotency-Key': 'executed-404' };
    const form = 'customer=cus_not_yet&amount=3&currency=usd';
    const first = await raw(emulator, 'POST', '/v1/invoiceitems', { form, headers });
    const second = await raw(emulator, 'POST', '/v1/invoiceitems', { form, headers });
    expect(first.status).toBe(404);
    expect(second.status).toBe(404);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
  });
});

describe('faults', () => {
  it('answer 429 in Stripe’s rate_limit shape, which the SDK does not retry by itself', async () => {
    emulator.faults.inject({ status: 429, times: 1, path: /^\/v1\/customers$/, method: 'POST' });
    const retrying = sdkClient(emulator, { maxNetworkRetries: 3 });
    const attempt = retrying.customers.create({ name: 'rate limited' });
    await expect(attempt).rejects.toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    await expect(attempt).rejects.toMatchObject({ statusCode: 429, code: 'rate_limit' });
    expect(emulator.faults.list()).toEqual([]);
  });

  it('let a retrying SDK client through transient 500/503s before execution without duplicates', async () => {
    emulator.faults.inject({ status: 500, times: 1, path: /^\/v1\/invoiceitems$/ });
    emulator.faults.inject({ status: 503, times: 1, path: /^\/v1\/invoiceitems$/ });
    const retrying = sdkClient(emulator, { maxNetworkRetries: 3 });
    const item = await retrying.invoiceItems.create({ customer: customerId, amount: 11, currency: 'usd', description: 'transient' });
    expect(item.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(emulator.faults.stats().errors).toMatchObject({ 500: 1, 503: 1 });
    expect(await itemsOf('transient')).toEqual([expect.objectContaining({ id: item.id })]);
  });

  it('recover from a response lost after execution by replaying it for the SDK’s retry', async () => {
    emulator.faults.dropConnection({ times: 1, path: /^\/v1\/invoiceitems$/, phase: 'after' });
    const retrying = sdkClient(emulator, { maxNetworkRetries: 2 });
    const item = await retrying.invoiceItems.create({ customer: customerId, amount: 13, currency: 'usd', description: 'lost response' });
    // The first attempt created the item; the retry carried the same key and got the saved answer.
    expect(item.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(await itemsOf('lost response')).toHaveLength(1);
  });

  it('save a 500 raised after execution and replay it, telling clients not to retry', async () => {
    emulator.faults.inject({ status: 500, times: 1, path: /^\/v1\/invoiceitems$/, phase: 'after' });
    const retrying = sdkClient(emulator, { maxNetworkRetries: 3 });
    const params: Stripe.InvoiceItemCreateParams = { customer: customerId, amount: 17, currency: 'usd', description: 'saved 500' };
    const failed = retrying.invoiceItems.create(params, { idempotencyKey: 'saved-500' });
    await expect(failed).rejects.toBeInstanceOf(Stripe.errors.StripeAPIError);
    await expect(failed).rejects.toMatchObject({ statusCode: 500, headers: expect.objectContaining({ 'stripe-should-retry': 'false' }) });
    // The work happened, and the key keeps answering with the same 500.
    expect(await itemsOf('saved 500')).toHaveLength(1);
    await expect(retrying.invoiceItems.create(params, { idempotencyKey: 'saved-500' })).rejects.toMatchObject({ statusCode: 500 });
    expect(await itemsOf('saved 500')).toHaveLength(1);
    // A fresh key is a new request.
    await retrying.invoiceItems.create(params, { idempotencyKey: 'saved-500-take-2' });
    expect(await itemsOf('saved 500')).toHaveLength(2);
  });

  it('slow a request down without failing it', async () => {
    emulator.faults.delay({ ms: 50, times: 2 });
    await stripe.customers.list({ limit: 1 });
    await stripe.customers.list({ limit: 1 });
    expect(emulator.faults.stats().delays).toBeGreaterThanOrEqual(2);
    expect(emulator.faults.list()).toEqual([]);
  });

  it('fire on a seeded share of requests with a probability', async () => {
    emulator.faults.inject({ status: 503, times: Infinity, probability: 0.5, path: /^\/v1\/events$/ });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await raw(emulator, 'GET', '/v1/events?limit=1')).status);
    const failures = statuses.filter((status) => status === 503).length;
    expect(failures).toBeGreaterThan(5);
    expect(failures).toBeLessThan(35);
  });

  it('rate-limit requests beyond a configured rate with 429', async () => {
    emulator.faults.rateLimit({ perSecond: 0.01, burst: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await raw(emulator, 'GET', '/v1/customers?limit=1')).status);
    emulator.faults.rateLimit(null);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.slice(3)).toContain(429);
  });
});

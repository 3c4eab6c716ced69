// The /_emulator/ HTTP control surface, for processes that did not start the emulator.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningStripeEmulator } from '../../../../../lib/local/stripe-emulator';
import { raw, sdkClient, startTestEmulator } from '../../../../support/emulator-test-support';

let emulator: RunningStripeEmulator;
let stripe: Stripe;

beforeAll(async () => {
  emulator = await startTestEmulator();
  stripe = sdkClient(emulator);
});
afterAll(async () => {
  await emulator.stop();
});

const control = (method: string, path: string, json?: unknown) =>
  raw(emulator, method, `/_emulator${path}`, { auth: null, ...(json !== undefined ? { json } : {}) });

describe('control routes', () => {
  it('inject, list and clear faults', async () => {
    const added = await control('POST', '/faults', { status: 503, times: 2, path: '^/v1/customers$', method: 'POST' });
    expect(added.status).toBe(200);
    expect(added.body.data).toEqual([expect.objectContaining({ kind: 'error', status: 503, remaining: 2, method: 'POST' })]);
    await expect(stripe.customers.create({})).rejects.toMatchObject({ statusCode: 503 });
    expect((await control('GET', '/faults')).body.data[0].remaining).toBe(1);
    await control('DELETE', '/faults');
    expect((await stripe.customers.create({})).object).toBe('customer');
    const unlimited = await control('POST', '/faults', { ms: 1, times: null });
    expect(unlimited.body.data[0]).toMatchObject({ kind: 'delay', remaining: null });
    await control('DELETE', '/faults');
  });

  it('reject malformed control requests with a reason', async () => {
    const bad = await control('POST', '/faults', { status: 200 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('status');
    expect((await control('GET', '/nothing-here')).status).toBe(404);
  });

  it('set a rate limit, move the clock, report stats and reset', async () => {
    await control('POST', '/rate_limit', { perSecond: 0.01, burst: 1 });
    await stripe.customers.list({ limit: 1 });
    await expect(stripe.customers.list({ limit: 1 })).rejects.toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    await control('POST', '/rate_limit', { perSecond: null });

    const before = (await control('GET', '/clock')).body.now as number;
    const moved = await control('POST', '/clock/advance', { seconds: 3600 });
    expect(moved.body.now).toBeGreaterThanOrEqual(before + 3600);

    const stats = await control('GET', '/stats');
    expect(stats.body.objects.customers).toBeGreaterThan(0);
    expect(stats.body.faults.rateLimited).toBeGreaterThanOrEqual(1);
    await control('POST', '/reset');
    expect((await control('GET', '/stats')).body.objects.customers).toBe(0);
    expect((await stripe.customers.list()).data).toEqual([]);
  });

  it('point webhooks at an endpoint and report deliveries', async () => {
    const configured = await control('POST', '/webhook', { url: 'http://127.0.0.1:9/unreachable', secret: 'whsec_control' });
    expect(configured.body).toEqual({ url: 'http://127.0.0.1:9/unreachable', secret: 'whsec_control' });
    await stripe.customers.create({ name: 'Nobody listens' });
    const deliveries = await control('GET', '/webhook/deliveries');
    expect(deliveries.body.data.length).toBeGreaterThan(0);
    expect(deliveries.body.data[0]).toMatchObject({ type: 'customer.created', status: null, error: expect.any(String) });
    await control('DELETE', '/webhook');
  });
});

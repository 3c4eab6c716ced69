import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../../../../lambdas/adapters/stripe/token-bucket';
import { StripeCallPolicy, defaultRateFor, isRetryableStripeError, mayHaveExecuted } from '../../../../../lambdas/adapters/stripe/stripe-call-policy';

describe('TokenBucket', () => {
  it('lets a burst through, then paces callers at the configured rate', async () => {
    let now = 0;
    const slept: number[] = [];
    const bucket = new TokenBucket({
      ratePerSecond: 25,
      burst: 2,
      now: () => now,
      sleep: async (ms) => {
        slept.push(ms);
        now += ms;
      },
    });
    for (let index = 0; index < 5; index += 1) await bucket.take();
    // 2 from the burst, then one token per 40 ms.
    expect(slept).toEqual([40, 40, 40]);
    expect(now).toBe(120);
  });
});

describe('Stripe retry classification', () => {
  it('retries 429, 5xx and connection errors but not saved 500s or bad requests', () => {
    expect(isRetryableStripeError({ type: 'StripeRateLimitError', statusCode: 429 })).toBe(true);
    expect(isRetryableStripeError({ type: 'StripeAPIError', statusCode: 503 })).toBe(true);
    expect(isRetryableStripeError({ type: 'StripeConnectionError' })).toBe(true);
    expect(isRetryableStripeError({ type: 'StripeAPIError', statusCode: 500, headers: { 'stripe-should-retry': 'false' } })).toBe(false);
    expect(isRetryableStripeError({ type: 'StripeInvalidRequestError', statusCode: 400 })).toBe(false);
    expect(mayHaveExecuted({ type: 'StripeAPIError', statusCode: 500 })).toBe(true);
    expect(mayHaveExecuted({ type: 'StripeRateLimitError', statusCode: 429 })).toBe(false);
  });

  it('defaults to Stripe\'s test-mode or live-mode limit by key', () => {
    expect(defaultRateFor('sk_test_abc')).toBe(25);
    expect(defaultRateFor('sk_live_abc')).toBe(100);
  });

  it('retries a rate-limited call with backoff until it succeeds, and gives up on bad input at once', async () => {
    const policy = new StripeCallPolicy({ ratePerSecond: 1000, retries: 4, minTimeoutMs: 1, maxTimeoutMs: 2 });
    let attempts = 0;
    const result = await policy.run(async () => {
      attempts += 1;
      if (attempts < 3) throw Object.assign(new Error('rate limited'), { type: 'StripeRateLimitError', statusCode: 429 });
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(policy.stats).toEqual({ calls: 3, retries: 2 });

    const bad = Object.assign(new Error('No such customer'), { type: 'StripeInvalidRequestError', statusCode: 400 });
    await expect(policy.run(async () => Promise.reject(bad))).rejects.toBe(bad);
    expect(policy.stats.calls).toBe(4);
  });
});

import pRetry from 'p-retry';
import { TokenBucket } from './token-bucket';

/** Stripe's documented account limits: 25 requests/s in test mode, 100 in live mode. */
export const STRIPE_RATE_LIMITS = { test: 25, live: 100 } as const;

export interface StripeCallPolicyOptions {
  /** Requests per second for the whole process (default: by key mode). */
  readonly ratePerSecond?: number;
  readonly burst?: number;
  /** Retries after the first attempt for 429, 5xx and connection errors. */
  readonly retries?: number;
  readonly minTimeoutMs?: number;
  readonly maxTimeoutMs?: number;
}

export function defaultRateFor(apiKey: string): number {
  return /^(sk|rk)_live_/.test(apiKey) ? STRIPE_RATE_LIMITS.live : STRIPE_RATE_LIMITS.test;
}

interface StripeLikeError {
  readonly type?: string;
  readonly statusCode?: number;
  readonly headers?: Record<string, string | undefined>;
}

function asStripeError(error: unknown): StripeLikeError {
  return error && typeof error === 'object' ? (error as StripeLikeError) : {};
}

/**
 * Whether a failed Stripe call is worth trying again with the same key:
 * 429 (the SDK never retries those), 5xx and connection failures. A 500 that
 * Stripe saved against the idempotency key (`Stripe-Should-Retry: false`)
 * replays forever, so it is not retried: the caller reconciles by listing.
 */
export function isRetryableStripeError(error: unknown): boolean {
  const { type, statusCode, headers } = asStripeError(error);
  if (headers?.['stripe-should-retry'] === 'false') return false;
  if (type === 'StripeConnectionError' || type === 'StripeRateLimitError') return true;
  if (statusCode === 429 || statusCode === 409) return true;
  return statusCode !== undefined && statusCode >= 500;
}

/** A failure that happened after Stripe may have done the work (5xx or a lost connection). */
export function mayHaveExecuted(error: unknown): boolean {
  const { type, statusCode } = asStripeError(error);
  return type === 'StripeConnectionError' || (statusCode !== undefined && statusCode >= 500);
}

/**
 * Stripe answered from what it saved against the idempotency key
 * (`Idempotent-Replayed: true`): the request under that key ran before and
 * will never run again while Stripe keeps the key (24 h).
 */
export function isReplayedAnswer(error: unknown): boolean {
  return asStripeError(error).headers?.['idempotent-replayed'] === 'true';
}

export interface StripeCallStats {
  calls: number;
  retries: number;
}

/** Rate limit + retry with exponential backoff and full jitter around every Stripe request. */
export class StripeCallPolicy {
  readonly stats: StripeCallStats = { calls: 0, retries: 0 };
  private readonly bucket: TokenBucket;
  private readonly retries: number;
  private readonly minTimeout: number;
  private readonly maxTimeout: number;

  constructor(options: StripeCallPolicyOptions & { readonly ratePerSecond: number }) {
    this.bucket = new TokenBucket({ ratePerSecond: options.ratePerSecond, burst: options.burst ?? options.ratePerSecond });
    this.retries = options.retries ?? 6;
    this.minTimeout = options.minTimeoutMs ?? 250;
    this.maxTimeout = options.maxTimeoutMs ?? 8_000;
  }

  run<T>(call: () => Promise<T>): Promise<T> {
    return pRetry(
      async () => {
        await this.bucket.take();
        this.stats.calls += 1;
        return call();
      },
      {
        retries: this.retries,
        factor: 2,
        minTimeout: this.minTimeout,
        maxTimeout: this.maxTimeout,
        randomize: true,
        shouldRetry: ({ error }) => {
          const retry = isRetryableStripeError(error);
          if (retry) this.stats.retries += 1;
          return retry;
        },
      },
    );
  }
}

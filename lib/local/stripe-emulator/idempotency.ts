// Stripe's idempotency layer for POST requests (https://docs.stripe.com/idempotency;
// https://docs.stripe.com/api/idempotent_requests):
// - "Stripe saves the status code and body of the first request made with a
//   given idempotency key after endpoint execution begins. Retries with the
//   same key return the saved response, including 500 errors."
// - "The idempotency layer compares incoming parameters to those of the
//   original request and errors if they're not the same" (400 idempotency_error).
// - "We save results only after the execution of an endpoint begins. If
//   incoming parameters fail validation, or the request conflicts with another
//   that was executing concurrently, no idempotent result is saved" — a
//   concurrent request gets 409 idempotency_key_in_use and may be retried.
// - Keys "can be removed ... after they're at least 24 hours old"; a key
//   reused after that starts a new request.
import type { EmulatorClock } from './clock';
import { type StripeApiError, stripeErrors } from './errors';

export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

export interface SavedResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
  /** Request-Id of the request that produced the response. */
  requestId: string;
}

export interface IdempotencyEntry {
  endpoint: string;
  fingerprint: string;
  firstSeenMs: number;
  response: SavedResponse | null;
}

export type IdempotencyDecision =
  | { kind: 'execute'; save(response: SavedResponse): void; release(): void }
  | { kind: 'replay'; response: SavedResponse }
  | { kind: 'reject'; error: StripeApiError };

export class IdempotencyStore {
  private readonly entries = new Map<string, IdempotencyEntry>();
  private replays = 0;

  constructor(
    private readonly clock: EmulatorClock,
    private readonly ttlMs = IDEMPOTENCY_KEY_TTL_MS,
  ) {}

  /**
   * Claims `key` for a request to `endpoint` (`POST /v1/invoices`) with
   * parameters `fingerprint`, or says how to answer instead.
   */
  begin(key: string, endpoint: string, fingerprint: string): IdempotencyDecision {
    if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      return { kind: 'reject', error: stripeErrors.idempotencyKeyTooLong(key.length) };
    }
    const nowMs = this.clock.now().getTime();
    this.pruneExpired(nowMs);
    const existing = this.entries.get(key);
    if (existing && nowMs - existing.firstSeenMs < this.ttlMs) {
      if (existing.endpoint !== endpoint) {
        return { kind: 'reject', error: stripeErrors.idempotencyEndpointMismatch(key, existing.endpoint, endpoint) };
      }
      if (existing.fingerprint !== fingerprint) {
        return { kind: 'reject', error: stripeErrors.idempotencyParamsMismatch(key) };
      }
      if (existing.response === null) return { kind: 'reject', error: stripeErrors.idempotencyKeyInUse(key) };
      this.replays++;
      return { kind: 'replay', response: existing.response };
    }
    const entry: IdempotencyEntry = { endpoint, fingerprint, firstSeenMs: nowMs, response: null };
    // Re-inserting keeps the map ordered by first use, which pruneExpired relies on.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return {
      kind: 'execute',
      save: (response) => {
        entry.response = response;
      },
      release: () => {
        if (this.entries.get(key) === entry && entry.response === null) this.entries.delete(key);
      },
    };
  }

  get size(): number {
    return this.entries.size;
  }

  get replayCount(): number {
    return this.replays;
  }

  clear(): void {
    this.entries.clear();
    this.replays = 0;
  }

  /** Keys with a saved response, oldest first (a request still executing has nothing to keep). */
  savedEntries(): [string, IdempotencyEntry][] {
    return [...this.entries].filter(([, entry]) => entry.response !== null).map(([key, entry]) => [key, structuredClone(entry)]);
  }

  /** Puts back keys saved by savedEntries, in their order. */
  restore(entries: ReadonlyArray<readonly [string, IdempotencyEntry]>): void {
    this.entries.clear();
    for (const [key, entry] of entries) this.entries.set(key, structuredClone(entry));
  }

  private pruneExpired(nowMs: number): void {
    for (const [key, entry] of this.entries) {
      if (nowMs - entry.firstSeenMs < this.ttlMs) break;
      if (entry.response !== null) this.entries.delete(key);
    }
  }
}

// The one retry loop for optimistic concurrency: a read-modify-write that lost
// a version race is run again from a fresh read. Only the conflict the caller
// names is retried; every other error (bad input, infrastructure) goes
// straight out, so infrastructure retries stay with the queue or scheduler.

export interface RetryOnConflictOptions {
  /** True for the typed conflict error worth another attempt (e.g. `error instanceof TaskVersionConflictError`). */
  readonly isConflict: (error: unknown) => boolean;
  /** Attempts in all, the first included; the conflict of the last one is thrown. Defaults to 4. */
  readonly attempts?: number;
  /** Upper bound of the first backoff in milliseconds, doubled per attempt; defaults to 20. */
  readonly baseDelayMs?: number;
  /** Waits between attempts; injected so tests do not wait. Defaults to a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1); injected so tests are deterministic. Defaults to Math.random. */
  readonly random?: () => number;
}

export const DEFAULT_CONFLICT_ATTEMPTS = 4;

const sleepWithTimer = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `operation(attempt)` (attempt counts from 1) until it succeeds, throws
 * something that is not a conflict, or has used every attempt. Between
 * attempts it waits a full-jitter backoff, so racing writers spread out.
 */
export async function retryOnConflict<T>(options: RetryOnConflictOptions, operation: (attempt: number) => Promise<T>): Promise<T> {
  const attempts = options.attempts ?? DEFAULT_CONFLICT_ATTEMPTS;
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`retryOnConflict needs at least one attempt, got ${attempts}`);
  const baseDelayMs = options.baseDelayMs ?? 20;
  const sleep = options.sleep ?? sleepWithTimer;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!options.isConflict(error) || attempt >= attempts) throw error;
    }
    const delay = Math.floor(random() * baseDelayMs * 2 ** (attempt - 1));
    if (delay > 0) await sleep(delay);
  }
}

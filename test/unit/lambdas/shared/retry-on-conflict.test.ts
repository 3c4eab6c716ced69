import { describe, expect, it } from 'vitest';
import { retryOnConflict } from '../../../../lambdas/shared/retry-on-conflict';

class ConflictError extends Error {
  readonly code = 'conflict';
}

const isConflict = (error: unknown) => error instanceof ConflictError;

describe('retryOnConflict', () => {
  it('runs again after a conflict and returns the first success', async () => {
    const delays: number[] = [];
    const seen: number[] = [];
    const result = await retryOnConflict({ isConflict, sleep: async (ms) => void delays.push(ms), random: () => 0.5 }, async (attempt) => {
      seen.push(attempt);
      if (attempt < 3) throw new ConflictError('lost the race');
      return 'stored';
    });
    expect(result).toBe('stored');
    expect(seen).toEqual([1, 2, 3]);
    // Full jitter: half of 20 ms, then half of 40 ms.
    expect(delays).toEqual([10, 20]);
  });

  it('throws the last conflict once every attempt is used', async () => {
    let calls = 0;
    const failing = retryOnConflict({ isConflict, attempts: 3, sleep: async () => {} }, async () => {
      calls += 1;
      throw new ConflictError(`conflict ${calls}`);
    });
    await expect(failing).rejects.toThrow('conflict 3');
    expect(calls).toBe(3);
  });

  it('never retries an error that is not a conflict', async () => {
    let calls = 0;
    const failing = retryOnConflict({ isConflict, sleep: async () => {} }, async () => {
      calls += 1;
      throw new Error('throttled');
    });
    await expect(failing).rejects.toThrow('throttled');
    expect(calls).toBe(1);
  });

  it('refuses a number of attempts below one', async () => {
    await expect(retryOnConflict({ isConflict, attempts: 0 }, async () => 'never')).rejects.toThrow(RangeError);
  });
});

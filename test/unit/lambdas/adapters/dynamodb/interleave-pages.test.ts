import { describe, expect, it } from 'vitest';
import { interleavePages } from '../../../../../lambdas/adapters/dynamodb/interleave-pages';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('interleavePages', () => {
  it('yields every value of every source with at most `concurrency` sources running', async () => {
    let running = 0;
    let maxRunning = 0;
    const sources = Array.from({ length: 10 }, (_, source) => async function* () {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      for (let page = 0; page < 3; page += 1) {
        await tick();
        yield `${source}-${page}`;
      }
      running -= 1;
    });
    const values: string[] = [];
    for await (const value of interleavePages(sources, 4)) values.push(value);
    expect(values.sort()).toEqual(sources.flatMap((_, source) => [0, 1, 2].map((page) => `${source}-${page}`)).sort());
    expect(maxRunning).toBeLessThanOrEqual(4);
  });

  it('fails with the first error and closes the other sources', async () => {
    let closed = 0;
    const healthy = async function* () {
      try {
        for (;;) {
          await tick();
          yield 'ok';
        }
      } finally {
        closed += 1;
      }
    };
    const failing = async function* () {
      await tick();
      await tick();
      throw new Error('shard failed');
      yield 'never';
    };
    await expect(async () => {
      for await (const value of interleavePages([healthy, failing, healthy], 3)) void value;
    }).rejects.toThrow('shard failed');
    await tick();
    await tick();
    expect(closed).toBe(2);
  });
});

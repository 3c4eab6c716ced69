import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { processSqsBatch } from '../../../../lambdas/shared/sqs-partial-batch';

const record = (messageId: string, key: string): SQSRecord =>
  ({ messageId, body: JSON.stringify({ key }), attributes: { ApproximateReceiveCount: '1' } }) as unknown as SQSRecord;
const keyOf = (r: SQSRecord) => (JSON.parse(r.body) as { key: string }).key;

describe('processSqsBatch', () => {
  it('reports exactly the failed records, in batch order', async () => {
    const records = [record('m1', 'a'), record('m2', 'b'), record('m3', 'c'), record('m4', 'd')];
    const batch = await processSqsBatch(records, {
      concurrency: 2,
      processRecord: async (r) => {
        if (r.messageId === 'm2' || r.messageId === 'm4') throw new Error(`boom ${r.messageId}`);
        return r.messageId;
      },
    });
    expect(batch.response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }, { itemIdentifier: 'm4' }] });
    expect(batch.succeeded.map((s) => s.result)).toEqual(['m1', 'm3']);
    expect(batch.failed.map((f) => (f.error as Error).message)).toEqual(['boom m2', 'boom m4']);
  });

  it('processes records of one key in order, one at a time', async () => {
    const log: string[] = [];
    const records = [record('m1', 'o-1'), record('m2', 'o-2'), record('m3', 'o-1'), record('m4', 'o-1')];
    await processSqsBatch(records, {
      concurrency: 4,
      keyOf,
      processRecord: async (r) => {
        log.push(`start ${r.messageId}`);
        await new Promise((resolve) => setTimeout(resolve, r.messageId === 'm1' ? 20 : 1));
        log.push(`end ${r.messageId}`);
      },
    });
    const o1 = log.filter((line) => /m1|m3|m4/.test(line));
    expect(o1).toEqual(['start m1', 'end m1', 'start m3', 'end m3', 'start m4', 'end m4']);
    // o-2 ran alongside o-1 rather than after it.
    expect(log.indexOf('end m2')).toBeLessThan(log.indexOf('end m1'));
  });

  it('does not attempt later records of a key after one fails, and fails them too', async () => {
    const attempted: string[] = [];
    const records = [record('m1', 'o-1'), record('m2', 'o-1'), record('m3', 'o-2')];
    const batch = await processSqsBatch(records, {
      concurrency: 2,
      keyOf,
      processRecord: async (r) => {
        attempted.push(r.messageId);
        if (r.messageId === 'm1') throw new Error('throttled');
      },
    });
    expect(attempted.sort()).toEqual(['m1', 'm3']);
    expect(batch.response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }]);
    expect(batch.failed.map((f) => f.error === undefined)).toEqual([false, true]);
  });

  it('never has more than `concurrency` records in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const records = Array.from({ length: 10 }, (_, i) => record(`m${i}`, `k${i}`));
    await processSqsBatch(records, {
      concurrency: 3,
      keyOf,
      processRecord: async () => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 2));
        inFlight -= 1;
      },
    });
    expect(peak).toBe(3);
  });

  it('handles an empty batch', async () => {
    const batch = await processSqsBatch([], { concurrency: 5, processRecord: async () => 1 });
    expect(batch.response).toEqual({ batchItemFailures: [] });
  });
});

// Records with several keys (an 'Outcomes Recorded' event holds several
// outcomes) join the groups of all their keys, and a rank puts new outcomes
// before the adjustments of their group whatever order the queue used.
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { processSqsBatch } from '../../../../lambdas/shared/sqs-partial-batch';

const record = (messageId: string, keys: string[], rank = 0): SQSRecord =>
  ({ messageId, body: JSON.stringify({ keys, rank }), attributes: { ApproximateReceiveCount: '1' } }) as unknown as SQSRecord;
const keysOf = (r: SQSRecord) => (JSON.parse(r.body) as { keys: string[] }).keys;
const rankOf = (r: SQSRecord) => (JSON.parse(r.body) as { rank: number }).rank;

async function order(records: SQSRecord[], failing: string[] = []) {
  const log: string[] = [];
  const batch = await processSqsBatch(records, {
    concurrency: 4,
    keyOf: keysOf,
    rankOf,
    processRecord: async (r) => {
      log.push(r.messageId);
      await new Promise((resolve) => setImmediate(resolve));
      if (failing.includes(r.messageId)) throw new Error(`boom ${r.messageId}`);
      return r.messageId;
    },
  });
  return { log, batch };
}

describe('processSqsBatch with several keys per record and ranks', () => {
  it('chains records that share any key, transitively, and runs lower ranks first within a group', async () => {
    const records = [
      record('reverse-b', ['b'], 1),
      record('batch-1', ['a', 'b']),
      record('verify-c', ['c'], 1),
      record('batch-2', ['c', 'd']),
      record('alone', ['e']),
      record('correct-a', ['a'], 1),
    ];
    const { log } = await order(records);
    const position = (id: string) => log.indexOf(id);
    expect(position('batch-1')).toBeLessThan(position('reverse-b'));
    expect(position('reverse-b')).toBeLessThan(position('correct-a'));
    expect(position('batch-2')).toBeLessThan(position('verify-c'));
    expect(log).toHaveLength(6);
  });

  it('fails the rest of a group when its batch record fails, and leaves other groups alone', async () => {
    const records = [record('reverse-b', ['b'], 1), record('batch-1', ['a', 'b']), record('other', ['z'])];
    const { log, batch } = await order(records, ['batch-1']);
    expect(log).not.toContain('reverse-b');
    expect(batch.response.batchItemFailures).toEqual([{ itemIdentifier: 'reverse-b' }, { itemIdentifier: 'batch-1' }]);
    expect(batch.succeeded.map((entry) => entry.result)).toEqual(['other']);
  });
});

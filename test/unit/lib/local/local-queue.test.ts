import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { DeadLetterStore, readDeadLetters } from '../../../../lib/local/dead-letter-store';
import { createLambdaContext } from '../../../../lib/local/lambda-context';
import { LocalQueue, QueueStoppedError, type QueueConsumer } from '../../../../lib/local/local-queue';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function queueWith(consumer: QueueConsumer, overrides: Partial<ConstructorParameters<typeof LocalQueue>[0]> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'local-queue-'));
  dirs.push(dir);
  const deadLetters = new DeadLetterStore(join(dir, 'dead-letters.jsonl'));
  const queue = new LocalQueue({
    name: 'Outcomes',
    consumer,
    createContext: () => createLambdaContext({ functionName: 'f', timeoutMs: 30_000, region: 'us-east-1', accountId: '000000000000' }),
    deadLetters,
    region: 'us-east-1',
    accountId: '000000000000',
    retryDelayMs: () => 1,
    ...overrides,
  });
  return { queue, deadLetters };
}

describe('LocalQueue', () => {
  it('delivers SQS-shaped batches of at most batchSize records', async () => {
    const batches: SQSEvent[] = [];
    const { queue } = queueWith(async (event) => {
      batches.push(event);
      return { batchItemFailures: [] };
    });
    const ids = await Promise.all(Array.from({ length: 23 }, (_, i) => queue.send(JSON.stringify({ i }))));
    await queue.drain();

    const records = batches.flatMap((b) => b.Records);
    expect(records.map((r) => r.messageId).sort()).toEqual([...ids].sort());
    expect(Math.max(...batches.map((b) => b.Records.length))).toBe(10);
    expect(batches).toHaveLength(3);
    const [record] = records;
    expect(record).toMatchObject({
      body: '{"i":0}',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:Outcomes',
      awsRegion: 'us-east-1',
      attributes: { ApproximateReceiveCount: '1', SenderId: '000000000000' },
      md5OfBody: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
  });

  it('passes a Lambda context with a deadline', async () => {
    let context: Context | undefined;
    const { queue } = queueWith(async (_event, ctx) => {
      context = ctx;
    });
    void queue.send('{}');
    await queue.drain();
    expect(context?.functionName).toBe('f');
    expect(context?.getRemainingTimeInMillis()).toBeGreaterThan(0);
  });

  it('redelivers only the records reported as failed, with growing receive counts', async () => {
    const seen = new Map<string, string[]>();
    let failFirstTimes = 2;
    const { queue, deadLetters } = queueWith(async (event): Promise<SQSBatchResponse> => {
      const failures = [];
      for (const record of event.Records) {
        const body = JSON.parse(record.body) as { name: string };
        seen.set(body.name, [...(seen.get(body.name) ?? []), record.attributes.ApproximateReceiveCount]);
        if (body.name === 'flaky' && failFirstTimes-- > 0) failures.push({ itemIdentifier: record.messageId });
      }
      return { batchItemFailures: failures };
    });
    void queue.send(JSON.stringify({ name: 'steady' }));
    void queue.send(JSON.stringify({ name: 'flaky' }));
    await queue.drain();

    expect(seen.get('steady')).toEqual(['1']);
    expect(seen.get('flaky')).toEqual(['1', '2', '3']);
    expect(await deadLetters.list()).toEqual([]);
  });

  it('dead-letters a record after maxReceiveCount failed receives, keeping its body', async () => {
    let attempts = 0;
    const { queue, deadLetters } = queueWith(
      async (event) => {
        attempts += 1;
        return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
      },
      { maxReceiveCount: 3 },
    );
    const messageId = await queue.send('{"outcome":"never"}');
    await queue.drain();

    expect(attempts).toBe(3);
    const letters = await deadLetters.list();
    expect(letters).toEqual([
      {
        queue: 'Outcomes',
        messageId,
        body: '{"outcome":"never"}',
        receiveCount: 3,
        sentAt: expect.any(String),
        deadLetteredAt: expect.any(String),
      },
    ]);
    expect(await readDeadLetters(deadLetters.filePath)).toEqual(letters);
  });

  it('retries the whole batch when the invocation throws, and records why it was dead-lettered', async () => {
    const { queue, deadLetters } = queueWith(
      async () => {
        throw new Error('function crashed');
      },
      { maxReceiveCount: 2 },
    );
    void queue.send('{"a":1}');
    void queue.send('{"a":2}');
    await queue.drain();
    const letters = await deadLetters.list();
    expect(letters.map((l) => [l.body, l.receiveCount, l.lastError])).toEqual([
      ['{"a":1}', 2, 'Error: function crashed'],
      ['{"a":2}', 2, 'Error: function crashed'],
    ]);
  });

  it('fails the whole batch when an item failure names no record of it, as Lambda does', async () => {
    const receives: string[] = [];
    const { queue } = queueWith(async (event) => {
      receives.push(...event.Records.map((r) => r.attributes.ApproximateReceiveCount));
      return receives.length === 1 ? { batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] } : { batchItemFailures: [] };
    });
    void queue.send('{}');
    await queue.drain();
    expect(receives).toEqual(['1', '2']);
  });

  it('keeps at most maxConcurrency invocations in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const { queue } = queueWith(
      async () => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight -= 1;
      },
      { maxConcurrency: 3, batchSize: 1 },
    );
    for (let i = 0; i < 12; i += 1) void queue.send(`{"i":${i}}`);
    await queue.drain();
    expect(peak).toBe(3);
  });

  it('hands back unprocessed and retrying messages on stop, and takes them back with restore', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const processed: string[] = [];
    const { queue } = queueWith(
      async (event) => {
        await gate;
        processed.push(...event.Records.map((r) => r.body));
        return { batchItemFailures: event.Records.filter((r) => r.body === '"retry"').map((r) => ({ itemIdentifier: r.messageId })) };
      },
      { batchSize: 2, maxConcurrency: 1, retryDelayMs: () => 60_000 },
    );
    void queue.send('"retry"');
    void queue.send('"b"');
    void queue.send('"c"');
    await new Promise((r) => setImmediate(r));
    const stopping = queue.stop();
    release();
    const pending = await stopping;

    expect(processed).toEqual(['"retry"', '"b"']);
    expect(pending.map((m) => [m.body, m.receiveCount]).sort()).toEqual([
      ['"c"', 0],
      ['"retry"', 1],
    ]);
    await expect(queue.send('"late"')).rejects.toThrow(QueueStoppedError);

    const received: string[] = [];
    const { queue: next } = queueWith(async (event) => {
      received.push(...event.Records.map((r) => `${r.body}@${r.attributes.ApproximateReceiveCount}`));
    });
    next.restore(pending);
    await next.drain();
    expect(received.sort()).toEqual(['"c"@1', '"retry"@2']);
  });
});

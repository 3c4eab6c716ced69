// The queue journal on a real file system: what is acknowledged is on disk,
// replay gives back enqueued minus done, compaction keeps only unfinished
// messages, and a damaged line never costs an intact one.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { open, type FileHandle } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeadLetterStore, readDeadLetters } from '../../../../lib/local/dead-letter-store';
import { createLambdaContext } from '../../../../lib/local/lambda-context';
import { LocalQueue, type QueueConsumer, type QueuedMessage } from '../../../../lib/local/local-queue';
import { QueueJournal } from '../../../../lib/local/queue-journal';
import { JournalClosedError, JournalWriteError } from '../../../../lib/local/group-commit-writer';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'queue-journal-'));
  dirs.push(dir);
  return dir;
}

const message = (id: string, receiveCount = 0): QueuedMessage => ({ messageId: id, body: `{"id":"${id}"}`, sentTimestamp: 1_700_000_000_000, receiveCount });
const enqueueLine = (m: QueuedMessage) => `${JSON.stringify({ op: 'enqueue', message: m })}\n`;
const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);
const context = (): Context => createLambdaContext({ functionName: 'f', timeoutMs: 30_000, region: 'us-east-1', accountId: '000000000000' });

function journaledQueue(dir: string, journal: QueueJournal, consumer: QueueConsumer, maxReceiveCount = 3) {
  return new LocalQueue({
    name: 'Outcomes',
    consumer,
    createContext: context,
    deadLetters: new DeadLetterStore(join(dir, 'dead-letters.jsonl')),
    region: 'us-east-1',
    accountId: '000000000000',
    retryDelayMs: () => 1,
    maxReceiveCount,
    journal,
  });
}

describe('QueueJournal', () => {
  it('has an enqueued message on disk once enqueue resolves, and replays enqueued minus done with receive counts', async () => {
    const file = join(tempDir(), 'queues', 'Outcomes.jsonl');
    const { journal, pending } = await QueueJournal.open({ filePath: file });
    expect(pending).toEqual([]);

    const [a, b, c] = [message('a'), message('b'), message('c')];
    await journal.enqueue(a);
    // No close, no clean stop: the line is in the file as soon as the promise resolved.
    expect(lines(file).map((line) => JSON.parse(line) as unknown)).toEqual([{ op: 'enqueue', message: a }]);
    await Promise.all([journal.enqueue(b), journal.enqueue(c)]);
    b.receiveCount = 2;
    await journal.received([b], 1_700_000_000_500);
    journal.done(['a']);
    await journal.close();
    await expect(journal.enqueue(message('late'))).rejects.toMatchObject({ constructor: JournalClosedError, code: 'queue_journal_closed' });

    const reopened = await QueueJournal.open({ filePath: file });
    expect(reopened.pending).toEqual([{ ...b, firstReceiveTimestamp: 1_700_000_000_500 }, c]);
    expect(reopened.damagedLines).toBe(0);
    // Compacted on open: one line per unfinished message, nothing else.
    expect(lines(file)).toHaveLength(2);
    await reopened.journal.close();
  });

  it('coalesces the appends of concurrent callers into few flushes', async () => {
    const file = join(tempDir(), 'Outcomes.jsonl');
    const { journal } = await QueueJournal.open({ filePath: file });
    await Promise.all(Array.from({ length: 200 }, (_, i) => journal.enqueue(message(`m-${i}`))));
    expect(lines(file)).toHaveLength(200);
    // All 200 were appended in one turn: one write and one sync, not 200.
    expect(journal.stats.flushes).toBe(1);
    await journal.close();
  });

  it('compacts itself while running once enough has been appended, losing no unfinished message', async () => {
    const file = join(tempDir(), 'Outcomes.jsonl');
    const { journal } = await QueueJournal.open({ filePath: file, compactAfterBytes: 2_000 });
    for (let round = 0; round < 20; round += 1) {
      await journal.enqueue(message(`done-${round}`));
      journal.done([`done-${round}`]);
    }
    await journal.enqueue(message('kept'));
    await journal.close();
    expect(journal.stats.compactions).toBeGreaterThan(0);
    expect(lines(file).length).toBeLessThan(20);
    const reopened = await QueueJournal.open({ filePath: file });
    expect(reopened.pending.map((m) => m.messageId)).toEqual(['kept']);
    await reopened.journal.close();
  });

  it('rejects the appends of a flush that failed, and the next appends still replay intact', async () => {
    const file = join(tempDir(), 'Outcomes.jsonl');
    const { journal } = await QueueJournal.open({ filePath: file });
    await journal.enqueue(message('before'));
    // A disk that fails one flush (full, I/O error): the FileHandle of the journal's file.
    const handlePrototype = Object.getPrototypeOf(await open(file, 'r').then(async (handle) => (await handle.close(), handle))) as FileHandle;
    const failOnce = vi.spyOn(handlePrototype, 'datasync').mockRejectedValueOnce(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
    try {
      const failed = journal.enqueue(message('not-durable'));
      await expect(failed).rejects.toMatchObject({ constructor: JournalWriteError, code: 'queue_journal_write_failed' });
      await expect(failed).rejects.toMatchObject({ cause: { code: 'ENOSPC' } });
    } finally {
      failOnce.mockRestore();
    }
    await journal.enqueue(message('after'));
    await journal.close();
    const reopened = await QueueJournal.open({ filePath: file });
    // The failed line may or may not have reached the disk; what was acknowledged is there either way.
    expect(reopened.pending.map((m) => m.messageId)).toEqual(expect.arrayContaining(['before', 'after']));
    expect(reopened.damagedLines).toBe(0);
    await reopened.journal.close();
  });

  it('reads the pending-messages file of an earlier version (one message a line)', async () => {
    const file = join(tempDir(), 'Outcomes.jsonl');
    writeFileSync(file, `${JSON.stringify(message('old', 1))}\n`);
    const { journal, pending } = await QueueJournal.open({ filePath: file });
    expect(pending).toEqual([message('old', 1)]);
    await journal.close();
  });

  it('keeps every intact line of a journal whose last line a crash cut in half, and sets the torn line aside', async () => {
    const dir = tempDir();
    const file = join(dir, 'Outcomes.jsonl');
    const torn = enqueueLine(message('torn')).slice(0, 40);
    writeFileSync(file, enqueueLine(message('a')) + enqueueLine(message('b')) + torn);
    const logged: string[] = [];

    const { journal, pending, damagedLines } = await QueueJournal.open({ filePath: file, log: (m) => logged.push(m), now: () => new Date('2026-12-07T18:00:00.000Z') });
    expect(pending.map((m) => m.messageId)).toEqual(['a', 'b']);
    expect(damagedLines).toBe(1);
    const aside = join(dir, 'Outcomes.damaged-2026-12-07T18-00-00-000Z.jsonl');
    expect(readFileSync(aside, 'utf8')).toBe(`${torn}\n`);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain(file);
    expect(logged[0]).toContain('1 damaged line(s)');
    expect(logged[0]).toContain('line 3');
    // The journal goes on after the torn line: a new message is appended on a line of its own.
    await journal.enqueue(message('c'));
    await journal.close();
    const reopened = await QueueJournal.open({ filePath: file });
    expect(reopened.pending.map((m) => m.messageId)).toEqual(['a', 'b', 'c']);
    await reopened.journal.close();
  });

  it('keeps the lines on both sides of garbage in the middle', async () => {
    const dir = tempDir();
    const file = join(dir, 'Outcomes.jsonl');
    writeFileSync(file, enqueueLine(message('a')) + '\u0000\u0000garbage{{\n' + '{"op":"enqueue"}\n' + enqueueLine(message('b')));
    const logged: string[] = [];
    const { journal, pending, damagedLines } = await QueueJournal.open({ filePath: file, log: (m) => logged.push(m) });
    await journal.close();
    expect(pending.map((m) => m.messageId)).toEqual(['a', 'b']);
    expect(damagedLines).toBe(2);
    expect(logged[0]).toMatch(/line 2 .*line 3 /);
    const asides = readdirSync(dir).filter((name) => name.startsWith('Outcomes.damaged-'));
    expect(asides).toHaveLength(1);
    expect(lines(join(dir, asides[0] ?? ''))).toEqual(['\u0000\u0000garbage{{', '{"op":"enqueue"}']);
  });
});

describe('LocalQueue with a journal', () => {
  it('marks delivered messages done, so a restart replays only the unfinished ones', async () => {
    const dir = tempDir();
    const file = join(dir, 'Outcomes.jsonl');
    const { journal } = await QueueJournal.open({ filePath: file });
    const queue = journaledQueue(
      dir,
      journal,
      async (event) => ({
        batchItemFailures: event.Records.filter((r) => r.body.includes('stuck')).map((r) => ({ itemIdentifier: r.messageId })),
      }),
      1_000,
    );
    await Promise.all([queue.send('{"id":"ok-1"}'), queue.send('{"id":"ok-2"}'), queue.send('{"id":"stuck"}')]);
    // Wait until the stuck message failed at least once and the others are done; then "crash" (no clean stop).
    await waitFor(() => journal.unfinished === 1);
    await queue.stop();
    await journal.close();

    const reopened = await QueueJournal.open({ filePath: file });
    expect(reopened.pending.map((m) => m.body)).toEqual(['{"id":"stuck"}']);
    expect(reopened.pending[0]?.receiveCount).toBeGreaterThanOrEqual(1);
    await reopened.journal.close();
  });

  it('dead-letters a message that kills the engine on every delivery once it was received maxReceiveCount times', async () => {
    const dir = tempDir();
    const file = join(dir, 'Outcomes.jsonl');
    const deliveries: string[] = [];
    let restarts = 0;
    {
      const { journal } = await QueueJournal.open({ filePath: file });
      await journal.enqueue(message('poison'));
      await journal.close();
    }
    // Each run delivers the message and dies during the invocation: the consumer never returns.
    for (;;) {
      const { journal, pending } = await QueueJournal.open({ filePath: file });
      const before = deliveries.length;
      const queue = journaledQueue(dir, journal, (event) => {
        deliveries.push(event.Records[0]?.attributes.ApproximateReceiveCount ?? '?');
        return new Promise(() => undefined);
      });
      queue.restore(pending);
      const deadLetterFile = join(dir, 'dead-letters.jsonl');
      await waitFor(() => deliveries.length > before || existsSync(deadLetterFile));
      if (existsSync(deadLetterFile)) {
        await waitFor(() => journal.unfinished === 0);
        await journal.close();
        break;
      }
      await journal.close();
      restarts += 1;
      if (restarts > 10) throw new Error('the poison message was never dead-lettered');
    }
    expect(deliveries).toEqual(['1', '2', '3']);
    const [letter] = await readDeadLetters(join(dir, 'dead-letters.jsonl'));
    expect(letter).toMatchObject({ body: '{"id":"poison"}', receiveCount: 3 });
    expect(letter?.lastError).toContain('engine stopped during its deliveries');
    const reopened = await QueueJournal.open({ filePath: file });
    expect(reopened.pending).toEqual([]);
    await reopened.journal.close();
  });
});

describe('DeadLetterStore.repair', () => {
  it('sets a torn or garbled dead letter aside and keeps every intact one', async () => {
    const dir = tempDir();
    const file = join(dir, 'dead-letters.jsonl');
    const store = new DeadLetterStore(file);
    const letter = { queue: 'Outcomes', messageId: 'm-1', body: '{}', receiveCount: 5, sentAt: '2026-12-07T00:00:00.000Z', deadLetteredAt: '2026-12-07T00:00:01.000Z' };
    await store.add(letter);
    appendFileSync(file, 'garbage\n');
    await store.add({ ...letter, messageId: 'm-2' });
    appendFileSync(file, JSON.stringify({ ...letter, messageId: 'm-3' }).slice(0, 30));
    const logged: string[] = [];

    await store.repair({ log: (m) => logged.push(m) });
    expect((await store.list()).map((l) => l.messageId)).toEqual(['m-1', 'm-2']);
    expect(logged[0]).toMatch(/2 damaged line\(s\).*line 2 .*line 4 /);
    const asides = readdirSync(dir).filter((name) => name.startsWith('dead-letters.damaged-'));
    expect(asides).toHaveLength(1);
    // Appends after the repair start on a clean line.
    await store.add({ ...letter, messageId: 'm-4' });
    expect((await readDeadLetters(file)).map((l) => l.messageId)).toEqual(['m-1', 'm-2', 'm-4']);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

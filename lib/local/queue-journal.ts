// The on-disk journal of one local queue (queues/<route>.jsonl): every message
// the queue takes is appended and flushed before PutEvents acknowledges it,
// every receive is counted, and every message the queue finishes (delivered,
// or dead-lettered durably) is marked done. Replaying the journal (enqueued
// minus done) gives back exactly the messages a crash left unfinished.
//
// Appends of concurrent requests are coalesced (group commit, see
// group-commit-writer.ts): one write and one fdatasync cover every line
// buffered while the previous flush ran, so a flush costs the same whether one
// request waits on it or fifty.
import { mkdir, open, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { GroupCommitWriter, JournalClosedError, JournalWriteError } from './group-commit-writer';
import { DamagedLineError, readJsonLines, replaceFileAtomically, setDamagedLinesAside, syncFolder } from './json-lines-file';

/** A message as the queue keeps it; also the form pending messages are persisted in. */
export interface QueuedMessage {
  messageId: string;
  body: string;
  /** Epoch milliseconds. */
  sentTimestamp: number;
  receiveCount: number;
  firstReceiveTimestamp?: number;
}

const QueuedMessageSchema = z.object({
  messageId: z.string().min(1),
  body: z.string(),
  sentTimestamp: z.number(),
  receiveCount: z.number().int().nonnegative(),
  firstReceiveTimestamp: z.number().optional(),
});

const JournalRecordSchema = z.union([
  z.object({ op: z.literal('enqueue'), message: QueuedMessageSchema }),
  /** Receive counts after a delivery started: messageId -> count. */
  z.object({ op: z.literal('receive'), at: z.number(), counts: z.record(z.string(), z.number().int().positive()) }),
  z.object({ op: z.literal('done'), messageIds: z.array(z.string()) }),
  // A pending-messages file written by a clean stop of an earlier version: one message a line.
  QueuedMessageSchema,
]);
type JournalRecord = z.infer<typeof JournalRecordSchema>;

function parseRecord(value: unknown): JournalRecord {
  const parsed = JournalRecordSchema.safeParse(value);
  if (!parsed.success) throw new DamagedLineError('not a journal record');
  return parsed.data;
}

function withoutUndefined(message: QueuedMessage): QueuedMessage {
  return message.firstReceiveTimestamp === undefined
    ? { messageId: message.messageId, body: message.body, sentTimestamp: message.sentTimestamp, receiveCount: message.receiveCount }
    : { ...message };
}

export interface QueueJournalOptions {
  filePath: string;
  /** Damaged lines found on opening are reported here. */
  log?: (message: string) => void;
  /** For the damaged-lines file name. @default the system clock */
  now?: () => Date;
  /** Bytes appended after which the journal is rewritten with only its unfinished messages. @default 64 MiB */
  compactAfterBytes?: number;
  /** Told when a line nobody waits on (done marks) could not be written; the next open replays the message, which is safe. */
  onBackgroundError?: (error: JournalWriteError) => void;
}

export interface OpenedQueueJournal {
  journal: QueueJournal;
  /** Messages enqueued and not done, receive counts applied, in the order they were enqueued. */
  pending: QueuedMessage[];
  /** Damaged lines set aside while opening (0 when the file was intact). */
  damagedLines: number;
}

/** Reads a journal back: what is enqueued and not yet done. */
function replay(records: readonly JournalRecord[]): QueuedMessage[] {
  const pending = new Map<string, QueuedMessage>();
  const done = new Set<string>();
  for (const record of records) {
    if ('messageId' in record) {
      if (!done.has(record.messageId)) pending.set(record.messageId, { ...record });
    } else if (record.op === 'enqueue') {
      const known = pending.get(record.message.messageId);
      // A message can be enqueued twice in a file (a compaction running while it was appended); keep the higher count.
      if (!done.has(record.message.messageId) && (!known || known.receiveCount < record.message.receiveCount)) {
        pending.set(record.message.messageId, { ...record.message });
      }
    } else if (record.op === 'receive') {
      for (const [messageId, count] of Object.entries(record.counts)) {
        const message = pending.get(messageId);
        if (!message) continue;
        message.receiveCount = Math.max(message.receiveCount, count);
        message.firstReceiveTimestamp ??= record.at;
      }
    } else {
      for (const messageId of record.messageIds) {
        done.add(messageId);
        pending.delete(messageId);
      }
    }
  }
  return [...pending.values()];
}

function compactedContent(messages: Iterable<QueuedMessage>): string {
  let content = '';
  for (const message of messages) content += `${JSON.stringify({ op: 'enqueue', message: withoutUndefined(message) })}\n`;
  return content;
}

export class QueueJournal {
  private readonly writer: GroupCommitWriter<JournalWriteError>;
  private bytesSinceCompaction = 0;
  private flushes = 0;
  private compactions = 0;
  private closed = false;
  /** Set when the journal can no longer promise durability; every later append is refused with it. */
  private broken: JournalWriteError | undefined;
  /** The unfinished messages, the queue's own objects, for compaction. */
  private readonly live = new Map<string, QueuedMessage>();
  private readonly compactAfterBytes: number;

  private constructor(
    private readonly options: QueueJournalOptions,
    private handle: FileHandle,
  ) {
    this.compactAfterBytes = options.compactAfterBytes ?? 64 * 1024 * 1024;
    this.writer = new GroupCommitWriter({
      handle: () => this.handle,
      beforeWrite: async () => {
        if (this.broken) throw this.broken;
      },
      afterWrite: (bytes) => {
        this.flushes += 1;
        this.bytesSinceCompaction += bytes;
      },
      afterBatch: async () => {
        if (this.bytesSinceCompaction > this.compactAfterBytes) await this.compact();
      },
      wrapError: (cause) => (cause instanceof JournalWriteError ? cause : new JournalWriteError('queue', options.filePath, { cause })),
      // Done marks: the next open replays their messages, which is safe.
      onUnwaitedLinesFailed: (error) => options.onBackgroundError?.(error),
    });
  }

  /**
   * Opens a queue's journal: replays it, sets damaged lines aside (they are
   * written to a file of their own first), and rewrites it compacted
   * (flushed, renamed atomically over the old one) before appending to it.
   */
  static async open(options: QueueJournalOptions): Promise<OpenedQueueJournal> {
    const { filePath } = options;
    const log = options.log ?? (() => undefined);
    await mkdir(dirname(filePath), { recursive: true });
    const { records, damaged } = await readJsonLines(filePath, parseRecord);
    if (damaged.length > 0) await setDamagedLinesAside(filePath, damaged, (options.now ?? (() => new Date()))(), log);
    const pending = replay(records);
    await replaceFileAtomically(filePath, compactedContent(pending));
    const journal = new QueueJournal(options, await open(filePath, 'a'));
    for (const message of pending) journal.live.set(message.messageId, message);
    return { journal, pending, damagedLines: damaged.length };
  }

  get filePath(): string {
    return this.options.filePath;
  }

  /** Messages enqueued and not yet done. */
  get unfinished(): number {
    return this.live.size;
  }

  /** Writes (each followed by one fdatasync) and compactions so far: how well appends were coalesced. */
  get stats(): { flushes: number; compactions: number } {
    return { flushes: this.flushes, compactions: this.compactions };
  }

  /** Records a new message; resolves once it is on disk. */
  enqueue(message: QueuedMessage): Promise<void> {
    if (this.closed) return Promise.reject(new JournalClosedError('queue', this.options.filePath));
    this.live.set(message.messageId, message);
    return this.writer.append([JSON.stringify({ op: 'enqueue', message: withoutUndefined(message) })]);
  }

  /** Records the receive counts of a batch about to be delivered; resolves once on disk. */
  received(messages: readonly QueuedMessage[], at: number): Promise<void> {
    if (this.closed) return Promise.reject(new JournalClosedError('queue', this.options.filePath));
    const counts: Record<string, number> = {};
    for (const message of messages) counts[message.messageId] = message.receiveCount;
    return this.writer.append([JSON.stringify({ op: 'receive', at, counts })]);
  }

  /**
   * Marks messages finished. Nobody waits on it: a done mark lost in a crash
   * only means the message is delivered again, which consumers tolerate.
   */
  done(messageIds: readonly string[]): void {
    if (this.closed || messageIds.length === 0) return;
    for (const messageId of messageIds) this.live.delete(messageId);
    this.writer.appendUnwaited(JSON.stringify({ op: 'done', messageIds }));
  }

  /** Flushes what is buffered and closes the file; later appends are refused. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writer.drain();
    await this.handle.close();
  }

  // Runs between flushes, so no write is in progress. Lines appended meanwhile
  // are buffered and go to the new file; a message both in the snapshot and in
  // such a line is simply enqueued twice, which replay folds into one.
  private async compact(): Promise<void> {
    const { filePath } = this.options;
    const temporary = `${filePath}.compact-tmp`;
    let next: FileHandle | undefined;
    try {
      // The new file's own handle becomes the append handle, so nothing is ever appended to a replaced file.
      next = await open(temporary, 'w');
      await next.writeFile(compactedContent(this.live.values()), 'utf8');
      await next.sync();
    } catch (cause) {
      // The journal itself is untouched: keep appending to it and try again after more appends.
      await next?.close().catch(() => undefined);
      this.bytesSinceCompaction = 0;
      this.options.onBackgroundError?.(new JournalWriteError('queue', filePath, { cause }));
      return;
    }
    const previous = this.handle;
    try {
      await rename(temporary, filePath);
      this.handle = next;
      await syncFolder(dirname(filePath));
    } catch (cause) {
      // Whether the rename reached the disk is unknown: no later append could be trusted. Refuse them.
      const broken = new JournalWriteError('queue', filePath, { cause });
      this.broken = broken;
      this.options.onBackgroundError?.(broken);
    }
    await previous.close().catch(() => undefined);
    this.compactions += 1;
    this.bytesSinceCompaction = 0;
    this.writer.markTailWhole();
  }
}

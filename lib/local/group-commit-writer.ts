// Group commit for the local engine's append-only JSON-lines journals (the
// event journal and the queue journals): lines appended while a write is in
// progress, or in the same turn, share the next write and its one fdatasync,
// so a flush costs the same whether one caller waits on it or fifty.
//
// The writer owns only the buffering, the flush loop and the torn-tail rule;
// what differs between journals (rotation, refusing a broken journal,
// counting, compaction, the error type) comes in through its hooks.
import type { FileHandle } from 'node:fs/promises';
import { EngineError } from '../../lambdas/domain/errors/engine-error';

/** Which journal failed: the event journal (events.jsonl) or a queue's (queues/<route>.jsonl). */
export type JournalKind = 'event' | 'queue';

/**
 * A journal could not be written or flushed: nothing it held is acknowledged,
 * the producer sends again (`event_journal_write_failed`, `queue_journal_write_failed`).
 */
export class JournalWriteError extends EngineError {
  readonly category = 'infrastructure';
  readonly code: `${JournalKind}_journal_write_failed`;
  constructor(
    readonly journal: JournalKind,
    filePath: string,
    options: { cause: unknown },
  ) {
    super(`Could not write the ${journal} journal ${filePath}`, options);
    this.name = 'JournalWriteError';
    this.code = `${journal}_journal_write_failed`;
  }
}

/**
 * A journal was closed (the engine is stopping): send or retry once the engine
 * is back (`event_journal_closed`, `queue_journal_closed`).
 */
export class JournalClosedError extends EngineError {
  readonly category = 'state';
  readonly code: `${JournalKind}_journal_closed`;
  constructor(
    readonly journal: JournalKind,
    filePath: string,
  ) {
    super(`The ${journal} journal ${filePath} is closed`);
    this.name = 'JournalClosedError';
    this.code = `${journal}_journal_closed`;
  }
}

export interface GroupCommitHooks<WriteError extends Error> {
  /** The handle to write to now (a journal may swap it when it rotates or compacts). */
  handle: () => FileHandle;
  /** The error the waiters of a failed write are rejected with, built from what the write threw. */
  wrapError: (cause: unknown) => WriteError;
  /** Runs before each write, in its try: a throw fails that write like a failed write (rotate, refuse when broken). */
  beforeWrite?: () => Promise<void>;
  /** Runs after a write and its datasync succeeded, with the bytes written. */
  afterWrite?: (bytes: number) => void;
  /** Runs after each write, whether it succeeded or failed, before the next one starts (compaction). */
  afterBatch?: () => Promise<void>;
  /** Told when a write that held lines nobody waits on failed. */
  onUnwaitedLinesFailed?: (error: WriteError) => void;
}

export interface GroupCommitWriterOptions {
  /** The file may end in half a line (a crash cut a write short): the first write starts on a fresh line. @default false */
  tailMayBeTorn?: boolean;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class GroupCommitWriter<WriteError extends Error = Error> {
  private buffered: string[] = [];
  private waiters: Waiter[] = [];
  /** Lines in the buffer that nobody waits on. */
  private unwaitedLines = 0;
  private flushScheduled = false;
  private flushing: Promise<void> | undefined;
  /** A failed write may have left half a line: the next write starts on a fresh line so it cannot be glued to it. */
  private tailMayBeTorn: boolean;

  constructor(
    private readonly hooks: GroupCommitHooks<WriteError>,
    options: GroupCommitWriterOptions = {},
  ) {
    this.tailMayBeTorn = options.tailMayBeTorn ?? false;
  }

  /** Appends the lines (without their newlines); resolves once they are on disk, rejects with `wrapError`'s error if their write failed. */
  append(lines: readonly string[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      for (const line of lines) this.buffered.push(`${line}\n`);
      this.scheduleFlush();
    });
  }

  /** Appends a line nobody waits on; if its write fails, `onUnwaitedLinesFailed` is told. */
  appendUnwaited(line: string): void {
    this.buffered.push(`${line}\n`);
    this.unwaitedLines += 1;
    this.scheduleFlush();
  }

  /** The file now ends on a whole line (it was just replaced): no fresh-line prefix is needed. */
  markTailWhole(): void {
    this.tailMayBeTorn = false;
  }

  /** Resolves once everything appended so far has been written (or failed). */
  async drain(): Promise<void> {
    while (this.flushing || this.buffered.length > 0) await (this.flushing ?? this.flush());
  }

  // Deferred a turn so the appends of one request and of requests arriving
  // together share one write; later ones wait for the flush in progress and
  // share the next.
  private scheduleFlush(): void {
    if (this.flushScheduled || this.flushing) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (!this.flushing) void this.flush();
    });
  }

  private flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    let finished: () => void = () => undefined;
    this.flushing = new Promise<void>((resolve) => {
      finished = resolve;
    });
    // `flushing` is cleared in the same turn the loop finds the buffer empty,
    // so an append made after that always starts a new flush.
    void (async () => {
      try {
        while (this.buffered.length > 0) {
          const lines = this.buffered;
          const waiters = this.waiters;
          const unwaitedLines = this.unwaitedLines;
          this.buffered = [];
          this.waiters = [];
          this.unwaitedLines = 0;
          const content = (this.tailMayBeTorn ? '\n' : '') + lines.join('');
          try {
            await this.hooks.beforeWrite?.();
            const handle = this.hooks.handle();
            await handle.writeFile(content, 'utf8');
            await handle.datasync();
            this.tailMayBeTorn = false;
            this.hooks.afterWrite?.(Buffer.byteLength(content));
            for (const waiter of waiters) waiter.resolve();
          } catch (cause) {
            this.tailMayBeTorn = true;
            const error = this.hooks.wrapError(cause);
            for (const waiter of waiters) waiter.reject(error);
            if (unwaitedLines > 0) this.hooks.onUnwaitedLinesFailed?.(error);
          }
          await this.hooks.afterBatch?.();
        }
      } finally {
        this.flushing = undefined;
        finished();
      }
    })();
    return this.flushing;
  }
}

// An in-process stand-in for an SQS queue with a Lambda event source mapping:
// messages are delivered to the consumer in SQS-shaped batches, records the
// consumer reports as failed (partial batch response) or a whole batch whose
// invocation threw are redelivered after a backoff, and a message received
// maxReceiveCount times without success moves to the dead-letter store.
//
// Given a journal (the persistent engine) it is durable like SQS: send()
// resolves once the message is on disk, receive counts are recorded before
// each delivery, and finished messages are marked done, so a crash loses
// nothing that was acknowledged (it may deliver a message again). Without one
// (--in-memory) it lives in memory only.
import { createHash, randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { DeadLetterStore } from './dead-letter-store';
import type { QueuedMessage, QueueJournal } from './queue-journal';
import { EngineError } from '../../lambdas/domain/errors/engine-error';

export type { QueuedMessage };

export type QueueConsumer = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void | undefined>;

export interface LocalQueueOptions {
  /** The queue's name (the route id); appears in the event source ARN and dead letters. */
  name: string;
  consumer: QueueConsumer;
  /** Builds the Lambda context for each invocation. */
  createContext: () => Context;
  deadLetters: DeadLetterStore;
  region: string;
  accountId: string;
  /** Records per invocation, as the event source mapping's BatchSize. @default 10 */
  batchSize?: number;
  /** Invocations in flight at once, as the function's concurrency. @default 4 */
  maxConcurrency?: number;
  /** Receives before a message is dead-lettered, as the redrive policy's maxReceiveCount. @default 5 */
  maxReceiveCount?: number;
  /** Delay before a failed message is visible again (the visibility timeout). @default 100 ms doubling, at most 5 s */
  retryDelayMs?: (receiveCount: number) => number;
  /** Where messages are made durable; without one the queue is in memory only. */
  journal?: QueueJournal;
  /** Told about consumer invocations that threw, and dead-letter or journal write failures. */
  onError?: (error: unknown, context: { queue: string; messageIds: string[] }) => void;
}

/** The engine is stopping: the message was not taken, send it again once the engine is back. */
export class QueueStoppedError extends EngineError {
  readonly code = 'queue_stopped';
  readonly category = 'state';
  constructor(queue: string) {
    super(`Queue ${queue} is stopped and takes no new messages`);
    this.name = 'QueueStoppedError';
  }
}

export const defaultRetryDelayMs = (receiveCount: number): number => Math.min(5000, 100 * 2 ** Math.max(0, receiveCount - 1));

function errorSummary(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export class LocalQueue {
  private readonly ready: QueuedMessage[] = [];
  private readyHead = 0;
  private readonly delayed = new Map<QueuedMessage, NodeJS.Timeout | undefined>();
  private inFlightBatches = 0;
  private inFlightMessages = 0;
  private inFlightBatchesDone: Promise<void>[] = [];
  private pumpScheduled = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private readonly batchSize: number;
  private readonly maxConcurrency: number;
  private readonly maxReceiveCount: number;
  private readonly retryDelayMs: (receiveCount: number) => number;
  private readonly arn: string;

  constructor(private readonly options: LocalQueueOptions) {
    this.batchSize = options.batchSize ?? 10;
    this.maxConcurrency = options.maxConcurrency ?? 4;
    this.maxReceiveCount = options.maxReceiveCount ?? 5;
    this.retryDelayMs = options.retryDelayMs ?? defaultRetryDelayMs;
    this.arn = `arn:aws:sqs:${options.region}:${options.accountId}:${options.name}`;
  }

  get name(): string {
    return this.options.name;
  }

  /** Messages waiting, waiting for a retry, or being processed. */
  get depth(): { ready: number; delayed: number; inFlightBatches: number; inFlight: number } {
    return {
      ready: this.ready.length - this.readyHead,
      delayed: this.delayed.size,
      inFlightBatches: this.inFlightBatches,
      inFlight: this.inFlightMessages,
    };
  }

  /** Every message the queue holds: ready, delayed for a retry, or in flight. */
  get backlog(): number {
    return this.ready.length - this.readyHead + this.delayed.size + this.inFlightMessages;
  }

  /**
   * Enqueues a message (at once: it is delivered in order with the others)
   * and resolves with its id once it is durable, in the journal if the queue
   * has one. Rejects with QueueStoppedError once stop() was called, and with
   * JournalWriteError when the journal could not be written.
   */
  async send(body: string): Promise<string> {
    if (this.stopped) throw new QueueStoppedError(this.options.name);
    const message: QueuedMessage = { messageId: randomUUID(), body, sentTimestamp: Date.now(), receiveCount: 0 };
    const durable = this.options.journal?.enqueue(message);
    this.makeReady(message);
    await durable;
    return message.messageId;
  }

  /**
   * Puts back messages an earlier run left unfinished (the journal's replay),
   * receive counts kept. One already received maxReceiveCount times goes to
   * the dead letters, as SQS moves it on its next receive: a message that
   * kills the engine every time it is delivered ends there, not in a crash loop.
   */
  restore(messages: readonly QueuedMessage[]): void {
    for (const message of messages) {
      if (message.receiveCount < this.maxReceiveCount) this.makeReady(message);
      else {
        const reason = `received ${message.receiveCount} times without finishing: the engine stopped during its deliveries`;
        this.track(this.fail(message, reason), 1);
      }
    }
  }

  /** Resolves once nothing is waiting, retrying or in flight. */
  drain(): Promise<void> {
    if (this.isIdle() || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops delivering, waits for invocations in flight, and returns the
   * messages not yet processed (retries included); with a journal they are
   * already on disk, to be replayed by the next start.
   */
  async stop(): Promise<QueuedMessage[]> {
    this.stopped = true;
    await Promise.all(this.inFlightBatchesDone);
    const remaining = this.ready.slice(this.readyHead);
    for (const [message, timer] of this.delayed) {
      if (timer) clearTimeout(timer);
      remaining.push(message);
    }
    this.delayed.clear();
    this.ready.length = 0;
    this.readyHead = 0;
    this.notifyIfIdle();
    return remaining;
  }

  private isIdle(): boolean {
    return this.ready.length - this.readyHead === 0 && this.delayed.size === 0 && this.inFlightBatches === 0;
  }

  private notifyIfIdle(): void {
    if (!this.isIdle() && !this.stopped) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private makeReady(message: QueuedMessage): void {
    this.ready.push(message);
    this.schedulePump();
  }

  // Deferred to the next turn so messages enqueued together (one PutEvents
  // call, or a burst) fill one batch instead of one invocation each.
  private schedulePump(): void {
    if (this.pumpScheduled || this.stopped) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (!this.stopped && this.inFlightBatches < this.maxConcurrency && this.ready.length > this.readyHead) {
      const end = Math.min(this.ready.length, this.readyHead + this.batchSize);
      const batch = this.ready.slice(this.readyHead, end);
      this.readyHead = end;
      // Compact now and then so the array does not grow without bound.
      if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
        this.ready.splice(0, this.readyHead);
        this.readyHead = 0;
      }
      this.track(this.deliver(batch), batch.length);
    }
  }

  /** Counts work on `messages` messages as in flight until it settles; stop() waits for it. */
  private track(work: Promise<void>, messages: number): void {
    this.inFlightBatches += 1;
    this.inFlightMessages += messages;
    const done = work.finally(() => {
      this.inFlightBatches -= 1;
      this.inFlightMessages -= messages;
      this.inFlightBatchesDone = this.inFlightBatchesDone.filter((p) => p !== done);
      this.pump();
      this.notifyIfIdle();
    });
    this.inFlightBatchesDone.push(done);
  }

  private toRecord(message: QueuedMessage): SQSRecord {
    const record = {
      messageId: message.messageId,
      receiptHandle: randomUUID(),
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentTimestamp),
        SenderId: this.options.accountId,
        ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp ?? Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: this.arn,
      awsRegion: this.options.region,
    } satisfies SQSRecord;
    // Computed only if read: handlers rarely check it, and hashing every body is measurable at volume.
    let md5: string | undefined;
    Object.defineProperty(record, 'md5OfBody', {
      enumerable: true,
      get: () => (md5 ??= createHash('md5').update(message.body).digest('hex')),
    });
    return record;
  }

  private async deliver(batch: QueuedMessage[]): Promise<void> {
    const now = Date.now();
    for (const message of batch) {
      message.receiveCount += 1;
      message.firstReceiveTimestamp ??= now;
    }
    if (this.options.journal) {
      // Counted on disk first, so a message that kills the engine still reaches maxReceiveCount across restarts.
      try {
        await this.options.journal.received(batch, now);
      } catch (error) {
        this.options.onError?.(error, { queue: this.options.name, messageIds: batch.map((m) => m.messageId) });
        for (const message of batch) {
          message.receiveCount -= 1;
          this.retryLater(message);
        }
        return;
      }
    }
    let failedIds: Set<string>;
    let lastError: string | undefined;
    try {
      const response = await this.options.consumer({ Records: batch.map((m) => this.toRecord(m)) }, this.options.createContext());
      failedIds = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
      // As in Lambda: an item failure naming no record of the batch fails the whole batch.
      const known = new Set(batch.map((m) => m.messageId));
      if ([...failedIds].some((id) => !known.has(id))) failedIds = known;
    } catch (error) {
      failedIds = new Set(batch.map((m) => m.messageId));
      lastError = errorSummary(error);
      this.options.onError?.(error, { queue: this.options.name, messageIds: [...failedIds] });
    }
    this.options.journal?.done(batch.filter((m) => !failedIds.has(m.messageId)).map((m) => m.messageId));
    await Promise.all(batch.filter((m) => failedIds.has(m.messageId)).map((m) => this.fail(m, lastError)));
  }

  private async fail(message: QueuedMessage, lastError: string | undefined): Promise<void> {
    if (message.receiveCount >= this.maxReceiveCount) {
      try {
        await this.options.deadLetters.add({
          queue: this.options.name,
          messageId: message.messageId,
          body: message.body,
          receiveCount: message.receiveCount,
          sentAt: new Date(message.sentTimestamp).toISOString(),
          deadLetteredAt: new Date().toISOString(),
          ...(lastError ? { lastError } : {}),
        });
        // Only now: the dead-letter file is flushed, so the message is never in neither place.
        this.options.journal?.done([message.messageId]);
        return;
      } catch (error) {
        // The message must not vanish: keep retrying it rather than lose it.
        this.options.onError?.(error, { queue: this.options.name, messageIds: [message.messageId] });
      }
    }
    this.retryLater(message);
  }

  private retryLater(message: QueuedMessage): void {
    if (this.stopped) {
      // Held for stop() to hand back with the other pending messages.
      this.delayed.set(message, undefined);
      return;
    }
    const timer = setTimeout(() => {
      if (this.stopped) return;
      this.delayed.delete(message);
      this.makeReady(message);
    }, this.retryDelayMs(message.receiveCount));
    this.delayed.set(message, timer);
  }
}

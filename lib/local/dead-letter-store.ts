// The local dead-letter queue: messages that failed maxReceiveCount times,
// kept as JSON lines in the data folder so they survive a restart and can be
// listed (CLI `dead-letters`) and replayed by hand, like an SQS DLQ.
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import {
  DamagedLineError,
  readJsonLines,
  replaceFileAtomically,
  setDamagedLinesAside,
  syncFolder,
} from './json-lines-file';

export interface DeadLetter {
  /** The queue the message was dead-lettered from (the route id). */
  queue: string;
  messageId: string;
  /** The message body exactly as it was queued (an EventBridge event). */
  body: string;
  receiveCount: number;
  sentAt: string;
  deadLetteredAt: string;
  /** Why the last delivery failed, when the consumer said (a thrown invocation); item failures carry no reason. */
  lastError?: string;
}

const DeadLetterSchema = z.object({
  queue: z.string(),
  messageId: z.string(),
  body: z.string(),
  receiveCount: z.number(),
  sentAt: z.string(),
  deadLetteredAt: z.string(),
  lastError: z.string().optional(),
});

function parseDeadLetter(value: unknown): DeadLetter {
  const parsed = DeadLetterSchema.safeParse(value);
  if (!parsed.success) throw new DamagedLineError('not a dead letter');
  const { lastError, ...letter } = parsed.data;
  return lastError === undefined ? letter : { ...letter, lastError };
}

export class DeadLetterStore {
  // Appends are chained so concurrent dead-letterings never interleave lines.
  private pending: Promise<void> = Promise.resolve();

  constructor(readonly filePath: string) {}

  /**
   * Run by the engine before it adds any: a damaged line (a write cut short by
   * a crash, or garbage) is set aside in a file of its own and the file is
   * rewritten with every intact letter, so later appends start on a clean line.
   */
  async repair(options: { log: (message: string) => void; now?: () => Date }): Promise<void> {
    const { records, damaged } = await readJsonLines(this.filePath, parseDeadLetter);
    if (damaged.length === 0) return;
    await setDamagedLinesAside(this.filePath, damaged, (options.now ?? (() => new Date()))(), options.log);
    await replaceFileAtomically(this.filePath, records.map((letter) => `${JSON.stringify(letter)}\n`).join(''));
  }

  /** Appends a letter; resolves once it is flushed to disk. */
  add(letter: DeadLetter): Promise<void> {
    const write = this.pending.then(async () => {
      await mkdir(dirname(this.filePath), { recursive: true });
      const handle = await open(this.filePath, 'a');
      try {
        await handle.writeFile(`${JSON.stringify(letter)}\n`, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      // The first letter creates the file: its folder entry must be durable too.
      await syncFolder(dirname(this.filePath));
    });
    this.pending = write.catch(() => undefined);
    return write;
  }

  async list(): Promise<DeadLetter[]> {
    await this.pending;
    return readDeadLetters(this.filePath);
  }
}

/** The intact letters of a dead-letter file (damaged lines are set aside by the engine's next start); a missing file is an empty queue. */
export async function readDeadLetters(filePath: string): Promise<DeadLetter[]> {
  return (await readJsonLines(filePath, parseDeadLetter)).records;
}

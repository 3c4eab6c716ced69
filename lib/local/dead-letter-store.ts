// The local dead-letter queue: messages that failed maxReceiveCount times,
// kept as JSON lines in the data folder so they survive a restart and can be
// listed (CLI `dead-letters`) and replayed by hand, like an SQS DLQ.
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

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

export class DeadLetterStore {
  // Appends are chained so concurrent dead-letterings never interleave lines.
  private pending: Promise<void> = Promise.resolve();

  constructor(readonly filePath: string) {}

  add(letter: DeadLetter): Promise<void> {
    const write = this.pending.then(async () => {
      await mkdir(dirname(this.filePath), { recursive: true });
      await appendFile(this.filePath, `${JSON.stringify(letter)}\n`, 'utf8');
    });
    this.pending = write.catch(() => undefined);
    return write;
  }

  async list(): Promise<DeadLetter[]> {
    await this.pending;
    return readDeadLetters(this.filePath);
  }
}

/** Reads a dead-letter file; a missing file is an empty queue. */
export async function readDeadLetters(filePath: string): Promise<DeadLetter[]> {
  let text: string;
  try {
    text = await readFile(filePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as DeadLetter);
}

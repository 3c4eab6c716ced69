// The local engine's event journal (events.jsonl in the data folder): every
// event its bus accepts, producers' and the engine's own, one JSON line each,
// so `outcome-engine events` can show what fired without touching DynamoDB.
//
// Appends of concurrent PutEvents calls share one write and one fdatasync
// (group commit through group-commit-writer.ts, as the queue journals do).
// The journal is bounded: once the current file passes `maxFileBytes` it
// becomes events.1.jsonl (replacing the previous one) and a new file starts,
// so at most about twice that is kept.
import { mkdir, open, rename, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { GroupCommitWriter, JournalClosedError, JournalWriteError } from './group-commit-writer';
import { DamagedLineError, readJsonLines, syncFolder } from './json-lines-file';
import type { EventBridgeEnvelope } from './put-events-request';

/** One event as the journal keeps it. */
export interface JournaledEvent {
  id: string;
  /** The event's time as the bus stamped it (RFC 3339, UTC). */
  time: string;
  source: string;
  detailType: string;
  eventBusName: string;
  detail: Record<string, unknown>;
}

const JournaledEventSchema = z.object({
  id: z.string().min(1),
  time: z.string(),
  source: z.string(),
  detailType: z.string(),
  eventBusName: z.string(),
  detail: z.record(z.string(), z.unknown()),
});

function parseJournaledEvent(value: unknown): JournaledEvent {
  const parsed = JournaledEventSchema.safeParse(value);
  if (!parsed.success) throw new DamagedLineError('not a journaled event');
  return parsed.data as JournaledEvent;
}

/** The default size at which the journal's file is rotated: 8 MiB (about 20,000 outcome events). */
export const DEFAULT_EVENT_JOURNAL_FILE_BYTES = 8 * 1024 * 1024;

/** events.jsonl -> events.1.jsonl: the file the journal rotated out last. */
export function rotatedEventJournalPath(filePath: string): string {
  return filePath.replace(/\.jsonl$/, '.1.jsonl');
}

export interface EventJournalOptions {
  filePath: string;
  /** @default DEFAULT_EVENT_JOURNAL_FILE_BYTES */
  maxFileBytes?: number;
  /** Start empty (an in-memory engine keeps nothing from an earlier run). @default false */
  startEmpty?: boolean;
}

export function journaledEventOf(eventBusName: string, envelope: EventBridgeEnvelope): JournaledEvent {
  return {
    id: envelope.id,
    time: envelope.time,
    source: envelope.source,
    detailType: envelope['detail-type'],
    eventBusName,
    detail: envelope.detail,
  };
}

/**
 * One event as a JSON line. A detail nested deeper than JSON.stringify can
 * recurse (the bus accepts it; the ledger then rejects it as too deep) is
 * journaled with a note in its place, so such an event never fails PutEvents.
 */
function journalLine(event: JournaledEvent): string {
  try {
    return JSON.stringify(event);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return JSON.stringify({ ...event, detail: { detailNotJournaled: `the detail is nested too deep to write as JSON (${error.message})` } });
  }
}

export class EventJournal {
  private closed = false;
  private readonly writer: GroupCommitWriter<JournalWriteError>;

  private constructor(
    private readonly options: EventJournalOptions,
    private handle: FileHandle,
    private fileBytes: number,
  ) {
    const maxFileBytes = options.maxFileBytes ?? DEFAULT_EVENT_JOURNAL_FILE_BYTES;
    this.writer = new GroupCommitWriter(
      {
        handle: () => this.handle,
        beforeWrite: async () => {
          if (this.fileBytes >= maxFileBytes) await this.rotate();
        },
        afterWrite: (bytes) => {
          this.fileBytes += bytes;
        },
        wrapError: (cause) => new JournalWriteError('event', options.filePath, { cause }),
      },
      // A crash may have cut the last line short: appends start on a fresh line, the reader sets the torn one aside.
      { tailMayBeTorn: fileBytes > 0 },
    );
  }

  static async open(options: EventJournalOptions): Promise<EventJournal> {
    await mkdir(dirname(options.filePath), { recursive: true });
    const handle = await open(options.filePath, options.startEmpty ? 'w' : 'a');
    const { size } = await stat(options.filePath);
    return new EventJournal(options, handle, size);
  }

  get filePath(): string {
    return this.options.filePath;
  }

  /** Appends the events; resolves once they are on disk. */
  append(events: readonly JournaledEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    if (this.closed) return Promise.reject(new JournalClosedError('event', this.options.filePath));
    let lines: string[];
    try {
      lines = events.map(journalLine);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.writer.append(lines);
  }

  /** Flushes what is buffered and closes the file; later appends are refused. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writer.drain();
    await this.handle.close();
  }

  // Runs between writes. The full file becomes events.1.jsonl (the one before
  // is dropped: that is the bound) and appends go to a new, empty file.
  private async rotate(): Promise<void> {
    const { filePath } = this.options;
    await this.handle.close();
    await rename(filePath, rotatedEventJournalPath(filePath));
    this.handle = await open(filePath, 'a');
    await syncFolder(dirname(filePath));
    this.fileBytes = 0;
    this.writer.markTailWhole();
  }
}

export interface EventJournalFilter {
  detailType?: string;
  source?: string;
  /** Events whose time is at or after this instant. */
  since?: Date;
  /** The latest N matching events (still listed oldest first). */
  limit?: number;
}

export interface EventJournalListing {
  events: JournaledEvent[];
  /** Lines that could not be read back (a write cut short by a crash); skipped. */
  damagedLines: number;
}

/** Reads the journal (the rotated file, then the current one), oldest first, filtered. */
export async function readEventJournal(filePath: string, filter: EventJournalFilter = {}): Promise<EventJournalListing> {
  const older = await readJsonLines(rotatedEventJournalPath(filePath), parseJournaledEvent);
  const current = await readJsonLines(filePath, parseJournaledEvent);
  const sinceMs = filter.since?.getTime();
  const matching = [...older.records, ...current.records].filter(
    (event) =>
      (filter.detailType === undefined || event.detailType === filter.detailType) &&
      (filter.source === undefined || event.source === filter.source) &&
      (sinceMs === undefined || Date.parse(event.time) >= sinceMs),
  );
  const events = filter.limit !== undefined ? matching.slice(Math.max(0, matching.length - filter.limit)) : matching;
  return { events, damagedLines: older.damaged.length + current.damaged.length };
}

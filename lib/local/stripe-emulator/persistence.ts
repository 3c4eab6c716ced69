// The emulator's memory as a file, so a restarted local engine finds the
// customers, invoices and credit notes its ledger points at, as Stripe would
// still have them. Everything a later request can depend on is kept: objects
// in their creation order (list order), the bookkeeping maps, saved
// idempotency responses, the clock's advance. Webhook deliveries in flight
// and armed faults are not: they belong to one run.
import { z } from 'zod';
import { writeFileDurably } from '../durable-file';
import type { EmulatorCore } from './emulator-core';
import type { IdempotencyEntry } from './idempotency';
import type { Collection } from './collection';
import { PaymentBehaviourSchema } from './payment-behaviour';

const rows = z.array(z.looseObject({ id: z.string() }));
const pairs = <Value extends z.ZodType>(value: Value) => z.array(z.tuple([z.string(), value]));

export const EmulatorSnapshotSchema = z.object({
  version: z.literal(1),
  savedAt: z.string(),
  /** Starts of this state so far: a seeded emulator draws ids from a fresh stream after each restart. */
  generation: z.number().int().min(0),
  clockOffsetMs: z.number(),
  customers: rows,
  invoiceItems: rows,
  invoices: rows,
  creditNotes: rows,
  events: rows,
  itemIdsByInvoice: pairs(z.array(z.string())),
  lineIdByItem: pairs(z.string()),
  creditedByLine: pairs(z.number()),
  daysUntilDue: pairs(z.number()),
  /** Absent in files written before customers had payment behaviours. */
  paymentBehaviours: pairs(PaymentBehaviourSchema).default([]),
  idempotency: pairs(
    z.object({
      endpoint: z.string(),
      fingerprint: z.string(),
      firstSeenMs: z.number(),
      response: z.object({ status: z.number(), body: z.string(), headers: z.record(z.string(), z.string()), requestId: z.string() }),
    }),
  ),
});
export type EmulatorSnapshot = z.infer<typeof EmulatorSnapshotSchema>;

type Rows = EmulatorSnapshot['customers'];
const rowsOf = <T extends { id: string }>(collection: Collection<T>): Rows => collection.oldestFirst() as unknown as Rows;

export function snapshotOf(core: EmulatorCore, generation: number, now: Date): EmulatorSnapshot {
  const { state } = core;
  return {
    version: 1,
    savedAt: now.toISOString(),
    generation,
    clockOffsetMs: core.clock.offsetMs(),
    customers: rowsOf(state.customers),
    invoiceItems: rowsOf(state.invoiceItems),
    invoices: rowsOf(state.invoices),
    creditNotes: rowsOf(state.creditNotes),
    events: rowsOf(state.events),
    itemIdsByInvoice: [...state.itemIdsByInvoice],
    lineIdByItem: [...state.lineIdByItem],
    creditedByLine: [...state.creditedByLine],
    daysUntilDue: [...state.daysUntilDue],
    paymentBehaviours: [...state.paymentBehaviours],
    idempotency: core.idempotency.savedEntries() as EmulatorSnapshot['idempotency'],
  };
}

function refill<T extends { id: string }>(collection: Collection<T>, values: ReadonlyArray<{ id: string }>): void {
  collection.clear();
  // The file holds what this emulator wrote from these very collections.
  for (const value of values) collection.insert(value as T);
}

/** Puts a snapshot's objects and bookkeeping back into a freshly created core. */
export function restoreSnapshot(core: EmulatorCore, snapshot: EmulatorSnapshot): void {
  const { state } = core;
  refill(state.customers, snapshot.customers);
  refill(state.invoiceItems, snapshot.invoiceItems);
  refill(state.invoices, snapshot.invoices);
  refill(state.creditNotes, snapshot.creditNotes);
  refill(state.events, snapshot.events);
  const refillMap = <V>(map: Map<string, V>, entries: ReadonlyArray<readonly [string, V]>) => {
    map.clear();
    for (const [key, value] of entries) map.set(key, value);
  };
  refillMap(state.itemIdsByInvoice, snapshot.itemIdsByInvoice);
  refillMap(state.lineIdByItem, snapshot.lineIdByItem);
  refillMap(state.creditedByLine, snapshot.creditedByLine);
  refillMap(state.daysUntilDue, snapshot.daysUntilDue);
  refillMap(state.paymentBehaviours, snapshot.paymentBehaviours);
  core.idempotency.restore(snapshot.idempotency as ReadonlyArray<readonly [string, IdempotencyEntry]>);
}

/**
 * Writes the state after changes. Every caller of save() gets a promise that
 * settles once a write that began after its call is on disk, so a response is
 * sent only after what it reports is durable; calls that arrive while a write
 * is queued share that write.
 */
export class EmulatorStateSaver {
  private current: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  private lastError: unknown;

  constructor(
    private readonly path: string,
    private readonly capture: () => EmulatorSnapshot,
  ) {}

  save(): Promise<void> {
    if (this.queued) return this.queued;
    const queued = this.current
      .catch(() => undefined)
      .then(async () => {
        this.queued = undefined;
        // Captured when the write starts: it includes every change its callers made.
        await writeFileDurably(this.path, `${JSON.stringify(this.capture())}\n`);
      });
    this.queued = queued;
    this.current = queued;
    return queued;
  }

  /** For changes made outside a request (test helpers): a failure surfaces at flush(). */
  saveInBackground(): void {
    this.save().catch((error: unknown) => {
      this.lastError = error;
    });
  }

  /** Waits for the writes started so far; rethrows a failure of the last one that was not awaited. */
  async flush(): Promise<void> {
    await this.current.catch(() => undefined);
    if (this.lastError !== undefined) {
      const error = this.lastError;
      this.lastError = undefined;
      throw new Error(`the Stripe emulator could not save its state to ${this.path}`, { cause: error });
    }
  }
}

import type { Catalog } from '../domain/ledger/catalog';
import type { LedgerEntry, RecordedEntry } from '../domain/ledger/ledger-entries';
import type { RejectedOutcome } from '../domain/ledger/rejection';
import type { RejectionCode } from '../domain/ledger/rejection-codes';
import type { MetricDisplayName } from '../domain/ledger/metric-display-name';

// What the ledger use cases need from the outside world. Adapters
// (lambdas/adapters/*) implement these; tests may pass fakes.

/** The result of claiming an entry key by writing the entry. */
export type PutEntryResult =
  | { readonly status: 'created' }
  /** The key was taken; `existing` is what is stored under it (returned by the failed conditional write). */
  | { readonly status: 'exists'; readonly existing: LedgerEntry };

export interface UsageEntriesQuery {
  readonly customerId: string;
  readonly metric: string;
  /** occurredAt window [fromMs, toMs). */
  readonly fromMs: number;
  readonly toMs: number;
  /** recordedAt cutoff (inclusive). */
  readonly asOfMs: number;
  /** Only entries recorded at or after this (inclusive): the raw tail after the usage rollups. */
  readonly recordedFromMs?: number;
}

export interface Page<T> {
  readonly items: T[];
  /** Opaque; pass back to get the next page. Absent on the last page. */
  readonly cursor?: string;
}

export interface RejectedListQuery {
  /** receivedAt window [fromMs, toMs). */
  readonly fromMs: number;
  readonly toMs: number;
  readonly code?: RejectionCode | undefined;
  readonly limit: number;
  readonly cursor?: string | undefined;
}

export interface LedgerRepository {
  /** Claims the entry's key by writing it, conditionally: never overwrites. */
  putEntry(entry: LedgerEntry): Promise<PutEntryResult>;
  /** Every entry of one outcome (recorded + adjustments), strongly consistent. */
  getOutcomeEntries(outcomeId: string): Promise<LedgerEntry[]>;
  /**
   * Raw entries (recorded and adjustments) of a customer × metric whose
   * occurredAt lies in [fromMs, toMs) and recordedAt <= asOfMs, page by page.
   * All entries of one outcome share a usage partition, but may span pages:
   * collect before netting.
   */
  streamUsageEntries(query: UsageEntriesQuery): AsyncIterable<readonly LedgerEntry[]>;
  /** Stores a rejection once per rejectionId; false when it was already stored. */
  putRejection(rejection: RejectedOutcome): Promise<{ readonly created: boolean }>;
  /** Newest first. */
  listRejected(query: RejectedListQuery): Promise<Page<RejectedOutcome>>;
  /** Recorded entries of customers unknown when recorded, newest first. */
  listUnattributed(query: { readonly limit: number; readonly cursor?: string | undefined }): Promise<Page<RecordedEntry>>;
}

export interface CatalogRepository {
  readCatalog(): Promise<Catalog>;
  /** Upserts every metric and customer given; others are left as they are. */
  writeCatalog(catalog: Catalog): Promise<void>;
}

/**
 * An event the engine announces on its bus (ledger, plans, billing, risk
 * alike). The publisher puts it under the engine's own source
 * (ENGINE_EVENT_SOURCE), which only the engine's roles may use, so a use case
 * never names a source and no producer can fake an engine event.
 */
export interface OutboundEvent {
  readonly detailType: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** The one port for announcing engine events, used by every area. */
export interface EventPublisher {
  /** Resolves once every event is accepted by the bus; throws InfrastructureError otherwise. */
  publish(events: readonly OutboundEvent[]): Promise<void>;
}

/** What sentences call a catalog metric: one and several of it (risk reasons, adjustment and credit-note lines). */
export interface MetricDisplayNameReader {
  /** Ledger metric code → its display name (the catalog's, else made from its unit). */
  metricDisplayNames(): Promise<ReadonlyMap<string, MetricDisplayName>>;
}

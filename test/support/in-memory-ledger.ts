// In-memory fakes of the ledger's ports, for use-case tests without I/O.
// The fake repository keeps the same key rules as DynamoDB (one item per
// outcome key + entry kind, never overwritten) and records every call.
import type {
  CatalogRepository,
  EventPublisher,
  LedgerRepository,
  OutboundEvent,
  Page,
  PutEntryResult,
  RejectedListQuery,
  UsageEntriesQuery,
} from '../../lambdas/application/ports';
import type { Catalog } from '../../lambdas/domain/ledger/catalog';
import type { LedgerEntry, RecordedEntry } from '../../lambdas/domain/ledger/ledger-entries';
import type { RejectedOutcome } from '../../lambdas/domain/ledger/rejection';

function keyOf(entry: LedgerEntry): string {
  return `${entry.outcomeId}|${entry.kind === 'corrected' ? `C#${entry.correctionId}` : entry.kind}`;
}

export class InMemoryLedger implements LedgerRepository {
  readonly entries = new Map<string, LedgerEntry>();
  readonly rejections = new Map<string, RejectedOutcome>();
  readonly calls: string[] = [];
  /** Makes the next calls of a method fail with this error. */
  failNext: { method: string; error: unknown } | undefined;

  private maybeFail(method: string): void {
    this.calls.push(method);
    if (this.failNext?.method === method) {
      const { error } = this.failNext;
      this.failNext = undefined;
      throw error;
    }
  }

  async putEntry(entry: LedgerEntry): Promise<PutEntryResult> {
    this.maybeFail('putEntry');
    const existing = this.entries.get(keyOf(entry));
    if (existing !== undefined) return { status: 'exists', existing };
    this.entries.set(keyOf(entry), entry);
    return { status: 'created' };
  }

  async getOutcomeEntries(outcomeId: string): Promise<LedgerEntry[]> {
    this.maybeFail('getOutcomeEntries');
    return [...this.entries.values()].filter((entry) => entry.outcomeId === outcomeId);
  }

  async *streamUsageEntries(query: UsageEntriesQuery): AsyncIterable<readonly LedgerEntry[]> {
    this.maybeFail('streamUsageEntries');
    yield [...this.entries.values()].filter(
      (entry) =>
        entry.customerId === query.customerId &&
        entry.metric === query.metric &&
        entry.occurredAtMs >= query.fromMs &&
        entry.occurredAtMs < query.toMs &&
        entry.recordedAtMs <= query.asOfMs,
    );
  }

  async putRejection(rejection: RejectedOutcome): Promise<{ created: boolean }> {
    this.maybeFail('putRejection');
    if (this.rejections.has(rejection.rejectionId)) return { created: false };
    this.rejections.set(rejection.rejectionId, rejection);
    return { created: true };
  }

  async listRejected(query: RejectedListQuery): Promise<Page<RejectedOutcome>> {
    this.maybeFail('listRejected');
    return { items: [...this.rejections.values()].filter((item) => query.code === undefined || item.code === query.code) };
  }

  async listUnattributed(query: { limit: number }): Promise<Page<RecordedEntry>> {
    this.maybeFail('listUnattributed');
    const items = [...this.entries.values()].filter((entry): entry is RecordedEntry => entry.kind === 'recorded' && !entry.attributed);
    return { items: items.slice(0, query.limit) };
  }
}

export class InMemoryCatalog implements CatalogRepository {
  reads = 0;
  constructor(public catalog: Catalog) {}
  async readCatalog(): Promise<Catalog> {
    this.reads += 1;
    return this.catalog;
  }
  async writeCatalog(catalog: Catalog): Promise<void> {
    this.catalog = {
      metrics: [...this.catalog.metrics.filter((m) => !catalog.metrics.some((n) => n.code === m.code)), ...catalog.metrics],
      customers: [
        ...this.catalog.customers.filter((c) => !catalog.customers.some((n) => n.customerId === c.customerId)),
        ...catalog.customers,
      ],
    };
  }
}

export class RecordingPublisher implements EventPublisher {
  readonly events: OutboundEvent[] = [];
  failNext: unknown;
  async publish(events: readonly OutboundEvent[]): Promise<void> {
    if (this.failNext !== undefined) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
    this.events.push(...events);
  }
}

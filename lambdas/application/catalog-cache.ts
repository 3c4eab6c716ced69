import { toCatalogSnapshot, type CatalogSnapshot } from '../domain/ledger/catalog';
import type { CatalogRepository } from './ports';

// Ingest reads the catalog for every message, so it is held in memory and
// reloaded after `ttlMs`. Concurrent callers share one load. Two kinds of
// forced reload exist for names the cached copy lacks:
// - refreshSince(mark): before REFUSING a message (unknown metric, a
//   permanent answer), make sure the catalog was read after the message
//   arrived. Costs a read only on that rejection path.
// - refreshIfAllowed(): before FLAGGING an outcome unattributed (it is still
//   recorded), rate-limited so a stream of unknown customers does not turn
//   into a read per outcome.

export interface CatalogCacheOptions {
  readonly ttlMs: number;
  /** Least time between two loads triggered by refreshIfAllowed. */
  readonly minRefreshIntervalMs: number;
  /**
   * Elapsed-time source for the TTL. Defaults to a monotonic clock: cache age
   * is operational, so it must keep moving even when the business clock
   * (`now` of the service) is frozen or set back in a simulation.
   */
  readonly nowMs?: () => number;
}

const monotonicMs = (): number => performance.now();

export class CatalogCache {
  private readonly nowMs: () => number;
  private snapshot: CatalogSnapshot | undefined;
  private snapshotGeneration = 0;
  private loadedAtMs = Number.NEGATIVE_INFINITY;
  private loadsStarted = 0;
  private loading: { readonly generation: number; readonly promise: Promise<CatalogSnapshot> } | undefined;

  constructor(
    private readonly repository: CatalogRepository,
    private readonly options: CatalogCacheOptions,
  ) {
    this.nowMs = options.nowMs ?? monotonicMs;
  }

  /** The cached catalog, loading it when absent or older than the TTL. */
  async get(): Promise<CatalogSnapshot> {
    if (this.snapshot !== undefined && this.nowMs() - this.loadedAtMs < this.options.ttlMs) return this.snapshot;
    return this.loading?.promise ?? this.load();
  }

  /** A token for "now": pass it to refreshSince to ask for a catalog read after this point. */
  mark(): number {
    return this.loadsStarted;
  }

  /** A catalog whose load started after `mark`: the cached one if it qualifies, else a fresh read. */
  async refreshSince(mark: number): Promise<CatalogSnapshot> {
    if (this.snapshot !== undefined && this.snapshotGeneration > mark) return this.snapshot;
    if (this.loading !== undefined && this.loading.generation > mark) return this.loading.promise;
    return this.load();
  }

  /**
   * Reloads unless the last load is more recent than minRefreshIntervalMs;
   * returns the new snapshot, or undefined when no reload happened.
   */
  async refreshIfAllowed(): Promise<CatalogSnapshot | undefined> {
    if (this.nowMs() - this.loadedAtMs < this.options.minRefreshIntervalMs) return undefined;
    return this.loading?.promise ?? this.load();
  }

  /** Forgets the cached copy; the next get() loads. */
  invalidate(): void {
    this.snapshot = undefined;
    this.loadedAtMs = Number.NEGATIVE_INFINITY;
  }

  private load(): Promise<CatalogSnapshot> {
    this.loadsStarted += 1;
    const generation = this.loadsStarted;
    const startedAtMs = this.nowMs();
    const promise = this.repository.readCatalog().then((catalog) => {
      const snapshot = toCatalogSnapshot(catalog);
      // Loads may overlap; the one that started last decides the cached copy.
      if (generation > this.snapshotGeneration) {
        this.snapshot = snapshot;
        this.snapshotGeneration = generation;
        this.loadedAtMs = startedAtMs;
      }
      return snapshot;
    });
    const loading = { generation, promise };
    this.loading = loading;
    const clear = (): void => {
      if (this.loading === loading) this.loading = undefined;
    };
    promise.then(clear, clear);
    return promise;
  }
}

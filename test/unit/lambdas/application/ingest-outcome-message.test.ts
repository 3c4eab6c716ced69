import { beforeEach, describe, expect, it } from 'vitest';
import { CatalogCache } from '../../../../lambdas/application/catalog-cache';
import { InfrastructureError, OutcomeNotYetRecordedError } from '../../../../lambdas/application/errors';
import { ingestOutcomeMessage, type IngestDeps } from '../../../../lambdas/application/ingest-outcome-message';
import { CatalogInputSchema } from '../../../../lambdas/domain/ledger/catalog';
import { DAY, NOW, envelope, validDetail } from '../../../support/ledger-fixtures';
import { InMemoryCatalog, InMemoryLedger, RecordingPublisher } from '../../../support/in-memory-ledger';

const CATALOG = CatalogInputSchema.parse({
  metrics: [{ code: 'ticket.resolved', name: 'Resolved', unit: 'resolution', aggregation: 'count' }],
  customers: [{ customerId: 'acme', name: 'Acme' }],
});

describe('ingestOutcomeMessage', () => {
  let ledger: InMemoryLedger;
  let catalogs: InMemoryCatalog;
  let publisher: RecordingPublisher;
  let nowMs: number;
  let deps: IngestDeps;

  beforeEach(() => {
    ledger = new InMemoryLedger();
    catalogs = new InMemoryCatalog(structuredClone(CATALOG));
    publisher = new RecordingPublisher();
    nowMs = NOW;
    const clock = () => nowMs;
    deps = {
      ledger,
      catalog: new CatalogCache(catalogs, { ttlMs: 60_000, minRefreshIntervalMs: 5_000, nowMs: clock }),
      publisher,
      nowMs: clock,
      backdatingWindowMs: 35 * DAY,
      maxFutureSkewMs: 5 * 60_000,
    };
  });

  const ingest = (detail: unknown, detailType?: string, messageId = 'm-1') =>
    ingestOutcomeMessage(deps, { body: envelope(detail, detailType), messageId });

  it('records a new outcome with exactly one write and nothing else on the happy path', async () => {
    await ingest({ ...validDetail, outcomeId: 'warm-up' }); // loads the catalog into the cache
    ledger.calls.length = 0;
    catalogs.reads = 0;
    expect(await ingest(validDetail)).toEqual({ status: 'recorded', outcomeId: validDetail.outcomeId, kind: 'recorded' });
    expect(ledger.calls).toEqual(['putEntry']);
    expect(catalogs.reads).toBe(0);
    expect(publisher.events).toEqual([]);
  });

  it('acknowledges a duplicate without storing or announcing anything', async () => {
    await ingest(validDetail);
    ledger.calls.length = 0;
    expect(await ingest({ ...validDetail, quantity: '1.0' }, undefined, 'm-2')).toMatchObject({ status: 'duplicate' });
    expect(ledger.calls).toEqual(['putEntry']);
    expect(ledger.rejections.size).toBe(0);
    expect(publisher.events).toEqual([]);
  });

  it('stores a conflict as a rejection, announces it, and keeps the original', async () => {
    await ingest(validDetail);
    const result = await ingest({ ...validDetail, quantity: 9 }, undefined, 'm-2');
    expect(result).toMatchObject({ status: 'rejected', code: 'OUTCOME_CONFLICT' });
    expect([...ledger.entries.values()]).toEqual([expect.objectContaining({ quantity: '1' })]);
    expect([...ledger.rejections.values()]).toEqual([expect.objectContaining({ code: 'OUTCOME_CONFLICT', messageId: 'm-2' })]);
    expect(publisher.events).toEqual([
      expect.objectContaining({ detailType: 'Outcome Rejected', detail: expect.objectContaining({ code: 'OUTCOME_CONFLICT' }) }),
    ]);
  });

  it('stores a rejection before announcing it, and announces it again on retry', async () => {
    publisher.failNext = new InfrastructureError('bus down', { operation: 'EventBridge PutEvents' });
    await expect(ingest({ ...validDetail, quantity: -1 })).rejects.toBeInstanceOf(InfrastructureError);
    expect(ledger.rejections.size).toBe(1);
    const retried = await ingest({ ...validDetail, quantity: -1 });
    expect(retried).toMatchObject({ status: 'rejected', code: 'INVALID_QUANTITY' });
    expect(ledger.rejections.size).toBe(1);
    expect(publisher.events).toHaveLength(1);
  });

  it('lets storage failures through as InfrastructureError, never as a rejection', async () => {
    await ingest({ ...validDetail, outcomeId: 'warm-up' });
    const throttled = new InfrastructureError('throttled', { operation: 'DynamoDB PutItem' });
    ledger.failNext = { method: 'putEntry', error: throttled };
    await expect(ingest(validDetail)).rejects.toBe(throttled);
    expect(ledger.rejections.size).toBe(0);
    expect(publisher.events).toEqual([]);
    // The retry records it: nothing was claimed by the failed attempt.
    expect(await ingest(validDetail)).toMatchObject({ status: 'recorded' });
  });

  it('reads the catalog again before refusing an unknown metric (another process may just have added it)', async () => {
    await ingest(validDetail);
    // Added elsewhere, well within this process's cache TTL.
    catalogs.catalog.metrics.push({ code: 'lead.qualified', name: 'Lead', unit: 'lead', aggregation: 'count', billable: { when: 'verified' } });
    catalogs.reads = 0;
    expect(await ingest({ ...validDetail, outcomeId: 'lead-1', metric: 'lead.qualified' })).toMatchObject({ status: 'recorded' });
    expect(catalogs.reads).toBe(1);
    expect([...ledger.entries.values()].find((entry) => entry.outcomeId === 'lead-1')).toMatchObject({ billableRule: { when: 'verified' } });
    // Still unknown after a fresh read: refused.
    expect(await ingest({ ...validDetail, outcomeId: 'x-1', metric: 'no.such.metric' })).toMatchObject({ code: 'UNKNOWN_METRIC' });
    expect(catalogs.reads).toBe(2);
  });

  it('re-reads the catalog for unknown customers at most once per refresh interval', async () => {
    await ingest(validDetail);
    catalogs.reads = 0;
    for (let index = 0; index < 5; index += 1) {
      expect(await ingest({ ...validDetail, outcomeId: `u-${index}`, customerId: 'stranger' })).toMatchObject({ status: 'recorded' });
    }
    expect(catalogs.reads).toBeLessThanOrEqual(1);
    expect([...ledger.entries.values()].filter((entry) => entry.kind === 'recorded' && !entry.attributed)).toHaveLength(5);
  });

  it('records adjustments next to the outcome and rejects those of unknown outcomes', async () => {
    await ingest(validDetail);
    nowMs += 1000;
    expect(await ingest({ outcomeId: validDetail.outcomeId, reason: 'reopened' }, 'Outcome Reversed')).toEqual({
      status: 'recorded',
      outcomeId: validDetail.outcomeId,
      kind: 'reversed',
    });
    expect(await ingest({ outcomeId: 'ghost', reason: 'x' }, 'Outcome Reversed', 'm-3')).toMatchObject({
      status: 'rejected',
      code: 'UNKNOWN_OUTCOME',
    });
    expect([...ledger.rejections.values()][0]).toMatchObject({ outcomeId: 'ghost', detailType: 'Outcome Reversed' });
  });

  it('lets a reversal that overtook its outcome wait for redelivery, then applies it', async () => {
    const reversal = envelope({ outcomeId: validDetail.outcomeId, reason: 'reopened' }, 'Outcome Reversed');
    await expect(
      ingestOutcomeMessage(deps, { body: reversal, messageId: 'm-r', deliveryAttempt: 1 }),
    ).rejects.toBeInstanceOf(OutcomeNotYetRecordedError);
    expect(ledger.rejections.size).toBe(0);

    await ingest(validDetail);
    expect(await ingestOutcomeMessage(deps, { body: reversal, messageId: 'm-r', deliveryAttempt: 2 })).toEqual({
      status: 'recorded',
      outcomeId: validDetail.outcomeId,
      kind: 'reversed',
    });
  });

  it('rejects an adjustment of an unknown outcome once its redeliveries are used up', async () => {
    const reversal = envelope({ outcomeId: 'ghost', reason: 'x' }, 'Outcome Reversed');
    await expect(ingestOutcomeMessage(deps, { body: reversal, messageId: 'm-g', deliveryAttempt: 2 })).rejects.toThrow(
      /not in the ledger yet/,
    );
    expect(await ingestOutcomeMessage(deps, { body: reversal, messageId: 'm-g', deliveryAttempt: 3 })).toMatchObject({
      status: 'rejected',
      code: 'UNKNOWN_OUTCOME',
    });
    expect(ledger.rejections.size).toBe(1);
  });
});

describe('CatalogCache', () => {
  it('loads once per TTL, shares a load between concurrent callers, and rate-limits forced refreshes', async () => {
    const catalogs = new InMemoryCatalog(structuredClone(CATALOG));
    let nowMs = 0;
    const cache = new CatalogCache(catalogs, { ttlMs: 60_000, minRefreshIntervalMs: 5_000, nowMs: () => nowMs });
    await Promise.all([cache.get(), cache.get(), cache.get()]);
    expect(catalogs.reads).toBe(1);
    nowMs = 59_000;
    await cache.get();
    expect(catalogs.reads).toBe(1);
    nowMs = 60_000;
    await cache.get();
    expect(catalogs.reads).toBe(2);
    expect(await cache.refreshIfAllowed()).toBeUndefined();
    nowMs = 65_000;
    expect(await cache.refreshIfAllowed()).toBeDefined();
    expect(catalogs.reads).toBe(3);
    cache.invalidate();
    await cache.get();
    expect(catalogs.reads).toBe(4);
  });

  it('refreshSince reads again only when no load started after the mark', async () => {
    const catalogs = new InMemoryCatalog(structuredClone(CATALOG));
    const cache = new CatalogCache(catalogs, { ttlMs: 60_000, minRefreshIntervalMs: 5_000, nowMs: () => 0 });
    const before = cache.mark();
    await cache.get(); // this load started after `before`
    await cache.refreshSince(before);
    expect(catalogs.reads).toBe(1);
    const later = cache.mark();
    await Promise.all([cache.refreshSince(later), cache.refreshSince(later)]);
    expect(catalogs.reads).toBe(2);
  });
});

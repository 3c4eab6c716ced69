// 'Outcomes Recorded' through the ingest use case with in-memory ports: every
// item is recorded, acknowledged or rejected exactly as if it came alone, and
// an infrastructure failure of any item fails the whole message without ever
// counting an outcome twice on the retry.
import { beforeEach, describe, expect, it } from 'vitest';
import { CatalogCache } from '../../../../lambdas/application/catalog-cache';
import { InfrastructureError } from '../../../../lambdas/application/errors';
import {
  ingestOutcomeMessage,
  outcomeResultsOf,
  type BatchIngestResult,
  type IngestDeps,
  type IngestMessageResult,
} from '../../../../lambdas/application/ingest-outcome-message';
import type { PutEntryResult } from '../../../../lambdas/application/ports';
import { CatalogInputSchema } from '../../../../lambdas/domain/ledger/catalog';
import type { LedgerEntry } from '../../../../lambdas/domain/ledger/ledger-entries';
import { DAY, NOW, envelope, validDetail } from '../../../support/ledger-fixtures';
import { InMemoryCatalog, InMemoryLedger, RecordingPublisher } from '../../../support/in-memory-ledger';

const CATALOG = CatalogInputSchema.parse({
  metrics: [{ code: 'ticket.resolved', name: 'Resolved', unit: 'resolution', aggregation: 'count' }],
  customers: [{ customerId: 'acme', name: 'Acme' }],
});

/** Fails the write of chosen outcomes, as a throttled partition would. */
class FlakyLedger extends InMemoryLedger {
  readonly failing = new Set<string>();
  inFlight = 0;
  maxInFlight = 0;

  override async putEntry(entry: LedgerEntry): Promise<PutEntryResult> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setImmediate(resolve));
      if (this.failing.has(entry.outcomeId)) {
        throw new InfrastructureError(`throttled writing ${entry.outcomeId}`, { operation: 'DynamoDB PutItem', retryable: true });
      }
      return await super.putEntry(entry);
    } finally {
      this.inFlight -= 1;
    }
  }
}

const item = (index: number, overrides: Record<string, unknown> = {}) => ({ ...validDetail, outcomeId: `b-${index}`, ...overrides });

function asBatch(result: IngestMessageResult): BatchIngestResult {
  if (result.status !== 'batch') throw new Error(`expected batch results, got ${JSON.stringify(result)}`);
  return result;
}

describe('ingestOutcomeMessage: Outcomes Recorded', () => {
  let ledger: FlakyLedger;
  let catalogs: InMemoryCatalog;
  let publisher: RecordingPublisher;
  let deps: IngestDeps;

  beforeEach(() => {
    ledger = new FlakyLedger();
    catalogs = new InMemoryCatalog(structuredClone(CATALOG));
    publisher = new RecordingPublisher();
    const clock = () => NOW;
    deps = {
      ledger,
      catalog: new CatalogCache(catalogs, { ttlMs: 60_000, minRefreshIntervalMs: 5_000, nowMs: clock }),
      publisher,
      nowMs: clock,
      backdatingWindowMs: 35 * DAY,
      maxFutureSkewMs: 5 * 60_000,
      batchItemConcurrency: 4,
    };
  });

  const ingestBatch = (outcomes: unknown[], messageId = 'm-1') =>
    ingestOutcomeMessage(deps, { body: envelope({ schemaVersion: 1, outcomes }, 'Outcomes Recorded'), messageId });

  it('records, acknowledges and rejects each item on its own, in the event order', async () => {
    await ingestOutcomeMessage(deps, { body: envelope(item(1)), messageId: 'single' }); // b-1 sent alone before
    const result = asBatch(
      await ingestBatch([item(0), item(1), item(2, { quantity: -5 }), item(3, { occurredAt: '2026-11-15T12:30:00Z' }), item(1, { quantity: 2 })]),
    );
    expect(result.eventId).toBe('evt-1');
    expect(result.results.map((entry) => [entry.index, entry.status, entry.status === 'rejected' ? entry.code : entry.outcomeId])).toEqual([
      [0, 'recorded', 'b-0'],
      [1, 'duplicate', 'b-1'],
      [2, 'rejected', 'INVALID_QUANTITY'],
      [3, 'rejected', 'OCCURRED_IN_FUTURE'],
      [4, 'rejected', 'OUTCOME_CONFLICT'],
    ]);
    expect(outcomeResultsOf(result)).toHaveLength(5);
    expect([...ledger.entries.values()].map((entry) => entry.outcomeId).sort()).toEqual(['b-0', 'b-1']);

    const stored = [...ledger.rejections.values()];
    expect(stored.map((rejection) => rejection.code).sort()).toEqual(['INVALID_QUANTITY', 'OCCURRED_IN_FUTURE', 'OUTCOME_CONFLICT']);
    const conflict = stored.find((rejection) => rejection.code === 'OUTCOME_CONFLICT');
    expect(conflict).toMatchObject({ outcomeId: 'b-1', messageId: 'm-1', detailType: 'Outcomes Recorded' });
    expect(conflict?.message).toMatch(/^outcomes\[4\] of event "evt-1": outcome "b-1" was already recorded/);
    // Stored with the item alone, not the whole batch.
    expect(JSON.parse(conflict?.rawBody ?? '')).toMatchObject({ 'detail-type': 'Outcome Recorded', detail: item(1, { quantity: 2 }) });
    expect(publisher.events.map((event) => event.detail.code).sort()).toEqual(['INVALID_QUANTITY', 'OCCURRED_IN_FUTURE', 'OUTCOME_CONFLICT']);
  });

  it('writes items concurrently, within the configured bound', async () => {
    const result = asBatch(await ingestBatch(Array.from({ length: 20 }, (_, index) => item(index))));
    expect(result.results.every((entry) => entry.status === 'recorded')).toBe(true);
    expect(ledger.maxInFlight).toBe(4);
  });

  it('fails the whole message when any item cannot be stored; the retry records the rest once', async () => {
    ledger.failing.add('b-3');
    const outcomes = Array.from({ length: 8 }, (_, index) => item(index));
    await expect(ingestBatch(outcomes)).rejects.toBeInstanceOf(InfrastructureError);
    const writtenBefore = ledger.entries.size;
    expect(writtenBefore).toBeGreaterThan(0);
    expect(writtenBefore).toBeLessThan(8);
    expect(ledger.rejections.size).toBe(0);

    ledger.failing.clear();
    const retried = asBatch(await ingestBatch(outcomes));
    expect(retried.results.filter((entry) => entry.status === 'duplicate')).toHaveLength(writtenBefore);
    expect(retried.results.filter((entry) => entry.status === 'recorded')).toHaveLength(8 - writtenBefore);
    expect(ledger.entries.size).toBe(8);
  });

  it('stores one rejection per bad item however often the batch is redelivered, announcing it each time', async () => {
    const outcomes = [item(0), item(1, { metric: 'no.such.metric' })];
    await ingestBatch(outcomes);
    const again = asBatch(await ingestBatch(outcomes, 'm-2'));
    expect(again.results.map((entry) => entry.status)).toEqual(['duplicate', 'rejected']);
    expect(ledger.rejections.size).toBe(1);
    expect(publisher.events).toHaveLength(2);
  });

  it('reads the catalog again before refusing an item for an unknown metric, once for the whole batch', async () => {
    await ingestBatch([item(0)]);
    catalogs.catalog.metrics.push({ code: 'lead.qualified', name: 'Lead', unit: 'lead', aggregation: 'count', billable: { when: 'immediately' } });
    catalogs.reads = 0;
    const result = asBatch(await ingestBatch([item(1, { metric: 'lead.qualified' }), item(2, { metric: 'lead.qualified' }), item(3, { metric: 'nope' })]));
    expect(result.results.map((entry) => (entry.status === 'rejected' ? entry.code : entry.status))).toEqual(['recorded', 'recorded', 'UNKNOWN_METRIC']);
    expect(catalogs.reads).toBe(1);
  });

  it('rejects an event that is not a batch as one message', async () => {
    const result = await ingestOutcomeMessage(deps, {
      body: envelope({ outcomes: 'b-1,b-2' }, 'Outcomes Recorded'),
      messageId: 'm-bad',
    });
    expect(result).toMatchObject({ status: 'rejected', code: 'INVALID_FIELD' });
    expect(outcomeResultsOf(result)).toHaveLength(1);
    expect([...ledger.rejections.values()][0]).toMatchObject({ messageId: 'm-bad', detailType: 'Outcomes Recorded' });
  });
});

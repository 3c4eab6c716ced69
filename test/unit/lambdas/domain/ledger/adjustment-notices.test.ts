// The ledger announces entries that may change an invoiced period
// ('Outcome Adjustment Recorded'): those recorded more than the close grace
// after their outcome occurred. Earlier ones were recorded before their
// period's cutoff, so the close read them, and nothing is announced.
import { beforeEach, describe, expect, it } from 'vitest';
import { CatalogCache } from '../../../../../lambdas/application/catalog-cache';
import { InfrastructureError } from '../../../../../lambdas/application/errors';
import { ingestOutcomeMessage, type IngestDeps } from '../../../../../lambdas/application/ingest-outcome-message';
import { CatalogInputSchema } from '../../../../../lambdas/domain/ledger/catalog';
import { OutcomeAdjustmentRecordedDetailSchema, adjustmentNoticeOf } from '../../../../../lambdas/domain/ledger/outcome-adjustment-notice';
import { DAY, NOW, envelope } from '../../../../support/ledger-fixtures';
import { InMemoryCatalog, InMemoryLedger, RecordingPublisher } from '../../../../support/in-memory-ledger';

const HOUR = 3_600_000;
const CATALOG = CatalogInputSchema.parse({
  metrics: [{ code: 'ticket.resolved', name: 'Resolved', unit: 'resolution', aggregation: 'count' }],
  customers: [{ customerId: 'acme', name: 'Acme' }],
});
const at = (ms: number) => new Date(ms).toISOString();

describe('Outcome Adjustment Recorded', () => {
  let ledger: InMemoryLedger;
  let publisher: RecordingPublisher;
  let deps: IngestDeps;

  beforeEach(() => {
    ledger = new InMemoryLedger();
    publisher = new RecordingPublisher();
    deps = {
      ledger,
      catalog: new CatalogCache(new InMemoryCatalog(structuredClone(CATALOG)), { ttlMs: 60_000, minRefreshIntervalMs: 5_000, nowMs: () => NOW }),
      publisher,
      nowMs: () => NOW,
      backdatingWindowMs: 35 * DAY,
      maxFutureSkewMs: 5 * 60_000,
      lateAfterMs: 24 * HOUR,
    };
  });

  const ingest = (detail: unknown, detailType?: string, messageId = 'm-1') => ingestOutcomeMessage(deps, { body: envelope(detail, detailType), messageId });
  const notices = () => publisher.events.filter((event) => event.detailType === 'Outcome Adjustment Recorded');
  const outcome = (outcomeId: string, occurredAtMs: number) => ({ outcomeId, customerId: 'acme', metric: 'ticket.resolved', occurredAt: at(occurredAtMs) });

  it('announces an outcome recorded more than the grace after it occurred, and not one recorded within it', async () => {
    await ingest(outcome('on-time', NOW - 24 * HOUR));
    expect(notices()).toEqual([]);
    await ingest(outcome('late', NOW - 24 * HOUR - 1000));
    expect(notices()).toEqual([
      {
        detailType: 'Outcome Adjustment Recorded',
        detail: { schemaVersion: 1, outcomeId: 'late', kind: 'late', customerId: 'acme', metric: 'ticket.resolved', occurredAt: at(NOW - 24 * HOUR - 1000), recordedAt: at(NOW) },
      },
    ]);
    expect(OutcomeAdjustmentRecordedDetailSchema.parse(notices()[0]?.detail)).toBeDefined();
  });

  it('announces a reversal and a correction of an old outcome with their kind, and nothing for a fresh one', async () => {
    await ingest(outcome('old', NOW - 3 * DAY));
    await ingest(outcome('fresh', NOW - HOUR));
    publisher.events.length = 0;
    await ingest({ outcomeId: 'old', reason: 'reopened' }, 'Outcome Reversed', 'm-2');
    await ingest({ outcomeId: 'fresh', reason: 'reopened' }, 'Outcome Reversed', 'm-3');
    expect(notices().map((event) => [event.detail['outcomeId'], event.detail['kind'], event.detail['occurredAt']])).toEqual([['old', 'reversed', at(NOW - 3 * DAY)]]);
    await ingest(outcome('old-2', NOW - 3 * DAY));
    await ingest({ outcomeId: 'old-2', correctionId: 'c-1', quantity: 3, reason: 'miscounted' }, 'Outcome Corrected', 'm-4');
    expect(notices().map((event) => event.detail['kind'])).toEqual(['reversed', 'late', 'corrected']);
  });

  it('announces again on a redelivered duplicate, since the first delivery may have failed to publish', async () => {
    await ingest(outcome('old', NOW - 3 * DAY));
    publisher.failNext = new InfrastructureError('bus down', { operation: 'EventBridge PutEvents' });
    await expect(ingest({ outcomeId: 'old', reason: 'reopened' }, 'Outcome Reversed', 'm-2')).rejects.toBeInstanceOf(InfrastructureError);
    expect(await ingest({ outcomeId: 'old', reason: 'reopened' }, 'Outcome Reversed', 'm-2')).toMatchObject({ status: 'duplicate' });
    expect(notices().map((event) => event.detail['kind'])).toEqual(['late', 'reversed']);
  });

  it('announces a batch event once per customer, metric and 15 minutes of occurrence, after the whole batch is written', async () => {
    const base = Date.parse('2026-11-10T08:00:00Z');
    const outcomes = [
      ...Array.from({ length: 20 }, (_, index) => outcome(`b-${index}`, base + index * 30_000)), // 08:00 .. 08:09:30
      outcome('b-next-slot', base + 15 * 60_000),
    ];
    expect(await ingest({ outcomes }, 'Outcomes Recorded')).toMatchObject({ status: 'batch' });
    const slots = notices().map((event) => Math.floor(Date.parse(String(event.detail['occurredAt'])) / (15 * 60_000)) * 15 * 60_000);
    expect(slots.sort()).toEqual([base, base + 15 * 60_000]);
    expect(notices().every((event) => event.detail['kind'] === 'late' && event.detail['recordedAt'] === at(NOW))).toBe(true);
  });

  it('announces nothing without a grace configured', async () => {
    const { lateAfterMs: _omitted, ...withoutGrace } = deps;
    deps = withoutGrace;
    await ingest(outcome('late', NOW - 3 * DAY));
    expect(notices()).toEqual([]);
  });

  it('names exactly the boundary: recorded at occurredAt + grace is not announced', () => {
    const entry = { kind: 'reversed' as const, outcomeId: 'x', customerId: 'c', metric: 'm', occurredAtMs: 0, recordedAtMs: 24 * HOUR, reason: 'r' };
    expect(adjustmentNoticeOf(entry, 24 * HOUR)).toBeUndefined();
    expect(adjustmentNoticeOf({ ...entry, recordedAtMs: 24 * HOUR + 1 }, 24 * HOUR)).toMatchObject({ kind: 'reversed' });
  });
});

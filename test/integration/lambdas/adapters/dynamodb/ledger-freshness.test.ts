// The ledger freshness marks on DynamoDB Local: written by the ingest path
// itself (at most once an hour per writer, append-only), read back as of any
// moment, and fed to the risk check as `dataAsOf` (stale data flagged, the
// gap counted only up to the mark).
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbLedgerFreshnessStore } from '../../../../../lambdas/adapters/dynamodb/ledger-freshness-store';
import { gatherRiskInput } from '../../../../../lambdas/application/risk/gather-risk-input';
import { createLedgerService } from '../../../../../lambdas/composition/ledger-service';
import { createRiskService } from '../../../../../lambdas/composition/risk-service';
import { assessRenewalRisk } from '../../../../../lambdas/domain/risk';
import { createTestTables, type TestTables } from '../../../../support/dynamodb';
import { HEALTHY_SPRING, SETTINGS, ScriptedUsage, riskContract } from '../../../../support/risk-test-kit';

/** The freshness marks the client puts (pk F#LEDGER), counted as they are sent. */
function countMarkPuts(tables: TestTables): { count: () => number } {
  let puts = 0;
  tables.client.middlewareStack.add(
    (next) => async (args) => {
      const input = (args as { input?: { Item?: Record<string, { S?: string }> } }).input;
      if (args.request && input?.Item?.['pk']?.S === 'F#LEDGER') puts += 1;
      return next(args);
    },
    { step: 'build', name: 'countFreshnessMarks' },
  );
  return { count: () => puts };
}

describe('ledger freshness on DynamoDB Local', () => {
  let tables: TestTables;
  const eventBridge = new EventBridgeClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const store = () => new DynamoDbLedgerFreshnessStore({ client: tables.client, tableName: tables.ledgerTableName });

  beforeAll(async () => {
    tables = await createTestTables('risk-fresh');
  });
  afterAll(async () => {
    eventBridge.destroy();
    await tables.destroy();
  });

  it('is unknown until noted, keeps the first record of each hour, and reads as of any moment', async () => {
    const writer = store();
    expect(await writer.ledgerDataAsOf(new Date('2026-09-03T09:00:00.000Z'))).toBeUndefined();
    await writer.noteRecorded(new Date('2026-08-30T10:05:00.000Z'));
    await writer.noteRecorded(new Date('2026-08-30T10:50:00.000Z'));
    // Another writer in the same hour finds the hour marked and changes nothing.
    await store().noteRecorded(new Date('2026-08-30T10:30:00.000Z'));
    await writer.noteRecorded(new Date('2026-09-01T07:15:00.000Z'));

    const reader = store();
    expect(await reader.ledgerDataAsOf(new Date('2026-09-03T09:00:00.000Z'))).toEqual(new Date('2026-09-01T07:15:00.000Z'));
    // As of a moment between the marks, the mark before it; within the marked hour, capped at the moment.
    expect(await reader.ledgerDataAsOf(new Date('2026-08-31T00:00:00.000Z'))).toEqual(new Date('2026-08-30T10:05:00.000Z'));
    expect(await reader.ledgerDataAsOf(new Date('2026-09-01T07:10:00.000Z'))).toEqual(new Date('2026-09-01T07:10:00.000Z'));
    expect(await reader.ledgerDataAsOf(new Date('2026-08-30T09:59:00.000Z'))).toBeUndefined();
  });

  it('is written by ingest once an hour however many outcomes arrive, and read by the risk service', async () => {
    const marks = countMarkPuts(tables);
    let now = new Date('2026-11-20T10:00:00.000Z');
    const ledger = createLedgerService({
      dynamoDb: tables.client,
      eventBridge,
      eventBusName: 'unused',
      ledgerTableName: tables.ledgerTableName,
      engineTableName: tables.engineTableName,
      now: () => now,
    });
    await ledger.loadCatalog({
      metrics: [{ code: 'ticket.resolved', name: 'Tickets resolved', unit: 'ticket', aggregation: 'count' }],
      customers: [{ customerId: 'acme', name: 'Acme' }],
    });
    const body = (id: string) =>
      JSON.stringify({
        version: '0',
        id: `evt-${id}`,
        'detail-type': 'Outcome Recorded',
        source: 'com.example.support',
        account: '000000000000',
        time: now.toISOString(),
        region: 'us-east-1',
        resources: [],
        detail: { outcomeId: id, customerId: 'acme', metric: 'ticket.resolved', occurredAt: '2026-11-20T09:00:00Z' },
      });

    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => ledger.ingestMessage({ body: body(`fresh-${i}`), messageId: `m-${i}` })));
    expect(results.map((result) => result.status)).toEqual(Array.from({ length: 12 }, () => 'recorded'));
    expect(marks.count()).toBe(1);
    now = new Date('2026-11-20T10:40:00.000Z');
    await ledger.ingestMessage({ body: body('fresh-0'), messageId: 'again' });
    expect(marks.count()).toBe(1);
    now = new Date('2026-11-20T11:02:00.000Z');
    await ledger.ingestMessage({ body: body('fresh-next-hour'), messageId: 'm-next' });
    expect(marks.count()).toBe(2);

    const risk = createRiskService({ dynamoDb: tables.client, engineTableName: tables.engineTableName, ledger, eventBridge, eventBusName: 'unused' });
    expect(await risk.deps.freshness?.ledgerDataAsOf(new Date('2026-11-25T00:00:00.000Z'))).toEqual(new Date('2026-11-20T11:02:00.000Z'));
  });

  it('fails the note loudly when the mark cannot be written, and tries again on the next record', async () => {
    const writer = store();
    const failing = { send: () => Promise.reject(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException', $metadata: {} })) };
    const broken = new DynamoDbLedgerFreshnessStore({ client: failing as never, tableName: tables.ledgerTableName });
    await expect(broken.noteRecorded(new Date('2026-12-01T08:00:00.000Z'))).rejects.toThrow(/ledger freshness/);
    await expect(broken.noteRecorded(new Date('2026-12-01T08:01:00.000Z'))).rejects.toThrow(/ledger freshness/);
    await writer.noteRecorded(new Date('2026-12-01T08:02:00.000Z'));
    expect(await writer.ledgerDataAsOf(new Date('2026-12-01T09:00:00.000Z'))).toEqual(new Date('2026-12-01T08:02:00.000Z'));
  });

  it('makes the check flag stale data and count the gap only up to the mark', async () => {
    const usage = new ScriptedUsage();
    usage.set({ ...HEALTHY_SPRING, '2026-07-01': '1000', '2026-08-01': '1000' }, '2026-08-10T10:00:00Z');
    const now = new Date('2026-12-05T09:00:00.000Z');
    const input = await gatherRiskInput({ usage, settings: SETTINGS, freshness: store() }, { contract: riskContract({ contractId: 'ctr-fresh' }), now });
    expect(input.dataAsOf).toBe('2026-12-01T08:02:00.000Z');
    const stale = await gatherRiskInput(
      { usage, settings: SETTINGS, freshness: store() },
      { contract: riskContract({ contractId: 'ctr-fresh' }), now: new Date('2026-11-25T00:00:00.000Z') },
    );
    expect(stale.dataAsOf).toBe('2026-11-20T11:02:00.000Z');
    const assessment = assessRenewalRisk(stale);
    expect(assessment.staleData).toBe(true);
    expect(assessment.reasons.find((r) => r.code === 'stale_data')?.message).toBe(
      'ledger data is 4 days old (newest record 2026-11-20T11:02:00Z); usage signals may lag reality',
    );
    // 2026-08-10 to the mark on 2026-11-20, not to 2026-11-25.
    expect(assessment.signals.find((s) => s.code === 'signal_gap')?.value).toBe('102');
  });
});

// The ledger freshness mark on DynamoDB Local: it only moves forward, each
// writer notes at most one advance per interval, and the risk check reads it
// as `dataAsOf` (stale data flagged, never auto-resolved).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbLedgerFreshnessStore } from '../../../lambdas/adapters/dynamodb/ledger-freshness-store';
import { gatherRiskInput } from '../../../lambdas/application/risk/gather-risk-input';
import { assessRenewalRisk } from '../../../lambdas/domain/risk';
import { createTestTables, type TestTables } from '../../support/dynamodb';
import { HEALTHY_SPRING, SETTINGS, ScriptedUsage, riskContract } from './risk-test-kit';

describe('ledger freshness mark on DynamoDB Local', () => {
  let tables: TestTables;
  const store = (minAdvanceMs?: number) =>
    new DynamoDbLedgerFreshnessStore({ client: tables.client, tableName: tables.engineTableName, ...(minAdvanceMs !== undefined ? { minAdvanceMs } : {}) });

  beforeAll(async () => {
    tables = await createTestTables('risk-fresh');
  });
  afterAll(async () => tables.destroy());

  it('is unknown until noted, then only moves forward, capped at the reading time', async () => {
    const writer = store(0);
    const now = new Date('2026-09-03T09:00:00.000Z');
    expect(await writer.ledgerDataAsOf(now)).toBeUndefined();
    await writer.noteRecorded(new Date('2026-08-30T10:00:00.000Z'));
    // A late writer with an older time changes nothing, and does not fail.
    await store(0).noteRecorded(new Date('2026-08-29T10:00:00.000Z'));
    expect(await writer.ledgerDataAsOf(now)).toEqual(new Date('2026-08-30T10:00:00.000Z'));
    expect(await writer.ledgerDataAsOf(new Date('2026-08-01T00:00:00.000Z'))).toEqual(new Date('2026-08-01T00:00:00.000Z'));
  });

  it('writes at most one advance per interval from one writer', async () => {
    const writer = store(60_000);
    const reader = store();
    const now = new Date('2026-12-01T00:00:00.000Z');
    await writer.noteRecorded(new Date('2026-09-01T00:00:00.000Z'));
    await writer.noteRecorded(new Date('2026-09-01T00:00:30.000Z'));
    expect(await reader.ledgerDataAsOf(now)).toEqual(new Date('2026-09-01T00:00:00.000Z'));
    await writer.noteRecorded(new Date('2026-09-01T00:01:00.000Z'));
    expect(await reader.ledgerDataAsOf(now)).toEqual(new Date('2026-09-01T00:01:00.000Z'));
  });

  it('makes the check flag stale data and count the gap only up to the mark', async () => {
    const usage = new ScriptedUsage();
    usage.set({ ...HEALTHY_SPRING, '2026-07-01': '1000', '2026-08-01': '1000' }, '2026-08-10T10:00:00Z');
    const now = new Date('2026-12-05T09:00:00.000Z');
    const input = await gatherRiskInput(
      { usage, settings: SETTINGS, freshness: store() },
      { contract: riskContract({ contractId: 'ctr-fresh' }), now },
    );
    expect(input.dataAsOf).toBe('2026-09-01T00:01:00.000Z');
    const assessment = assessRenewalRisk(input);
    expect(assessment.staleData).toBe(true);
    expect(assessment.reasons.find((r) => r.code === 'stale_data')?.message).toBe(
      'ledger data is 95 days old (newest record 2026-09-01T00:01:00Z); usage signals may lag reality',
    );
    expect(assessment.signals.find((s) => s.code === 'signal_gap')?.value).toBe('21');
  });
});

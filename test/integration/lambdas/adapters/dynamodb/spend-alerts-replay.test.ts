// Spend alerts on the real DynamoDB Local: the apply-ledger-changes handler
// run on a stream batch of real ledger entries, with a bus that fails once.
// The alert is published exactly once: not lost when the publish fails, not
// repeated when the batch is replayed.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CliIo } from '../../../../../bin/cli/cli-io';
import { runCli } from '../../../../../bin/cli/program';
import { toLedgerItem } from '../../../../../lambdas/adapters/dynamodb/ledger-items';
import { DynamoDbFiredAlertStore } from '../../../../../lambdas/adapters/dynamodb/fired-alert-store';
import type { OutboundEvent } from '../../../../../lambdas/application/ports';
import { InfrastructureError } from '../../../../../lambdas/application/errors';
import { createSpendAlerts } from '../../../../../lambdas/composition/billing-service';
import { createUsageRollupService } from '../../../../../lambdas/composition/usage-rollup-service';
import { createApplyLedgerChangesHandler } from '../../../../../lambdas/handlers/apply-ledger-changes';
import { LOCAL_CREDENTIALS } from '../../../../../lib/local/local-aws';
import { startLocalEngine, type LocalEngine } from '../../../../../lib/local/local-engine';
import { SEED_PLANS_DIR } from '../../../../../lib/local/seed-plans';

describe('spend alerts from a replayed stream batch', () => {
  const now = () => new Date('2026-11-20T12:00:00Z');
  const dataDir = mkdtempSync(join(tmpdir(), 'outcome-engine-alert-replay-'));
  let engine: LocalEngine;
  let dynamoDb: DynamoDBClient;

  beforeAll(async () => {
    const suffix = randomUUID().slice(0, 8);
    // No stream reader: this test is the stream, batch by batch.
    engine = await startLocalEngine({
      port: 0,
      dynamoDbEndpoint: inject('dynamoDbEndpoint'),
      dataDir,
      inMemory: true,
      writeStateFile: false,
      usageRollups: false,
      ledgerTableName: `replay-ledger-${suffix}`,
      engineTableName: `replay-engine-${suffix}`,
      now,
    });
    dynamoDb = new DynamoDBClient({ endpoint: engine.dynamoDbEndpoint, region: engine.region, credentials: LOCAL_CREDENTIALS });
    const file = join(dataDir, 'acme.yaml');
    writeFileSync(file, `${readFileSync(join(SEED_PLANS_DIR, 'acme-contract.yaml'), 'utf8')}\nalerts:\n  usage:\n    - metric: resolutions\n      levels: [3]\n`, 'utf8');
    let stderr = '';
    const io: CliIo = { out: () => undefined, err: (text) => (stderr += text), env: {}, now };
    const code = await runCli(
      ['--endpoint', engine.dynamoDbEndpoint, '--ledger-table', engine.ledgerTableName, '--engine-table', engine.engineTableName, '--region', engine.region, 'contracts', 'load', file, '--no-announce'],
      io,
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
  }, 120_000);

  afterAll(async () => {
    dynamoDb?.destroy();
    await engine?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('publishes once although the first publish fails and the batch is delivered three times', async () => {
    for (let index = 0; index < 3; index += 1) {
      const body = JSON.stringify({
        version: '0',
        id: `evt-${index}`,
        'detail-type': 'Outcome Recorded',
        source: 'com.example.test',
        detail: { outcomeId: `r-${index}`, customerId: 'acme', metric: 'ticket.resolved', occurredAt: '2026-11-18T10:00:00Z' },
      });
      expect((await engine.ledgerService.ingestMessage({ body, messageId: `m-${index}` })).status).toBe('recorded');
    }
    const entries = (await Promise.all(['r-0', 'r-1', 'r-2'].map((id) => engine.ledgerService.repository.getOutcomeEntries(id)))).flat();
    const batch = {
      Records: entries.map((entry, index) => ({
        eventName: 'INSERT',
        eventSourceARN: 'arn:aws:dynamodb:local:000000000000:table/ledger/stream/replay',
        dynamodb: { SequenceNumber: String(1000 + index), NewImage: toLedgerItem(entry) },
      })),
    };

    const published: OutboundEvent[] = [];
    let failNext = true;
    const service = createUsageRollupService({ dynamoDb, engineTableName: engine.engineTableName, ledgerTableName: engine.ledgerTableName, progress: { kind: 'stored' } });
    const spendAlerts = {
      ...createSpendAlerts({ dynamoDb, engineTableName: engine.engineTableName, usage: service.reader, eventBridge: undefined as never, eventBusName: 'unused', now }),
      events: {
        publish: async (events: readonly OutboundEvent[]) => {
          if (failNext) {
            failNext = false;
            throw new InfrastructureError('the bus is unavailable', { operation: 'EventBridge PutEvents' });
          }
          published.push(...events);
        },
      },
    };
    const handler = createApplyLedgerChangesHandler(async () => ({ rollups: service.store, ledger: service.ledger, spendAlerts }));

    // First delivery: rollups applied, the marker claimed, the publish fails: the batch is reported failed.
    expect(await handler(batch)).toEqual({ batchItemFailures: [{ itemIdentifier: '1000' }] });
    expect(published).toEqual([]);
    const fired = new DynamoDbFiredAlertStore({ client: dynamoDb, tableName: engine.engineTableName });
    expect((await fired.listFired('ctr-acme-2026', '2026-11')).map((alert) => [alert.thresholdId, alert.published])).toEqual([['usage:resolutions:3', false]]);

    // Retry: the owed event is published; a third delivery publishes nothing more.
    expect(await handler(batch)).toEqual({ batchItemFailures: [] });
    expect(await handler(batch)).toEqual({ batchItemFailures: [] });
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({
      source: 'outcome-engine',
      detailType: 'Usage Threshold Reached',
      detail: { contractId: 'ctr-acme-2026', periodId: '2026-11', thresholdId: 'usage:resolutions:3', metric: 'resolutions', level: '3', quantity: '3' },
    });
    expect((await fired.listFired('ctr-acme-2026', '2026-11')).map((alert) => [alert.thresholdId, alert.published])).toEqual([['usage:resolutions:3', true]]);
  }, 120_000);
});

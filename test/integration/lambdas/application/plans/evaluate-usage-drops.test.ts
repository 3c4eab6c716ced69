// The daily usage-drop evaluation on the real DynamoDB Local: a contract with
// `alerts.usageDrop`, three busy days and a quiet one recorded through the
// ledger, usage read through the rollups, markers in the engine table, and a
// bus that fails once. 'Usage Dropped' is published exactly once per
// contract, metric and day: not lost when the publish fails, not repeated by
// later runs of the same day.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbFiredAlertStore } from '../../../../../lambdas/adapters/dynamodb/fired-alert-store';
import { InfrastructureError } from '../../../../../lambdas/application/errors';
import { evaluateUsageDrops } from '../../../../../lambdas/application/plans/evaluate-usage-drops';
import type { OutboundEvent } from '../../../../../lambdas/application/ports';
import { createUsageDropAlerts } from '../../../../../lambdas/composition/usage-drop-service';
import { createUsageRollupService } from '../../../../../lambdas/composition/usage-rollup-service';
import { LOCAL_CREDENTIALS } from '../../../../../lib/local/local-aws';
import { SEED_PLANS_DIR } from '../../../../../lib/local/seed-plans';
import { busEntry, localEngineHarness, manualClock } from '../../../../support/local-engine-harness';

describe('evaluateUsageDrops on DynamoDB Local', () => {
  const { now, setNow } = manualClock('2026-11-19T16:00:00Z');
  const harness = localEngineHarness({ name: 'usage-drop', now, engine: { billing: false, renewalRisk: false } });
  let engine: typeof harness.engine;
  let dynamoDb: DynamoDBClient;
  let sequence = 0;

  const resolved = (count: number, occurredAt: string) =>
    Array.from({ length: count }, () => {
      sequence += 1;
      return busEntry('Outcome Recorded', { outcomeId: `drop-${sequence}`, customerId: 'acme', metric: 'ticket.resolved', occurredAt });
    });

  beforeAll(async () => {
    await harness.start();
    engine = harness.engine;
    dynamoDb = new DynamoDBClient({ endpoint: engine.dynamoDbEndpoint, region: engine.region, credentials: LOCAL_CREDENTIALS });
    const file = harness.writeDataFile(
      'acme.yaml',
      `${readFileSync(join(SEED_PLANS_DIR, 'acme-contract.yaml'), 'utf8')}\nalerts:\n  usageDrop:\n    metric: resolutions\n    belowPercentOfBaseline: "50"\n    baselineDays: 3\n`,
    );
    const loaded = await harness.cli(['contracts', 'load', file, '--no-announce']);
    expect(loaded.stderr).toBe('');
    expect(loaded.code).toBe(0);
    // New York days: 10 resolutions on each of Nov 16, 17 and 18, then 4 on Nov 19 (below 50 % of 10).
    await harness.send([
      ...['2026-11-16', '2026-11-17', '2026-11-18'].flatMap((day) => resolved(10, `${day}T15:00:00Z`)),
      ...resolved(4, '2026-11-19T15:00:00Z'),
    ]);
    expect(await engine.ledgerService.repository.getOutcomeEntries(`drop-${sequence}`)).toHaveLength(1);
  }, 180_000);

  afterAll(async () => {
    dynamoDb?.destroy();
    await harness.stop();
  });

  it('measures nothing dropped before the quiet day is complete', async () => {
    const published: OutboundEvent[] = [];
    const service = createUsageRollupService({ dynamoDb, engineTableName: engine.engineTableName, ledgerTableName: engine.ledgerTableName, ledger: engine.ledgerService.repository, progress: { kind: 'stored' } });
    const deps = { ...createUsageDropAlerts({ dynamoDb, engineTableName: engine.engineTableName, usage: service.reader, eventBridge: undefined as never, eventBusName: 'unused', now }), events: { publish: async (events: readonly OutboundEvent[]) => void published.push(...events) } };
    // Nov 19, 16:00Z is 11:00 in New York: the last complete day is Nov 18, as busy as the baseline.
    expect(await evaluateUsageDrops(deps)).toEqual({ evaluated: 1, dropped: 0, published: 0, notEvaluated: [] });
    expect(published).toEqual([]);
  });

  it('publishes Usage Dropped once although the first publish fails and the day is evaluated three times', async () => {
    setNow('2026-11-20T12:00:00Z');
    const published: OutboundEvent[] = [];
    let failNext = true;
    const service = createUsageRollupService({ dynamoDb, engineTableName: engine.engineTableName, ledgerTableName: engine.ledgerTableName, ledger: engine.ledgerService.repository, progress: { kind: 'stored' } });
    const deps = {
      ...createUsageDropAlerts({ dynamoDb, engineTableName: engine.engineTableName, usage: service.reader, eventBridge: undefined as never, eventBusName: 'unused', now }),
      events: {
        publish: async (events: readonly OutboundEvent[]) => {
          if (failNext) {
            failNext = false;
            throw new InfrastructureError('PutEvents throttled', { operation: 'EventBridge PutEvents' });
          }
          published.push(...events);
        },
      },
    };
    await expect(evaluateUsageDrops(deps)).rejects.toThrow('PutEvents throttled');
    expect(published).toEqual([]);
    // The marker was claimed before the publish failed: the next run publishes what is owed.
    expect(await evaluateUsageDrops(deps)).toEqual({ evaluated: 1, dropped: 1, published: 1, notEvaluated: [] });
    expect(await evaluateUsageDrops(deps)).toEqual({ evaluated: 1, dropped: 1, published: 0, notEvaluated: [] });
    expect(published).toEqual([
      {
        source: 'outcome-engine',
        detailType: 'Usage Dropped',
        detail: {
          schemaVersion: 1,
          contractId: 'ctr-acme-2026',
          customerId: 'acme',
          periodId: '2026-11',
          thresholdId: 'usage-drop:resolutions:2026-11-19',
          asOf: '2026-11-20T12:00:00.000Z',
          metric: 'resolutions',
          day: '2026-11-19',
          dayQuantity: '4',
          baselineDailyAverage: '10',
          baselineDays: 3,
          belowPercentOfBaseline: '50',
        },
      },
    ]);
    const markers = await new DynamoDbFiredAlertStore({ client: dynamoDb, tableName: engine.engineTableName }).listFired('ctr-acme-2026', '2026-11');
    expect(markers.filter((marker) => marker.thresholdId.startsWith('usage-drop:')).map((marker) => [marker.thresholdId, marker.published])).toEqual([
      ['usage-drop:resolutions:2026-11-19', true],
    ]);
  });
});

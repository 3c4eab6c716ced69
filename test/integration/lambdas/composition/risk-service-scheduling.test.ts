// The risk service's own scheduling path (the one the local engine and the
// schedule-renewal-checks route use) on DynamoDB Local: a contract that
// follows its plan's checkpoint days gets schedules at exactly those days.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbPlanStore } from '../../../../lambdas/adapters/dynamodb/plan-store';
import { InMemoryCheckpointScheduler } from '../../../../lib/local/in-memory-checkpoint-scheduler';
import { createRiskService } from '../../../../lambdas/composition/risk-service';
import { PlanSchema } from '../../../../lambdas/domain/plans/plan-schema';
import { SEED_PLANS_DIR } from '../../../../lib/local/seed-plans';
import { createTestTables, type TestTables } from '../../../support/dynamodb';
import { riskContract } from '../../../support/risk-test-kit';

describe('risk service scheduling with plan checkpoint days (DynamoDB Local)', () => {
  let tables: TestTables;
  const eventBridge = new EventBridgeClient({ region: 'us-east-1' });

  beforeAll(async () => {
    tables = await createTestTables('risk-plan-days');
    const plan = parse(readFileSync(join(SEED_PLANS_DIR, 'support-automation.yaml'), 'utf8')) as { versions: Record<string, unknown>[] };
    const store = new DynamoDbPlanStore({ client: tables.client, tableName: tables.engineTableName });
    // The plan's own days on every version: the term's last day decides which version counts.
    await store.putPlan(PlanSchema.parse({ ...plan, versions: plan.versions.map((version) => ({ ...version, renewalCheckpointsDays: [75, 20] })) }));
    await store.putContract(riskContract({ contractId: 'ctr-plan-days' }), new Date('2026-01-01T00:00:00Z'));
    await store.putContract(riskContract({ contractId: 'ctr-own-days', renewalCheckpointsDays: [45] }), new Date('2026-01-01T00:00:00Z'));
  });
  afterAll(async () => {
    eventBridge.destroy();
    await tables.destroy();
  });

  it("plans a contract's checks at its plan's days, and a contract's own days over them", async () => {
    const scheduler = new InMemoryCheckpointScheduler();
    const risk = createRiskService({
      dynamoDb: tables.client,
      engineTableName: tables.engineTableName,
      ledger: { getUsage: () => Promise.reject(new Error('not read')), listNetOutcomes: () => Promise.reject(new Error('not read')) },
      eventBridge,
      eventBusName: 'unused',
      scheduler,
      now: () => new Date('2026-06-01T00:00:00Z'),
    });

    await risk.scheduleRenewalChecks({ change: 'created', contractId: 'ctr-plan-days' });
    await risk.scheduleRenewalChecks({ change: 'created', contractId: 'ctr-own-days' });

    expect(scheduler.list().map((schedule) => [schedule.scheduleName, schedule.fireAt])).toEqual([
      ['rr.ctr-plan-days.2026-01-01.75d', '2026-10-18T09:00:00.000Z'],
      ['rr.ctr-own-days.2026-01-01.45d', '2026-11-17T09:00:00.000Z'],
      ['rr.ctr-plan-days.2026-01-01.20d', '2026-12-12T09:00:00.000Z'],
    ]);
  });
});

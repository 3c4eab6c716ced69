// Contract changes become schedules, on the real DynamoDB Local: the
// load-plans Lambda stores contracts and announces 'Contract Changed'; a bus
// stand-in routes each event with the stack's own routing table to the
// schedule-period-closes and schedule-renewal-checks handlers, which keep
// their schedules (in memory here; the Scheduler commands themselves are
// covered in test/unit/schedules) in step. Re-running a load makes no
// duplicates; a failed announcement is made by the re-run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbContractChangeOutbox } from '../../../../../lambdas/adapters/dynamodb/contract-change-outbox';
import { DynamoDbPlanStore } from '../../../../../lambdas/adapters/dynamodb/plan-store';
import { InMemoryCheckpointScheduler } from '../../../../../lib/local/in-memory-checkpoint-scheduler';
import { InMemoryPeriodCloseScheduler } from '../../../../../lib/local/in-memory-period-close-scheduler';
import type { EventPublisher, OutboundEvent } from '../../../../../lambdas/application/ports';
import { ENGINE_EVENT_SOURCE } from '../../../../../lambdas/domain/events/detail-types';
import { scheduleRenewalChecks } from '../../../../../lambdas/application/risk/schedule-renewal-checks';
import { DEFAULT_RENEWAL_RISK_SETTINGS } from '../../../../../lambdas/application/risk/risk-settings';
import { createLoadPlansHandler, type LoadPlansResponse } from '../../../../../lambdas/handlers/load-plans';
import { createSchedulePeriodClosesHandler } from '../../../../../lambdas/handlers/schedule-period-closes';
import { createScheduleRenewalChecksHandler } from '../../../../../lambdas/handlers/schedule-renewal-checks';
import { matchesEventPattern } from '../../../../../lib/local/event-pattern';
import { createLambdaContext } from '../../../../../lib/local/lambda-context';
import { SEED_PLANS_DIR } from '../../../../../lib/local/seed-plans';
import { ROUTES } from '../../../../../lib/routing/routing-table';
import { createTestTables, type TestTables } from '../../../../support/dynamodb';

const seed = (name: string) => parse(readFileSync(join(SEED_PLANS_DIR, name), 'utf8')) as Record<string, unknown>;
const context = () => createLambdaContext({ functionName: 'load-plans', timeoutMs: 30_000, region: 'us-east-1', accountId: '000000000000' });
const NOW = new Date('2026-06-10T12:00:00Z');

/** Delivers each accepted event to the routes whose pattern matches it, as EventBridge does. */
class RoutingBus implements EventPublisher {
  readonly delivered: { route: string; detail: Record<string, unknown> }[] = [];
  failNext = 0;
  constructor(private readonly targets: Record<string, (event: unknown) => Promise<unknown>>) {}

  async publish(events: readonly OutboundEvent[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw Object.assign(new Error('EventBridge PutEvents refused 1 of 1 event(s): ThrottlingException'), { name: 'InfrastructureError' });
    }
    for (const event of events) {
      const envelope = { version: '0', id: 'evt', source: ENGINE_EVENT_SOURCE, 'detail-type': event.detailType, detail: event.detail };
      for (const route of ROUTES.filter((r) => matchesEventPattern(r.eventPattern, envelope))) {
        const target = this.targets[route.target.handler];
        if (!target) throw new Error(`no target for ${route.target.handler}`);
        await target(envelope);
        this.delivered.push({ route: route.id, detail: { ...event.detail } });
      }
    }
  }
}

describe('contract changes to schedules (DynamoDB Local)', () => {
  let tables: TestTables;
  let store: DynamoDbPlanStore;
  let closes: InMemoryPeriodCloseScheduler;
  let checkpoints: InMemoryCheckpointScheduler;
  let bus: RoutingBus;
  let load: (event: unknown) => Promise<LoadPlansResponse>;

  beforeAll(async () => {
    tables = await createTestTables('contract-schedules');
    store = new DynamoDbPlanStore({ client: tables.client, tableName: tables.engineTableName });
  });

  beforeEach(async () => {
    closes = new InMemoryPeriodCloseScheduler();
    checkpoints = new InMemoryCheckpointScheduler();
    const renewalDeps = { scheduler: checkpoints, contracts: store, plans: store, settings: DEFAULT_RENEWAL_RISK_SETTINGS, clock: () => NOW };
    bus = new RoutingBus({
      'schedule-period-closes': createSchedulePeriodClosesHandler(async () => ({ scheduler: closes, contracts: store, clock: () => NOW, graceHours: 24 })),
      'schedule-renewal-checks': createScheduleRenewalChecksHandler(async () => (change) => scheduleRenewalChecks(renewalDeps, change)),
    });
    const outbox = new DynamoDbContractChangeOutbox({ client: tables.client, tableName: tables.engineTableName });
    const handler = createLoadPlansHandler({ store: () => store, events: () => bus, outbox: () => outbox, now: () => NOW });
    load = (event) => handler(event, context());
  });

  afterAll(async () => {
    await tables?.destroy();
  });

  const closeNames = () => closes.list().map((c) => `${c.periodId}@${c.closeAt}`);
  const checkNames = () => checkpoints.list().map((c) => `${c.payload.checkpointDays}d@${c.fireAt}`);

  it('loads a contract: one event, each route once, closes and checkpoints scheduled; a re-run adds nothing', async () => {
    const { kind: _plan, ...plan } = seed('support-automation.yaml');
    const { kind: _contract, ...acme } = seed('acme-contract.yaml');
    const first = await load({ plans: [plan], contracts: [acme] });
    expect(first.ok).toBe(true);
    expect('items' in first && first.items.find((i) => i.kind === 'contract')).toMatchObject({ status: 'created', announced: 'created' });
    expect(bus.delivered.map((d) => `${d.route}:${String(d.detail['change'])}`)).toEqual(['PeriodCloseSchedules:created', 'RenewalCheckSchedules:created']);

    // Monthly on the 15th in New York; the June period (May 15..June 15) closes June 16 04:00Z (midnight EDT + 24 h).
    expect(closeNames()).toEqual([
      '2026-05@2026-06-16T04:00:00.000Z',
      '2026-06@2026-07-16T04:00:00.000Z',
      '2026-07@2026-08-16T04:00:00.000Z',
      '2026-08@2026-09-16T04:00:00.000Z',
      '2026-09@2026-10-16T04:00:00.000Z',
      '2026-10@2026-11-16T05:00:00.000Z', // New York is back on EST from November 1
      '2026-11@2026-12-16T05:00:00.000Z',
      '2026-12@2027-01-16T05:00:00.000Z',
    ]);
    // Term ends 2027-01-15: checks at 09:00 New York time, 180/120/90/60/30 days before.
    expect(checkNames()).toEqual(['180d@2026-07-19T13:00:00.000Z', '120d@2026-09-17T13:00:00.000Z', '90d@2026-10-17T13:00:00.000Z', '60d@2026-11-16T14:00:00.000Z', '30d@2026-12-16T14:00:00.000Z']);

    const rerun = await load({ plans: [plan], contracts: [acme] });
    expect('items' in rerun && rerun.items.find((i) => i.kind === 'contract')).toEqual({ kind: 'contract', id: 'ctr-acme-2026', status: 'unchanged', revision: 1 });
    expect(bus.delivered).toHaveLength(2);
    expect(closes.list()).toHaveLength(8);
    expect(checkpoints.list()).toHaveLength(5);
  });

  it('contract checkpoint days and a billing change move the schedules; a cancellation removes the later ones', async () => {
    const { kind: _contract, ...acme } = seed('acme-contract.yaml');
    const contract = { ...acme, contractId: 'ctr-moving' };
    await load({ contracts: [contract] });
    expect(checkpoints.list()).toHaveLength(5);
    const monthly = closes.list().map((c) => c.periodId);
    // Schedules of the old monthly setup stay (Scheduler cannot list them by contract) and are skipped when they fire.
    const quarterlyCloses = () => closes.list().map((c) => c.periodId).filter((periodId) => !monthly.includes(periodId));

    await load({ contracts: [{ ...contract, renewalCheckpointsDays: [45], billingPeriod: { cadence: 'quarterly', anchorDay: 15 } }] });
    expect(bus.delivered.at(-1)?.detail).toMatchObject({ change: 'updated', fields: ['billingPeriod', 'renewalCheckpointsDays'], revision: 2 });
    expect(checkNames()).toEqual(['45d@2026-12-01T14:00:00.000Z']);
    expect(quarterlyCloses()).toEqual(['2026-Q2', '2026-Q3', '2026-Q4']);
    expect(closes.list()).toHaveLength(monthly.length + 3);

    await load({ contracts: [{ ...contract, renewalCheckpointsDays: [45], billingPeriod: { cadence: 'quarterly', anchorDay: 15 }, cancelledOn: '2026-09-01' }] });
    expect(bus.delivered.at(-1)?.detail).toMatchObject({ change: 'cancelled', cancelledOn: '2026-09-01', checkpointsDays: [45] });
    expect(checkpoints.list()).toEqual([]);
    // Q3 (from July 15) holds the cancellation day: it is the final billed period.
    expect(quarterlyCloses()).toEqual(['2026-Q2', '2026-Q3']);
  });

  it('a failed announcement fails the load; the re-run announces the stored change from the outbox', async () => {
    const { kind: _contract, ...acme } = seed('acme-contract.yaml');
    const contract = { ...acme, contractId: 'ctr-flaky' };
    bus.failNext = 1;
    await expect(load({ contracts: [contract] })).rejects.toThrow(/PutEvents refused/);
    expect(closes.list()).toEqual([]);
    expect((await store.getStoredContract('ctr-flaky'))?.revision).toBe(1);

    const rerun = await load({ contracts: [contract] });
    expect('items' in rerun && rerun.items[0]).toEqual({ kind: 'contract', id: 'ctr-flaky', status: 'unchanged', revision: 1, announced: 'created' });
    expect(closes.list()).toHaveLength(8);
    expect(checkpoints.list()).toHaveLength(5);
    await load({ contracts: [contract] });
    expect(bus.delivered.filter((d) => d.detail['contractId'] === 'ctr-flaky')).toHaveLength(2);
  });
});

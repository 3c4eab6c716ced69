// loadContracts announces every stored contract change as 'Contract Changed',
// before it reports the item loaded; a failed announcement throws, and the
// re-run announces what the failed run stored (the outbox), exactly once.
import { describe, expect, it } from 'vitest';
import { InMemoryContractChangeOutbox } from '../../../../support/fakes/in-memory-contract-change-outbox';
import { loadContracts, loadPlans } from '../../../../../lambdas/application/plans/load-plans';
import type { PutContractResult } from '../../../../../lambdas/application/plans/ports';
import { InMemoryPlanStore } from '../../../../support/fakes/in-memory-plan-store';
import type { EventPublisher, OutboundEvent } from '../../../../../lambdas/application/ports';
import { ContractSchema, type Contract } from '../../../../../lambdas/domain/plans/contract-schema';
import { PlanSchema } from '../../../../../lambdas/domain/plans/plan-schema';

/** The shared fake, with a storage failure on the next contract write when asked. */
class MemoryPlanStore extends InMemoryPlanStore {
  failNextPut = false;

  override async putContract(contract: Contract, now: Date): Promise<PutContractResult> {
    if (this.failNextPut) {
      this.failNextPut = false;
      throw new Error('DynamoDB unavailable');
    }
    return super.putContract(contract, now);
  }
}

class RecordingPublisher implements EventPublisher {
  readonly events: OutboundEvent[] = [];
  failNext = 0;
  async publish(events: readonly OutboundEvent[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw Object.assign(new Error('EventBridge PutEvents refused 1 of 1 event(s)'), { name: 'InfrastructureError', retryable: true });
    }
    this.events.push(...events);
  }
  changes(): string[] {
    return this.events.map((event) => `${String(event.detail['change'])}#${String(event.detail['revision'])}`);
  }
}

const PLAN = PlanSchema.parse({
  kind: 'plan',
  code: 'support',
  name: 'Support',
  currency: 'EUR',
  versions: [{ version: 1, effectiveFrom: '2025-01-01', charges: [{ id: 'platform', name: 'Platform', model: 'flat', amount: '100.00' }], renewalCheckpointsDays: [90, 30] }],
});

function contract(overrides: Record<string, unknown> = {}): Contract {
  return ContractSchema.parse({
    kind: 'contract',
    contractId: 'ctr-1',
    customerId: 'acme',
    plan: { code: 'support', version: 1 },
    termStart: '2026-01-01',
    termEnd: '2027-01-01',
    billingPeriod: { cadence: 'monthly' },
    timeZone: 'Europe/Berlin',
    currency: 'EUR',
    ...overrides,
  });
}

async function setup() {
  const store = new MemoryPlanStore();
  await loadPlans({ store }, [PLAN]);
  const events = new RecordingPublisher();
  const outbox = new InMemoryContractChangeOutbox();
  const deps = { store, events, outbox, now: () => new Date('2026-06-01T00:00:00Z') };
  return { store, events, outbox, deps };
}

describe('loadContracts announcing contract changes', () => {
  it('announces a created contract once, and nothing for an unchanged reload', async () => {
    const { events, outbox, deps } = await setup();
    const first = await loadContracts(deps, [contract()]);
    expect(first.items).toEqual([{ kind: 'contract', id: 'ctr-1', status: 'created', revision: 1, announced: 'created' }]);
    expect(events.events).toEqual([
      {
        detailType: 'Contract Changed',
        detail: { schemaVersion: 1, contractId: 'ctr-1', change: 'created', termId: '2026-01-01', revision: 1 },
      },
    ]);
    const again = await loadContracts(deps, [contract()]);
    expect(again.items).toEqual([{ kind: 'contract', id: 'ctr-1', status: 'unchanged', revision: 1 }]);
    expect(events.events).toHaveLength(1);
    expect(outbox.list()).toEqual([]);
  });

  it('announces each kind with what the schedulers need to clean up (plan-level checkpoint days included)', async () => {
    const { events, deps } = await setup();
    await loadContracts(deps, [contract()]);
    await loadContracts(deps, [contract({ billingPeriod: { cadence: 'quarterly' } })]);
    await loadContracts(deps, [contract({ billingPeriod: { cadence: 'quarterly' }, termEnd: '2027-03-01' })]);
    await loadContracts(deps, [contract({ billingPeriod: { cadence: 'quarterly' }, termStart: '2027-03-01', termEnd: '2028-03-01' })]);
    await loadContracts(deps, [contract({ billingPeriod: { cadence: 'quarterly' }, termStart: '2027-03-01', termEnd: '2028-03-01', cancelledOn: '2027-09-01' })]);
    expect(events.changes()).toEqual(['created#1', 'updated#2', 'term_changed#3', 'renewed#4', 'cancelled#5']);
    expect(events.events[1]?.detail).toMatchObject({ fields: ['billingPeriod'], previousCheckpointsDays: [90, 30] });
    expect(events.events[3]?.detail).toMatchObject({ previousTermId: '2026-01-01', termId: '2027-03-01' });
    expect(events.events[4]?.detail).toMatchObject({ termId: '2027-03-01', cancelledOn: '2027-09-01', checkpointsDays: [90, 30] });
  });

  it('a failed announcement throws; the re-run (contract now unchanged) announces the stored change once', async () => {
    const { store, events, outbox, deps } = await setup();
    events.failNext = 1;
    await expect(loadContracts(deps, [contract()])).rejects.toThrow(/PutEvents refused/);
    // Stored, not announced: the outbox holds the change for revision 1.
    expect((await store.getStoredContract('ctr-1'))?.revision).toBe(1);
    expect(outbox.list().map((p) => [p.revision, p.change.change])).toEqual([[1, 'created']]);

    const rerun = await loadContracts(deps, [contract()]);
    expect(rerun.items).toEqual([{ kind: 'contract', id: 'ctr-1', status: 'unchanged', revision: 1, announced: 'created' }]);
    expect(events.changes()).toEqual(['created#1']);
    expect(outbox.list()).toEqual([]);
    await loadContracts(deps, [contract()]);
    expect(events.changes()).toEqual(['created#1']);
  });

  it('a change left unannounced goes out before the next one, so its clean-up is not lost', async () => {
    const { events, deps } = await setup();
    await loadContracts(deps, [contract()]);
    events.failNext = 1;
    await expect(loadContracts(deps, [contract({ termStart: '2027-01-01', termEnd: '2028-01-01' })])).rejects.toThrow();
    await loadContracts(deps, [contract({ termStart: '2027-01-01', termEnd: '2028-01-01', timeZone: 'UTC' })]);
    expect(events.changes()).toEqual(['created#1', 'renewed#2', 'updated#3']);
  });

  it('a failed write announces nothing and leaves no stale announcement behind', async () => {
    const { store, events, outbox, deps } = await setup();
    store.failNextPut = true;
    await expect(loadContracts(deps, [contract()])).rejects.toThrow('DynamoDB unavailable');
    expect(events.events).toEqual([]);
    // The recorded change belongs to revision 1, which the re-run writes and announces itself.
    await loadContracts(deps, [contract()]);
    expect(events.changes()).toEqual(['created#1']);
    expect(outbox.list()).toEqual([]);
  });

  it('refused contracts are reported and never announced', async () => {
    const { events, deps } = await setup();
    const result = await loadContracts(deps, [contract({ plan: { code: 'unknown-plan', version: 1 } })]);
    expect(result.items[0]).toMatchObject({ status: 'failed', code: expect.any(String) });
    expect(events.events).toEqual([]);
  });

  it('a new plan version that moves the checkpoint days announces the contracts that follow the plan', async () => {
    const { events, outbox, deps } = await setup();
    await loadContracts(deps, [contract({ plan: { code: 'support', version: 'latest' } }), contract({ contractId: 'ctr-own', plan: { code: 'support', version: 'latest' }, renewalCheckpointsDays: [10] })]);
    const v2 = PlanSchema.parse({
      ...PLAN,
      versions: [...PLAN.versions, { version: 2, effectiveFrom: '2026-06-01', charges: PLAN.versions[0]!.charges, renewalCheckpointsDays: [60] }],
    });
    events.failNext = 1;
    await expect(loadPlans(deps, [v2])).rejects.toThrow(/PutEvents refused/);
    await loadPlans(deps, [v2]);
    // ctr-own keeps its own days: not announced. The failed announcement is made once, by the re-run.
    expect(events.events.map((e) => [e.detail['contractId'], e.detail['change']])).toEqual([
      ['ctr-1', 'created'],
      ['ctr-own', 'created'],
      ['ctr-1', 'updated'],
    ]);
    expect(events.events[2]?.detail).toMatchObject({ fields: ['renewalCheckpointsDays'], previousCheckpointsDays: [90, 30], revision: 1 });
    expect(outbox.list()).toEqual([]);
  });
});

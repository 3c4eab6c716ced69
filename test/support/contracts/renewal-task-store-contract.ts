import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RenewalTask, RenewalTaskStore, StoredAssessment } from '../../../lambdas/application/risk/ports';
import { TaskVersionConflictError } from '../../../lambdas/application/risk/risk-errors';

// What every RenewalTaskStore must do, run against the DynamoDB store and the
// in-memory fake alike, so the fake the use-case tests rely on cannot drift.

export interface StoreUnderTest<S> {
  readonly store: S;
  readonly destroy?: () => Promise<void>;
}

export function task(overrides: Partial<RenewalTask> & Pick<RenewalTask, 'contractId' | 'checkpointDays'>): RenewalTask {
  const termId = overrides.termId ?? '2026';
  return {
    key: `${overrides.contractId}#${termId}#${overrides.checkpointDays}d`,
    id: `${overrides.contractId}#${termId}#${overrides.checkpointDays}d`,
    customerId: 'cust-1',
    termId,
    owner: 'dana@vendor.example',
    ownerIsFallback: false,
    dueDate: '2026-10-20',
    priority: { rank: 'P2', currency: 'USD', revenueAtRiskMinor: '6000000', expectedRevenueAtRiskMinor: '3120000', riskScore: 52 },
    tier: 'at_risk',
    score: 52,
    reasons: [],
    valueSummary: { currency: 'USD', outcomes: [], valuePerUnitOfPrice: '2.37', sentence: '2.37 of value for each 1 paid' },
    staleData: false,
    assessedAt: '2026-10-15T12:00:00.000Z',
    termEnd: '2027-01-01',
    timeZone: 'America/New_York',
    status: 'open',
    version: 1,
    createdAt: '2026-10-15T12:00:00.000Z',
    updatedAt: '2026-10-15T12:00:00.000Z',
    escalations: [],
    ...overrides,
  };
}

export function describeRenewalTaskStoreContract(name: string, create: () => Promise<StoreUnderTest<RenewalTaskStore>>): void {
  describe(`RenewalTaskStore contract: ${name}`, () => {
    let subject: StoreUnderTest<RenewalTaskStore>;
    let store: RenewalTaskStore;

    beforeEach(async () => {
      subject = await create();
      store = subject.store;
    });
    afterEach(async () => {
      await subject.destroy?.();
    });

    it('creates a task once and hands back the stored one on a second create', async () => {
      const first = task({ contractId: 'c-1', checkpointDays: 90 });
      expect(await store.createTask(first)).toEqual({ created: true, task: first });
      const again = await store.createTask({ ...first, owner: 'someone-else@vendor.example' });
      expect(again.created).toBe(false);
      expect(again.task.owner).toBe('dana@vendor.example');
      expect(await store.getTask(first.id)).toEqual(first);
    });

    it('answers undefined for a task never stored or an id it cannot parse', async () => {
      expect(await store.getTask('c-9#2026#90d')).toBeUndefined();
      expect(await store.getTask('not-a-task-id')).toBeUndefined();
    });

    it('updates only from the version read, and refuses a stale one with a typed conflict', async () => {
      const created = task({ contractId: 'c-1', checkpointDays: 60 });
      await store.createTask(created);
      const acknowledged: RenewalTask = { ...created, status: 'acknowledged', version: 2 };
      await store.updateTask(acknowledged);
      await expect(store.updateTask({ ...created, status: 'resolved', version: 2 })).rejects.toBeInstanceOf(TaskVersionConflictError);
      expect((await store.getTask(created.id))?.status).toBe('acknowledged');
    });

    it("lists a term's tasks in checkpoint order and filters listings by owner, status and due date", async () => {
      await store.createTask(task({ contractId: 'c-1', checkpointDays: 60, dueDate: '2026-11-20' }));
      await store.createTask(task({ contractId: 'c-1', checkpointDays: 120, dueDate: '2026-09-01' }));
      await store.createTask(task({ contractId: 'c-1', checkpointDays: 30, termId: '2027', dueDate: '2027-11-01' }));
      await store.createTask(task({ contractId: 'c-2', checkpointDays: 90, dueDate: '2026-10-01', owner: 'lee@vendor.example', status: 'resolved' }));

      expect((await store.listTermTasks('c-1', '2026')).map((t) => t.checkpointDays)).toEqual([120, 60]);
      expect((await store.listTasks({ contractId: 'c-1' })).map((t) => t.id)).toEqual(['c-1#2026#120d', 'c-1#2026#60d', 'c-1#2027#30d']);
      expect((await store.listTasks({ dueBefore: '2026-11-01' })).map((t) => t.id)).toEqual(['c-1#2026#120d', 'c-2#2026#90d']);
      expect((await store.listTasks({ owner: 'lee@vendor.example' })).map((t) => t.id)).toEqual(['c-2#2026#90d']);
      expect((await store.listTasks({ statuses: ['open'], dueBefore: '2026-12-31' })).map((t) => t.id)).toEqual(['c-1#2026#120d', 'c-1#2026#60d']);
    });

    it('keeps the latest assessment per checkpoint and the renewal result per term', async () => {
      const assessment: StoredAssessment = {
        contractId: 'c-1',
        termId: '2026',
        checkpointDays: 90,
        assessedAt: '2026-10-01T00:00:00.000Z',
        tier: 'watch',
        score: 30,
        staleData: false,
      };
      await store.putAssessment(assessment);
      await store.putAssessment({ ...assessment, tier: 'at_risk', score: 55 });
      await store.putAssessment({ ...assessment, checkpointDays: 120, score: 10, tier: 'healthy' });
      expect((await store.listAssessments('c-1', '2026')).map((a) => [a.checkpointDays, a.score])).toEqual([
        [120, 10],
        [90, 55],
      ]);
      expect(await store.listAssessments('c-2')).toEqual([]);

      const result = { contractId: 'c-1', termId: '2026', termEnd: '2027-01-01', timeZone: 'UTC', result: 'renewed' as const, recordedAt: '2027-01-02T00:00:00.000Z' };
      await store.putRenewalResult(result);
      expect(await store.getRenewalResult('c-1', '2026')).toEqual(result);
      expect(await store.getRenewalResult('c-1', '2027')).toBeUndefined();
      expect(await store.listRenewalResults()).toEqual([result]);
    });
  });
}

// A renewal task's history and owner on the real DynamoDB Local: later
// checkpoints re-assess the open task (latest tier on the task, worst kept in
// the history), and a change of CSM moves the open task to the new owner.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbRenewalTaskStore } from '../../../../../lambdas/adapters/dynamodb/task-store';
import { checkRenewalRisk, type CheckRenewalRiskDeps } from '../../../../../lambdas/application/risk/check-renewal-risk';
import { listRenewalTasks } from '../../../../../lambdas/application/risk/manage-renewal-tasks';
import type { RenewalTask } from '../../../../../lambdas/application/risk/ports';
import { reassignRenewalTasks } from '../../../../../lambdas/application/risk/reassign-renewal-tasks';
import { worstAssessment } from '../../../../../lambdas/domain/risk/task-history';
import { createTestTables, type TestTables } from '../../../../support/dynamodb';
import { HEALTHY_SPRING, RecordingBus, SETTINGS, ScriptedUsage, TERM_ID, payload, riskContract } from '../../../../support/risk-test-kit';
import { singleRevisionContracts } from '../../../../support/fakes/single-revision-contracts';

describe('renewal task history and owner on DynamoDB Local', () => {
  let tables: TestTables;
  let store: DynamoDbRenewalTaskStore;
  let usage: ScriptedUsage;
  let bus: RecordingBus;
  let nowIso: string;
  let deps: CheckRenewalRiskDeps;
  let contractId: string;
  let counter = 0;

  beforeAll(async () => {
    tables = await createTestTables('risk-history');
    store = new DynamoDbRenewalTaskStore({ client: tables.client, tableName: tables.engineTableName });
  });
  afterAll(async () => tables.destroy());

  beforeEach(() => {
    counter += 1;
    contractId = `ctr-history-${counter}`;
    const contract = riskContract({ contractId, csmOwner: 'ana@acme.test' });
    usage = new ScriptedUsage();
    bus = new RecordingBus();
    deps = {
      contracts: singleRevisionContracts((id) => (id === contractId ? contract : undefined)),
      tasks: store,
      events: bus,
      usage,
      settings: SETTINGS,
      clock: () => new Date(nowIso),
    };
  });

  async function openTaskAt120(): Promise<RenewalTask> {
    usage.set({ ...HEALTHY_SPRING, '2026-07-01': '600', '2026-08-01': '400' }, '2026-08-20T10:00:00Z');
    nowIso = '2026-09-03T09:00:00.000Z';
    const result = await checkRenewalRisk(deps, payload(120, contractId));
    if (result.outcome !== 'checked' || !result.task) throw new Error('expected a task at 120 days');
    return result.task;
  }

  it('shows the latest assessment on the task and keeps the worst in its history', async () => {
    await openTaskAt120();
    usage.set({ '2026-09-01': '200' }, '2026-09-20T10:00:00Z');
    nowIso = '2026-10-03T09:00:00.000Z';
    const escalated = await checkRenewalRisk(deps, payload(90, contractId));
    expect(escalated.outcome === 'checked' && escalated.decision.action).toBe('escalate');

    // October recovers a little: still at risk, no longer critical.
    usage.set({ '2026-10-01': '300' }, '2026-10-30T10:00:00Z');
    nowIso = '2026-11-02T09:00:00.000Z';
    const later = await checkRenewalRisk(deps, payload(60, contractId));
    const again = await checkRenewalRisk(deps, payload(60, contractId));
    if (later.outcome !== 'checked' || again.outcome !== 'checked') throw new Error('expected checks');
    expect(later.decision.action).toBe('reassess');
    expect(later.assessment.tier).not.toBe('critical');
    expect(again.decision).toMatchObject({ action: 'none', why: 'open_task_current' });

    const task = (await store.getTask(`${contractId}#${TERM_ID}#120d`)) as RenewalTask;
    expect(task).toMatchObject({ status: 'open', tier: later.assessment.tier, score: later.assessment.score });
    expect(task.history?.map((entry) => [entry.kind, 'checkpointDays' in entry ? entry.checkpointDays : undefined])).toEqual([
      ['created', 120],
      ['escalated', 90],
      ['reassessed', 60],
    ]);
    expect(worstAssessment(task.history ?? [])).toMatchObject({ kind: 'escalated', tier: 'critical' });
    // Re-assessing is not announced: only creation and escalation are.
    expect(bus.types()).toEqual(['Renewal Risk Task Created', 'Renewal Risk Escalated']);
  });

  it('moves the open task to the new CSM once, records it and announces it', async () => {
    const created = await openTaskAt120();
    expect(created.owner).toBe('ana@acme.test');
    const changed = riskContract({ contractId, csmOwner: 'bo@acme.test' });
    nowIso = '2026-09-10T12:00:00.000Z';
    const owners = { tasks: store, events: bus, clock: () => new Date(nowIso), fallbackOwner: 'renewals-queue' };

    const moved = await reassignRenewalTasks(owners, changed);
    const repeated = await reassignRenewalTasks(owners, changed);

    expect(moved.map((task) => task.owner)).toEqual(['bo@acme.test']);
    expect(repeated).toEqual([]);
    const [task] = await listRenewalTasks(deps, { owner: 'bo@acme.test', contractId });
    expect(task).toMatchObject({ id: created.id, owner: 'bo@acme.test', ownerIsFallback: false });
    expect(task?.history?.at(-1)).toEqual({ kind: 'reassigned', at: nowIso, fromOwner: 'ana@acme.test', toOwner: 'bo@acme.test' });
    expect(await listRenewalTasks(deps, { owner: 'ana@acme.test', contractId })).toEqual([]);
    expect(bus.types()).toEqual(['Renewal Risk Task Created', 'Renewal Risk Task Reassigned']);
    expect(bus.events[1]?.detail).toMatchObject({ taskId: created.id, fromOwner: 'ana@acme.test', toOwner: 'bo@acme.test', owner: 'bo@acme.test' });

    // A contract with no CSM any more sends it to the fallback queue.
    await reassignRenewalTasks(owners, riskContract({ contractId }));
    expect((await store.getTask(created.id))?.owner).toBe('renewals-queue');
  });
});

// The renewal-risk check against the real DynamoDB Local: one task per
// (contract, term, checkpoint) under repeated and concurrent runs, escalation
// when risk rises, resolution when it clears, and the events each change owes.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbRenewalTaskStore } from '../../../../../lambdas/adapters/dynamodb/task-store';
import { checkRenewalRisk, type CheckRenewalRiskDeps } from '../../../../../lambdas/application/risk/check-renewal-risk';
import { acknowledgeRenewalTask, listRenewalTasks, resolveRenewalTask } from '../../../../../lambdas/application/risk/manage-renewal-tasks';
import { backtestRenewalRisk } from '../../../../../lambdas/application/risk/backtest-renewal-risk';
import type { RenewalTask } from '../../../../../lambdas/application/risk/ports';
import { TaskStateError, TaskVersionConflictError } from '../../../../../lambdas/application/risk/risk-errors';
import { createTestTables, type TestTables } from '../../../../support/dynamodb';
import { HEALTHY_SPRING, RecordingBus, SETTINGS, ScriptedUsage, TERM_ID, payload, riskContract } from '../../../../support/risk-test-kit';
import { singleRevisionContracts } from '../../../../support/fakes/single-revision-contracts';

describe('checkRenewalRisk on DynamoDB Local', () => {
  let tables: TestTables;
  let store: DynamoDbRenewalTaskStore;
  let usage: ScriptedUsage;
  let bus: RecordingBus;
  let nowIso: string;
  let deps: CheckRenewalRiskDeps;
  let contractId: string;
  let counter = 0;

  beforeAll(async () => {
    tables = await createTestTables('risk');
    store = new DynamoDbRenewalTaskStore({ client: tables.client, tableName: tables.engineTableName });
  });
  afterAll(async () => tables.destroy());

  beforeEach(() => {
    counter += 1;
    contractId = `ctr-risk-${counter}`;
    const contract = riskContract({ contractId });
    usage = new ScriptedUsage();
    bus = new RecordingBus();
    nowIso = '2026-09-03T09:00:00.000Z';
    deps = {
      contracts: singleRevisionContracts((id) => (id === contractId ? contract : undefined)),
      tasks: store,
      events: bus,
      usage,
      settings: SETTINGS,
      clock: () => new Date(nowIso),
    };
  });

  /** Summer drop: at risk at the 120-day checkpoint (2026-09-03). */
  function summerDrop(): void {
    usage.set({ ...HEALTHY_SPRING, '2026-07-01': '600', '2026-08-01': '400' }, '2026-08-20T10:00:00Z');
  }

  async function at120(): Promise<void> {
    summerDrop();
    nowIso = '2026-09-03T09:00:00.000Z';
    const result = await checkRenewalRisk(deps, payload(120, contractId));
    expect(result.outcome === 'checked' && result.decision.action).toBe('create');
  }

  it('creates one task at the checkpoint, however often the check runs', async () => {
    summerDrop();
    const first = await checkRenewalRisk(deps, payload(120, contractId));
    const second = await checkRenewalRisk(deps, payload(120, contractId));
    const third = await checkRenewalRisk(deps, payload(120, contractId));

    expect(first.outcome).toBe('checked');
    if (first.outcome !== 'checked' || second.outcome !== 'checked' || third.outcome !== 'checked') return;
    expect(first.assessment.tier).toBe('at_risk');
    expect(first.decision.action).toBe('create');
    expect(second.decision).toMatchObject({ action: 'none', why: 'open_task_current' });
    expect(third.decision).toMatchObject({ action: 'none', why: 'open_task_current' });

    const tasks = await store.listTermTasks(contractId, TERM_ID);
    expect(tasks).toHaveLength(1);
    const [task] = tasks as [RenewalTask];
    expect(task).toMatchObject({
      id: `${contractId}#${TERM_ID}#120d`,
      status: 'open',
      tier: 'at_risk',
      owner: 'renewals-queue',
      ownerIsFallback: true,
      checkpointDays: 120,
    });
    expect(task.pendingEvent).toBeUndefined();
    expect(task.reasons.map((reason) => reason.code)).toContain('outcome_trend_down');
    expect(bus.types()).toEqual(['Renewal Risk Task Created']);
    expect(bus.events[0]?.detail).toMatchObject({ taskId: task.id, tier: 'at_risk', schemaVersion: 1 });
  });

  it('stores one task and publishes one event when eight runs of a checkpoint race', async () => {
    summerDrop();
    const results = await Promise.all(Array.from({ length: 8 }, () => checkRenewalRisk(deps, payload(120, contractId))));

    const created = results.filter((r) => r.outcome === 'checked' && r.decision.action === 'create');
    expect(created).toHaveLength(1);
    const tasks = await store.listTermTasks(contractId, TERM_ID);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]?.pendingEvent).toBeUndefined();
    // Exactly one event: a run that saw the winner's event still owed left it to the winner.
    expect(bus.events).toHaveLength(1);
    expect(bus.events[0]).toMatchObject({ detailType: 'Renewal Risk Task Created', detail: { taskId: tasks[0]?.id, version: 1 } });
    expect(bus.events[0]?.detail).not.toHaveProperty('claimedAt');
  });

  it('leaves an event another run is publishing to that run, and takes over one a failed run left', async () => {
    summerDrop();
    bus.failNext = 1;
    await expect(checkRenewalRisk(deps, payload(120, contractId))).rejects.toThrow('bus unavailable');
    // Eight runs inside the failed run's claim: none repeats its event.
    await Promise.all(Array.from({ length: 8 }, () => checkRenewalRisk(deps, payload(120, contractId))));
    expect(bus.events).toHaveLength(0);
    // Retries come after the claim expired: of eight racing retries exactly one publishes.
    nowIso = '2026-09-03T09:01:00.000Z';
    await Promise.all(Array.from({ length: 8 }, () => checkRenewalRisk(deps, payload(120, contractId))));
    expect(bus.types()).toEqual(['Renewal Risk Task Created']);
    const tasks = await store.listTermTasks(contractId, TERM_ID);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]?.pendingEvent).toBeUndefined();
  });

  it('escalates the open task when risk rises at the next checkpoint, once, even when runs race', async () => {
    await at120();
    usage.set({ '2026-09-01': '200' }, '2026-09-20T10:00:00Z');
    nowIso = '2026-10-03T09:00:00.000Z';

    const results = await Promise.all(Array.from({ length: 4 }, () => checkRenewalRisk(deps, payload(90, contractId))));

    const actions = results.map((r) => (r.outcome === 'checked' ? r.decision.action : r.outcome));
    expect(actions.filter((a) => a === 'escalate')).toHaveLength(1);
    expect(bus.events.map((e) => e.detailType)).toEqual(['Renewal Risk Task Created', 'Renewal Risk Escalated']);
    expect(actions.filter((a) => a !== 'escalate').every((a) => a === 'none')).toBe(true);
    const tasks = await store.listTermTasks(contractId, TERM_ID);
    expect(tasks).toHaveLength(1);
    const [task] = tasks as [RenewalTask];
    expect(task).toMatchObject({ id: `${contractId}#${TERM_ID}#120d`, status: 'open', tier: 'critical' });
    expect(task.escalations).toHaveLength(1);
    expect(task.escalations[0]).toMatchObject({ fromTier: 'at_risk', toTier: 'critical', checkpointDays: 90 });
    expect(task.escalations[0]?.reason.message).toMatch(/^risk rose from at_risk \(score \d+\) to critical \(score \d+\) at the 90-day checkpoint$/);
    expect(bus.events.find((e) => e.detailType === 'Renewal Risk Escalated')?.detail).toMatchObject({ fromTier: 'at_risk', toTier: 'critical' });
  });

  it('resolves the open task with the reason when risk clears', async () => {
    await at120();
    usage.set({ '2026-09-01': '200' }, '2026-09-20T10:00:00Z');
    nowIso = '2026-10-03T09:00:00.000Z';
    await checkRenewalRisk(deps, payload(90, contractId));
    usage.set({ '2026-10-01': '3000' }, '2026-10-31T10:00:00Z');
    nowIso = '2026-11-02T09:00:00.000Z';

    const result = await checkRenewalRisk(deps, payload(60, contractId));
    const again = await checkRenewalRisk(deps, payload(60, contractId));

    expect(result.outcome === 'checked' && result.assessment.tier).toBe('healthy');
    expect(result.outcome === 'checked' && result.decision.action).toBe('resolve');
    expect(again.outcome === 'checked' && again.decision).toMatchObject({ action: 'none', why: 'below_minimum_tier' });
    const [task] = (await store.listTermTasks(contractId, TERM_ID)) as [RenewalTask];
    expect(task.status).toBe('resolved');
    expect(task.resolution).toMatchObject({ kind: 'risk_cleared', checkpointDays: 60 });
    expect(task.resolution?.kind === 'risk_cleared' && task.resolution.reason.message).toMatch(
      /^risk cleared at the 60-day checkpoint: healthy \(score \d+\) is below at_risk; the task was critical \(score \d+\)$/,
    );
    expect(bus.types()).toEqual(['Renewal Risk Task Created', 'Renewal Risk Escalated', 'Renewal Risk Resolved']);
    expect(await listRenewalTasks({ tasks: store }, { contractId })).toEqual([]);
  });

  it('publishes an event a failed run still owed on the next run, without a second task', async () => {
    summerDrop();
    bus.failNext = 1;
    await expect(checkRenewalRisk(deps, payload(120, contractId))).rejects.toThrow('bus unavailable');
    const [stored] = (await store.listTermTasks(contractId, TERM_ID)) as [RenewalTask];
    expect(stored.pendingEvent?.detailType).toBe('Renewal Risk Task Created');
    expect(bus.events).toHaveLength(0);

    // The retry comes a minute later, after the failed run's claim ran out.
    nowIso = '2026-09-03T09:01:00.000Z';
    await checkRenewalRisk(deps, payload(120, contractId));

    expect(bus.types()).toEqual(['Renewal Risk Task Created']);
    const tasks = await store.listTermTasks(contractId, TERM_ID);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]?.pendingEvent).toBeUndefined();
  });

  it('skips a schedule whose term the contract has left', async () => {
    summerDrop();
    const result = await checkRenewalRisk(deps, { ...payload(120, contractId), termId: '2025-01-01' });
    expect(result).toMatchObject({ outcome: 'skipped', why: 'term_changed' });
    expect(await store.listTermTasks(contractId, '2025-01-01')).toEqual([]);
  });

  it('acknowledges, resolves with the renewal result, and backtests it', async () => {
    await at120();
    const id = `${contractId}#${TERM_ID}#120d`;
    const manage = { contracts: deps.contracts, tasks: store, events: bus, clock: () => new Date(nowIso) };

    const acked = await acknowledgeRenewalTask(manage, { taskId: id, by: 'dana' });
    const ackedAgain = await acknowledgeRenewalTask(manage, { taskId: id });
    const resolved = await resolveRenewalTask(manage, { taskId: id, result: 'churned' });

    expect(acked).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'dana' });
    expect(ackedAgain.version).toBe(acked.version);
    expect(resolved).toMatchObject({ status: 'resolved', resolution: { kind: 'renewal_result', result: 'churned' } });
    await expect(acknowledgeRenewalTask(manage, { taskId: id })).rejects.toBeInstanceOf(TaskStateError);
    expect(bus.types()).toEqual(['Renewal Risk Task Created', 'Renewal Risk Resolved']);

    const report = await backtestRenewalRisk({ tasks: store });
    const mine = report.records.find((record) => record.contractId === `${contractId}#${TERM_ID}`);
    expect(mine).toMatchObject({ renewalResult: 'churned', termEnd: '2027-01-01', assessments: [{ at: '2026-09-03T09:00:00.000Z', tier: 'at_risk' }] });
    expect(report.lost).toBeGreaterThanOrEqual(1);
  });

  it('refuses a task update from a stale version', async () => {
    await at120();
    const task = (await store.getTask(`${contractId}#${TERM_ID}#120d`)) as RenewalTask;
    await store.updateTask({ ...task, status: 'acknowledged', version: task.version + 1 });
    await expect(store.updateTask({ ...task, status: 'resolved', version: task.version + 1 })).rejects.toBeInstanceOf(TaskVersionConflictError);
    expect((await store.getTask(task.id))?.status).toBe('acknowledged');
  });

  it('lists open tasks by owner and due date', async () => {
    await at120();
    const [task] = (await store.listTermTasks(contractId, TERM_ID)) as [RenewalTask];
    expect(task.dueDate).toBe('2026-09-08');
    const byOwner = await listRenewalTasks({ tasks: store }, { owner: 'renewals-queue', dueBefore: '2026-09-09' });
    expect(byOwner.map((t) => t.id)).toContain(task.id);
    expect((await listRenewalTasks({ tasks: store }, { dueBefore: '2026-09-08' })).map((t) => t.id)).not.toContain(task.id);
    expect((await listRenewalTasks({ tasks: store }, { owner: 'someone-else' })).map((t) => t.id)).not.toContain(task.id);
  });
});

// Renewal results for any contract term, on DynamoDB Local: recorded with or
// without a task (so terms the checks rated healthy can count as misses),
// idempotent, correctable, for a term the contract has left, and the same
// record `tasks resolve` makes. The backtest then uses every one of them.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbRenewalTaskStore } from '../../../../../lambdas/adapters/dynamodb/task-store';
import { backtestRenewalRisk } from '../../../../../lambdas/application/risk/backtest-renewal-risk';
import { checkRenewalRisk, type CheckRenewalRiskDeps } from '../../../../../lambdas/application/risk/check-renewal-risk';
import { resolveRenewalTask } from '../../../../../lambdas/application/risk/manage-renewal-tasks';
import { recordRenewalResult } from '../../../../../lambdas/application/risk/record-renewal-result';
import { RenewalTermNotFoundError, RiskContractNotFoundError } from '../../../../../lambdas/application/risk/risk-errors';
import type { Contract } from '../../../../../lambdas/domain/plans/contract-schema';
import { createTestTables, type TestTables } from '../../../../support/dynamodb';
import { HEALTHY_SPRING, RecordingBus, SETTINGS, ScriptedUsage, TERM_ID, payload, riskContract } from '../../../../support/risk-test-kit';
import { singleRevisionContracts } from '../../../../support/fakes/single-revision-contracts';

describe('renewal results on DynamoDB Local', () => {
  let tables: TestTables;
  let store: DynamoDbRenewalTaskStore;
  let bus: RecordingBus;
  let nowIso: string;
  const contracts = new Map<string, Contract>();
  const usageOf = new Map<string, ScriptedUsage>();

  // Each contract has its own customer, so each can have its own usage story.
  const usage = {
    measure: (query: Parameters<ScriptedUsage['measure']>[0]) => (usageOf.get(query.customerId) as ScriptedUsage).measure(query),
    summarize: (query: Parameters<ScriptedUsage['summarize']>[0]) => (usageOf.get(query.customerId) as ScriptedUsage).summarize(query),
    outcomes: (query: Parameters<ScriptedUsage['outcomes']>[0]) => (usageOf.get(query.customerId) as ScriptedUsage).outcomes(query),
  };
  const deps = (): CheckRenewalRiskDeps => ({
    contracts: singleRevisionContracts((id) => contracts.get(id)),
    tasks: store,
    events: bus,
    usage,
    settings: SETTINGS,
    clock: () => new Date(nowIso),
  });

  function contract(contractId: string, story: 'healthy' | 'summer_drop'): void {
    contracts.set(contractId, riskContract({ contractId, customerId: `cust-${contractId}` }));
    const scripted = new ScriptedUsage();
    if (story === 'healthy') scripted.set({ ...HEALTHY_SPRING, '2026-07-01': '1000', '2026-08-01': '1000' }, '2026-08-30T10:00:00Z');
    else scripted.set({ ...HEALTHY_SPRING, '2026-07-01': '600', '2026-08-01': '400' }, '2026-08-20T10:00:00Z');
    usageOf.set(`cust-${contractId}`, scripted);
  }

  beforeAll(async () => {
    tables = await createTestTables('risk-results');
    store = new DynamoDbRenewalTaskStore({ client: tables.client, tableName: tables.engineTableName });
  });
  afterAll(async () => tables.destroy());
  beforeEach(() => {
    bus = new RecordingBus();
    nowIso = '2026-09-03T09:00:00.000Z';
  });

  it('records a result for a term that never had a task, once, and corrects it', async () => {
    contract('ctr-quiet', 'healthy');
    const check = await checkRenewalRisk(deps(), payload(120, 'ctr-quiet'));
    expect(check.outcome === 'checked' && [check.assessment.tier, check.decision.action]).toEqual(['healthy', 'none']);

    nowIso = '2027-01-05T10:00:00.000Z';
    const first = await recordRenewalResult(deps(), { contractId: 'ctr-quiet', result: 'churned', by: 'dana' });
    expect(first).toEqual({
      status: 'recorded',
      resolvedTasks: [],
      record: {
        contractId: 'ctr-quiet',
        termId: TERM_ID,
        termEnd: '2027-01-01',
        timeZone: 'UTC',
        result: 'churned',
        recordedAt: '2027-01-05T10:00:00.000Z',
        recordedBy: 'dana',
      },
    });

    nowIso = '2027-01-06T10:00:00.000Z';
    const again = await recordRenewalResult(deps(), { contractId: 'ctr-quiet', termId: TERM_ID, result: 'churned' });
    expect(again.status).toBe('unchanged');
    expect((await store.getRenewalResult('ctr-quiet', TERM_ID))?.recordedAt).toBe('2027-01-05T10:00:00.000Z');

    const corrected = await recordRenewalResult(deps(), { contractId: 'ctr-quiet', result: 'downsized' });
    expect(corrected.status).toBe('corrected');
    expect(await store.getRenewalResult('ctr-quiet', TERM_ID)).toMatchObject({ result: 'downsized', recordedAt: '2027-01-06T10:00:00.000Z' });
    expect(bus.events).toEqual([]);
  });

  it('closes the open task of the term with the result, as tasks resolve does', async () => {
    contract('ctr-drop', 'summer_drop');
    contract('ctr-drop-2', 'summer_drop');
    for (const id of ['ctr-drop', 'ctr-drop-2']) {
      const check = await checkRenewalRisk(deps(), payload(120, id));
      expect(check.outcome === 'checked' && check.decision.action).toBe('create');
    }
    bus.events.length = 0;

    nowIso = '2026-12-20T10:00:00.000Z';
    const viaContract = await recordRenewalResult(deps(), { contractId: 'ctr-drop', result: 'churned' });
    const viaTask = await resolveRenewalTask(deps(), { taskId: `ctr-drop-2#${TERM_ID}#120d`, result: 'churned', by: 'sam' });

    expect(viaContract.resolvedTasks.map((task) => [task.id, task.status, task.resolution])).toEqual([
      [`ctr-drop#${TERM_ID}#120d`, 'resolved', { kind: 'renewal_result', at: '2026-12-20T10:00:00.000Z', result: 'churned' }],
    ]);
    expect(viaTask).toMatchObject({ status: 'resolved', resolution: { kind: 'renewal_result', result: 'churned', by: 'sam' } });
    expect(bus.events.map((event) => [event.detailType, event.detail['taskId']])).toEqual([
      ['Renewal Risk Resolved', `ctr-drop#${TERM_ID}#120d`],
      ['Renewal Risk Resolved', `ctr-drop-2#${TERM_ID}#120d`],
    ]);
    const stored = await Promise.all(['ctr-drop', 'ctr-drop-2'].map((id) => store.getRenewalResult(id, TERM_ID)));
    expect(stored.map((record) => record && [record.result, record.termEnd, record.timeZone])).toEqual([
      ['churned', '2027-01-01', 'UTC'],
      ['churned', '2027-01-01', 'UTC'],
    ]);
    // Recording again neither reopens nor re-announces anything.
    expect((await recordRenewalResult(deps(), { contractId: 'ctr-drop', result: 'churned' })).resolvedTasks).toEqual([]);
    expect(bus.events).toHaveLength(2);
  });

  it('records a term the contract has since left, from what its checks stored', async () => {
    contract('ctr-renewed', 'healthy');
    await checkRenewalRisk(deps(), payload(120, 'ctr-renewed'));
    // The contract renews into its 2027 term; the 2026 term's result comes in afterwards.
    contracts.set('ctr-renewed', riskContract({ contractId: 'ctr-renewed', customerId: 'cust-ctr-renewed', termStart: '2027-01-01', termEnd: '2028-01-01' }));
    nowIso = '2027-01-10T10:00:00.000Z';

    const past = await recordRenewalResult(deps(), { contractId: 'ctr-renewed', termId: TERM_ID, result: 'renewed' });

    expect(past.record).toMatchObject({ termId: TERM_ID, termEnd: '2027-01-01', timeZone: 'UTC', result: 'renewed' });
    await expect(recordRenewalResult(deps(), { contractId: 'ctr-renewed', termId: '2025-01-01', result: 'renewed' })).rejects.toBeInstanceOf(
      RenewalTermNotFoundError,
    );
    await expect(recordRenewalResult(deps(), { contractId: 'ctr-none', result: 'renewed' })).rejects.toBeInstanceOf(RiskContractNotFoundError);
  });

  it('backtests every recorded result, with the lead time from the first at-risk task', async () => {
    const report = await backtestRenewalRisk({ tasks: store });
    // ctr-quiet healthy and lost (a miss); ctr-renewed healthy and renewed;
    // ctr-drop and ctr-drop-2 at_risk and lost, their tasks created 2026-09-03T09:00Z,
    // 119 days and 15 hours before 2027-01-01.
    expect(report.records.map((record) => [record.contractId, record.renewalResult, record.firstAtRiskTaskAt ?? null]).sort()).toEqual([
      [`ctr-drop#${TERM_ID}`, 'churned', '2026-09-03T09:00:00.000Z'],
      [`ctr-drop-2#${TERM_ID}`, 'churned', '2026-09-03T09:00:00.000Z'],
      [`ctr-quiet#${TERM_ID}`, 'downsized', null],
      [`ctr-renewed#${TERM_ID}`, 'renewed', null],
    ]);
    expect(report.rows.map((row) => [row.tier, row.contracts, row.lost, row.precisionAtOrAbove ?? null, row.recallAtOrAbove ?? null])).toEqual([
      ['healthy', 2, 1, '0.75', '1.00'],
      ['watch', 0, 0, '1.00', '0.67'],
      ['at_risk', 2, 2, '1.00', '0.67'],
      ['critical', 0, 0, null, '0.00'],
    ]);
    expect(report.atRiskOrCritical).toEqual({ flagged: 2, truePositives: 2, precision: '1.00', recall: '0.67' });
    expect(report).toMatchObject({ medianLeadTimeDays: '119.6', leadTimeSamples: 2 });
  });
});

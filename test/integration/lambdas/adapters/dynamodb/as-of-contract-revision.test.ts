// "As of" risk answers read the contract revision in force at that moment
// (DynamoDB Local): repeating a past `risk check --as-of` after the target,
// the commitment and the CSM changed gives the same answer, field for field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbPlanStore } from '../../../../../lambdas/adapters/dynamodb/plan-store';
import { DynamoDbRenewalTaskStore } from '../../../../../lambdas/adapters/dynamodb/task-store';
import { assessContractRisk, checkRenewalRisk } from '../../../../../lambdas/application/risk/check-renewal-risk';
import { createTestTables, type TestTables } from '../../../../support/dynamodb';
import { HEALTHY_SPRING, RecordingBus, SETTINGS, ScriptedUsage, payload, riskContract } from '../../../../support/risk-test-kit';

describe('risk check as of a past moment on DynamoDB Local', () => {
  let tables: TestTables;
  let plans: DynamoDbPlanStore;

  beforeAll(async () => {
    tables = await createTestTables('risk-as-of');
    plans = new DynamoDbPlanStore({ client: tables.client, tableName: tables.engineTableName });
  });
  afterAll(async () => tables.destroy());

  it('gives the same answer after a change of target, commitment and CSM', async () => {
    const contractId = 'ctr-as-of';
    const before = riskContract({
      contractId,
      csmOwner: 'ana@acme.test',
      commitment: { trueUp: 'term_end', amountForTerm: '60000.00' },
    });
    await plans.putContract(before, new Date('2026-01-01T00:00:00Z'));
    const usage = new ScriptedUsage();
    usage.set({ ...HEALTHY_SPRING, '2026-07-01': '600', '2026-08-01': '400' }, '2026-08-20T10:00:00Z');
    const deps = { contracts: plans, usage, settings: SETTINGS, clock: () => new Date('2026-09-03T09:00:00Z') };
    const asOf = new Date('2026-09-03T09:00:00Z');
    const first = await assessContractRisk(deps, { contractId, asOf });
    expect(first).toMatchObject({ csmOwner: 'ana@acme.test', tier: 'at_risk' });

    // A week later: a lower target, a larger commitment and a new CSM.
    await plans.putContract(
      riskContract({
        contractId,
        csmOwner: 'bo@acme.test',
        commitment: { trueUp: 'term_end', amountForTerm: '90000.00' },
        successTargets: [{ metric: 'energy.saved', measure: 'sum_quantity', targetPerPeriod: '500' }],
      }),
      new Date('2026-09-10T12:00:00Z'),
    );

    const repeated = await assessContractRisk({ ...deps, clock: () => new Date('2026-09-20T09:00:00Z') }, { contractId, asOf });
    expect(repeated).toEqual(first);
    // A moment just before the change still reads the old revision; the moment of it, the new one.
    expect((await assessContractRisk(deps, { contractId, asOf: new Date('2026-09-10T11:59:59.999Z') })).csmOwner).toBe('ana@acme.test');
    const after = await assessContractRisk(deps, { contractId, asOf: new Date('2026-09-10T12:00:00Z') });
    expect(after.csmOwner).toBe('bo@acme.test');
    expect(after.score).not.toBe(first.score);
    // A moment before the contract was first stored reads its first revision.
    expect((await assessContractRisk(deps, { contractId, asOf: new Date('2025-12-31T00:00:00Z') })).csmOwner).toBe('ana@acme.test');
  });

  it('a scheduled check reads the revision in force at its moment: risk check --as-of that moment repeats it field for field after the changes', async () => {
    const contractId = 'ctr-as-of-scheduled';
    await plans.putContract(
      riskContract({ contractId, csmOwner: 'ana@acme.test', commitment: { trueUp: 'term_end', amountForTerm: '60000.00' } }),
      new Date('2026-01-01T00:00:00Z'),
    );
    const usage = new ScriptedUsage();
    usage.set({ ...HEALTHY_SPRING, '2026-07-01': '600', '2026-08-01': '400' }, '2026-08-20T10:00:00Z');
    const checkedAt = new Date('2026-09-03T09:00:00Z');
    // A change stored with a later time (a clock ahead of the check, or a retried check): the check must not see it.
    await plans.putContract(
      riskContract({
        contractId,
        csmOwner: 'bo@acme.test',
        commitment: { trueUp: 'term_end', amountForTerm: '90000.00' },
        successTargets: [{ metric: 'energy.saved', measure: 'sum_quantity', targetPerPeriod: '500' }],
      }),
      new Date('2026-09-03T09:00:00.001Z'),
    );
    const tasks = new DynamoDbRenewalTaskStore({ client: tables.client, tableName: tables.engineTableName });
    const deps = { contracts: plans, usage, settings: SETTINGS, tasks, events: new RecordingBus(), clock: () => checkedAt };
    const checked = await checkRenewalRisk(deps, payload(120, contractId));
    if (checked.outcome !== 'checked') throw new Error(`expected a check, got ${checked.outcome}`);
    expect(checked.assessment).toMatchObject({ csmOwner: 'ana@acme.test', tier: 'at_risk' });
    expect(checked.task).toMatchObject({ owner: 'ana@acme.test', tier: 'at_risk' });

    // Asked again weeks later, as of the check's moment: the same answer, every field but the checkpoint label an ad hoc check has not.
    const later = { ...deps, clock: () => new Date('2026-10-01T00:00:00Z') };
    const { checkpointDays, ...scheduled } = checked.assessment;
    expect(checkpointDays).toBe(120);
    expect(await assessContractRisk(later, { contractId, asOf: checkedAt })).toEqual(scheduled);
    // As of a millisecond later, the changed target, commitment and CSM.
    const changed = await assessContractRisk(later, { contractId, asOf: new Date('2026-09-03T09:00:00.001Z') });
    expect(changed.csmOwner).toBe('bo@acme.test');
    expect(changed.score).not.toBe(checked.assessment.score);
  });
});

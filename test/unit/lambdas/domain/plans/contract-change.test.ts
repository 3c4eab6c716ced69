// Deriving 'Contract Changed' from the stored and the loaded contract, the
// checkpoint-day settings on plans and contracts, and the change's schema.
import { describe, expect, it } from 'vitest';
import {
  ContractChangeSchema,
  deriveContractChange,
  renewalCheckpointDaysFor,
  type ContractSnapshot,
} from '../../../../../lambdas/domain/plans/contract-change';
import { ContractSchema, type Contract } from '../../../../../lambdas/domain/plans/contract-schema';
import { PlanSchema, type Plan } from '../../../../../lambdas/domain/plans/plan-schema';
import { describeSchemaIssues } from '../../../../../lambdas/domain/plans/describe-schema-issues';
import { singleRevisionContracts } from '../../../../support/fakes/single-revision-contracts';

const DEFAULT_DAYS = [180, 120, 90, 60, 30];

function contract(overrides: Record<string, unknown> = {}): Contract {
  return ContractSchema.parse({
    kind: 'contract',
    contractId: 'ctr-1',
    customerId: 'acme',
    plan: { code: 'support', version: 'latest' },
    termStart: '2026-01-01',
    termEnd: '2027-01-01',
    billingPeriod: { cadence: 'monthly' },
    timeZone: 'Europe/Berlin',
    currency: 'EUR',
    ...overrides,
  });
}

function plan(versions: Record<string, unknown>[]): Plan {
  return PlanSchema.parse({
    kind: 'plan',
    code: 'support',
    name: 'Support',
    currency: 'EUR',
    versions: versions.map((extra, index) => ({
      version: index + 1,
      effectiveFrom: '2025-01-01',
      charges: [{ id: 'platform', name: 'Platform', model: 'flat', amount: '100.00' }],
      ...extra,
    })),
  });
}

const snap = (c: Contract, days: readonly number[] = DEFAULT_DAYS): ContractSnapshot => ({ contract: c, checkpointsDays: days });

describe('deriveContractChange', () => {
  it('created: a contract not stored before', () => {
    expect(deriveContractChange(undefined, snap(contract()))).toEqual({ schemaVersion: 1, contractId: 'ctr-1', change: 'created', termId: '2026-01-01' });
  });

  it('nothing when the loaded contract equals the stored one', () => {
    expect(deriveContractChange(snap(contract()), snap(contract()))).toBeUndefined();
  });

  it('renewed: a new term starting at or after the previous term end', () => {
    const change = deriveContractChange(snap(contract()), snap(contract({ termStart: '2027-01-01', termEnd: '2028-01-01' })));
    expect(change).toEqual({
      schemaVersion: 1,
      contractId: 'ctr-1',
      change: 'renewed',
      previousTermId: '2026-01-01',
      termId: '2027-01-01',
      previousCheckpointsDays: DEFAULT_DAYS,
    });
  });

  it('term_changed: the term end moved (same term id), or the start moved back', () => {
    expect(deriveContractChange(snap(contract()), snap(contract({ termEnd: '2027-03-01' })))).toMatchObject({
      change: 'term_changed',
      previousTermId: '2026-01-01',
      termId: '2026-01-01',
    });
    expect(deriveContractChange(snap(contract()), snap(contract({ termStart: '2025-12-01' })))).toMatchObject({
      change: 'term_changed',
      previousTermId: '2026-01-01',
      termId: '2025-12-01',
    });
  });

  it('updated: billing period, anchor, time zone and checkpoint days, each named', () => {
    const before = contract();
    expect(deriveContractChange(snap(before), snap(contract({ billingPeriod: { cadence: 'quarterly' } })))).toMatchObject({
      change: 'updated',
      termId: '2026-01-01',
      fields: ['billingPeriod'],
    });
    expect(deriveContractChange(snap(before), snap(contract({ billingPeriod: { cadence: 'monthly', anchorDay: 15 } })))).toMatchObject({
      fields: ['billingPeriod'],
    });
    expect(deriveContractChange(snap(before), snap(contract({ timeZone: 'Asia/Tokyo', csmOwner: 'kim@example.com' })))).toMatchObject({
      change: 'updated',
      fields: ['timeZone', 'csmOwner'],
    });
    expect(deriveContractChange(snap(before), snap(before, [60, 30]))).toEqual({
      schemaVersion: 1,
      contractId: 'ctr-1',
      change: 'updated',
      termId: '2026-01-01',
      fields: ['renewalCheckpointsDays'],
      previousCheckpointsDays: DEFAULT_DAYS,
    });
  });

  it('updated: pinned definition versions, threshold invoicing, alerts and caps are named too', () => {
    const before = contract();
    const after = contract({
      definitionVersions: { 'ticket.resolved': 2 },
      thresholdInvoicing: { amount: '500.00' },
      alerts: { creditBalanceBelow: '10.00' },
      caps: [{ spend: '900.00' }],
    });
    const change = deriveContractChange(snap(before), snap(after));
    expect(change).toMatchObject({ change: 'updated', fields: ['definitionVersions', 'thresholdInvoicing', 'alerts', 'caps'] });
    expect(ContractChangeSchema.safeParse(change).success).toBe(true);
    // Re-pinning alone is a change, not a silent new revision.
    expect(deriveContractChange(snap(after), snap(contract({ ...after, definitionVersions: { 'ticket.resolved': 1 } })))).toMatchObject({ fields: ['definitionVersions'] });
  });

  it('cancelled: with the term and the checkpoint days its schedules were planned with', () => {
    const change = deriveContractChange(snap(contract(), [90, 30]), snap(contract({ cancelledOn: '2026-07-15' })));
    expect(change).toEqual({
      schemaVersion: 1,
      contractId: 'ctr-1',
      change: 'cancelled',
      termId: '2026-01-01',
      cancelledOn: '2026-07-15',
      checkpointsDays: [90, 30],
    });
    // Loading the same cancellation again changes nothing; moving it is announced again.
    expect(deriveContractChange(snap(contract({ cancelledOn: '2026-07-15' })), snap(contract({ cancelledOn: '2026-07-15' })))).toBeUndefined();
    expect(deriveContractChange(snap(contract({ cancelledOn: '2026-07-15' })), snap(contract({ cancelledOn: '2026-09-01' })))).toMatchObject({
      change: 'cancelled',
      cancelledOn: '2026-09-01',
    });
  });

  it('a cancelled contract loaded without its cancellation is created again (its schedules were removed)', () => {
    expect(deriveContractChange(snap(contract({ cancelledOn: '2026-07-15' })), snap(contract()))).toMatchObject({ change: 'created' });
  });

  it('every derived change is valid against the event schema', () => {
    const changes = [
      deriveContractChange(undefined, snap(contract())),
      deriveContractChange(snap(contract()), snap(contract({ termStart: '2027-01-01', termEnd: '2028-01-01' }))),
      deriveContractChange(snap(contract()), snap(contract({ termEnd: '2027-03-01' }))),
      deriveContractChange(snap(contract()), snap(contract({ timeZone: 'UTC' }))),
      deriveContractChange(snap(contract()), snap(contract({ cancelledOn: '2026-07-15' }))),
    ];
    expect(changes.map((change) => ContractChangeSchema.safeParse(change).success)).toEqual([true, true, true, true, true]);
  });
});

describe('ContractChangeSchema', () => {
  it('still accepts the minimal changes of earlier releases', () => {
    expect(ContractChangeSchema.parse({ change: 'created', contractId: 'c' })).toEqual({ change: 'created', contractId: 'c' });
    expect(ContractChangeSchema.parse({ change: 'cancelled', contractId: 'c', termId: '2026-01-01' }).change).toBe('cancelled');
  });

  it('names the kinds it knows when the kind is unknown', () => {
    const result = ContractChangeSchema.safeParse({ change: 'deleted', contractId: 'c' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/"created", "renewed", "term_changed", "updated" or "cancelled"/);
  });
});

describe('renewal checkpoint days per plan and contract', () => {
  it('contract overrides plan overrides the default', () => {
    const withPlanDays = plan([{ renewalCheckpointsDays: [90, 45] }]);
    expect(renewalCheckpointDaysFor(contract(), undefined)).toEqual(DEFAULT_DAYS);
    expect(renewalCheckpointDaysFor(contract(), plan([{}]))).toEqual(DEFAULT_DAYS);
    expect(renewalCheckpointDaysFor(contract(), withPlanDays)).toEqual([90, 45]);
    expect(renewalCheckpointDaysFor(contract({ renewalCheckpointsDays: [14] }), withPlanDays)).toEqual([14]);
  });

  it('uses the plan version in effect on the term\'s last day', () => {
    const versions = plan([{ renewalCheckpointsDays: [90] }, { effectiveFrom: '2026-12-31', renewalCheckpointsDays: [60] }]);
    expect(renewalCheckpointDaysFor(contract(), versions)).toEqual([60]);
    expect(renewalCheckpointDaysFor(contract({ plan: { code: 'support', version: 1 } }), versions)).toEqual([90]);
  });

  function issuesOf(result: { success: boolean; error?: { issues: Parameters<typeof describeSchemaIssues>[0] } }): string[] {
    return result.success ? [] : describeSchemaIssues(result.error!.issues).map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  }

  it.each([
    [[90, 90], 'renewalCheckpointsDays.1: checkpoint 90 days is listed twice; each checkpoint once'],
    [[0], 'renewalCheckpointsDays.0: a checkpoint is at least 1 day before term end'],
    [[1.5], 'renewalCheckpointsDays.0: expected a whole number of days before term end, e.g. 90, got number 1.5'],
    [[], 'renewalCheckpointsDays: expected at least one checkpoint'],
    ['90', 'renewalCheckpointsDays: expected a list of days before term end, e.g. [120, 90, 60, 30], got "90"'],
  ])('refuses contract checkpoint days %j with a clear message', (days, message) => {
    // As plan and contract files are validated: with the offending input reported.
    const result = ContractSchema.safeParse({ ...contract(), renewalCheckpointsDays: days }, { reportInput: true });
    expect(issuesOf(result), JSON.stringify(issuesOf(result))).toContain(message);
  });

  it('refuses plan checkpoint days with the version named in the path', () => {
    const result = PlanSchema.safeParse({
      kind: 'plan',
      code: 'support',
      name: 'Support',
      currency: 'EUR',
      versions: [{ version: 1, effectiveFrom: '2025-01-01', charges: [{ id: 'p', name: 'P', model: 'flat', amount: '1.00' }], renewalCheckpointsDays: [30, 30] }],
    });
    expect(issuesOf(result)).toContain('versions.0.renewalCheckpointsDays.1: checkpoint 30 days is listed twice; each checkpoint once');
  });

  it('refuses a cancellation outside the term', () => {
    expect(issuesOf(ContractSchema.safeParse({ ...contract(), cancelledOn: '2026-01-01' }))[0]).toMatch(/^cancelledOn: must be after termStart 2026-01-01/);
    expect(issuesOf(ContractSchema.safeParse({ ...contract(), cancelledOn: '2027-01-02' }))[0]).toMatch(/^cancelledOn: .*on or before termEnd 2027-01-01/);
    expect(ContractSchema.safeParse({ ...contract(), cancelledOn: '2027-01-01' }).success).toBe(true);
  });
});

describe('renewal checks follow the stored contract', () => {
  it('a late cancellation event for a contract reinstated since re-plans its checks instead of deleting them', async () => {
    const { InMemoryCheckpointScheduler } = await import('../../../../../lib/local/in-memory-checkpoint-scheduler');
    const { scheduleRenewalChecks } = await import('../../../../../lambdas/application/risk/schedule-renewal-checks');
    const { DEFAULT_RENEWAL_RISK_SETTINGS } = await import('../../../../../lambdas/application/risk/risk-settings');
    const scheduler = new InMemoryCheckpointScheduler();
    let stored = contract({ renewalCheckpointsDays: [60, 30] });
    const deps = { scheduler, contracts: singleRevisionContracts(() => stored), settings: DEFAULT_RENEWAL_RISK_SETTINGS, clock: () => new Date('2026-06-01T00:00:00Z') };
    await scheduleRenewalChecks(deps, { change: 'created', contractId: 'ctr-1' });
    expect(scheduler.list().map((s) => s.payload.checkpointDays)).toEqual([60, 30]);

    const late = { change: 'cancelled' as const, contractId: 'ctr-1', termId: '2026-01-01', cancelledOn: '2026-09-01', checkpointsDays: [60, 30] };
    await scheduleRenewalChecks(deps, late);
    expect(scheduler.list().map((s) => s.payload.checkpointDays)).toEqual([60, 30]);

    stored = contract({ renewalCheckpointsDays: [60, 30], cancelledOn: '2026-09-01' });
    const removed = await scheduleRenewalChecks(deps, late);
    expect(removed.deleted.filter((d) => d.outcome === 'deleted')).toHaveLength(2);
    expect(scheduler.list()).toEqual([]);
  });
});

// Keeping checkpoint schedules in step with contracts, on the in-memory
// scheduler the local engine uses (the EventBridge adapter's exact commands
// are covered in test/unit/adapters/scheduler).
import { describe, expect, it } from 'vitest';
import { InMemoryCheckpointScheduler } from '../../../../../lib/local/in-memory-checkpoint-scheduler';
import { scheduleRenewalChecks, type ScheduleRenewalChecksDeps } from '../../../../../lambdas/application/risk/schedule-renewal-checks';
import { RiskContractNotFoundError } from '../../../../../lambdas/application/risk/risk-errors';
import type { Contract } from '../../../../../lambdas/domain/plans/contract-schema';
import { SETTINGS, riskContract } from '../../../../support/risk-test-kit';
import { singleRevisionContracts } from '../../../../support/fakes/single-revision-contracts';

function setup(now: string) {
  const contracts = new Map<string, Contract>();
  const scheduler = new InMemoryCheckpointScheduler();
  const deps: ScheduleRenewalChecksDeps = {
    scheduler,
    contracts: singleRevisionContracts((id) => contracts.get(id)),
    settings: SETTINGS,
    clock: () => new Date(now),
  };
  return { contracts, scheduler, deps };
}

const names = (scheduler: InMemoryCheckpointScheduler) => scheduler.list().map((s) => `${s.scheduleName}@${s.fireAt}`);

describe('scheduleRenewalChecks', () => {
  it('schedules 180, 120, 90, 60 and 30 days before term end at 09:00 in the contract zone, once', async () => {
    const { contracts, scheduler, deps } = setup('2026-06-01T00:00:00Z');
    contracts.set('ctr-risk', riskContract({ timeZone: 'America/New_York' }));

    const first = await scheduleRenewalChecks(deps, { change: 'created', contractId: 'ctr-risk' });
    const again = await scheduleRenewalChecks(deps, { change: 'created', contractId: 'ctr-risk' });

    expect(names(scheduler)).toEqual([
      'rr.ctr-risk.2026-01-01.180d@2026-07-05T13:00:00.000Z',
      'rr.ctr-risk.2026-01-01.120d@2026-09-03T13:00:00.000Z',
      'rr.ctr-risk.2026-01-01.90d@2026-10-03T13:00:00.000Z',
      'rr.ctr-risk.2026-01-01.60d@2026-11-02T14:00:00.000Z',
      'rr.ctr-risk.2026-01-01.30d@2026-12-02T14:00:00.000Z',
    ]);
    expect(first.change !== 'cancelled' && first.upserted.map((u) => u.outcome)).toEqual(['created', 'created', 'created', 'created', 'created']);
    expect(again.change !== 'cancelled' && again.upserted.map((u) => u.outcome)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged', 'unchanged']);
  });

  it('gives a contract created inside the window one catch-up check, not a burst', async () => {
    const { contracts, scheduler, deps } = setup('2026-11-16T12:00:00Z');
    contracts.set('ctr-risk', riskContract());
    await scheduleRenewalChecks(deps, { change: 'created', contractId: 'ctr-risk' });
    expect(scheduler.list().map((s) => [s.payload.checkpointDays, s.payload.catchUp, s.fireAt])).toEqual([
      [60, true, '2026-11-16T12:05:00.000Z'],
      [30, false, '2026-12-02T09:00:00.000Z'],
    ]);
  });

  it('moves the checks when the term end changes, and replaces the term on renewal', async () => {
    const { contracts, scheduler, deps } = setup('2026-06-01T00:00:00Z');
    contracts.set('ctr-risk', riskContract());
    await scheduleRenewalChecks(deps, { change: 'created', contractId: 'ctr-risk' });

    contracts.set('ctr-risk', riskContract({ termEnd: '2027-02-01' }));
    await scheduleRenewalChecks(deps, { change: 'term_changed', contractId: 'ctr-risk', previousTermId: '2026-01-01' });
    expect(names(scheduler)).toEqual([
      'rr.ctr-risk.2026-01-01.180d@2026-08-05T09:00:00.000Z',
      'rr.ctr-risk.2026-01-01.120d@2026-10-04T09:00:00.000Z',
      'rr.ctr-risk.2026-01-01.90d@2026-11-03T09:00:00.000Z',
      'rr.ctr-risk.2026-01-01.60d@2026-12-03T09:00:00.000Z',
      'rr.ctr-risk.2026-01-01.30d@2027-01-02T09:00:00.000Z',
    ]);

    contracts.set('ctr-risk', riskContract({ termStart: '2027-02-01', termEnd: '2028-02-01' }));
    const renewed = await scheduleRenewalChecks(deps, { change: 'renewed', contractId: 'ctr-risk', previousTermId: '2026-01-01' });
    expect(renewed.deleted.map((d) => d.outcome)).toEqual(['deleted', 'deleted', 'deleted', 'deleted', 'deleted']);
    expect(scheduler.list().every((s) => s.payload.termId === '2027-02-01')).toBe(true);
    expect(scheduler.list()).toHaveLength(5);
  });

  it('removes the checks on cancellation, and a repeat finds them absent', async () => {
    const { contracts, scheduler, deps } = setup('2026-06-01T00:00:00Z');
    contracts.set('ctr-risk', riskContract());
    await scheduleRenewalChecks(deps, { change: 'created', contractId: 'ctr-risk' });
    const cancelled = await scheduleRenewalChecks(deps, { change: 'cancelled', contractId: 'ctr-risk', termId: '2026-01-01' });
    const again = await scheduleRenewalChecks(deps, { change: 'cancelled', contractId: 'ctr-risk', termId: '2026-01-01' });
    expect(cancelled.deleted.map((d) => d.outcome)).toEqual(['deleted', 'deleted', 'deleted', 'deleted', 'deleted']);
    expect(again.deleted.map((d) => d.outcome)).toEqual(['absent', 'absent', 'absent', 'absent', 'absent']);
    expect(scheduler.list()).toEqual([]);
  });

  it('refuses a change for a contract that is not stored', async () => {
    const { deps } = setup('2026-06-01T00:00:00Z');
    await expect(scheduleRenewalChecks(deps, { change: 'created', contractId: 'nope' })).rejects.toBeInstanceOf(RiskContractNotFoundError);
  });
});

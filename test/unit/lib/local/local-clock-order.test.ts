// `clock advance` fires every schedule that falls due, period closes and
// renewal checks alike, in time order (closes first at the same instant), so
// each check sees the closes that fell due before it.
import { describe, expect, it } from 'vitest';
import { InMemoryCheckpointScheduler } from '../../../../lib/local/in-memory-checkpoint-scheduler';
import { DEFAULT_RENEWAL_RISK_SETTINGS } from '../../../../lambdas/application/risk/risk-settings';
import type { RiskService } from '../../../../lambdas/composition/risk-service';
import { planRenewalCheckpoints } from '../../../../lambdas/domain/risk/checkpoint-plan';
import { createLocalClock, createLocalRenewalScheduler, type LocalScheduleTimeline } from '../../../../lib/local/local-clock';

describe('the local clock', () => {
  it('fires closes and checks in time order, closes first at the same instant', async () => {
    const clock = createLocalClock(() => new Date('2026-09-01T00:00:00Z'));
    const ran: string[] = [];
    // Closes of August, September and October (period end + 24 h grace); the
    // 90-day check of a contract whose term ends 2027-01-01 fires 2026-10-03T09:00Z.
    const pendingCloses = ['2026-09-02T00:00:00.000Z', '2026-10-02T00:00:00.000Z', '2026-10-03T09:00:00.000Z', '2026-11-02T00:00:00.000Z'];
    const closes: LocalScheduleTimeline = {
      nextAfter: (after) => {
        const next = pendingCloses.find((at) => Date.parse(at) > after.getTime());
        return next === undefined ? undefined : new Date(next);
      },
      runDue: async () => {
        while (pendingCloses[0] !== undefined && Date.parse(pendingCloses[0]) <= clock.now().getTime()) {
          ran.push(`close ${pendingCloses.shift()} at ${clock.now().toISOString()}`);
        }
      },
    };
    const scheduler = new InMemoryCheckpointScheduler();
    await scheduler.upsertCheckpointSchedules(
      planRenewalCheckpoints({ contractId: 'ctr', termId: '2026-01-01', termEnd: '2027-01-01', timeZone: 'UTC', checkpointsDays: [120, 90, 60], now: clock.now().toISOString() }),
    );
    const risk = {
      deps: { settings: DEFAULT_RENEWAL_RISK_SETTINGS },
      checkRenewalRisk: async (payload: { checkpointDays: number }) => {
        ran.push(`check ${payload.checkpointDays}d at ${clock.now().toISOString()}`);
        return { outcome: 'skipped', why: 'contract_not_found', message: 'test' };
      },
    } as unknown as RiskService;
    const renewal = createLocalRenewalScheduler({
      clock,
      risk,
      scheduler,
      contracts: { listContracts: async () => [], getContract: async () => undefined, getContractAsOf: async () => undefined, getPlan: async () => undefined },
      log: () => undefined,
      closes,
    });

    const fired = await renewal.advanceTo(new Date('2026-10-20T00:00:00Z'));

    expect(ran).toEqual([
      'close 2026-09-02T00:00:00.000Z at 2026-09-02T00:00:00.000Z',
      'check 120d at 2026-09-03T09:00:00.000Z',
      'close 2026-10-02T00:00:00.000Z at 2026-10-02T00:00:00.000Z',
      'close 2026-10-03T09:00:00.000Z at 2026-10-03T09:00:00.000Z',
      'check 90d at 2026-10-03T09:00:00.000Z',
    ]);
    expect(fired.map((check) => check.fireAt)).toEqual(['2026-09-03T09:00:00.000Z', '2026-10-03T09:00:00.000Z']);
    expect(clock.now().toISOString()).toBe('2026-10-20T00:00:00.000Z');

    await renewal.advanceTo(new Date('2026-11-03T00:00:00Z'));
    expect(ran.slice(5)).toEqual(['close 2026-11-02T00:00:00.000Z at 2026-11-02T00:00:00.000Z', 'check 60d at 2026-11-02T09:00:00.000Z']);
  });
});

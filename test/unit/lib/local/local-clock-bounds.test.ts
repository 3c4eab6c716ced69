// The local clock refuses changes that are not sane instants, and the
// renewal timer fires what is due on a clock that moves by itself (the wall
// clock plus the user's advance) without ever asking it to move back.
import { describe, expect, it } from 'vitest';
import { InMemoryCheckpointScheduler } from '../../../../lib/local/in-memory-checkpoint-scheduler';
import { DEFAULT_RENEWAL_RISK_SETTINGS } from '../../../../lambdas/application/risk/risk-settings';
import type { RiskService } from '../../../../lambdas/composition/risk-service';
import { planRenewalCheckpoints } from '../../../../lambdas/domain/risk/checkpoint-plan';
import {
  ClockMovesBackwardsError,
  ClockTargetOutOfRangeError,
  createLocalClock,
  createLocalRenewalScheduler,
  InvalidDurationError,
  parseDuration,
  type LocalScheduleTimeline,
} from '../../../../lib/local/local-clock';

const DAY_MS = 86_400_000;

describe('clock bounds', () => {
  it('parses durations up to 100 years and refuses longer or malformed ones', () => {
    expect(parseDuration('1d12h')).toBe(1.5 * DAY_MS);
    expect(parseDuration('5200w')).toBe(5200 * 7 * DAY_MS);
    expect(() => parseDuration('99999999999d')).toThrow(InvalidDurationError);
    expect(() => parseDuration('99999999999d')).toThrow(/at most 100 years/);
    expect(() => parseDuration('9'.repeat(400) + 'm')).toThrow(InvalidDurationError);
    expect(() => parseDuration('-3d')).toThrow(InvalidDurationError);
  });

  it('refuses targets that are invalid, backwards, more than 100 years ahead or past year 9999, and stays where it was', () => {
    const clock = createLocalClock(() => new Date('2026-11-20T12:00:00Z'));
    expect(() => clock.advanceTo(new Date(Number.NaN))).toThrow(ClockTargetOutOfRangeError);
    expect(() => clock.advanceTo(new Date('2026-11-19T00:00:00Z'))).toThrow(ClockMovesBackwardsError);
    expect(() => clock.advanceTo(new Date('2127-01-01T00:00:00Z'))).toThrow(/more than 100 years/);
    expect(() => clock.advanceBy(Number.POSITIVE_INFINITY)).toThrow(ClockTargetOutOfRangeError);
    expect(() => clock.advanceBy(-1)).toThrow(ClockTargetOutOfRangeError);
    expect(clock.now().toISOString()).toBe('2026-11-20T12:00:00.000Z');

    const late = createLocalClock(() => new Date('9950-01-01T00:00:00Z'));
    expect(() => late.advanceTo(new Date('+010000-01-01T00:00:00Z'))).toThrow(/after 9999-12-31T23:59:59.999Z/);
    expect(late.advanceTo(new Date('9999-12-31T00:00:00Z')).toISOString()).toBe('9999-12-31T00:00:00.000Z');
  });
});

describe('the renewal timer on a moving clock', () => {
  it('fires a due check although the clock moves on while the tick works', async () => {
    // The wall clock, as the engine runs it: time passes during every await.
    const clock = createLocalClock();
    const scheduler = new InMemoryCheckpointScheduler();
    const termEnd = new Date(clock.now().getTime() + 200 * DAY_MS);
    await scheduler.upsertCheckpointSchedules(
      planRenewalCheckpoints({
        contractId: 'ctr-moving',
        termId: 'term-1',
        termEnd: termEnd.toISOString().slice(0, 10),
        timeZone: 'UTC',
        checkpointsDays: [90],
        now: clock.now().toISOString(),
      }),
    );
    const [pending] = scheduler.list();
    expect(pending).toBeDefined();
    const fired: string[] = [];
    const risk = {
      deps: { settings: DEFAULT_RENEWAL_RISK_SETTINGS },
      checkRenewalRisk: async (payload: { checkpointDays: number }) => {
        fired.push(`${payload.checkpointDays}d`);
        return { outcome: 'skipped', why: 'contract_not_found', message: 'test' };
      },
    } as unknown as RiskService;
    // Period closes that take a while to look at, as DynamoDB and Stripe calls do.
    const slow = () => new Promise((resolve) => setTimeout(resolve, 25));
    const closes: LocalScheduleTimeline = { nextAfter: () => undefined, runDue: async () => void (await slow()) };
    const renewal = createLocalRenewalScheduler({
      clock,
      risk,
      scheduler,
      contracts: { listContracts: async () => (await slow(), []), getContract: async () => undefined, getContractAsOf: async () => undefined, getPlan: async () => undefined },
      log: () => undefined,
      closes,
    });

    // Move to just before the checkpoint (110 days ahead, at its local 09:00).
    const fireAt = Date.parse(pending!.fireAt);
    expect(await renewal.advanceTo(new Date(fireAt - 100))).toEqual([]);
    const deadline = Date.now() + 20_000;
    // Ticks as the timer does, until the check fires; every tick must succeed.
    while (fired.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await renewal.runDue();
    }
    expect(fired).toEqual(['90d']);
    expect(scheduler.list()).toEqual([]);
    expect(clock.now().getTime()).toBeGreaterThanOrEqual(fireAt);
  });

  it('runs ticks queued behind each other without refusing the later ones', async () => {
    const clock = createLocalClock();
    const slow = () => new Promise((resolve) => setTimeout(resolve, 15));
    const renewal = createLocalRenewalScheduler({
      clock,
      risk: { deps: { settings: DEFAULT_RENEWAL_RISK_SETTINGS } } as unknown as RiskService,
      scheduler: new InMemoryCheckpointScheduler(),
      contracts: { listContracts: async () => (await slow(), []), getContract: async () => undefined, getContractAsOf: async () => undefined, getPlan: async () => undefined },
      log: () => undefined,
    });
    // Each tick asks for "now" while the one before it still runs.
    const results = await Promise.allSettled([renewal.runDue(), renewal.runDue(), renewal.runDue()]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
  });
});

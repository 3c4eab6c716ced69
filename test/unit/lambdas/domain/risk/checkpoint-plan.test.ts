import { describe, expect, it } from 'vitest';
import {
  CheckpointPlanError,
  checkpointScheduleName,
  checkpointScheduleNames,
  planRenewalCheckpoints,
} from '../../../../../lambdas/domain/risk';

const base = { contractId: 'acme', termId: '2026', timeZone: 'America/New_York' };

function fireTimes(plan: ReturnType<typeof planRenewalCheckpoints>) {
  return plan.checkpoints.map((c) => [c.checkpointDays, c.fireAt, c.localFireTime]);
}

describe('planRenewalCheckpoints: local time across DST changes', () => {
  it('keeps 09:00 New York time either side of the November change', () => {
    const plan = planRenewalCheckpoints({ ...base, termEnd: '2027-01-01', now: '2026-06-01T00:00:00Z' });
    expect(fireTimes(plan)).toEqual([
      [180, '2026-07-05T13:00:00.000Z', '2026-07-05T09:00:00'],
      [120, '2026-09-03T13:00:00.000Z', '2026-09-03T09:00:00'],
      [90, '2026-10-03T13:00:00.000Z', '2026-10-03T09:00:00'],
      [60, '2026-11-02T14:00:00.000Z', '2026-11-02T09:00:00'],
      [30, '2026-12-02T14:00:00.000Z', '2026-12-02T09:00:00'],
    ]);
    expect(plan.skipped).toEqual([]);
  });

  it('puts a checkpoint that falls on the March change day at 09:00 EDT', () => {
    const plan = planRenewalCheckpoints({ ...base, termEnd: '2027-04-13', checkpointsDays: [60, 30], now: '2026-12-01T00:00:00Z' });
    expect(fireTimes(plan)).toEqual([
      [60, '2027-02-12T14:00:00.000Z', '2027-02-12T09:00:00'],
      [30, '2027-03-14T13:00:00.000Z', '2027-03-14T09:00:00'],
    ]);
  });

  it('moves a local time skipped by the spring-forward gap to the first valid time', () => {
    const plan = planRenewalCheckpoints({
      ...base,
      termEnd: '2027-04-13',
      checkpointsDays: [30],
      localTime: '02:30',
      now: '2026-12-01T00:00:00Z',
    });
    expect(fireTimes(plan)).toEqual([[30, '2027-03-14T07:30:00.000Z', '2027-03-14T03:30:00']]);
  });

  it('follows Europe/London from BST to GMT', () => {
    const plan = planRenewalCheckpoints({
      contractId: 'globex',
      termId: 't1',
      timeZone: 'Europe/London',
      termEnd: '2026-11-24',
      checkpointsDays: [60, 30],
      now: '2026-07-01T00:00:00Z',
    });
    expect(fireTimes(plan)).toEqual([
      [60, '2026-09-25T08:00:00.000Z', '2026-09-25T09:00:00'],
      [30, '2026-10-25T09:00:00.000Z', '2026-10-25T09:00:00'],
    ]);
  });

  it('counts calendar days over month ends and a leap February', () => {
    const plan = planRenewalCheckpoints({ ...base, termEnd: '2028-03-01', now: '2027-01-01T00:00:00Z' });
    expect(plan.checkpoints.map((c) => [c.checkpointDays, c.checkpointDate])).toEqual([
      [180, '2027-09-03'],
      [120, '2027-11-02'],
      [90, '2027-12-02'],
      [60, '2028-01-01'],
      [30, '2028-01-31'],
    ]);
    const nonLeap = planRenewalCheckpoints({ ...base, termEnd: '2027-03-01', checkpointsDays: [30], now: '2026-01-01T00:00:00Z' });
    expect(nonLeap.checkpoints[0]?.checkpointDate).toBe('2027-01-30');
  });
});

describe('planRenewalCheckpoints: contracts planned inside the window', () => {
  it('plans one catch-up for the latest passed checkpoint plus the future ones (45 days before term end)', () => {
    // Term ends 2027-01-01 New York; 45 days before is 2026-11-17.
    const plan = planRenewalCheckpoints({ ...base, termEnd: '2027-01-01', now: '2026-11-17T15:00:00Z' });
    expect(plan.checkpoints).toEqual([
      expect.objectContaining({ checkpointDays: 60, catchUp: true, fireAt: '2026-11-17T15:05:00.000Z', localFireTime: '2026-11-17T10:05:00' }),
      expect.objectContaining({ checkpointDays: 30, catchUp: false, fireAt: '2026-12-02T14:00:00.000Z' }),
    ]);
    expect(plan.skipped).toEqual([
      { checkpointDays: 180, checkpointDate: '2026-07-05', reason: 'passed' },
      { checkpointDays: 120, checkpointDate: '2026-09-03', reason: 'passed' },
      { checkpointDays: 90, checkpointDate: '2026-10-03', reason: 'passed' },
    ]);
  });

  it('skips the catch-up when the next checkpoint is within a week anyway', () => {
    const plan = planRenewalCheckpoints({ ...base, termEnd: '2027-01-01', now: '2026-11-28T15:00:00Z' });
    expect(plan.checkpoints.map((c) => [c.checkpointDays, c.catchUp])).toEqual([[30, false]]);
    expect(plan.skipped.find((s) => s.checkpointDays === 60)?.reason).toBe('next_checkpoint_soon');
  });

  it('gives a contract signed 20 days before term end one immediate check', () => {
    const plan = planRenewalCheckpoints({ ...base, termEnd: '2027-01-01', now: '2026-12-12T15:00:30.250Z' });
    expect(plan.checkpoints).toEqual([
      expect.objectContaining({ checkpointDays: 30, catchUp: true, fireAt: '2026-12-12T15:05:30.000Z' }),
    ]);
  });

  it('plans nothing but the future when catch-up is disabled', () => {
    const plan = planRenewalCheckpoints({ ...base, termEnd: '2027-01-01', now: '2026-11-17T15:00:00Z', catchUp: { enabled: false } });
    expect(plan.checkpoints.map((c) => c.checkpointDays)).toEqual([30]);
  });

  it('plans nothing once the term has ended', () => {
    const plan = planRenewalCheckpoints({ ...base, termEnd: '2027-01-01', now: '2027-01-01T05:00:00Z' });
    expect(plan.checkpoints).toEqual([]);
    expect(plan.skipped.map((s) => s.reason)).toEqual(['term_ended', 'term_ended', 'term_ended', 'term_ended', 'term_ended']);
  });

  it('treats a checkpoint at exactly now as passed (it is being handled by its own firing)', () => {
    const plan = planRenewalCheckpoints({ ...base, termEnd: '2027-01-01', now: '2026-12-02T14:00:00Z', catchUp: { enabled: false } });
    expect(plan.checkpoints).toEqual([]);
  });

  it('is deterministic: the same request gives the same plan', () => {
    const request = { ...base, termEnd: '2027-01-01', now: '2026-11-17T15:00:00Z' };
    expect(planRenewalCheckpoints(request)).toEqual(planRenewalCheckpoints(request));
  });
});

describe('checkpoint schedule names', () => {
  const VALID = /^[0-9A-Za-z_.-]{1,64}$/;

  it('is readable for simple ids', () => {
    expect(checkpointScheduleName('acme-corp', '2026_1', 90)).toBe('rr.acme-corp.2026_1.90d');
    expect(checkpointScheduleNames('acme', 't1')).toEqual(['rr.acme.t1.180d', 'rr.acme.t1.120d', 'rr.acme.t1.90d', 'rr.acme.t1.60d', 'rr.acme.t1.30d']);
  });

  it('hashes long ids or ids with other characters, within 64 valid characters', () => {
    const long = checkpointScheduleName('contract-'.repeat(14), 'term-2026-01-01', 120);
    const odd = checkpointScheduleName('acme/emea:42', 'term 1', 30);
    for (const name of [long, odd]) {
      expect(name).toMatch(VALID);
      expect(name.length).toBeLessThanOrEqual(64);
    }
    expect(odd).toMatch(/^rr\.h\.acme_emea_42\.[0-9a-f]{24}\.30d$/);
    expect(checkpointScheduleName('acme/emea:42', 'term 1', 30)).toBe(odd);
  });

  it('never gives two terms the same name', () => {
    const names = new Set([
      checkpointScheduleName('a-b', 'c', 30),
      checkpointScheduleName('a', 'b-c', 30),
      checkpointScheduleName('a/b', 'c', 30),
      checkpointScheduleName('a_b', 'c', 30),
      checkpointScheduleName('a', 'b/c', 30),
    ]);
    expect(names.size).toBe(5);
  });
});

describe('checkpoint request validation', () => {
  it('rejects an unknown zone and duplicate checkpoints with a code', () => {
    expect(() => planRenewalCheckpoints({ ...base, timeZone: 'Mars/Olympus', termEnd: '2027-01-01', now: '2026-01-01T00:00:00Z' })).toThrow(
      expect.objectContaining({ name: 'CheckpointPlanError', code: 'invalid_checkpoint_request', message: expect.stringContaining('timeZone') }),
    );
    expect(() => planRenewalCheckpoints({ ...base, termEnd: '2027-01-01', checkpointsDays: [30, 30], now: '2026-01-01T00:00:00Z' })).toThrow(
      CheckpointPlanError,
    );
    expect(() => planRenewalCheckpoints({ ...base, termEnd: '2027-02-30', now: '2026-01-01T00:00:00Z' })).toThrow(/termEnd/);
  });
});

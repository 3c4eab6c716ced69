import { describe, expect, it } from 'vitest';
import { InMemoryCheckpointScheduler } from '../../../../lib/local/in-memory-checkpoint-scheduler';
import { planRenewalCheckpoints } from '../../../../lambdas/domain/risk';

const request = {
  contractId: 'acme',
  termId: '2026',
  termEnd: '2027-01-01',
  timeZone: 'Europe/London',
  now: '2026-06-01T00:00:00Z',
};

describe('InMemoryCheckpointScheduler', () => {
  it('fires each checkpoint once as a controllable clock moves through the term', async () => {
    const scheduler = new InMemoryCheckpointScheduler();
    expect((await scheduler.upsertCheckpointSchedules(planRenewalCheckpoints(request))).map((r) => r.outcome)).toEqual([
      'created',
      'created',
      'created',
      'created',
      'created',
    ]);
    expect((await scheduler.upsertCheckpointSchedules(planRenewalCheckpoints(request))).map((r) => r.outcome)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    expect(scheduler.takeDue('2026-07-04T00:00:00Z')).toEqual([]);
    const first = scheduler.takeDue('2026-10-10T00:00:00Z');
    expect(first.map((s) => [s.payload.checkpointDays, s.fireAt])).toEqual([
      [180, '2026-07-05T08:00:00.000Z'],
      [120, '2026-09-03T08:00:00.000Z'],
      [90, '2026-10-03T08:00:00.000Z'],
    ]);
    expect(scheduler.takeDue('2026-10-10T00:00:00Z')).toEqual([]);
    expect(scheduler.list().map((s) => s.payload.checkpointDays)).toEqual([60, 30]);
  });

  it('moves and deletes by derived names', async () => {
    const scheduler = new InMemoryCheckpointScheduler();
    await scheduler.upsertCheckpointSchedules(planRenewalCheckpoints(request));
    const moved = await scheduler.moveCheckpointSchedules(
      { contractId: 'acme', termId: '2026' },
      planRenewalCheckpoints({ ...request, termId: '2026b', termEnd: '2027-02-01' }),
    );
    expect(moved.deleted.map((d) => d.outcome)).toEqual(['deleted', 'deleted', 'deleted', 'deleted', 'deleted']);
    expect((await scheduler.deleteCheckpointSchedules({ contractId: 'acme', termId: '2026b', checkpointsDays: [180, 120, 90, 60, 30, 7] })).map((d) => d.outcome)).toEqual([
      'deleted',
      'deleted',
      'deleted',
      'deleted',
      'deleted',
      'absent',
    ]);
    expect(scheduler.list()).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { completeDaysBefore } from '../../../../../lambdas/domain/periods/local-days';

describe('completeDaysBefore', () => {
  it('lists the complete local days before today, oldest first, midnight to midnight in the zone', () => {
    // 03:00Z on Nov 20 is still Nov 19 in New York: yesterday there is Nov 18.
    expect(completeDaysBefore('2026-11-20T03:00:00Z', 'America/New_York', 2)).toEqual([
      { date: '2026-11-17', start: '2026-11-17T05:00:00.000Z', end: '2026-11-18T05:00:00.000Z' },
      { date: '2026-11-18', start: '2026-11-18T05:00:00.000Z', end: '2026-11-19T05:00:00.000Z' },
    ]);
  });

  it('crosses month and year ends, and gives a DST day its 25 hours', () => {
    expect(completeDaysBefore('2027-01-01T12:00:00Z', 'UTC', 1)).toEqual([{ date: '2026-12-31', start: '2026-12-31T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' }]);
    // New York falls back on 2026-11-01.
    const [day] = completeDaysBefore('2026-11-02T12:00:00Z', 'America/New_York', 1);
    expect(day).toEqual({ date: '2026-11-01', start: '2026-11-01T04:00:00.000Z', end: '2026-11-02T05:00:00.000Z' });
  });
});

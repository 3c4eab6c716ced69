import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { periodById, periodContaining, periodsForTerm, type BillingSchedule } from '../../../../../lambdas/domain/periods';

const zones = ['UTC', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'America/Santiago', 'Europe/London', 'Pacific/Chatham'];

const scheduleArbitrary = fc
  .record({
    timeZone: fc.constantFrom(...zones),
    cadence: fc.constantFrom('monthly' as const, 'quarterly' as const, 'annual' as const),
    anchorDay: fc.integer({ min: 1, max: 31 }),
    anchorMonth: fc.integer({ min: 1, max: 12 }),
    startDay: fc.integer({ min: 0, max: 365 * 6 }),
    lengthDays: fc.integer({ min: 1, max: 365 * 3 }),
  })
  .map(({ startDay, lengthDays, ...rest }): BillingSchedule => {
    const start = DateTime.fromISO('2025-01-01', { zone: 'UTC' }).plus({ days: startDay });
    return {
      ...rest,
      termStart: start.toISODate() ?? '',
      termEnd: start.plus({ days: lengthDays }).toISODate() ?? '',
    };
  });

describe('periodsForTerm', () => {
  it('tiles the term with contiguous periods starting at local midnights, each found again by id and instant', () => {
    fc.assert(
      fc.property(scheduleArbitrary, (schedule) => {
        const periods = periodsForTerm(schedule);
        expect(periods.length).toBeGreaterThan(0);
        expect(periods[0]?.startDate).toBe(schedule.termStart);
        expect(periods.at(-1)?.endDate).toBe(schedule.termEnd);
        expect(new Set(periods.map((period) => period.id)).size).toBe(periods.length);
        periods.forEach((period, index) => {
          const next = periods[index + 1];
          if (next) expect(next.start).toBe(period.end);
          const localStart = DateTime.fromISO(period.start, { zone: schedule.timeZone });
          expect(localStart.toISODate()).toBe(period.startDate);
          expect(localStart.hour === 0 || localStart.minus({ hours: 1 }).toISODate() !== period.startDate).toBe(true);
          expect(period.proration.days).toBeGreaterThan(0);
          expect(period.proration.days).toBeLessThanOrEqual(period.proration.fullDays);
          expect(period.partial).toBe(period.proration.days !== period.proration.fullDays);
          if (period.partial) expect(index === 0 || index === periods.length - 1).toBe(true);
          expect(periodById(schedule, period.id)).toEqual(period);
          expect(periodContaining(schedule, period.start)).toEqual(period);
          expect(periodContaining(schedule, Date.parse(period.end) - 1)).toEqual(period);
        });
      }),
      { numRuns: 150 },
    );
  });
});

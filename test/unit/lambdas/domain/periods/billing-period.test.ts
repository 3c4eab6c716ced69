import { describe, expect, it } from 'vitest';
import {
  InvalidBillingScheduleError,
  InvalidInstantError,
  InvalidPeriodIdError,
  PeriodOutsideTermError,
  periodById,
  periodContaining,
  periodContainingIfInTerm,
  periodsForTerm,
  type BillingSchedule,
} from '../../../../../lambdas/domain/periods';

const monthly = (overrides: Partial<BillingSchedule>): BillingSchedule => ({
  timeZone: 'UTC',
  cadence: 'monthly',
  anchorDay: 1,
  anchorMonth: 1,
  termStart: '2026-01-01',
  termEnd: '2027-01-01',
  ...overrides,
});

describe('periods in the contract time zone', () => {
  it('puts America/New_York boundaries at local midnight across both DST changes', () => {
    const schedule = monthly({ timeZone: 'America/New_York' });
    const march = periodById(schedule, '2026-03');
    expect([march.start, march.end]).toEqual(['2026-03-01T05:00:00.000Z', '2026-04-01T04:00:00.000Z']);
    const november = periodById(schedule, '2026-11');
    expect([november.start, november.end]).toEqual(['2026-11-01T04:00:00.000Z', '2026-12-01T05:00:00.000Z']);
    // DST changes do not change the day count used for proration.
    expect(march.proration).toEqual({ days: 31, fullDays: 31 });
  });

  it('assigns instants around a New York boundary and the repeated 1 a.m. hour correctly', () => {
    const schedule = monthly({ timeZone: 'America/New_York' });
    expect(periodContaining(schedule, '2026-11-01T03:59:59.999Z').id).toBe('2026-10');
    expect(periodContaining(schedule, '2026-11-01T04:00:00.000Z').id).toBe('2026-11');
    expect(periodContaining(schedule, '2026-11-01T01:30:00-04:00').id).toBe('2026-11');
    expect(periodContaining(schedule, '2026-11-01T01:30:00-05:00').id).toBe('2026-11');
    expect(periodContaining(schedule, '2026-10-31T23:59:59-04:00').id).toBe('2026-10');
  });

  it('handles Australia/Sydney, whose DST runs across the new year', () => {
    const schedule = monthly({ timeZone: 'Australia/Sydney' });
    expect(periodById(schedule, '2026-01').start).toBe('2025-12-31T13:00:00.000Z');
    const april = periodById(schedule, '2026-04');
    expect([april.start, april.end]).toEqual(['2026-03-31T13:00:00.000Z', '2026-04-30T14:00:00.000Z']);
    const october = periodById(schedule, '2026-10');
    expect([october.start, october.end]).toEqual(['2026-09-30T14:00:00.000Z', '2026-10-31T13:00:00.000Z']);
  });

  it('handles the Asia/Kolkata half-hour offset', () => {
    const schedule = monthly({ timeZone: 'Asia/Kolkata' });
    const november = periodById(schedule, '2026-11');
    expect([november.start, november.end]).toEqual(['2026-10-31T18:30:00.000Z', '2026-11-30T18:30:00.000Z']);
    expect(periodContaining(schedule, '2026-10-31T18:29:59.999Z').id).toBe('2026-10');
    expect(periodContaining(schedule, '2026-10-31T18:30:00.000Z').id).toBe('2026-11');
  });

  it('starts a period at the first instant of a day whose midnight DST skips (America/Santiago)', () => {
    const schedule = monthly({ timeZone: 'America/Santiago', anchorDay: 6 });
    expect(periodById(schedule, '2026-09').start).toBe('2026-09-06T04:00:00.000Z');
  });

  it('never double-assigns an instant: the UTC day of a non-UTC customer belongs to one local period', () => {
    const schedule = monthly({ timeZone: 'Pacific/Auckland' });
    // 2026-11-30T12:00Z is already 1 December in Auckland.
    expect(periodContaining(schedule, '2026-11-30T12:00:00Z').id).toBe('2026-12');
    expect(periodContaining(schedule, '2026-11-30T10:59:59Z').id).toBe('2026-11');
  });
});

describe('month-end anchors', () => {
  it('falls back to the last day of shorter months and returns to the 31st', () => {
    const periods = periodsForTerm(monthly({ anchorDay: 31, termStart: '2026-01-31', termEnd: '2026-07-31' }));
    expect(periods.map((period) => [period.id, period.startDate, period.endDate])).toEqual([
      ['2026-01', '2026-01-31', '2026-02-28'],
      ['2026-02', '2026-02-28', '2026-03-31'],
      ['2026-03', '2026-03-31', '2026-04-30'],
      ['2026-04', '2026-04-30', '2026-05-31'],
      ['2026-05', '2026-05-31', '2026-06-30'],
      ['2026-06', '2026-06-30', '2026-07-31'],
    ]);
    expect(periods.every((period) => !period.partial)).toBe(true);
  });

  it('uses 29 February in the leap year 2028', () => {
    const periods = periodsForTerm(monthly({ anchorDay: 31, termStart: '2028-01-31', termEnd: '2028-04-30' }));
    expect(periods.map((period) => [period.startDate, period.endDate, period.proration.fullDays])).toEqual([
      ['2028-01-31', '2028-02-29', 29],
      ['2028-02-29', '2028-03-31', 31],
      ['2028-03-31', '2028-04-30', 30],
    ]);
  });

  it('anchors annual periods on 29 February, using 28 February in other years', () => {
    const schedule: BillingSchedule = {
      timeZone: 'Europe/London',
      cadence: 'annual',
      anchorDay: 29,
      anchorMonth: 2,
      termStart: '2028-02-29',
      termEnd: '2032-02-29',
    };
    expect(periodsForTerm(schedule).map((period) => [period.id, period.startDate, period.endDate, period.proration.fullDays])).toEqual([
      ['2028', '2028-02-29', '2029-02-28', 365],
      ['2029', '2029-02-28', '2030-02-28', 365],
      ['2030', '2030-02-28', '2031-02-28', 365],
      ['2031', '2031-02-28', '2032-02-29', 366],
    ]);
  });
});

describe('quarterly and annual cadences', () => {
  const quarterly: BillingSchedule = {
    timeZone: 'Europe/Berlin',
    cadence: 'quarterly',
    anchorDay: 15,
    anchorMonth: 2,
    termStart: '2026-02-15',
    termEnd: '2027-02-15',
  };

  it('starts quarters in the anchor month and every third month after it', () => {
    expect(periodsForTerm(quarterly).map((period) => [period.id, period.startDate, period.endDate])).toEqual([
      ['2026-Q1', '2026-02-15', '2026-05-15'],
      ['2026-Q2', '2026-05-15', '2026-08-15'],
      ['2026-Q3', '2026-08-15', '2026-11-15'],
      ['2026-Q4', '2026-11-15', '2027-02-15'],
    ]);
    expect(periodById(quarterly, '2026-Q3').start).toBe('2026-08-14T22:00:00.000Z');
    expect(periodContaining(quarterly, '2027-01-01T00:00:00Z').id).toBe('2026-Q4');
  });

  it('cuts an annual term with a partial first and last year', () => {
    const schedule: BillingSchedule = {
      timeZone: 'UTC',
      cadence: 'annual',
      anchorDay: 1,
      anchorMonth: 1,
      termStart: '2026-07-01',
      termEnd: '2028-07-01',
    };
    expect(periodsForTerm(schedule).map((period) => [period.id, period.proration.days, period.proration.fullDays, period.partial])).toEqual([
      ['2026', 184, 365, true],
      ['2027', 365, 365, false],
      ['2028', 182, 366, true],
    ]);
  });
});

describe('partial first and last periods', () => {
  it('clips to the term and records local days for proration', () => {
    const periods = periodsForTerm(monthly({ timeZone: 'America/New_York', termStart: '2026-01-20', termEnd: '2026-04-10' }));
    expect(periods.map((period) => [period.id, period.startDate, period.endDate, period.proration, period.partial])).toEqual([
      ['2026-01', '2026-01-20', '2026-02-01', { days: 12, fullDays: 31 }, true],
      ['2026-02', '2026-02-01', '2026-03-01', { days: 28, fullDays: 28 }, false],
      ['2026-03', '2026-03-01', '2026-04-01', { days: 31, fullDays: 31 }, false],
      ['2026-04', '2026-04-01', '2026-04-10', { days: 9, fullDays: 30 }, true],
    ]);
    expect(periods.map((period) => [period.firstOfTerm, period.lastOfTerm])).toEqual([
      [true, false],
      [false, false],
      [false, false],
      [false, true],
    ]);
    expect(periods[0]?.start).toBe('2026-01-20T05:00:00.000Z');
    expect(periods[3]?.end).toBe('2026-04-10T04:00:00.000Z');
  });
});

describe('bad input', () => {
  const schedule = monthly({});

  it('rejects period ids of the wrong shape, naming the expected one', () => {
    expect(() => periodById(schedule, '2026-13')).toThrow(InvalidPeriodIdError);
    expect(() => periodById(schedule, '2026-Q1')).toThrow(/YYYY-MM \(e\.g\. 2026-11\) for a monthly contract/);
  });

  it('rejects periods and instants outside the term', () => {
    expect(() => periodById(schedule, '2027-01')).toThrow(PeriodOutsideTermError);
    expect(() => periodContaining(schedule, '2025-12-31T23:59:59Z')).toThrow(PeriodOutsideTermError);
    expect(() => periodContaining(schedule, '2027-01-01T00:00:00Z')).toThrow(PeriodOutsideTermError);
  });

  it('answers no period, rather than an error, outside the term when asked if in term; other errors still throw', () => {
    expect(periodContainingIfInTerm(schedule, '2025-12-31T23:59:59Z')).toBeUndefined();
    expect(periodContainingIfInTerm(schedule, '2027-01-01T00:00:00Z')).toBeUndefined();
    expect(periodContainingIfInTerm(schedule, '2026-12-31T23:59:59Z')?.id).toBe(periodContaining(schedule, '2026-12-31T23:59:59Z').id);
    expect(() => periodContainingIfInTerm(schedule, '2026-06-01T00:00:00')).toThrow(/offset/);
  });

  it('refuses instants without an offset (their meaning would depend on the reader)', () => {
    expect(() => periodContaining(schedule, '2026-05-01T10:00:00')).toThrow(InvalidInstantError);
    expect(periodContaining(schedule, new Date('2026-05-01T10:00:00Z')).id).toBe('2026-05');
    expect(periodContaining(schedule, Date.parse('2026-05-01T10:00:00Z')).id).toBe('2026-05');
  });

  it('rejects invalid schedules with the reason', () => {
    expect(() => periodsForTerm(monthly({ timeZone: 'Mars/Olympus' }))).toThrow(InvalidBillingScheduleError);
    expect(() => periodsForTerm(monthly({ termEnd: '2026-01-01' }))).toThrow(/termEnd must be after termStart/);
    expect(() => periodsForTerm(monthly({ anchorDay: 32 }))).toThrow(InvalidBillingScheduleError);
  });
});

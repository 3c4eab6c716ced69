import { describe, expect, it } from 'vitest';
import { InstantSchema, LocalDateSchema, PeriodIdSchema, TimeZoneSchema } from '../../../../../lambdas/domain/periods/time-schemas';
import { RenewalCheckpointPayloadSchema } from '../../../../../lambdas/domain/risk/checkpoint-payload';

const messageOf = (result: { success: boolean; error?: { issues: { message: string }[] } }) => result.error?.issues[0]?.message;

describe('the one set of time schemas', () => {
  it('an instant carries its offset and seconds, and is a real moment', () => {
    expect(InstantSchema.safeParse('2026-11-01T09:00:00Z').success).toBe(true);
    expect(InstantSchema.safeParse('2026-11-01T09:00:00.123+05:30').success).toBe(true);
    for (const bad of ['2026-11-01T09:00:00', '2026-11-01', '2026-02-30T00:00:00Z', 'yesterday', 17]) {
      expect(messageOf(InstantSchema.safeParse(bad)), String(bad)).toBe('expected an RFC 3339 instant with offset, e.g. 2026-11-01T09:00:00Z');
    }
  });

  it('a local date is a real calendar date', () => {
    expect(LocalDateSchema.safeParse('2028-02-29').success).toBe(true);
    expect(messageOf(LocalDateSchema.safeParse('2026-02-29'))).toBe('expected a real calendar date YYYY-MM-DD');
    expect(messageOf(LocalDateSchema.safeParse('2026-2-1'))).toBe('expected a real calendar date YYYY-MM-DD');
    expect(messageOf(LocalDateSchema.safeParse(20260201))).toBe('expected a date YYYY-MM-DD');
  });

  it('a time zone is an IANA name luxon knows', () => {
    expect(TimeZoneSchema.safeParse('Europe/Berlin').success).toBe(true);
    expect(TimeZoneSchema.safeParse('UTC').success).toBe(true);
    expect(messageOf(TimeZoneSchema.safeParse('Mars/Olympus'))).toBe('expected an IANA time zone name such as "America/New_York" or "UTC"');
  });

  it('a period id is a month, a quarter or a year', () => {
    for (const good of ['2026-11', '2026-01', '2026-Q4', '2026']) expect(PeriodIdSchema.safeParse(good).success, good).toBe(true);
    for (const bad of ['2026-13', '2026-00', '2026-Q5', '26-11', '2026-11-01']) {
      expect(messageOf(PeriodIdSchema.safeParse(bad)), bad).toBe('expected a period id such as 2026-11, 2026-Q4 or 2026');
    }
  });

  it('risk input uses the same instant schema and message', () => {
    const result = RenewalCheckpointPayloadSchema.safeParse({
      schemaVersion: 1,
      contractId: 'c',
      termId: 't',
      checkpointDays: 90,
      scheduledFor: '2026-11-01 09:00',
      catchUp: false,
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual([
      'scheduledFor: expected an RFC 3339 instant with offset, e.g. 2026-11-01T09:00:00Z',
    ]);
  });
});

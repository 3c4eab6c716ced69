import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHECKPOINT_DAYS, assessRenewalRisk, planRenewalCheckpoints } from '../../../../../lambdas/domain/risk';
import { baseInput, monthlyUsage } from '../../../../support/risk-fixtures';

const ZONES = ['America/New_York', 'Europe/London', 'Australia/Sydney', 'Asia/Kolkata', 'America/Santiago', 'UTC'];

describe('checkpoint plan properties', () => {
  it('always fires at the local time on the right day, in order, in the future, with valid names', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 400 }),
        (zone, end, daysBefore) => {
          const termEnd = DateTime.fromJSDate(end, { zone: 'UTC' }).toISODate() ?? '';
          const now = DateTime.fromISO(termEnd, { zone }).minus({ days: daysBefore, hours: 3 }).toUTC().toISO() ?? '';
          const plan = planRenewalCheckpoints({ contractId: 'c', termId: 't', termEnd, timeZone: zone, now, catchUp: { enabled: false } });
          let previous = 0;
          for (const checkpoint of plan.checkpoints) {
            const local = DateTime.fromISO(checkpoint.fireAt).setZone(zone);
            expect(local.toISODate()).toBe(checkpoint.checkpointDate);
            expect(local.toFormat('HH:mm')).toBe('09:00');
            expect(Date.parse(checkpoint.fireAt)).toBeGreaterThan(Date.parse(now));
            expect(Date.parse(checkpoint.fireAt)).toBeGreaterThan(previous);
            expect(checkpoint.scheduleName).toMatch(/^[0-9A-Za-z_.-]{1,64}$/);
            previous = Date.parse(checkpoint.fireAt);
          }
          expect(plan.checkpoints.length + plan.skipped.length).toBe(DEFAULT_CHECKPOINT_DAYS.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('assessment properties', () => {
  it('keeps the score within 0..100 and consistent with its contributions', () => {
    const quantity = fc.integer({ min: 0, max: 2000 }).map(String);
    fc.assert(
      fc.property(fc.array(quantity, { minLength: 10, maxLength: 10 }), fc.integer({ min: 0, max: 9_000_000 }), (quantities, spend) => {
        const assessment = assessRenewalRisk(baseInput({ usageByPeriod: monthlyUsage(2026, 'ticket.resolved', quantities), spendToDateMinor: String(spend) }));
        expect(assessment.score).toBeGreaterThanOrEqual(0);
        expect(assessment.score).toBeLessThanOrEqual(100);
        const sum = assessment.signals.reduce((total, s) => total + Number(s.contribution), 0);
        expect(Math.abs(sum - assessment.score)).toBeLessThanOrEqual(0.5 + 0.01 * assessment.signals.length);
      }),
      { numRuns: 150 },
    );
  });
});

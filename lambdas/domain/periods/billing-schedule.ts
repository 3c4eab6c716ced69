import { z } from 'zod';
import { parseLocalDate, compareLocalDates } from './local-date';
import { LocalDateSchema, TimeZoneSchema } from './time-schemas';

export const BILLING_CADENCES = ['monthly', 'quarterly', 'annual'] as const;
export const BillingCadenceSchema = z.enum(BILLING_CADENCES, {
  error: 'expected "monthly", "quarterly" or "annual"',
});
export type BillingCadence = z.infer<typeof BillingCadenceSchema>;

/** Months per period for each cadence. */
export const CADENCE_MONTHS: Readonly<Record<BillingCadence, number>> = { monthly: 1, quarterly: 3, annual: 12 };

/**
 * Everything needed to cut a contract term into billing periods.
 * - Periods start at local midnight of `anchorDay` in `timeZone`; an anchor
 *   beyond a month's length falls on its last day (31 -> Feb 28/29 -> Mar 31).
 * - `anchorMonth` picks which months quarterly/annual periods start in
 *   (quarterly with anchorMonth 2 starts in Feb, May, Aug, Nov).
 * - The term is [termStart, termEnd): termEnd is the first day not covered.
 */
export const BillingScheduleSchema = z
  .strictObject({
    timeZone: TimeZoneSchema,
    cadence: BillingCadenceSchema,
    anchorDay: z.int({ error: 'expected a whole day of month 1..31' }).min(1).max(31),
    anchorMonth: z.int({ error: 'expected a month 1..12' }).min(1).max(12),
    termStart: LocalDateSchema,
    termEnd: LocalDateSchema,
  })
  .superRefine((schedule, ctx) => {
    const start = parseLocalDate(schedule.termStart);
    const end = parseLocalDate(schedule.termEnd);
    if (start && end && compareLocalDates(end, start) <= 0) {
      ctx.addIssue({ code: 'custom', path: ['termEnd'], message: 'termEnd must be after termStart (it is exclusive)' });
    }
  });
export type BillingSchedule = z.infer<typeof BillingScheduleSchema>;

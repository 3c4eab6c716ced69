import { z } from 'zod';
import { isValidTimeZone, parseLocalDate } from './local-date';

// The one set of zod schemas for time in every input the engine accepts: ledger
// events, plans and contracts, risk settings and input, requests, the CLI and the
// local engine. Each has one error message, the same wherever it is used.

/** zod: a real calendar date `YYYY-MM-DD` (YAML leaves unquoted dates as strings). */
export const LocalDateSchema = z
  .string({ error: 'expected a date YYYY-MM-DD' })
  .refine((value) => parseLocalDate(value) !== undefined, { error: 'expected a real calendar date YYYY-MM-DD' });

/** zod: an IANA time zone name such as America/New_York or UTC (checked with luxon). */
export const TimeZoneSchema = z
  .string({ error: 'expected an IANA time zone name' })
  .refine(isValidTimeZone, { error: 'expected an IANA time zone name such as "America/New_York" or "UTC"' });

/**
 * zod: an RFC 3339 instant that carries its offset, seconds included (a bare
 * local time would be ambiguous). Impossible dates and times are refused.
 */
export const InstantSchema = z.iso.datetime({
  offset: true,
  error: 'expected an RFC 3339 instant with offset, e.g. 2026-11-01T09:00:00Z',
});

/** zod: a billing period id of any cadence: 2026-11 (monthly), 2026-Q4 (quarterly) or 2026 (annual). */
export const PeriodIdSchema = z
  .string({ error: 'expected a period id such as 2026-11, 2026-Q4 or 2026' })
  .regex(/^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]))?$/, { error: 'expected a period id such as 2026-11, 2026-Q4 or 2026' });

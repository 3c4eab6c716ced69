import { formatLocalDate, localDateOf, localMidnightUtcIso, toUtcDateTime, type InstantInput, type LocalDate } from './local-date';

/** One calendar day in a zone: its date and its [start, end) instants (RFC 3339 UTC). */
export interface LocalDay {
  readonly date: string;
  readonly start: string;
  readonly end: string;
}

/**
 * The `count` complete local days before the day containing `now`, oldest
 * first: the last is yesterday in `timeZone`. Each day runs from local
 * midnight to the next, so a DST day is 23 or 25 hours long.
 */
export function completeDaysBefore(now: InstantInput, timeZone: string, count: number): LocalDay[] {
  const today = localDateOf(toUtcDateTime(now), timeZone);
  const days: LocalDay[] = [];
  for (let back = count; back >= 1; back -= 1) {
    const date = shiftDays(today, -back);
    days.push({ date: formatLocalDate(date), start: localMidnightUtcIso(date, timeZone), end: localMidnightUtcIso(shiftDays(date, 1), timeZone) });
  }
  return days;
}

/** Calendar arithmetic on the date alone (UTC noon avoids any zone's DST). */
function shiftDays(date: LocalDate, days: number): LocalDate {
  const shifted = new Date(Date.UTC(date.year, date.month - 1, date.day + days, 12));
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

import { DateTime, IANAZone } from 'luxon';
import { InvalidInstantError } from './period-errors';

/** A calendar date with no time zone, `YYYY-MM-DD`. */
export interface LocalDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function parseLocalDate(text: string): LocalDate | undefined {
  const match = LOCAL_DATE.exec(text);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return { year, month, day };
}

export function formatLocalDate(date: LocalDate): string {
  return `${String(date.year).padStart(4, '0')}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

/**
 * Days since 1970-01-01 of a calendar date. Pure calendar arithmetic (no zone),
 * so differences are whole days even across DST changes.
 */
export function dayNumber(date: LocalDate): number {
  return Date.UTC(date.year, date.month - 1, date.day) / 86_400_000;
}

export function compareLocalDates(a: LocalDate, b: LocalDate): number {
  return dayNumber(a) - dayNumber(b);
}

/**
 * The first instant of a local calendar day in a zone. Period boundaries are
 * local midnight; where a DST change skips midnight (e.g. America/Santiago)
 * luxon moves forward to the first existing instant of that day.
 */
export function startOfLocalDay(date: LocalDate, timeZone: string): DateTime {
  return DateTime.fromObject({ year: date.year, month: date.month, day: date.day }, { zone: timeZone });
}

const INSTANT_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

/** Accepts a Date, epoch milliseconds, or an RFC 3339 string that carries its offset. */
export type InstantInput = Date | number | string;

export function toUtcDateTime(instant: InstantInput): DateTime {
  if (typeof instant === 'string') {
    if (!INSTANT_WITH_OFFSET.test(instant)) throw new InvalidInstantError(instant);
    const parsed = DateTime.fromISO(instant, { setZone: true });
    if (!parsed.isValid) throw new InvalidInstantError(instant);
    return parsed.toUTC();
  }
  const parsed = typeof instant === 'number' ? DateTime.fromMillis(instant) : DateTime.fromJSDate(instant);
  if (!parsed.isValid) throw new InvalidInstantError(String(instant));
  return parsed.toUTC();
}

/**
 * An instant as a UTC ISO string (`2026-11-01T04:00:00.000Z`) without luxon:
 * RFC 3339 strings carry their offset, which Date.parse applies exactly.
 */
let lastInstantText = '';
let lastInstantIso = '';

export function toUtcIsoString(instant: InstantInput): string {
  let millis: number;
  if (typeof instant === 'string') {
    // Batch callers pass the same `now` for thousands of contracts.
    if (instant === lastInstantText) return lastInstantIso;
    if (!INSTANT_WITH_OFFSET.test(instant)) throw new InvalidInstantError(instant);
    millis = Date.parse(instant);
    if (Number.isFinite(millis)) {
      lastInstantText = instant;
      lastInstantIso = new Date(millis).toISOString();
      return lastInstantIso;
    }
  } else {
    millis = typeof instant === 'number' ? instant : instant.getTime();
  }
  if (!Number.isFinite(millis)) throw new InvalidInstantError(String(instant));
  return new Date(millis).toISOString();
}

// Finding a zone's offset costs an Intl formatToParts call; a contract base has
// few zones and few period boundaries, so remember local midnights.
const localMidnights = new Map<string, string>();

/** UTC ISO instant of local midnight at the start of `date` in `timeZone` (see startOfLocalDay). */
export function localMidnightUtcIso(date: LocalDate, timeZone: string): string {
  const key = `${timeZone}|${date.year}|${date.month}|${date.day}`;
  let iso = localMidnights.get(key);
  if (iso === undefined) {
    iso = utcIso(startOfLocalDay(date, timeZone));
    if (localMidnights.size >= 100_000) localMidnights.clear();
    localMidnights.set(key, iso);
  }
  return iso;
}

export function localDateOf(instant: DateTime, timeZone: string): LocalDate {
  const local = instant.setZone(timeZone);
  return { year: local.year, month: local.month, day: local.day };
}

// luxon checks a zone by constructing an Intl.DateTimeFormat each time (about
// 250 µs); zone names are few, so remember the answers.
const zoneValidity = new Map<string, boolean>();

export function isValidTimeZone(timeZone: string): boolean {
  let valid = zoneValidity.get(timeZone);
  if (valid === undefined) {
    valid = IANAZone.isValidZone(timeZone);
    if (zoneValidity.size < 10_000) zoneValidity.set(timeZone, valid);
  }
  return valid;
}

export function utcIso(dateTime: DateTime): string {
  const iso = dateTime.toUTC().toISO();
  if (iso === null) throw new InvalidInstantError(String(dateTime.invalidReason));
  return iso;
}

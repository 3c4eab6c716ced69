import { DateTime } from 'luxon';
import { MoneyDecimal, ZERO } from '../money/decimal';

// Small value helpers shared by the risk modules: ratios and amounts in the
// money module's Decimal (never binary floating point, and never a second
// Decimal configuration), calendar dates, instants and formatting that prints
// numbers the way a CSM reads them ("62%", "1,234").

export { ZERO };
export const ONE = new MoneyDecimal(1);

/**
 * A Decimal from a setting, a count or a decimal string. Numbers are accepted
 * because risk settings (weights, thresholds) are validated JSON numbers, not money.
 */
export function dec(value: string | number | bigint | MoneyDecimal): MoneyDecimal {
  return new MoneyDecimal(typeof value === 'bigint' ? value.toString() : value);
}

/** Clamps to [0, 1]. */
export function clamp01(value: MoneyDecimal): MoneyDecimal {
  if (value.lessThan(0)) return ZERO;
  if (value.greaterThan(1)) return ONE;
  return value;
}

/**
 * Linear risk between a healthy and a failing value: 0 at (or beyond) `healthyAt`,
 * 1 at (or beyond) `failingAt`. Works whichever direction is worse.
 */
export function linearRisk(value: MoneyDecimal, healthyAt: MoneyDecimal, failingAt: MoneyDecimal): MoneyDecimal {
  return clamp01(value.minus(healthyAt).dividedBy(failingAt.minus(healthyAt)));
}

/** Plain decimal string rounded to `places`, trailing zeros dropped ("0.62", "3.5"). */
export function decimalString(value: MoneyDecimal, places = 4): string {
  return value.toDecimalPlaces(places).toFixed();
}

/** "62%" (ratio 0.6234); whole percent, half up. */
export function formatPercent(ratio: MoneyDecimal): string {
  return `${ratio.times(100).toDecimalPlaces(0).toFixed()}%`;
}

/** "1,234.5": grouped, at most `places` decimals, exact (Intl formats decimal strings without floats). */
export function formatQuantity(value: MoneyDecimal, places = 1): string {
  const text = value.toDecimalPlaces(places).toFixed();
  return new Intl.NumberFormat('en-US', { maximumFractionDigits: places }).format(text as unknown as number);
}

/** Rounds a decimal amount in minor units to an integer, half up. */
export function toMinorInteger(value: MoneyDecimal): bigint {
  return BigInt(value.toDecimalPlaces(0, MoneyDecimal.ROUND_HALF_UP).toFixed(0));
}

// ---- calendar dates and instants (their schemas: periods/time-schemas.ts) ---

export function instant(text: string): DateTime {
  return DateTime.fromISO(text, { setZone: true }).toUTC();
}

/** Local midnight starting `date` in `timeZone`, as a UTC DateTime. */
export function localDayStart(date: string, timeZone: string): DateTime {
  return DateTime.fromISO(date, { zone: timeZone }).startOf('day').toUTC();
}

/** Whole calendar days from a to b (dates `YYYY-MM-DD`); zone-free, so DST never shifts it. */
export function calendarDaysBetween(a: string, b: string): number {
  return DateTime.fromISO(b, { zone: 'UTC' }).diff(DateTime.fromISO(a, { zone: 'UTC' }), 'days').days;
}

/**
 * Local days from the start of `fromDate` to `to` in `timeZone`: whole calendar
 * days plus the elapsed share of the current local day, so a 23- or 25-hour
 * DST day still counts as one day.
 */
export function localElapsedDays(fromDate: string, to: DateTime, timeZone: string): MoneyDecimal {
  const local = to.setZone(timeZone);
  const dayStart = local.startOf('day');
  const nextDayStart = dayStart.plus({ days: 1 });
  const whole = calendarDaysBetween(fromDate, dayStart.toISODate() ?? fromDate);
  const fraction = dec(local.toMillis() - dayStart.toMillis()).dividedBy(nextDayStart.toMillis() - dayStart.toMillis());
  return dec(whole).plus(fraction);
}

import {
  compareLocalDates,
  dayNumber,
  daysInMonth,
  formatLocalDate,
  localDateOf,
  localMidnightUtcIso,
  parseLocalDate,
  toUtcDateTime,
  type InstantInput,
  type LocalDate,
} from './local-date';
import { BillingScheduleSchema, CADENCE_MONTHS, type BillingCadence, type BillingSchedule } from './billing-schedule';
import { InvalidBillingScheduleError, InvalidPeriodIdError, PeriodOutsideTermError } from './period-errors';

/**
 * One billing period of a contract term, as local dates in the contract's time
 * zone and as the UTC instants of their local midnights.
 */
export interface BillingPeriod {
  /** `2026-11` (monthly), `2026-Q4` (quarterly), `2026` (annual): see periodIdOf. */
  readonly id: string;
  readonly cadence: BillingCadence;
  readonly timeZone: string;
  /** First local day of the period (inclusive). */
  readonly startDate: string;
  /** First local day after the period (exclusive). */
  readonly endDate: string;
  /** UTC instant of local midnight at startDate (inclusive). */
  readonly start: string;
  /** UTC instant of local midnight at endDate (exclusive). */
  readonly end: string;
  /** The full period the schedule defines, before clipping to the term. */
  readonly nominalStartDate: string;
  readonly nominalEndDate: string;
  /** True when the term clips the period (first or last period of a term off the anchor). */
  readonly partial: boolean;
  /** Flat fees are charged `days / fullDays` of their amount (local calendar days). */
  readonly proration: { readonly days: number; readonly fullDays: number };
  readonly firstOfTerm: boolean;
  readonly lastOfTerm: boolean;
}

// A month index counts months from year 0 (year * 12 + month - 1), which makes
// "every 3 months from the anchor month" simple modular arithmetic.
function monthIndexOf(date: LocalDate): number {
  return date.year * 12 + (date.month - 1);
}

function mod(value: number, divisor: number): number {
  return ((value % divisor) + divisor) % divisor;
}

function nominalStart(schedule: BillingSchedule, monthIndex: number): LocalDate {
  const year = Math.floor(monthIndex / 12);
  const month = mod(monthIndex, 12) + 1;
  return { year, month, day: Math.min(schedule.anchorDay, daysInMonth(year, month)) };
}

function stepOf(schedule: BillingSchedule): number {
  return CADENCE_MONTHS[schedule.cadence];
}

/** Month index of the nominal period containing a local date. */
function nominalIndexContaining(schedule: BillingSchedule, date: LocalDate): number {
  const step = stepOf(schedule);
  const alignment = mod(schedule.anchorMonth - 1, step);
  let index = monthIndexOf(date);
  index -= mod(index - alignment, step);
  if (compareLocalDates(date, nominalStart(schedule, index)) < 0) index -= step;
  return index;
}

/**
 * Period id from the nominal start month. Each cadence's periods start in
 * distinct months of distinct calendar quarters/years, so the id is unique
 * within a contract; the clipped first/last period keeps its full period's id.
 */
export function periodIdOf(cadence: BillingCadence, nominalStartMonth: { year: number; month: number }): string {
  const year = String(nominalStartMonth.year).padStart(4, '0');
  switch (cadence) {
    case 'monthly':
      return `${year}-${String(nominalStartMonth.month).padStart(2, '0')}`;
    case 'quarterly':
      return `${year}-Q${Math.floor((nominalStartMonth.month - 1) / 3) + 1}`;
    case 'annual':
      return year;
    default: {
      const unknown: never = cadence;
      throw new InvalidBillingScheduleError(`unknown cadence ${String(unknown)}`);
    }
  }
}

interface Term {
  readonly start: LocalDate;
  readonly end: LocalDate;
}

// Validating a schedule (zod + time zone) costs far more than cutting a
// period, and period close asks for thousands; remember valid schedules by value.
const validatedTerms = new Map<string, Term>();

function termOf(schedule: BillingSchedule): Term {
  const key = `${schedule.timeZone}|${schedule.cadence}|${schedule.anchorDay}|${schedule.anchorMonth}|${schedule.termStart}|${schedule.termEnd}`;
  const known = validatedTerms.get(key);
  if (known) return known;
  const term = validateTerm(schedule);
  if (validatedTerms.size >= 100_000) validatedTerms.clear();
  validatedTerms.set(key, term);
  return term;
}

function validateTerm(schedule: BillingSchedule): Term {
  const parsed = BillingScheduleSchema.safeParse(schedule);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new InvalidBillingScheduleError(`invalid billing schedule: ${detail}`, { cause: parsed.error });
  }
  const start = parseLocalDate(schedule.termStart);
  const end = parseLocalDate(schedule.termEnd);
  if (!start || !end) throw new InvalidBillingScheduleError('invalid term dates');
  return { start, end };
}

function buildPeriod(schedule: BillingSchedule, term: Term, index: number): BillingPeriod | undefined {
  const step = stepOf(schedule);
  const fullStart = nominalStart(schedule, index);
  const fullEnd = nominalStart(schedule, index + step);
  const startDate = compareLocalDates(fullStart, term.start) < 0 ? term.start : fullStart;
  const endDate = compareLocalDates(fullEnd, term.end) > 0 ? term.end : fullEnd;
  if (compareLocalDates(startDate, endDate) >= 0) return undefined;
  const days = dayNumber(endDate) - dayNumber(startDate);
  const fullDays = dayNumber(fullEnd) - dayNumber(fullStart);
  return {
    id: periodIdOf(schedule.cadence, fullStart),
    cadence: schedule.cadence,
    timeZone: schedule.timeZone,
    startDate: formatLocalDate(startDate),
    endDate: formatLocalDate(endDate),
    start: localMidnightUtcIso(startDate, schedule.timeZone),
    end: localMidnightUtcIso(endDate, schedule.timeZone),
    nominalStartDate: formatLocalDate(fullStart),
    nominalEndDate: formatLocalDate(fullEnd),
    partial: days !== fullDays,
    proration: { days, fullDays },
    firstOfTerm: compareLocalDates(startDate, term.start) === 0,
    lastOfTerm: compareLocalDates(endDate, term.end) === 0,
  };
}

// A 100-year monthly term is 1,200 periods; anything beyond this is a typo.
const MAX_PERIODS_PER_TERM = 10_000;

/** Every billing period of the term, in order, the first and last possibly partial. */
export function periodsForTerm(schedule: BillingSchedule): BillingPeriod[] {
  const term = termOf(schedule);
  const periods: BillingPeriod[] = [];
  for (
    let index = nominalIndexContaining(schedule, term.start);
    compareLocalDates(nominalStart(schedule, index), term.end) < 0;
    index += stepOf(schedule)
  ) {
    const period = buildPeriod(schedule, term, index);
    if (period) periods.push(period);
    if (periods.length > MAX_PERIODS_PER_TERM) {
      throw new InvalidBillingScheduleError(`term has more than ${MAX_PERIODS_PER_TERM} periods`);
    }
  }
  return periods;
}

/** The billing period containing an instant; throws PeriodOutsideTermError outside the term. */
export function periodContaining(schedule: BillingSchedule, instant: InstantInput): BillingPeriod {
  const term = termOf(schedule);
  const utc = toUtcDateTime(instant);
  const date = localDateOf(utc, schedule.timeZone);
  const period = buildPeriod(schedule, term, nominalIndexContaining(schedule, date));
  const outside =
    !period || utc.toMillis() < Date.parse(period.start) || utc.toMillis() >= Date.parse(period.end);
  if (outside) {
    throw new PeriodOutsideTermError(`instant ${utcIsoOf(utc)}`, schedule.termStart, schedule.termEnd);
  }
  return period;
}

/** The billing period containing an instant, or undefined outside the term (no period to bill or alert on). */
export function periodContainingIfInTerm(schedule: BillingSchedule, instant: InstantInput): BillingPeriod | undefined {
  try {
    return periodContaining(schedule, instant);
  } catch (error) {
    if (error instanceof PeriodOutsideTermError) return undefined;
    throw error;
  }
}

function utcIsoOf(dateTime: ReturnType<typeof toUtcDateTime>): string {
  return dateTime.toISO() ?? String(dateTime);
}

const PERIOD_ID_PATTERNS: Readonly<Record<BillingCadence, { pattern: RegExp; example: string }>> = {
  monthly: { pattern: /^(\d{4})-(\d{2})$/, example: 'YYYY-MM (e.g. 2026-11) for a monthly contract' },
  quarterly: { pattern: /^(\d{4})-Q([1-4])$/, example: 'YYYY-Qn (e.g. 2026-Q4) for a quarterly contract' },
  annual: { pattern: /^(\d{4})$/, example: 'YYYY (e.g. 2026) for an annual contract' },
};

function nominalIndexOfId(schedule: BillingSchedule, periodId: string): number {
  const { pattern, example } = PERIOD_ID_PATTERNS[schedule.cadence];
  const match = pattern.exec(periodId);
  if (!match) throw new InvalidPeriodIdError(periodId, example);
  const year = Number(match[1]);
  const part = Number(match[2] ?? '0');
  switch (schedule.cadence) {
    case 'monthly':
      if (part < 1 || part > 12) throw new InvalidPeriodIdError(periodId, example);
      return year * 12 + part - 1;
    case 'quarterly': {
      // Exactly one month of each calendar quarter is aligned with the anchor month.
      const firstMonthOfQuarter = (part - 1) * 3;
      const offset = mod(schedule.anchorMonth - 1 - firstMonthOfQuarter, 3);
      return year * 12 + firstMonthOfQuarter + offset;
    }
    case 'annual':
      return year * 12 + schedule.anchorMonth - 1;
    default: {
      const unknown: never = schedule.cadence;
      throw new InvalidBillingScheduleError(`unknown cadence ${String(unknown)}`);
    }
  }
}

/** The billing period with this id (as printed by periodsForTerm); throws outside the term. */
export function periodById(schedule: BillingSchedule, periodId: string): BillingPeriod {
  const term = termOf(schedule);
  const period = buildPeriod(schedule, term, nominalIndexOfId(schedule, periodId));
  if (!period) throw new PeriodOutsideTermError(`period ${periodId}`, schedule.termStart, schedule.termEnd);
  return period;
}

import type { DateTime } from 'luxon';
import type { ParsedRiskAssessmentInput, RiskPeriod } from './risk-input';
import { ZERO, calendarDaysBetween, clamp01, dec, localDayStart } from './risk-values';
import type { MoneyDecimal } from '../money/decimal';

// Usage arranged per metric and period, with each period placed relative to
// `now`: complete, in progress (with the elapsed fraction) or future. Periods
// of the term without a usage row count as zero: silence is data.

export interface PeriodUsage {
  readonly period: RiskPeriod;
  readonly quantity: MoneyDecimal;
}

export interface TermProgress {
  readonly complete: readonly RiskPeriod[];
  readonly inProgress?: { readonly period: RiskPeriod; readonly elapsedFraction: MoneyDecimal };
  readonly future: readonly RiskPeriod[];
  readonly all: readonly RiskPeriod[];
}

export function periodKey(period: RiskPeriod): string {
  return `${period.periodStart}/${period.periodEnd}`;
}

export function termProgress(input: ParsedRiskAssessmentInput, now: DateTime): TermProgress {
  const zone = input.contract.timeZone;
  const complete: RiskPeriod[] = [];
  const future: RiskPeriod[] = [];
  let inProgress: TermProgress['inProgress'];
  for (const period of input.termPeriods) {
    const start = localDayStart(period.periodStart, zone);
    const end = localDayStart(period.periodEnd, zone);
    if (end.toMillis() <= now.toMillis()) complete.push(period);
    else if (start.toMillis() > now.toMillis()) future.push(period);
    else {
      const fraction = dec(now.toMillis() - start.toMillis()).dividedBy(end.toMillis() - start.toMillis());
      inProgress = { period, elapsedFraction: clamp01(fraction) };
    }
  }
  return { complete, inProgress, future, all: input.termPeriods };
}

/** Quantity per period key for one metric. */
export function usageIndex(input: ParsedRiskAssessmentInput, metric: string): Map<string, MoneyDecimal> {
  const index = new Map<string, MoneyDecimal>();
  for (const row of input.usageByPeriod) {
    if (row.metric !== metric) continue;
    const key = periodKey(row);
    index.set(key, (index.get(key) ?? ZERO).plus(row.quantity));
  }
  return index;
}

/**
 * Complete periods for a metric's history, oldest first: the term's complete
 * periods plus earlier periods that appear in the usage (the previous term).
 */
export function completeHistory(input: ParsedRiskAssessmentInput, metric: string, now: DateTime): PeriodUsage[] {
  const index = usageIndex(input, metric);
  const periods = new Map<string, RiskPeriod>();
  for (const period of input.termPeriods) periods.set(periodKey(period), period);
  for (const row of input.usageByPeriod) {
    if (row.metric === metric) periods.set(periodKey(row), { periodStart: row.periodStart, periodEnd: row.periodEnd });
  }
  return [...periods.values()]
    .filter((period) => localDayStart(period.periodEnd, input.contract.timeZone).toMillis() <= now.toMillis())
    .sort((a, b) => (a.periodStart < b.periodStart ? -1 : a.periodStart > b.periodStart ? 1 : 0))
    .map((period) => ({ period, quantity: index.get(periodKey(period)) ?? ZERO }));
}

export function mean(values: readonly MoneyDecimal[]): MoneyDecimal {
  if (values.length === 0) return ZERO;
  return values.reduce((sum, value) => sum.plus(value), ZERO).dividedBy(values.length);
}

/** "month", "quarter", "year", "week" or "period", from the term's typical period length. */
export function periodNoun(periods: readonly RiskPeriod[]): string {
  const lengths = periods.map((p) => calendarDaysBetween(p.periodStart, p.periodEnd)).sort((a, b) => a - b);
  const median = lengths[Math.floor(lengths.length / 2)] ?? 0; // exact: an array index
  if (median >= 28 && median <= 31) return 'month';
  if (median >= 89 && median <= 92) return 'quarter';
  if (median >= 365 && median <= 366) return 'year';
  if (median === 7) return 'week';
  if (median === 1) return 'day';
  return 'period';
}

/** "the prior quarter" for 3 monthly periods, else "the prior 2 months" etc. */
export function baselinePhrase(periodCount: number, noun: string): string {
  if (noun === 'month' && periodCount === 3) return 'the prior quarter';
  if (noun === 'month' && periodCount === 12) return 'the prior year';
  if (noun === 'quarter' && periodCount === 4) return 'the prior year';
  if (periodCount === 1) return `the prior ${noun}`;
  return `the prior ${periodCount} ${noun}s`;
}

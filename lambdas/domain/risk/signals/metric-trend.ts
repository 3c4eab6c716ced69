import type { DateTime } from 'luxon';
import type { RiskConfig } from '../risk-config';
import type { ParsedRiskAssessmentInput } from '../risk-input';
import { completeHistory, mean } from '../period-usage';
import type { MoneyDecimal } from '../../money/decimal';

export interface MetricTrend {
  readonly metric: string;
  readonly recentMean: MoneyDecimal;
  readonly baselineMean: MoneyDecimal;
  /** recent / baseline - 1 (-0.28 is a 28% drop). */
  readonly change: MoneyDecimal;
  readonly recentPeriods: number;
  readonly baselinePeriods: number;
  readonly latestQuantity: MoneyDecimal;
}

/**
 * The latest complete period(s) against the customer's own baseline: the mean
 * of up to `baselinePeriods` complete periods before them (which may reach
 * into the previous term). Undefined when there is no baseline or it is zero.
 */
export function metricTrend(
  input: ParsedRiskAssessmentInput,
  metric: string,
  now: DateTime,
  config: RiskConfig['trend'],
): MetricTrend | undefined {
  const history = completeHistory(input, metric, now);
  if (history.length < config.recentPeriods + 1) return undefined;
  const recent = history.slice(-config.recentPeriods);
  const baseline = history.slice(0, -config.recentPeriods).slice(-config.baselinePeriods);
  const baselineMean = mean(baseline.map((p) => p.quantity));
  if (baselineMean.isZero()) return undefined;
  const recentMean = mean(recent.map((p) => p.quantity));
  const latest = history[history.length - 1];
  return {
    metric,
    recentMean,
    baselineMean,
    change: recentMean.dividedBy(baselineMean).minus(1),
    recentPeriods: recent.length,
    baselinePeriods: baseline.length,
    latestQuantity: latest ? latest.quantity : recentMean,
  };
}

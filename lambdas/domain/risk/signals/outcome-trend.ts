import type { DateTime } from 'luxon';
import type { RiskConfig } from '../risk-config';
import type { ParsedRiskAssessmentInput } from '../risk-input';
import { baselinePhrase, periodNoun } from '../period-usage';
import { ZERO, dec, decimalString, formatPercent, formatQuantity, linearRisk } from '../risk-values';
import { notApplicable, type RiskReason, type SignalEvaluation } from '../signal-result';
import { metricTrend, type MetricTrend } from './metric-trend';

/**
 * Signal 2: outcome trend. For each targeted metric (every metric seen when
 * there are no targets), the latest complete period(s) against the customer's
 * own baseline; the value is the steepest change.
 */
export function evaluateOutcomeTrend(input: ParsedRiskAssessmentInput, now: DateTime, config: RiskConfig): SignalEvaluation {
  const settings = config.trend;
  const threshold = dec(settings.reasonBelow);
  const targeted = input.contract.successTargets.map((t) => t.metric);
  const metrics = targeted.length > 0 ? targeted : [...new Set(input.usageByPeriod.map((row) => row.metric))].sort();
  const labels = new Map(input.contract.successTargets.map((t) => [t.metric, t.label ?? t.metric]));
  const trends = metrics
    .map((metric) => metricTrend(input, metric, now, settings))
    .filter((t): t is MetricTrend => t !== undefined);
  if (trends.length === 0) {
    return notApplicable('outcome_trend', 'change', threshold, ZERO, 'not enough complete periods for a baseline');
  }
  const worst = trends.reduce((a, b) => (b.change.lessThan(a.change) ? b : a));
  const noun = periodNoun(input.termPeriods);
  const reasons: RiskReason[] = trends
    .filter((trend) => trend.change.lessThan(threshold))
    .map((trend) => {
      const label = labels.get(trend.metric) ?? trend.metric;
      const recent = trend.recentPeriods === 1 ? `in the latest ${noun}` : `per ${noun} over the latest ${trend.recentPeriods} ${noun}s`;
      return {
        code: 'outcome_trend_down',
        signal: 'outcome_trend' as const,
        message: `${label} down ${formatPercent(trend.change.negated())} on ${baselinePhrase(trend.baselinePeriods, noun)}: ${formatQuantity(trend.recentMean)} ${recent} against a baseline of ${formatQuantity(trend.baselineMean)} per ${noun}`,
      };
    });
  return {
    code: 'outcome_trend',
    applicable: true,
    value: worst.change,
    unit: 'change',
    threshold,
    risk: linearRisk(worst.change, dec(settings.healthyAt), dec(settings.failingAt)),
    reasons,
    details: {
      worstMetric: worst.metric,
      metrics: trends.map((t) => ({
        metric: t.metric,
        recentMean: decimalString(t.recentMean, 2),
        baselineMean: decimalString(t.baselineMean, 2),
        change: decimalString(t.change),
        baselinePeriods: t.baselinePeriods,
      })),
    },
  };
}

import type { DateTime } from 'luxon';
import type { RiskConfig } from '../risk-config';
import type { ParsedRiskAssessmentInput, RiskSuccessTarget } from '../risk-input';
import { baselinePhrase, mean, periodKey, periodNoun, termProgress, usageIndex } from '../period-usage';
import { ZERO, dec, decimalString, formatPercent, formatQuantity, linearRisk } from '../risk-values';
import type { MoneyDecimal } from '../../money/decimal';
import { notApplicable, type RiskReason, type SignalEvaluation } from '../signal-result';
import { metricTrend } from './metric-trend';

interface TargetAttainment {
  readonly target: RiskSuccessTarget;
  readonly label: string;
  readonly targetPerPeriod: MoneyDecimal;
  readonly latestQuantity?: MoneyDecimal;
  readonly toDateRatio: MoneyDecimal;
  readonly projectedTotal: MoneyDecimal;
  readonly termTarget: MoneyDecimal;
  readonly projectedRatio: MoneyDecimal;
}

function attainmentOf(
  input: ParsedRiskAssessmentInput,
  target: RiskSuccessTarget,
  now: DateTime,
  config: RiskConfig['attainment'],
): TargetAttainment | undefined {
  const targetPerPeriod = dec(target.targetPerPeriod);
  if (targetPerPeriod.isZero()) return undefined;
  const progress = termProgress(input, now);
  const usage = usageIndex(input, target.metric);
  const quantityOf = (key: string): MoneyDecimal => usage.get(key) ?? ZERO;

  const completeQuantities = progress.complete.map((p) => quantityOf(periodKey(p)));
  const completeTotal = completeQuantities.reduce((sum, q) => sum.plus(q), ZERO);
  const inProgressQuantity = progress.inProgress ? quantityOf(periodKey(progress.inProgress.period)) : ZERO;
  const fraction = progress.inProgress?.elapsedFraction ?? ZERO;

  let toDateRatio: MoneyDecimal;
  let runRate: MoneyDecimal;
  if (completeQuantities.length > 0) {
    toDateRatio = completeTotal.dividedBy(targetPerPeriod.times(completeQuantities.length));
    runRate = mean(completeQuantities.slice(-config.runRatePeriods));
  } else if (progress.inProgress && fraction.greaterThanOrEqualTo(config.minElapsedFraction)) {
    // First period still running: judge the pace so far rather than nothing.
    runRate = inProgressQuantity.dividedBy(fraction);
    toDateRatio = runRate.dividedBy(targetPerPeriod);
  } else {
    return undefined;
  }
  const remainingPeriods = dec(progress.future.length).plus(progress.inProgress ? dec(1).minus(fraction) : ZERO);
  const projectedTotal = completeTotal.plus(inProgressQuantity).plus(runRate.times(remainingPeriods));
  const termTarget = targetPerPeriod.times(progress.all.length);
  return {
    target,
    label: target.label ?? target.metric,
    targetPerPeriod,
    latestQuantity: completeQuantities[completeQuantities.length - 1],
    toDateRatio,
    projectedTotal,
    termTarget,
    projectedRatio: projectedTotal.dividedBy(termTarget),
  };
}

/**
 * Signal 1: outcome attainment against the success targets. The value is the
 * worst target's projected attainment at term end (what the customer will
 * have got for the term if the recent pace holds); to-date attainment is in
 * the details and the sentence.
 */
export function evaluateOutcomeAttainment(
  input: ParsedRiskAssessmentInput,
  now: DateTime,
  config: RiskConfig,
): SignalEvaluation {
  const settings = config.attainment;
  const threshold = dec(settings.reasonBelow);
  if (input.contract.successTargets.length === 0) {
    return notApplicable('outcome_attainment', 'ratio', threshold, ZERO, 'the contract has no success targets');
  }
  const attainments = input.contract.successTargets
    .map((target) => attainmentOf(input, target, now, settings))
    .filter((a): a is TargetAttainment => a !== undefined);
  if (attainments.length === 0) {
    return notApplicable('outcome_attainment', 'ratio', threshold, ZERO, 'too early in the term to measure attainment');
  }
  const worst = attainments.reduce((a, b) => (b.projectedRatio.lessThan(a.projectedRatio) ? b : a));
  const noun = periodNoun(input.termPeriods);
  const reasons: RiskReason[] = [];
  for (const attainment of attainments) {
    if (!attainment.projectedRatio.lessThan(threshold) && !attainment.toDateRatio.lessThan(threshold)) continue;
    const trend = metricTrend(input, attainment.target.metric, now, config.trend);
    const trendClause =
      trend && trend.change.lessThanOrEqualTo(config.trend.healthyAt)
        ? `, down ${formatPercent(trend.change.negated())} on ${baselinePhrase(trend.baselinePeriods, noun)}`
        : '';
    const head =
      attainment.latestQuantity !== undefined
        ? `${formatQuantity(attainment.latestQuantity)} of ${formatQuantity(attainment.targetPerPeriod)} targeted ${attainment.label} per ${noun} (${formatPercent(attainment.latestQuantity.dividedBy(attainment.targetPerPeriod))})${trendClause}`
        : `${attainment.label} running at ${formatPercent(attainment.toDateRatio)} of the ${formatQuantity(attainment.targetPerPeriod)} per ${noun} target in the first ${noun}`;
    reasons.push({
      code: 'outcome_attainment_below_target',
      signal: 'outcome_attainment',
      message: `${head}; ${formatPercent(attainment.toDateRatio)} of target to date, ${formatPercent(attainment.projectedRatio)} projected by term end (${formatQuantity(attainment.projectedTotal, 0)} of ${formatQuantity(attainment.termTarget, 0)})`,
    });
  }
  return {
    code: 'outcome_attainment',
    applicable: true,
    value: worst.projectedRatio,
    unit: 'ratio',
    threshold,
    risk: linearRisk(worst.projectedRatio, dec(settings.healthyAt), dec(settings.failingAt)),
    reasons,
    details: {
      worstMetric: worst.target.metric,
      targets: attainments.map((a) => ({
        metric: a.target.metric,
        targetPerPeriod: decimalString(a.targetPerPeriod),
        latestQuantity: a.latestQuantity === undefined ? null : decimalString(a.latestQuantity),
        toDateRatio: decimalString(a.toDateRatio),
        projectedTotal: decimalString(a.projectedTotal, 2),
        termTarget: decimalString(a.termTarget),
        projectedRatio: decimalString(a.projectedRatio),
      })),
    },
  };
}

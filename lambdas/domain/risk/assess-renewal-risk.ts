import type { CurrencyCode } from '../money/currencies';
import { DEFAULT_RISK_CONFIG, SIGNAL_CODES, type RiskConfig, type SignalCode } from './risk-config';
import { RiskInputError } from './risk-errors';
import { RiskAssessmentInputSchema, type ParsedRiskAssessmentInput, type RiskAssessmentInput } from './risk-input';
import { tierForScore, tierRank, worseTier, type RiskTier } from './risk-tiers';
import { ZERO, calendarDaysBetween, dec, decimalString, instant } from './risk-values';
import type { MoneyDecimal } from '../money/decimal';
import type { RiskReason, SignalEvaluation, SignalUnit } from './signal-result';
import { RISK_SIGNALS } from './risk-signals';
import { assessDataFreshness } from './signals/signal-gap';
import { revenueAtRisk, type RevenueAtRisk } from './revenue-at-risk';
import { summarizeValue, type ValueSummary } from './value-summary';

/** One signal as reported: every number as a decimal string so it serializes exactly. */
export interface SignalReport {
  readonly code: SignalCode;
  readonly applicable: boolean;
  readonly notApplicableReason?: string;
  readonly value: string | null;
  readonly unit: SignalUnit;
  readonly threshold: string;
  /** 0..1 */
  readonly risk: string;
  /** Configured weight (points of 100). */
  readonly baseWeight: number;
  /** Weight after sharing out the weight of signals that do not apply. */
  readonly weight: string;
  /** weight x risk: the points this signal adds to the score. */
  readonly contribution: string;
  readonly details: SignalEvaluation['details'];
}

export interface RenewalRiskAssessment {
  readonly contractId: string;
  readonly customerId: string;
  readonly termId: string;
  readonly termEnd: string;
  readonly timeZone: string;
  readonly currency: CurrencyCode;
  readonly csmOwner?: string;
  readonly checkpointDays?: number;
  readonly assessedAt: string;
  readonly daysToTermEnd: number;
  /** 0 (no risk) .. 100 (certain risk), integer. */
  readonly score: number;
  readonly tier: RiskTier;
  /** The tier the score alone gives; `tier` can be higher when one signal is severe. */
  readonly scoreTier: RiskTier;
  readonly severeSignal?: SignalCode;
  readonly signals: readonly SignalReport[];
  /** Most contribution first; data-quality reasons last. */
  readonly reasons: readonly RiskReason[];
  /** The applicable signal contributing most (drives the recommended play). */
  readonly dominantSignal?: SignalCode;
  readonly staleData: boolean;
  /** Revenue at risk in minor units, for task priority (= revenueAtRisk.minor). */
  readonly renewalValueMinor?: string;
  /** The revenue at risk, where it comes from and how it was arrived at. */
  readonly revenueAtRisk?: RevenueAtRisk;
  readonly valueSummary: ValueSummary;
}

function parseInput(input: RiskAssessmentInput): ParsedRiskAssessmentInput {
  const parsed = RiskAssessmentInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RiskInputError(
      'invalid_risk_input',
      `invalid risk input at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
      { cause: parsed.error },
    );
  }
  const data = parsed.data;
  if (data.contract.termEnd <= data.contract.termStart) {
    throw new RiskInputError('invalid_term', `termEnd ${data.contract.termEnd} must be after termStart ${data.contract.termStart}`);
  }
  for (const period of [...data.termPeriods, ...data.usageByPeriod]) {
    if (period.periodEnd <= period.periodStart) {
      throw new RiskInputError('invalid_period', `period ${period.periodStart}..${period.periodEnd} ends before it starts`);
    }
  }
  return data;
}

/**
 * Scores renewal risk from plain inputs and `now` (no clock, no I/O): the same
 * input always gives the same assessment, so a past check can be replayed.
 */
export function assessRenewalRisk(input: RiskAssessmentInput, config: RiskConfig = DEFAULT_RISK_CONFIG): RenewalRiskAssessment {
  const data = parseInput(input);
  const now = instant(data.now);
  const freshness = assessDataFreshness(data, now, config);
  // Every signal name is scored: the registry has one scorer per name.
  const evaluations: SignalEvaluation[] = SIGNAL_CODES.map((code) => RISK_SIGNALS[code].evaluate(data, now, config, { freshness }));

  const applicableWeight = evaluations
    .filter((e) => e.applicable)
    .reduce((sum, e) => sum + config.weights[e.code], 0);
  let exactScore: MoneyDecimal = ZERO;
  const signals: SignalReport[] = evaluations.map((e) => {
    const weight = e.applicable && applicableWeight > 0 ? dec(config.weights[e.code]).times(100).dividedBy(applicableWeight) : ZERO;
    const contribution = weight.times(e.risk);
    exactScore = exactScore.plus(contribution);
    return {
      code: e.code,
      applicable: e.applicable,
      ...(e.notApplicableReason === undefined ? {} : { notApplicableReason: e.notApplicableReason }),
      value: e.value === undefined ? null : decimalString(e.value),
      unit: e.unit,
      threshold: decimalString(e.threshold),
      risk: decimalString(e.risk),
      baseWeight: config.weights[e.code],
      weight: decimalString(weight, 2),
      contribution: decimalString(contribution, 2),
      details: e.details,
    };
  });
  // Rounded once, from the exact sum, so the score never drifts from its parts.
  const score = Math.min(100, Math.max(0, Number(exactScore.toDecimalPlaces(0).toFixed(0)))); // exact: a whole score from 0 to 100
  const scoreTier = tierForScore(score, config.tierFloors);
  const severe = evaluations
    .filter((e) => e.applicable && e.risk.greaterThanOrEqualTo(config.severeSignalRisk))
    .sort((a, b) => b.risk.comparedTo(a.risk))[0];
  const tier = severe ? worseTier(scoreTier, config.severeSignalTier) : scoreTier;

  const byContribution = [...evaluations]
    .map((e, i) => ({ e, contribution: dec(signals[i]?.contribution ?? '0') }))
    .sort((a, b) => b.contribution.comparedTo(a.contribution));
  const dominant = byContribution.find((x) => x.e.applicable && x.contribution.greaterThan(0));
  const reasons: RiskReason[] = [
    ...byContribution.flatMap((x) => x.e.reasons),
    ...(freshness.reason ? [freshness.reason] : []),
  ];
  const { contract } = data;
  const atRisk = revenueAtRisk(data, now);
  const nowLocalDate = now.setZone(contract.timeZone).toISODate() ?? '';

  return {
    contractId: contract.contractId,
    customerId: contract.customerId,
    termId: contract.termId,
    termEnd: contract.termEnd,
    timeZone: contract.timeZone,
    currency: contract.currency,
    ...(contract.csmOwner === undefined ? {} : { csmOwner: contract.csmOwner }),
    ...(data.checkpointDays === undefined ? {} : { checkpointDays: data.checkpointDays }),
    assessedAt: now.toISO() ?? data.now,
    daysToTermEnd: calendarDaysBetween(nowLocalDate, contract.termEnd),
    score,
    tier,
    scoreTier,
    ...(severe && tierRank(tier) > tierRank(scoreTier) ? { severeSignal: severe.code } : {}),
    signals,
    reasons,
    ...(dominant ? { dominantSignal: dominant.e.code } : {}),
    staleData: freshness.stale,
    ...(atRisk === undefined ? {} : { renewalValueMinor: atRisk.minor, revenueAtRisk: atRisk }),
    valueSummary: summarizeValue(data, now),
  };
}

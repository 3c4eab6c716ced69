import type { DateTime } from 'luxon';
import type { RiskConfig } from '../risk-config';
import type { ParsedRiskAssessmentInput } from '../risk-input';
import { ZERO, dec, decimalString, formatPercent, instant, linearRisk } from '../risk-values';
import type { MoneyDecimal } from '../../money/decimal';
import { notApplicable, type RiskReason, type SignalEvaluation } from '../signal-result';

/**
 * Signal 6: customer feedback sent by producers as outcomes. NPS from the
 * 0..10 answers in the window (% promoters 9-10 minus % detractors 0-6) and
 * CSAT as the mean score over the scale; the worse of the two is the risk.
 */
export function evaluateCustomerFeedback(input: ParsedRiskAssessmentInput, now: DateTime, config: RiskConfig): SignalEvaluation {
  const settings = config.feedback;
  const windowStart = now.minus({ days: settings.windowDays }).toMillis();
  const recent = input.feedback.filter((f) => {
    const at = instant(f.occurredAt).toMillis();
    return at >= windowStart && at <= now.toMillis();
  });
  const nps = recent.flatMap((f) => (f.kind === 'nps' ? [f.score] : []));
  const csat = recent.flatMap((f) => (f.kind === 'csat' ? [dec(f.score).dividedBy(f.scaleMax)] : []));
  if (nps.length === 0 && csat.length === 0) {
    return notApplicable('customer_feedback', 'nps', dec(settings.npsReasonBelow), ZERO, `no NPS or CSAT responses in the last ${settings.windowDays} days`);
  }
  const reasons: RiskReason[] = [];
  let npsScore: MoneyDecimal | undefined;
  let npsRisk = ZERO;
  if (nps.length > 0) {
    const promoters = nps.filter((s) => s >= 9).length;
    const detractors = nps.filter((s) => s <= 6).length;
    npsScore = dec(promoters - detractors).times(100).dividedBy(nps.length).toDecimalPlaces(0);
    npsRisk = linearRisk(npsScore, dec(settings.npsHealthyAt), dec(settings.npsFailingAt));
    if (npsScore.lessThan(settings.npsReasonBelow)) {
      reasons.push({
        code: 'low_nps',
        signal: 'customer_feedback',
        message: `NPS ${npsScore.toFixed()} from ${nps.length} response${nps.length === 1 ? '' : 's'} in the last ${settings.windowDays} days (${promoters} promoter${promoters === 1 ? '' : 's'}, ${detractors} detractor${detractors === 1 ? '' : 's'})`,
      });
    }
  }
  let csatRatio: MoneyDecimal | undefined;
  let csatRisk = ZERO;
  if (csat.length > 0) {
    csatRatio = csat.reduce((sum, v) => sum.plus(v), ZERO).dividedBy(csat.length);
    csatRisk = linearRisk(csatRatio, dec(settings.csatHealthyAt), dec(settings.csatFailingAt));
    if (csatRatio.lessThan(settings.csatReasonBelow)) {
      reasons.push({
        code: 'low_csat',
        signal: 'customer_feedback',
        message: `CSAT ${formatPercent(csatRatio)} on average from ${csat.length} response${csat.length === 1 ? '' : 's'} in the last ${settings.windowDays} days`,
      });
    }
  }
  const useNps = npsScore !== undefined && (csatRatio === undefined || npsRisk.greaterThanOrEqualTo(csatRisk));
  return {
    code: 'customer_feedback',
    applicable: true,
    value: useNps ? npsScore : csatRatio,
    unit: useNps ? 'nps' : 'csat',
    threshold: useNps ? dec(settings.npsReasonBelow) : dec(settings.csatReasonBelow),
    risk: npsRisk.greaterThan(csatRisk) ? npsRisk : csatRisk,
    reasons,
    details: {
      npsResponses: nps.length,
      nps: npsScore === undefined ? null : npsScore.toFixed(),
      csatResponses: csat.length,
      csat: csatRatio === undefined ? null : decimalString(csatRatio),
    },
  };
}

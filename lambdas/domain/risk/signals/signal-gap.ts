import type { DateTime } from 'luxon';
import type { RiskConfig } from '../risk-config';
import type { ParsedRiskAssessmentInput } from '../risk-input';
import { ZERO, dec, instant, linearRisk, localDayStart } from '../risk-values';
import { notApplicable, type RiskReason, type SignalEvaluation } from '../signal-result';

export interface DataFreshness {
  readonly stale: boolean;
  readonly reason?: RiskReason;
}

/**
 * Stale data is not customer risk: it makes every usage-based signal
 * unreliable. It is flagged (and task rules never auto-resolve on it) rather
 * than scored.
 */
export function assessDataFreshness(input: ParsedRiskAssessmentInput, now: DateTime, config: RiskConfig): DataFreshness {
  if (input.dataAsOf === undefined) return { stale: false };
  const asOf = instant(input.dataAsOf);
  const hours = Math.floor(now.diff(asOf, 'hours').hours); // exact: whole hours elapsed, a duration, not money
  if (hours < config.gap.staleAfterHours) return { stale: false };
  const days = Math.floor(hours / 24); // exact: whole days of an integer hour count
  const age = days >= 2 ? `${days} days` : `${hours} hours`;
  return {
    stale: true,
    reason: {
      code: 'stale_data',
      signal: 'data_quality',
      message: `ledger data is ${age} old (newest record ${asOf.toISO({ suppressMilliseconds: true })}); usage signals may lag reality`,
    },
  };
}

/**
 * Signal 5: signal gaps. Whole days without any outcome, counted to the
 * ledger's freshness point when data is stale (a pipeline delay must not look
 * like a silent customer). A customer with no outcomes yet counts from term start.
 */
export function evaluateSignalGap(
  input: ParsedRiskAssessmentInput,
  now: DateTime,
  config: RiskConfig,
  freshness: DataFreshness,
): SignalEvaluation {
  const settings = config.gap;
  const threshold = dec(settings.reasonAfterDays);
  const termStart = localDayStart(input.contract.termStart, input.contract.timeZone);
  if (now.toMillis() < termStart.toMillis()) {
    return notApplicable('signal_gap', 'days', threshold, ZERO, 'the term has not started');
  }
  const reference = freshness.stale && input.dataAsOf ? instant(input.dataAsOf) : now;
  const last = input.lastOutcomeAt ? instant(input.lastOutcomeAt) : termStart;
  const days = Math.max(0, Math.floor(reference.diff(last, 'days').days)); // exact: whole days elapsed, a duration, not money
  const reasons: RiskReason[] = [];
  if (days >= settings.reasonAfterDays) {
    reasons.push({
      code: 'no_recent_outcomes',
      signal: 'signal_gap',
      message: input.lastOutcomeAt
        ? `no outcomes for ${days} days (last on ${last.setZone(input.contract.timeZone).toISODate()})`
        : `no outcomes since the term started ${days} days ago`,
    });
  }
  return {
    code: 'signal_gap',
    applicable: true,
    value: dec(days),
    unit: 'days',
    threshold,
    risk: linearRisk(dec(days), dec(settings.healthyDays), dec(settings.failingDays)),
    reasons,
    details: { daysWithoutOutcomes: days, lastOutcomeAt: input.lastOutcomeAt ?? null, staleData: freshness.stale },
  };
}

import type { DateTime } from 'luxon';
import type { RiskConfig } from '../risk-config';
import type { ParsedRiskAssessmentInput } from '../risk-input';
import {
  ZERO,
  dec,
  decimalString,
  calendarDaysBetween,
  localElapsedDays,
  formatPercent,
  linearRisk,
  localDayStart,
  toMinorInteger,
} from '../risk-values';
import { notApplicable, type SignalEvaluation } from '../signal-result';
import { formatMoney } from '../../money/format-money';

/**
 * Signal 3: commitment burn. Spend to date, extended at its average daily pace
 * (over the days it covers) to term end, against the committed amount. Overrun is not risk (it is an
 * expansion conversation), so the risk is 0 at 100% and above.
 */
export function evaluateCommitmentBurn(input: ParsedRiskAssessmentInput, now: DateTime, config: RiskConfig): SignalEvaluation {
  const settings = config.burn;
  const threshold = dec(settings.reasonBelow);
  const { contract } = input;
  if (contract.committedAmountMinor === undefined || dec(contract.committedAmountMinor).isZero()) {
    return notApplicable('commitment_burn', 'ratio', threshold, ZERO, 'the contract has no committed amount');
  }
  if (input.spendToDateMinor === undefined) {
    return notApplicable('commitment_burn', 'ratio', threshold, ZERO, 'spend to date is not known');
  }
  const termEnd = localDayStart(contract.termEnd, contract.timeZone);
  const asOf = now.toMillis() < termEnd.toMillis() ? now : termEnd;
  const through = input.spendThroughDate === undefined ? undefined : localDayStart(input.spendThroughDate, contract.timeZone);
  const covered = through !== undefined && through.toMillis() < asOf.toMillis() ? through : asOf;
  const elapsed = localElapsedDays(contract.termStart, covered, contract.timeZone);
  if (elapsed.lessThan(settings.minElapsedDays)) {
    const what = through === undefined ? 'have passed' : 'have been rated';
    return notApplicable('commitment_burn', 'ratio', threshold, ZERO, `fewer than ${settings.minElapsedDays} days of the term ${what}`);
  }
  const committed = dec(contract.committedAmountMinor);
  const spend = dec(input.spendToDateMinor);
  const projected = spend.times(calendarDaysBetween(contract.termStart, contract.termEnd)).dividedBy(elapsed);
  const projectedMinor = toMinorInteger(projected);
  const ratio = dec(projectedMinor).dividedBy(committed);
  const unusedMinor = projectedMinor >= BigInt(contract.committedAmountMinor) ? 0n : BigInt(contract.committedAmountMinor) - projectedMinor;
  const reasons = ratio.lessThan(threshold)
    ? [
        {
          code: 'commitment_underused',
          signal: 'commitment_burn' as const,
          message: `projected spend ${formatMoney(projectedMinor, contract.currency)} of ${formatMoney(BigInt(contract.committedAmountMinor), contract.currency)} committed by term end (${formatPercent(ratio)}); ${formatMoney(unusedMinor, contract.currency)} of the commitment would go unused`,
        },
      ]
    : [];
  return {
    code: 'commitment_burn',
    applicable: true,
    value: ratio,
    unit: 'ratio',
    threshold,
    risk: linearRisk(ratio, dec(settings.healthyAt), dec(settings.failingAt)),
    reasons,
    details: {
      spendToDateMinor: input.spendToDateMinor,
      projectedSpendMinor: projectedMinor.toString(),
      committedAmountMinor: contract.committedAmountMinor,
      unusedCommitmentMinor: unusedMinor.toString(),
      elapsedDays: decimalString(elapsed, 2),
      spendThroughDate: input.spendThroughDate ?? null,
    },
  };
}

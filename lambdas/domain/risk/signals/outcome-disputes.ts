import type { DateTime } from 'luxon';
import type { RiskConfig } from '../risk-config';
import type { ParsedRiskAssessmentInput, RiskContract } from '../risk-input';
import { ZERO, dec, decimalString, linearRisk } from '../risk-values';
import { notApplicable, type RiskReason, type SignalEvaluation } from '../signal-result';

const count = new Intl.NumberFormat('en-US');

/** How sentences name the metric's outcomes: the contract's label (catalog display name), else the code. */
function nounOf(contract: RiskContract, metric: string, quantity: number): string {
  const target = contract.successTargets.find((candidate) => candidate.metric === metric);
  if (quantity === 1) return target?.singularLabel ?? target?.label ?? `${metric} outcome`;
  return target?.label ?? `${metric} outcomes`;
}

/**
 * Signal 7: disputes. The share of the customer's billed outcomes disputed in
 * the term so far (every success-target metric together), and of those, how
 * many were upheld: a customer who keeps contesting the bill has stopped
 * trusting it. Risk grows linearly from `healthyAt` to `failingAt`; a reason
 * names each metric at or above `reasonAt`, with the numbers
 * ("41 of 1,200 resolutions disputed this term, 30 upheld"). Not applicable
 * until something is disputed.
 */
export function evaluateOutcomeDisputes(input: ParsedRiskAssessmentInput, now: DateTime, config: RiskConfig): SignalEvaluation {
  void now;
  const settings = config.disputes;
  const threshold = dec(settings.reasonAt);
  const tallies = input.disputes;
  if (tallies === undefined) return notApplicable('outcome_disputes', 'ratio', threshold, ZERO, 'disputes were not read for this contract');
  const billed = tallies.reduce((sum, tally) => sum + tally.billed, 0);
  if (billed === 0) return notApplicable('outcome_disputes', 'ratio', threshold, ZERO, 'no outcomes billed in the term yet');
  const disputed = tallies.reduce((sum, tally) => sum + tally.disputed, 0);
  // A customer who never disputes says nothing about trust either way (as no
  // feedback says nothing about satisfaction): the weight goes to the others,
  // so an undisputed contract scores exactly as it did without this signal.
  if (disputed === 0) return notApplicable('outcome_disputes', 'ratio', threshold, ZERO, 'no outcome of the term has been disputed');
  const upheld = tallies.reduce((sum, tally) => sum + tally.upheld, 0);
  const share = dec(disputed).dividedBy(billed);
  const reasons: RiskReason[] = [];
  for (const tally of tallies) {
    if (tally.billed === 0 || tally.disputed === 0 || dec(tally.disputed).dividedBy(tally.billed).lessThan(threshold)) continue;
    reasons.push({
      code: 'outcomes_disputed',
      signal: 'outcome_disputes',
      message: `${count.format(tally.disputed)} of ${count.format(tally.billed)} ${nounOf(input.contract, tally.metric, tally.billed)} disputed this term, ${count.format(tally.upheld)} upheld`,
    });
  }
  return {
    code: 'outcome_disputes',
    applicable: true,
    value: share,
    unit: 'ratio',
    threshold,
    risk: linearRisk(share, dec(settings.healthyAt), dec(settings.failingAt)),
    reasons,
    details: {
      billed,
      disputed,
      upheld,
      disputedShare: decimalString(share),
      upheldShare: decimalString(dec(upheld).dividedBy(billed)),
    },
  };
}

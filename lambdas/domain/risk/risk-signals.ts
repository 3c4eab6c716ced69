import type { DateTime } from 'luxon';
import type { RiskConfig, SignalCode } from './risk-config';
import type { ParsedRiskAssessmentInput, RiskContract } from './risk-input';
import type { SignalEvaluation } from './signal-result';
import { evaluateCommitmentBurn } from './signals/commitment-burn';
import { evaluateCustomerFeedback } from './signals/customer-feedback';
import { evaluateOutcomeDisputes } from './signals/outcome-disputes';
import { evaluateOutcomeAttainment } from './signals/outcome-attainment';
import { evaluateOutcomeTrend } from './signals/outcome-trend';
import { evaluatePaymentHealth } from './signals/payment-health';
import { evaluateSignalGap, type DataFreshness } from './signals/signal-gap';

/** What an assessment works out once and hands every scorer. */
export interface SignalContext {
  readonly freshness: DataFreshness;
}

/** A signal's scorer: pure, `now` passed in, weights applied later by the assessment. */
export type SignalScorer = (
  input: ParsedRiskAssessmentInput,
  now: DateTime,
  config: RiskConfig,
  context: SignalContext,
) => SignalEvaluation;

/** An assessment input a signal reads (`contract.*` for the contract's fields). */
export type RiskInputField =
  | Exclude<keyof ParsedRiskAssessmentInput, 'contract' | 'now'>
  | `contract.${Exclude<keyof RiskContract, 'contractId' | 'customerId' | 'termId'>}`;

/** The RiskConfig sections that hold one signal's thresholds (the rest are the score's own settings). */
export type SignalThresholdsSection = Exclude<keyof RiskConfig, 'weights' | 'tierFloors' | 'severeSignalRisk' | 'severeSignalTier'>;

/**
 * Everything the engine knows about one risk signal. Its weight is
 * `weights.<signal name>` in the config (and in the `riskConfig` settings).
 */
export interface RiskSignalDefinition {
  readonly evaluate: SignalScorer;
  /** The config section (and `riskConfig` settings key) with its thresholds. */
  readonly thresholds: SignalThresholdsSection;
  /**
   * The inputs it is read from, beyond the term itself (dates, zone, periods,
   * `now`); when they are missing it reports itself not applicable and its
   * weight goes to the others.
   */
  readonly reads: readonly RiskInputField[];
  /** Machine codes of the reasons it can raise (each reason's sentence is worded by its scorer). */
  readonly reasonCodes: readonly string[];
}

/**
 * The risk signals. Keyed by every signal name, so a name added to
 * SIGNAL_CODES does not compile until it has a scorer here; the assessment
 * scores exactly these, in SIGNAL_CODES order.
 */
export const RISK_SIGNALS: Readonly<Record<SignalCode, RiskSignalDefinition>> = {
  outcome_attainment: {
    evaluate: evaluateOutcomeAttainment,
    thresholds: 'attainment',
    reads: ['contract.successTargets', 'usageByPeriod'],
    reasonCodes: ['outcome_attainment_below_target'],
  },
  outcome_trend: {
    evaluate: evaluateOutcomeTrend,
    thresholds: 'trend',
    reads: ['contract.successTargets', 'usageByPeriod'],
    reasonCodes: ['outcome_trend_down'],
  },
  commitment_burn: {
    evaluate: evaluateCommitmentBurn,
    thresholds: 'burn',
    reads: ['contract.committedAmountMinor', 'spendToDateMinor', 'spendThroughDate'],
    reasonCodes: ['commitment_underused'],
  },
  payment_health: {
    evaluate: evaluatePaymentHealth,
    thresholds: 'payment',
    reads: ['paymentSignals'],
    reasonCodes: ['payment_failed', 'invoice_past_due'],
  },
  signal_gap: {
    evaluate: (input, now, config, { freshness }) => evaluateSignalGap(input, now, config, freshness),
    thresholds: 'gap',
    reads: ['lastOutcomeAt', 'dataAsOf'],
    reasonCodes: ['no_recent_outcomes'],
  },
  customer_feedback: {
    evaluate: evaluateCustomerFeedback,
    thresholds: 'feedback',
    reads: ['feedback'],
    reasonCodes: ['low_nps', 'low_csat'],
  },
  outcome_disputes: {
    evaluate: evaluateOutcomeDisputes,
    thresholds: 'disputes',
    reads: ['disputes'],
    reasonCodes: ['outcomes_disputed'],
  },
};

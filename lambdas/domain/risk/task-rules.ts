import { DateTime } from 'luxon';
import type { CurrencyCode } from '../money/currencies';
import type { RenewalRiskAssessment } from './assess-renewal-risk';
import { RECOMMENDED_PLAYS, type RecommendedPlay } from './recommended-plays';
import type { RevenueAtRiskBasis } from './revenue-at-risk';
import type { SignalCode } from './risk-config';
import { isTierAtLeast, tierRank, type RiskTier } from './risk-tiers';
import { dec, toMinorInteger } from './risk-values';
import type { RiskReason } from './signal-result';
import type { ValueSummary } from './value-summary';

/** One task per (contract, term, checkpoint). */
export interface RenewalTaskKey {
  readonly contractId: string;
  readonly termId: string;
  readonly checkpointDays: number;
}

/** Stable string form of the key (stored as the task's id, used as the idempotency key). */
export function renewalTaskKey(key: RenewalTaskKey): string {
  return `${key.contractId}#${key.termId}#${key.checkpointDays}d`;
}

export type TaskPriorityRank = 'P1' | 'P2' | 'P3' | 'P4';

export interface TaskPriority {
  readonly rank: TaskPriorityRank;
  readonly currency: CurrencyCode;
  /** Renewal value that this risk threatens, minor units (absent when the contract has none). */
  readonly revenueAtRiskMinor?: string;
  /** revenueAtRiskMinor x score / 100, rounded half up to integer minor units: the sort key within a currency. */
  readonly expectedRevenueAtRiskMinor?: string;
  /** Where revenueAtRiskMinor comes from: renewal value, commitment, or (neither) the billed run rate. */
  readonly revenueAtRiskBasis?: RevenueAtRiskBasis;
  /** The sentence that explains revenueAtRiskMinor to the CSM. */
  readonly revenueAtRiskExplanation?: string;
  readonly riskScore: number;
}

export interface RenewalTaskContent {
  readonly key: string;
  readonly contractId: string;
  readonly customerId: string;
  readonly termId: string;
  readonly checkpointDays: number;
  readonly owner: string;
  readonly ownerIsFallback: boolean;
  /** Local date in the contract's zone. */
  readonly dueDate: string;
  readonly priority: TaskPriority;
  readonly tier: RiskTier;
  readonly score: number;
  readonly reasons: readonly RiskReason[];
  readonly recommendedPlay?: RecommendedPlay & { readonly signal: SignalCode };
  readonly valueSummary: ValueSummary;
  /** How the score was reached, one row per signal (absent on tasks stored before it was kept). */
  readonly scoreTable?: readonly ScoreTableRow[];
  /** The assessment ran on stale ledger data: check the reasons before acting. */
  readonly staleData: boolean;
  readonly assessedAt: string;
}

/** One signal's part in the score, as the CSM reads it. */
export interface ScoreTableRow {
  readonly signal: SignalCode;
  readonly applicable: boolean;
  /** The signal's reading, decimal string; null when it does not apply. */
  readonly value: string | null;
  readonly unit: string;
  /** The reading at which it raises a reason. */
  readonly threshold: string;
  /** Its weight after sharing out the weight of signals that do not apply. */
  readonly weight: string;
  /** Points it adds to the score of 100. */
  readonly contribution: string;
  readonly notApplicableReason?: string;
}

/** The assessment's signals as a score table. */
export function scoreTableOf(assessment: Pick<RenewalRiskAssessment, 'signals'>): ScoreTableRow[] {
  return assessment.signals.map((s) => ({
    signal: s.code,
    applicable: s.applicable,
    value: s.applicable ? s.value : null,
    unit: s.unit,
    threshold: s.threshold,
    weight: s.weight,
    contribution: s.contribution,
    ...(s.notApplicableReason !== undefined ? { notApplicableReason: s.notApplicableReason } : {}),
  }));
}

/** The state of an open task that the rules need. */
export interface OpenRenewalTask {
  readonly key: string;
  readonly checkpointDays: number;
  /** The worst tier the task has reached (created or escalated at); escalation compares against it. */
  readonly tier: RiskTier;
  readonly score: number;
  /** Checkpoints already recorded on the task, so a re-run of one does not re-assess it twice. */
  readonly assessedCheckpoints?: readonly number[];
}

export interface TaskContentOptions {
  /** Owner when the contract has no CSM. */
  readonly fallbackOwner: string;
  /** Days from the check to the due date, by tier. */
  readonly dueInDays: Readonly<Record<RiskTier, number>>;
  /** At-risk tasks whose expected revenue at risk reaches this (minor units, same currency) become P1. */
  readonly p1ExpectedRevenueAtRiskMinor?: Readonly<Partial<Record<CurrencyCode, string>>>;
}

/**
 * At-risk tasks threatening this much expected revenue (50,000 in the major
 * currencies, ¥7,500,000) are P1 like critical ones: at at_risk scores (45-64)
 * that is a renewal worth roughly 80,000-110,000 a year, the few accounts a
 * CS lead wants on top of the queue. Currencies not listed never promote.
 */
export const DEFAULT_P1_EXPECTED_REVENUE_AT_RISK_MINOR: Readonly<Partial<Record<CurrencyCode, string>>> = {
  USD: '5000000',
  EUR: '5000000',
  GBP: '5000000',
  CHF: '5000000',
  CAD: '5000000',
  AUD: '5000000',
  JPY: '7500000',
};

export const DEFAULT_TASK_CONTENT_OPTIONS: TaskContentOptions = {
  fallbackOwner: 'renewals-queue',
  dueInDays: { critical: 2, at_risk: 5, watch: 10, healthy: 15 },
  p1ExpectedRevenueAtRiskMinor: DEFAULT_P1_EXPECTED_REVENUE_AT_RISK_MINOR,
};

/** Why a task was escalated or resolved: a machine code and a sentence. */
export interface TaskChangeReason {
  readonly code: 'risk_escalated' | 'risk_cleared';
  readonly message: string;
}

export type TaskDecision =
  | { readonly action: 'create'; readonly key: string; readonly task: RenewalTaskContent }
  | {
      readonly action: 'escalate';
      readonly key: string;
      readonly fromTier: RiskTier;
      readonly toTier: RiskTier;
      readonly reason: TaskChangeReason;
      readonly task: RenewalTaskContent;
    }
  /** A later checkpoint still at or above the minimum tier, not worse than the task: the task shows this assessment. */
  | { readonly action: 'reassess'; readonly key: string; readonly task: RenewalTaskContent }
  | { readonly action: 'resolve'; readonly key: string; readonly reason: TaskChangeReason }
  | { readonly action: 'none'; readonly key?: string; readonly why: TaskNoActionReason };

export type TaskNoActionReason =
  | 'ad_hoc_check'
  | 'below_minimum_tier'
  | 'task_exists_for_checkpoint'
  | 'open_task_current'
  | 'stale_data_no_resolve';

export interface DecideTaskActionInput {
  readonly assessment: RenewalRiskAssessment;
  /** The open (or acknowledged) task of this contract term, from any checkpoint. */
  readonly existingOpenTask?: OpenRenewalTask;
  /** True when a task with this check's key already exists in any status (a re-run of the same checkpoint). */
  readonly taskExistsForCheckpoint?: boolean;
  readonly minimumTier: RiskTier;
  /** The assessment of the previous checkpoint of this term. */
  readonly previousAssessment?: Pick<RenewalRiskAssessment, 'tier' | 'score' | 'checkpointDays'>;
  readonly options?: Partial<TaskContentOptions>;
}

function checkpointPhrase(days: number | undefined): string {
  return days === undefined ? 'an ad-hoc check' : `the ${days}-day checkpoint`;
}

function tierText(tier: RiskTier, score: number): string {
  return `${tier} (score ${score})`;
}

export function taskPriority(assessment: RenewalRiskAssessment, options: TaskContentOptions): TaskPriority {
  const revenue = assessment.renewalValueMinor;
  const expected = revenue === undefined ? undefined : toMinorInteger(dec(revenue).times(assessment.score).dividedBy(100));
  const p1Threshold = options.p1ExpectedRevenueAtRiskMinor?.[assessment.currency];
  let rank: TaskPriorityRank;
  if (assessment.tier === 'critical') rank = 'P1';
  else if (assessment.tier === 'at_risk') {
    rank = p1Threshold !== undefined && expected !== undefined && expected >= BigInt(p1Threshold) ? 'P1' : 'P2';
  } else rank = assessment.tier === 'watch' ? 'P3' : 'P4';
  return {
    rank,
    currency: assessment.currency,
    ...(revenue === undefined ? {} : { revenueAtRiskMinor: revenue }),
    ...(expected === undefined ? {} : { expectedRevenueAtRiskMinor: expected.toString() }),
    ...(assessment.revenueAtRisk
      ? { revenueAtRiskBasis: assessment.revenueAtRisk.basis, revenueAtRiskExplanation: assessment.revenueAtRisk.explanation }
      : {}),
    riskScore: assessment.score,
  };
}

/** Due `dueInDays[tier]` local days after the check, never on or after the term's last day boundary. */
export function taskDueDate(assessment: RenewalRiskAssessment, options: TaskContentOptions): string {
  const today = DateTime.fromISO(assessment.assessedAt, { setZone: true }).setZone(assessment.timeZone).startOf('day');
  const due = today.plus({ days: options.dueInDays[assessment.tier] });
  const lastTermDay = DateTime.fromISO(assessment.termEnd, { zone: assessment.timeZone }).minus({ days: 1 });
  const capped = due.toMillis() > lastTermDay.toMillis() ? lastTermDay : due;
  return (capped.toMillis() < today.toMillis() ? today : capped).toISODate() ?? '';
}

/** The task as the CSM sees it. */
export function buildTaskContent(
  assessment: RenewalRiskAssessment,
  checkpointDays: number,
  options: TaskContentOptions = DEFAULT_TASK_CONTENT_OPTIONS,
): RenewalTaskContent {
  const key = renewalTaskKey({ contractId: assessment.contractId, termId: assessment.termId, checkpointDays });
  const play = assessment.dominantSignal ? { ...RECOMMENDED_PLAYS[assessment.dominantSignal], signal: assessment.dominantSignal } : undefined;
  return {
    key,
    contractId: assessment.contractId,
    customerId: assessment.customerId,
    termId: assessment.termId,
    checkpointDays,
    owner: assessment.csmOwner ?? options.fallbackOwner,
    ownerIsFallback: assessment.csmOwner === undefined,
    dueDate: taskDueDate(assessment, options),
    priority: taskPriority(assessment, options),
    tier: assessment.tier,
    score: assessment.score,
    reasons: assessment.reasons,
    ...(play ? { recommendedPlay: play } : {}),
    valueSummary: assessment.valueSummary,
    scoreTable: scoreTableOf(assessment),
    staleData: assessment.staleData,
    assessedAt: assessment.assessedAt,
  };
}

/**
 * What a renewal-risk check does with its task (pure; the use case applies it
 * with conditional writes so concurrent runs still produce one task):
 * - create: at or above `minimumTier`, no open task for the term, and no task
 *   yet under this checkpoint's key (re-runs never duplicate);
 * - escalate: an open task exists and the tier is worse than both the tier on
 *   the task and the previous checkpoint's tier;
 * - reassess: an open task exists, the tier is still at or above
 *   `minimumTier` but not an escalation, and this checkpoint has not assessed
 *   the task yet: the task shows the latest tier and score (the worst stays in
 *   its history);
 * - resolve: an open task exists and the tier fell below `minimumTier`, unless
 *   the data is stale (never clear risk on data that may be lagging);
 * - none otherwise, with why.
 */
export function decideTaskAction(input: DecideTaskActionInput): TaskDecision {
  const { assessment, existingOpenTask, minimumTier, previousAssessment } = input;
  const options: TaskContentOptions = { ...DEFAULT_TASK_CONTENT_OPTIONS, ...input.options };
  const checkpointDays = assessment.checkpointDays;
  if (checkpointDays === undefined) return { action: 'none', why: 'ad_hoc_check' };
  const key = renewalTaskKey({ contractId: assessment.contractId, termId: assessment.termId, checkpointDays });
  const atOrAbove = isTierAtLeast(assessment.tier, minimumTier);

  if (existingOpenTask) {
    if (!atOrAbove) {
      if (assessment.staleData) return { action: 'none', key: existingOpenTask.key, why: 'stale_data_no_resolve' };
      return {
        action: 'resolve',
        key: existingOpenTask.key,
        reason: {
          code: 'risk_cleared',
          message: `risk cleared at ${checkpointPhrase(checkpointDays)}: ${tierText(assessment.tier, assessment.score)} is below ${minimumTier}; the task was ${tierText(existingOpenTask.tier, existingOpenTask.score)}`,
        },
      };
    }
    const worseThanTask = tierRank(assessment.tier) > tierRank(existingOpenTask.tier);
    const worseThanPrevious = previousAssessment === undefined || tierRank(assessment.tier) > tierRank(previousAssessment.tier);
    if (worseThanTask && worseThanPrevious) {
      const before = previousAssessment && tierRank(previousAssessment.tier) > tierRank(existingOpenTask.tier) ? previousAssessment : existingOpenTask;
      return {
        action: 'escalate',
        key: existingOpenTask.key,
        fromTier: existingOpenTask.tier,
        toTier: assessment.tier,
        reason: {
          code: 'risk_escalated',
          message: `risk rose from ${tierText(before.tier, before.score)} to ${tierText(assessment.tier, assessment.score)} at ${checkpointPhrase(checkpointDays)}`,
        },
        task: { ...buildTaskContent(assessment, existingOpenTask.checkpointDays, options), key: existingOpenTask.key },
      };
    }
    const alreadyAssessed = checkpointDays === existingOpenTask.checkpointDays || existingOpenTask.assessedCheckpoints?.includes(checkpointDays) === true;
    if (!alreadyAssessed) {
      return {
        action: 'reassess',
        key: existingOpenTask.key,
        task: { ...buildTaskContent(assessment, existingOpenTask.checkpointDays, options), key: existingOpenTask.key },
      };
    }
    return { action: 'none', key: existingOpenTask.key, why: 'open_task_current' };
  }

  if (input.taskExistsForCheckpoint) return { action: 'none', key, why: 'task_exists_for_checkpoint' };
  if (!atOrAbove) return { action: 'none', key, why: 'below_minimum_tier' };
  return { action: 'create', key, task: buildTaskContent(assessment, checkpointDays, options) };
}

import { z } from 'zod';
import { RiskInputError } from './risk-errors';
import { RISK_TIERS, RiskTierSchema, isTierAtLeast, type RiskTier } from './risk-tiers';
import { dec, localDayStart, instant } from './risk-values';
import { InstantSchema, LocalDateSchema, TimeZoneSchema } from '../periods/time-schemas';
import type { MoneyDecimal } from '../money/decimal';

export const RenewalResultSchema = z.enum(['renewed', 'churned', 'downsized'], {
  error: 'expected renewed, churned or downsized',
});
export type RenewalResult = z.infer<typeof RenewalResultSchema>;

export const BacktestRecordSchema = z.strictObject({
  contractId: z.string().min(1),
  termEnd: LocalDateSchema,
  /** Zone of termEnd; UTC when absent. */
  timeZone: TimeZoneSchema.default('UTC'),
  renewalResult: RenewalResultSchema,
  /** `checkpointDays`: the checkpoint that ran it (absent on ad-hoc checks), for the lead time per checkpoint. */
  assessments: z.array(z.strictObject({ at: InstantSchema, tier: RiskTierSchema, checkpointDays: z.int().min(0).optional() })),
  /**
   * When the CSM was first handed a task at at_risk or worse for this term
   * (its creation, or the escalation that lifted it there); absent when the
   * term never had one. The lead time is measured from here: it is the time
   * the team actually had to act.
   */
  firstAtRiskTaskAt: InstantSchema.optional(),
});
export type BacktestRecord = z.input<typeof BacktestRecordSchema>;

export interface TierBacktestRow {
  readonly tier: RiskTier;
  /** Contracts whose worst tier before term end was exactly this tier. */
  readonly contracts: number;
  /** Of those, churned or downsized. */
  readonly lost: number;
  /** lost / contracts: how often this exact tier ended in a loss. */
  readonly lossRate?: string;
  /** Flagging at this tier or worse: share of flagged contracts that were lost. */
  readonly precisionAtOrAbove?: string;
  /** Flagging at this tier or worse: share of lost contracts that were flagged. */
  readonly recallAtOrAbove?: string;
}

export interface RiskBacktestReport {
  readonly contracts: number;
  readonly lost: number;
  readonly rows: readonly TierBacktestRow[];
  /** The headline: at_risk or critical predicting churned or downsized. */
  readonly atRiskOrCritical: { readonly flagged: number; readonly truePositives: number; readonly precision?: string; readonly recall?: string };
  /** Days from the first at-risk task to term end, median over lost contracts that had one before term end. */
  readonly medianLeadTimeDays?: string;
  readonly leadTimeSamples: number;
  /**
   * Which checkpoint first assessed each lost contract at_risk or worse, and
   * the median days from that check to term end: the checkpoints that earn
   * their keep. Earliest checkpoint first; lost contracts never caught are not counted here.
   */
  readonly byCheckpoint: readonly CheckpointLeadRow[];
  readonly table: string;
}

export interface CheckpointLeadRow {
  readonly checkpointDays: number;
  /** Lost contracts this checkpoint was the first to flag at_risk or worse. */
  readonly firstCaught: number;
  readonly medianLeadTimeDays: string;
}

function ratio(numerator: number, denominator: number): string | undefined {
  return denominator === 0 ? undefined : dec(numerator).dividedBy(denominator).toDecimalPlaces(2).toFixed(2);
}

function median(values: readonly MoneyDecimal[]): MoneyDecimal | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a.comparedTo(b));
  const middle = Math.floor(sorted.length / 2); // exact: an array index
  const upper = sorted[middle];
  const lower = sorted[sorted.length % 2 === 0 ? middle - 1 : middle];
  return upper && lower ? upper.plus(lower).dividedBy(2) : undefined;
}

function pad(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ').trimEnd();
}

/**
 * Calibration over contracts whose renewal result is recorded, whatever tier
 * they reached: a contract that churned while healthy or watch is a miss, and
 * recall can only be honest if it is counted. A contract's predicted tier is
 * the worst tier any assessment gave it before term end (assessments after
 * term end are ignored: they could not have warned anyone; a contract never
 * assessed counts as healthy). Precision and recall treat "churned" and
 * "downsized" as the positive class. The lead time runs from the first
 * at-risk task, the moment a CSM was actually asked to act.
 */
export function backtestRiskTiers(records: readonly BacktestRecord[]): RiskBacktestReport {
  const parsed = z.array(BacktestRecordSchema).safeParse(records);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RiskInputError('invalid_backtest_record', `invalid backtest record at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`, {
      cause: parsed.error,
    });
  }
  const evaluated = parsed.data.map((record) => {
    const termEnd = localDayStart(record.termEnd, record.timeZone);
    const before = record.assessments
      .map((a) => ({ at: instant(a.at), tier: a.tier, checkpointDays: a.checkpointDays }))
      .filter((a) => a.at.toMillis() < termEnd.toMillis())
      .sort((a, b) => a.at.toMillis() - b.at.toMillis());
    const worst = before.reduce<RiskTier>((w, a) => (isTierAtLeast(a.tier, w) ? a.tier : w), 'healthy');
    const lost = record.renewalResult !== 'renewed';
    const taskAt = record.firstAtRiskTaskAt === undefined ? undefined : instant(record.firstAtRiskTaskAt);
    // A task handed over on or after term end gave no warning at all.
    const leadDays =
      taskAt !== undefined && taskAt.toMillis() < termEnd.toMillis() ? dec(termEnd.toMillis() - taskAt.toMillis()).dividedBy(86_400_000) : undefined;
    const caught = before.find((a) => a.checkpointDays !== undefined && isTierAtLeast(a.tier, 'at_risk'));
    // A checkpoint's stored assessment is its latest run (a contract change re-runs the latest passed
    // checkpoint); the task its first run opened is when it really caught the loss.
    const caughtAt = caught && taskAt !== undefined && taskAt.toMillis() < caught.at.toMillis() ? taskAt : caught?.at;
    const firstCaught =
      caught?.checkpointDays === undefined || caughtAt === undefined
        ? undefined
        : { checkpointDays: caught.checkpointDays, leadDays: dec(termEnd.toMillis() - caughtAt.toMillis()).dividedBy(86_400_000) };
    return { worst, lost, leadDays, firstCaught };
  });

  const totalLost = evaluated.filter((e) => e.lost).length;
  const rows: TierBacktestRow[] = RISK_TIERS.map((tier) => {
    const exact = evaluated.filter((e) => e.worst === tier);
    const atOrAbove = evaluated.filter((e) => isTierAtLeast(e.worst, tier));
    const truePositives = atOrAbove.filter((e) => e.lost).length;
    const lossRate = ratio(exact.filter((e) => e.lost).length, exact.length);
    const precision = ratio(truePositives, atOrAbove.length);
    const recall = ratio(truePositives, totalLost);
    return {
      tier,
      contracts: exact.length,
      lost: exact.filter((e) => e.lost).length,
      ...(lossRate === undefined ? {} : { lossRate }),
      ...(precision === undefined ? {} : { precisionAtOrAbove: precision }),
      ...(recall === undefined ? {} : { recallAtOrAbove: recall }),
    };
  });

  const flagged = evaluated.filter((e) => isTierAtLeast(e.worst, 'at_risk'));
  const truePositives = flagged.filter((e) => e.lost);
  const leadTimes = evaluated.filter((e) => e.lost).flatMap((e) => (e.leadDays ? [e.leadDays] : []));
  const medianLead = median(leadTimes);
  const precision = ratio(truePositives.length, flagged.length);
  const recall = ratio(truePositives.length, totalLost);
  const caughtLost = evaluated.filter((e) => e.lost).flatMap((e) => (e.firstCaught ? [e.firstCaught] : []));
  const byCheckpoint: CheckpointLeadRow[] = [...new Set(caughtLost.map((c) => c.checkpointDays))]
    .sort((a, b) => b - a)
    .map((checkpointDays) => {
      const leads = caughtLost.filter((c) => c.checkpointDays === checkpointDays).map((c) => c.leadDays);
      return { checkpointDays, firstCaught: leads.length, medianLeadTimeDays: (median(leads) ?? dec(0)).toDecimalPlaces(1).toFixed() };
    });

  const widths = [10, 10, 6, 10, 15, 12];
  const lines = [
    pad(['tier', 'contracts', 'lost', 'loss rate', 'precision (>=)', 'recall (>=)'], widths),
    ...rows.map((row) =>
      pad([row.tier, String(row.contracts), String(row.lost), row.lossRate ?? 'n/a', row.precisionAtOrAbove ?? 'n/a', row.recallAtOrAbove ?? 'n/a'], widths),
    ),
    '',
    `at_risk+critical predicting churned/downsized: precision ${precision ?? 'n/a'}, recall ${recall ?? 'n/a'} (${truePositives.length} of ${flagged.length} flagged were lost; ${totalLost} lost in all)`,
    `median lead time: ${medianLead === undefined ? 'n/a' : `${medianLead.toDecimalPlaces(1).toFixed()} days`} from the first at-risk task to term end (${leadTimes.length} lost contracts had one)`,
    ...byCheckpoint.map(
      (row) =>
        `first caught at the ${row.checkpointDays}-day checkpoint: ${row.firstCaught} lost contract${row.firstCaught === 1 ? '' : 's'}, median lead time ${row.medianLeadTimeDays} days`,
    ),
  ];

  return {
    contracts: evaluated.length,
    lost: totalLost,
    rows,
    atRiskOrCritical: {
      flagged: flagged.length,
      truePositives: truePositives.length,
      ...(precision === undefined ? {} : { precision }),
      ...(recall === undefined ? {} : { recall }),
    },
    ...(medianLead === undefined ? {} : { medianLeadTimeDays: medianLead.toDecimalPlaces(1).toFixed() }),
    leadTimeSamples: leadTimes.length,
    byCheckpoint,
    table: lines.join('\n'),
  };
}

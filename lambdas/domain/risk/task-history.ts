import type { RenewalResult } from './backtest-risk-tiers';
import { tierRank, type RiskTier } from './risk-tiers';
import type { TaskChangeReason } from './task-rules';

// What happened to a renewal task, oldest first: the CSM reads it in
// `tasks show`. The task's own tier and score are the latest assessment; the
// worst one it reached stays here (and is what escalation compares against).

export type TaskHistoryEntry =
  | { readonly kind: 'created'; readonly at: string; readonly checkpointDays: number; readonly tier: RiskTier; readonly score: number }
  | {
      readonly kind: 'escalated';
      readonly at: string;
      readonly checkpointDays: number;
      readonly fromTier: RiskTier;
      readonly tier: RiskTier;
      readonly score: number;
      readonly reason: TaskChangeReason;
    }
  /** A later checkpoint assessed the term again without escalating: the task now shows this tier and score. */
  | { readonly kind: 'reassessed'; readonly at: string; readonly checkpointDays: number; readonly tier: RiskTier; readonly score: number }
  | { readonly kind: 'reassigned'; readonly at: string; readonly fromOwner: string; readonly toOwner: string }
  | { readonly kind: 'resolved'; readonly at: string; readonly reason?: TaskChangeReason; readonly result?: RenewalResult; readonly by?: string };

export type AssessedHistoryEntry = Extract<TaskHistoryEntry, { readonly tier: RiskTier }>;

function isAssessed(entry: TaskHistoryEntry): entry is AssessedHistoryEntry {
  return entry.kind === 'created' || entry.kind === 'escalated' || entry.kind === 'reassessed';
}

/** The worst assessment the task has seen (the earliest of equally bad ones); undefined for an empty history. */
export function worstAssessment(history: readonly TaskHistoryEntry[]): AssessedHistoryEntry | undefined {
  let worst: AssessedHistoryEntry | undefined;
  for (const entry of history.filter(isAssessed)) {
    if (!worst || tierRank(entry.tier) > tierRank(worst.tier) || (entry.tier === worst.tier && entry.score > worst.score)) worst = entry;
  }
  return worst;
}

/** The latest assessment recorded on the task. */
export function latestAssessment(history: readonly TaskHistoryEntry[]): AssessedHistoryEntry | undefined {
  return history.filter(isAssessed).at(-1);
}

/** The checkpoints that have assessed the task, so a re-run of one is not recorded twice. */
export function assessedCheckpoints(history: readonly TaskHistoryEntry[]): ReadonlySet<number> {
  return new Set(history.filter(isAssessed).map((entry) => entry.checkpointDays));
}

export interface OwnerChange {
  readonly fromOwner: string;
  readonly toOwner: string;
  readonly ownerIsFallback: boolean;
}

/**
 * Who an open task belongs to after its contract's CSM changed: the new CSM,
 * or the fallback queue when the contract no longer names one. Undefined when
 * the owner stays (a resolved task keeps the owner it was resolved under).
 */
export function reassignmentFor(
  task: { readonly owner: string; readonly status: 'open' | 'acknowledged' | 'resolved' },
  csmOwner: string | undefined,
  fallbackOwner: string,
): OwnerChange | undefined {
  if (task.status === 'resolved') return undefined;
  const toOwner = csmOwner ?? fallbackOwner;
  if (toOwner === task.owner) return undefined;
  return { fromOwner: task.owner, toOwner, ownerIsFallback: csmOwner === undefined };
}

/** The stored shape a history is read from: tasks stored before histories were kept have only these. */
export interface TaskHistorySource {
  readonly createdAt: string;
  readonly checkpointDays: number;
  readonly tier: RiskTier;
  readonly score: number;
  readonly escalations: readonly {
    readonly at: string;
    readonly fromTier: RiskTier;
    readonly toTier: RiskTier;
    readonly checkpointDays: number;
    readonly reason: TaskChangeReason;
  }[];
  readonly history?: readonly TaskHistoryEntry[];
}

/**
 * The task's history; for a task stored before histories were kept, rebuilt
 * from its creation and escalations (their scores were not kept: the task's
 * own score stands in for the last one, the creation's is unknown and shown as the task's).
 */
export function taskHistoryOf(task: TaskHistorySource): readonly TaskHistoryEntry[] {
  if (task.history) return task.history;
  const first = task.escalations[0];
  const created: TaskHistoryEntry = {
    kind: 'created',
    at: task.createdAt,
    checkpointDays: task.checkpointDays,
    tier: first ? first.fromTier : task.tier,
    score: task.score,
  };
  return [
    created,
    ...task.escalations.map(
      (e): TaskHistoryEntry => ({ kind: 'escalated', at: e.at, checkpointDays: e.checkpointDays, fromTier: e.fromTier, tier: e.toTier, score: task.score, reason: e.reason }),
    ),
  ];
}

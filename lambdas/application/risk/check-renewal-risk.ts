import type { EventPublisher } from '../ports';
import { z } from 'zod';
import { retryOnConflict } from '../../shared/retry-on-conflict';
import { assessRenewalRisk, type RenewalRiskAssessment } from '../../domain/risk/assess-renewal-risk';
import type { RenewalCheckpointPayload } from '../../domain/risk/checkpoint-payload';
import { assessedCheckpoints, taskHistoryOf, worstAssessment, type TaskHistoryEntry } from '../../domain/risk/task-history';
import { decideTaskAction, type TaskDecision } from '../../domain/risk/task-rules';
import { gatherRiskInput, type GatherRiskInputDeps } from './gather-risk-input';
import type { RenewalTask, RenewalTaskStore, RiskContractReader, StoredAssessment } from './ports';
import { RiskContractNotFoundError, isTaskVersionConflict } from './risk-errors';
import { termIdOf } from './risk-settings';
import { publishOwedEvent, publishPendingEvent, taskCreatedEvent, taskEscalatedEvent, taskResolvedEvent } from './task-events';

export interface CheckRenewalRiskDeps extends GatherRiskInputDeps {
  readonly contracts: RiskContractReader;
  readonly tasks: RenewalTaskStore;
  readonly events: EventPublisher;
  readonly clock: () => Date;
}

export type CheckRenewalRiskResult =
  | {
      readonly outcome: 'checked';
      readonly assessment: RenewalRiskAssessment;
      readonly decision: TaskDecision;
      /** The task as stored after this check (absent when the term has none). */
      readonly task?: RenewalTask;
    }
  | { readonly outcome: 'skipped'; readonly why: 'contract_not_found' | 'term_changed'; readonly message: string };

/** Concurrent checks of one term lose a version race at most a few times; then the input is genuinely contended. */
const MAX_ATTEMPTS = 4;

function isOpen(task: RenewalTask): boolean {
  return task.status === 'open' || task.status === 'acknowledged';
}

/**
 * A checkpoint's renewal-risk check: assess the contract term as of now, then
 * create, escalate or resolve its task (conditional writes, so repeated and
 * concurrent runs leave one task), record the assessment for the next
 * checkpoint and the backtest, and publish the task's event. Infrastructure
 * failures throw, so Scheduler retries; a schedule left over from a changed
 * or removed contract is skipped, not failed.
 */
export async function checkRenewalRisk(deps: CheckRenewalRiskDeps, payload: RenewalCheckpointPayload): Promise<CheckRenewalRiskResult> {
  const now = deps.clock();
  // The revision in force at the check's own moment, as `risk check --as-of`
  // reads it: a later repeat of this answer gives it field for field.
  const contract = await deps.contracts.getContractAsOf(payload.contractId, now);
  if (!contract) return { outcome: 'skipped', why: 'contract_not_found', message: `contract "${payload.contractId}" is not stored` };
  if (termIdOf(contract) !== payload.termId) {
    return {
      outcome: 'skipped',
      why: 'term_changed',
      message: `contract "${contract.contractId}" is now in term ${termIdOf(contract)}, not ${payload.termId}`,
    };
  }
  const input = await gatherRiskInput(deps, { contract, checkpointDays: payload.checkpointDays, now });
  const assessment = assessRenewalRisk(input, deps.settings.riskConfig);

  return retryOnConflict({ isConflict: isTaskVersionConflict, attempts: MAX_ATTEMPTS }, async (attempt) => {
    // Owed events are repaired only before this run has lost a race: after a
    // conflict, a pending event is the winner's, which publishes it itself.
    const result = await applyDecision(deps, assessment, payload.checkpointDays, now, attempt === 1);
    await deps.tasks.putAssessment({
      contractId: assessment.contractId,
      termId: assessment.termId,
      checkpointDays: payload.checkpointDays,
      assessedAt: assessment.assessedAt,
      tier: assessment.tier,
      score: assessment.score,
      staleData: assessment.staleData,
      termEnd: assessment.termEnd,
      timeZone: assessment.timeZone,
    });
    return { outcome: 'checked' as const, assessment, ...result };
  });
}

async function applyDecision(
  deps: CheckRenewalRiskDeps,
  assessment: RenewalRiskAssessment,
  checkpointDays: number,
  now: Date,
  repairOwedEvents: boolean,
): Promise<{ decision: TaskDecision; task?: RenewalTask }> {
  const termTasks = await deps.tasks.listTermTasks(assessment.contractId, assessment.termId);
  // An event a failed run still owes goes out before anything new (one claimed
  // by a run still in flight is left to that run, so racing runs never repeat it).
  const owed = repairOwedEvents ? termTasks.filter((task) => task.pendingEvent) : [];
  for (const task of owed) await publishOwedEvent(deps, task);
  const refreshed = owed.length > 0 ? await deps.tasks.listTermTasks(assessment.contractId, assessment.termId) : termTasks;

  const openTask = refreshed.find(isOpen);
  const openHistory = openTask ? taskHistoryOf(openTask) : [];
  const worst = openTask ? (worstAssessment(openHistory) ?? openTask) : undefined;
  const previous = await previousCheckpointAssessment(deps.tasks, assessment, checkpointDays);
  const decision = decideTaskAction({
    assessment,
    ...(openTask && worst
      ? {
          existingOpenTask: {
            key: openTask.id,
            checkpointDays: openTask.checkpointDays,
            tier: worst.tier,
            score: worst.score,
            assessedCheckpoints: [...assessedCheckpoints(openHistory)],
          },
        }
      : {}),
    taskExistsForCheckpoint: refreshed.some((task) => task.checkpointDays === checkpointDays),
    minimumTier: deps.settings.minimumTier,
    ...(previous ? { previousAssessment: previous } : {}),
    ...(deps.settings.taskOptions ? { options: deps.settings.taskOptions } : {}),
  });
  const at = now.toISOString();

  switch (decision.action) {
    case 'create': {
      const draft: RenewalTask = {
        ...decision.task,
        id: decision.key,
        termEnd: assessment.termEnd,
        timeZone: assessment.timeZone,
        status: 'open',
        version: 1,
        createdAt: at,
        updatedAt: at,
        escalations: [],
        history: [{ kind: 'created', at, checkpointDays, tier: decision.task.tier, score: decision.task.score }],
      };
      const task: RenewalTask = { ...draft, pendingEvent: taskCreatedEvent(draft) };
      const stored = await deps.tasks.createTask(task);
      // Lost the race to a concurrent run of this checkpoint: that run publishes.
      if (!stored.created) return { decision: { action: 'none', key: decision.key, why: 'task_exists_for_checkpoint' }, task: stored.task };
      return { decision, task: await publishPendingEvent(deps, stored.task) };
    }
    case 'escalate': {
      const current = openTask as RenewalTask;
      const { key: _key, checkpointDays: _days, ...content } = decision.task;
      const escalated: RenewalTask = {
        ...current,
        ...content,
        version: current.version + 1,
        updatedAt: at,
        escalations: [
          ...current.escalations,
          { at, fromTier: decision.fromTier, toTier: decision.toTier, checkpointDays, reason: decision.reason },
        ],
        history: [
          ...openHistory,
          ...ownerChange(current, content.owner, at),
          { kind: 'escalated', at, checkpointDays, fromTier: decision.fromTier, tier: decision.toTier, score: content.score, reason: decision.reason },
        ],
      };
      const task = await deps.tasks.updateTask({ ...escalated, pendingEvent: taskEscalatedEvent(escalated, decision.fromTier, decision.reason) });
      return { decision, task: await publishPendingEvent(deps, task) };
    }
    case 'reassess': {
      // The latest assessment, on the due date the CSM already has: a calmer
      // checkpoint must not push an overdue follow-up further out.
      const current = openTask as RenewalTask;
      const { key: _key, checkpointDays: _days, dueDate: _due, ...content } = decision.task;
      const task = await deps.tasks.updateTask({
        ...current,
        ...content,
        version: current.version + 1,
        updatedAt: at,
        history: [...openHistory, ...ownerChange(current, content.owner, at), { kind: 'reassessed', at, checkpointDays, tier: content.tier, score: content.score }],
      });
      return { decision, task };
    }
    case 'resolve': {
      const current = openTask as RenewalTask;
      const resolved: RenewalTask = {
        ...current,
        status: 'resolved',
        version: current.version + 1,
        updatedAt: at,
        resolution: { kind: 'risk_cleared', at, reason: decision.reason, checkpointDays },
        history: [...openHistory, { kind: 'resolved', at, reason: decision.reason }],
      };
      const task = await deps.tasks.updateTask({ ...resolved, pendingEvent: taskResolvedEvent(resolved) });
      return { decision, task: await publishPendingEvent(deps, task) };
    }
    case 'none': {
      const task = decision.key === undefined ? undefined : refreshed.find((candidate) => candidate.id === decision.key);
      return { decision, ...(task ? { task } : {}) };
    }
  }
}

/** A check takes the owner from the contract it read: a change the contract-change path has not made yet is kept in the history too. */
function ownerChange(task: RenewalTask, owner: string, at: string): TaskHistoryEntry[] {
  return owner === task.owner ? [] : [{ kind: 'reassigned', at, fromOwner: task.owner, toOwner: owner }];
}

/** The assessment of the checkpoint that fired before this one in the term (more days before term end). */
async function previousCheckpointAssessment(
  tasks: RenewalTaskStore,
  assessment: RenewalRiskAssessment,
  checkpointDays: number,
): Promise<StoredAssessment | undefined> {
  const stored = await tasks.listAssessments(assessment.contractId, assessment.termId);
  return stored
    .filter((candidate) => candidate.checkpointDays > checkpointDays)
    .sort((a, b) => a.checkpointDays - b.checkpointDays)[0];
}

export const AdHocRiskCheckSchema = z.strictObject({
  contractId: z.string().min(1).max(128),
  /** Assess as of this instant (the ledger cutoff too); now when absent. */
  asOf: z.date().optional(),
});
export type AdHocRiskCheck = z.infer<typeof AdHocRiskCheckSchema>;

/**
 * `risk check`: the assessment as of a moment, with no task change and nothing
 * stored. As of a past moment it reads the ledger as it was then and the
 * contract revision in force then, so repeating it later gives the same answer.
 */
export async function assessContractRisk(
  deps: Omit<CheckRenewalRiskDeps, 'tasks' | 'events'>,
  request: AdHocRiskCheck,
): Promise<RenewalRiskAssessment> {
  const now = request.asOf ?? deps.clock();
  const contract = await deps.contracts.getContractAsOf(request.contractId, now);
  if (!contract) throw new RiskContractNotFoundError(request.contractId);
  const input = await gatherRiskInput(deps, { contract, now });
  return assessRenewalRisk(input, deps.settings.riskConfig);
}

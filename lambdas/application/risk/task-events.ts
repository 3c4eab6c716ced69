import type { EventPublisher } from '../ports';
import { OUTBOUND_DETAIL_TYPES } from '../../domain/events/detail-types';
import type { TaskChangeReason } from '../../domain/risk/task-rules';
import type { PendingTaskEvent, RenewalTask, RenewalTaskStore } from './ports';

function taskSummary(task: RenewalTask): Record<string, unknown> {
  return {
    schemaVersion: 1,
    taskId: task.id,
    contractId: task.contractId,
    customerId: task.customerId,
    termId: task.termId,
    termEnd: task.termEnd,
    checkpointDays: task.checkpointDays,
    status: task.status,
    owner: task.owner,
    ownerIsFallback: task.ownerIsFallback,
    dueDate: task.dueDate,
    tier: task.tier,
    score: task.score,
    priority: task.priority,
    reasons: task.reasons,
    ...(task.recommendedPlay ? { recommendedPlay: task.recommendedPlay } : {}),
    valueSummary: task.valueSummary,
    staleData: task.staleData,
    version: task.version,
  };
}

// Each event is stored on the task claimed by the run that wrote it (claimedAt
// = the task's updatedAt), so a run starting meanwhile leaves it to that run.

export function taskCreatedEvent(task: RenewalTask): PendingTaskEvent {
  return { detailType: OUTBOUND_DETAIL_TYPES.renewalRiskTaskCreated, detail: taskSummary(task), claimedAt: task.updatedAt };
}

export function taskEscalatedEvent(task: RenewalTask, fromTier: string, reason: TaskChangeReason): PendingTaskEvent {
  return {
    detailType: OUTBOUND_DETAIL_TYPES.renewalRiskEscalated,
    detail: { ...taskSummary(task), fromTier, toTier: task.tier, reason },
    claimedAt: task.updatedAt,
  };
}

export function taskReassignedEvent(task: RenewalTask, fromOwner: string): PendingTaskEvent {
  return {
    detailType: OUTBOUND_DETAIL_TYPES.renewalRiskTaskReassigned,
    detail: { ...taskSummary(task), fromOwner, toOwner: task.owner },
    claimedAt: task.updatedAt,
  };
}

export function taskResolvedEvent(task: RenewalTask): PendingTaskEvent {
  return {
    detailType: OUTBOUND_DETAIL_TYPES.renewalRiskResolved,
    detail: { ...taskSummary(task), resolution: task.resolution },
    claimedAt: task.updatedAt,
  };
}

/**
 * How long a claimed event belongs to the run that claimed it. A publish takes
 * milliseconds, so a claim this old means the run failed; retries of a failed
 * invocation come later than this (Lambda retries asynchronous invocations
 * after a minute or more), so the retry finds the claim expired and publishes.
 */
export const EVENT_CLAIM_LEASE_MS = 30_000;

type TaskEventDeps = { readonly tasks: RenewalTaskStore; readonly events: EventPublisher; readonly clock: () => Date };

/**
 * Publishes an event a task still owes from an earlier run, exactly when no
 * other run is publishing it: a fresh claim is left to its run; an expired
 * (or missing) claim is taken over with a conditional write first, so of
 * several runs repairing at once only one publishes.
 */
export async function publishOwedEvent(deps: TaskEventDeps, task: RenewalTask): Promise<RenewalTask> {
  const owed = task.pendingEvent;
  if (!owed) return task;
  const now = deps.clock();
  if (owed.claimedAt !== undefined && now.getTime() - Date.parse(owed.claimedAt) < EVENT_CLAIM_LEASE_MS) return task;
  let claimed: RenewalTask;
  try {
    claimed = await deps.tasks.updateTask({ ...task, version: task.version + 1, updatedAt: now.toISOString(), pendingEvent: { ...owed, claimedAt: now.toISOString() } });
  } catch (error) {
    // Another run claimed it (or changed the task) first: the event is that run's now.
    if (error instanceof Error && error.name === 'TaskVersionConflictError') return (await deps.tasks.getTask(task.id)) ?? task;
    throw error;
  }
  return publishPendingEvent(deps, claimed);
}

/**
 * Publishes the event a task change owes, then clears it from the task. A
 * failure leaves it pending for the next run (the check is retried), so an
 * event is published at least once; `version` in the detail lets consumers
 * drop a repeat.
 */
export async function publishPendingEvent(deps: TaskEventDeps, task: RenewalTask): Promise<RenewalTask> {
  if (!task.pendingEvent) return task;
  const { claimedAt: _claim, ...event } = task.pendingEvent;
  await deps.events.publish([event]);
  const { pendingEvent: _published, ...rest } = task;
  // Only this field changes: the version guard keeps a concurrent change intact.
  try {
    return await deps.tasks.updateTask({ ...rest, version: task.version + 1, updatedAt: deps.clock().toISOString() });
  } catch (error) {
    if (error instanceof Error && error.name === 'TaskVersionConflictError') return (await deps.tasks.getTask(task.id)) ?? task;
    throw error;
  }
}

import { OUTBOUND_DETAIL_TYPES } from '../../domain/events/detail-types';
import type { TaskChangeReason } from '../../domain/risk/task-rules';
import type { PendingTaskEvent, RenewalTask, RenewalTaskStore, RiskEventPublisher } from './ports';

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

export function taskCreatedEvent(task: RenewalTask): PendingTaskEvent {
  return { detailType: OUTBOUND_DETAIL_TYPES.renewalRiskTaskCreated, detail: taskSummary(task) };
}

export function taskEscalatedEvent(task: RenewalTask, fromTier: string, reason: TaskChangeReason): PendingTaskEvent {
  return { detailType: OUTBOUND_DETAIL_TYPES.renewalRiskEscalated, detail: { ...taskSummary(task), fromTier, toTier: task.tier, reason } };
}

export function taskResolvedEvent(task: RenewalTask): PendingTaskEvent {
  return { detailType: OUTBOUND_DETAIL_TYPES.renewalRiskResolved, detail: { ...taskSummary(task), resolution: task.resolution } };
}

/**
 * Publishes the event a task change owes, then clears it from the task. A
 * failure leaves it pending for the next run (the check is retried), so an
 * event is published at least once; `version` in the detail lets consumers
 * drop a repeat.
 */
export async function publishPendingEvent(
  deps: { readonly tasks: RenewalTaskStore; readonly events: RiskEventPublisher; readonly clock: () => Date },
  task: RenewalTask,
): Promise<RenewalTask> {
  if (!task.pendingEvent) return task;
  await deps.events.publish([task.pendingEvent]);
  const { pendingEvent: _published, ...rest } = task;
  // Only this field changes: the version guard keeps a concurrent change intact.
  try {
    return await deps.tasks.updateTask({ ...rest, version: task.version + 1, updatedAt: deps.clock().toISOString() });
  } catch (error) {
    if (error instanceof Error && error.name === 'TaskVersionConflictError') return (await deps.tasks.getTask(task.id)) ?? task;
    throw error;
  }
}

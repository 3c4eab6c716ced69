import type { EventPublisher } from '../ports';
import type { Contract } from '../../domain/plans/contract-schema';
import { reassignmentFor, taskHistoryOf } from '../../domain/risk/task-history';
import type { RenewalTask, RenewalTaskStore } from './ports';
import { TaskVersionConflictError } from './risk-errors';
import { publishOwedEvent, publishPendingEvent, taskReassignedEvent } from './task-events';

export interface ReassignRenewalTasksDeps {
  readonly tasks: RenewalTaskStore;
  readonly events: EventPublisher;
  readonly clock: () => Date;
  /** Owner when the contract no longer names a CSM. */
  readonly fallbackOwner: string;
}

/**
 * Gives a contract's open and acknowledged tasks to its current CSM (or the
 * fallback queue), recording the change in each task's history and
 * announcing it ('Renewal Risk Task Reassigned'). Idempotent: a task already
 * with its owner is left alone, so a redelivered contract change does nothing;
 * an event a failed run still owes is published first.
 */
export async function reassignRenewalTasks(deps: ReassignRenewalTasksDeps, contract: Contract): Promise<RenewalTask[]> {
  const open = await deps.tasks.listTasks({ contractId: contract.contractId, statuses: ['open', 'acknowledged'] });
  const reassigned: RenewalTask[] = [];
  for (const listed of open) {
    let task: RenewalTask | undefined = listed.pendingEvent ? await publishOwedEvent(deps, listed) : listed;
    for (let attempt = 1; task; attempt += 1) {
      const change = reassignmentFor(task, contract.csmOwner, deps.fallbackOwner);
      if (!change) break;
      const at = deps.clock().toISOString();
      const next: RenewalTask = {
        ...task,
        owner: change.toOwner,
        ownerIsFallback: change.ownerIsFallback,
        version: task.version + 1,
        updatedAt: at,
        history: [...taskHistoryOf(task), { kind: 'reassigned', at, fromOwner: change.fromOwner, toOwner: change.toOwner }],
      };
      try {
        const stored = await deps.tasks.updateTask({ ...next, pendingEvent: taskReassignedEvent(next, change.fromOwner) });
        reassigned.push(await publishPendingEvent(deps, stored));
        break;
      } catch (error) {
        // A check changed the task meanwhile: read it again and reapply.
        if (!(error instanceof TaskVersionConflictError) || attempt >= 4) throw error;
        task = await deps.tasks.getTask(listed.id);
      }
    }
  }
  return reassigned;
}

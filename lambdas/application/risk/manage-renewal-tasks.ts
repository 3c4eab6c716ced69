import type { EventPublisher } from '../ports';
import { z } from 'zod';
import { LocalDateSchema } from '../../domain/periods/time-schemas';
import { retryOnConflict } from '../../shared/retry-on-conflict';
import { RenewalResultSchema } from '../../domain/risk/backtest-risk-tiers';
import { taskHistoryOf, worstAssessment, type AssessedHistoryEntry, type TaskHistoryEntry } from '../../domain/risk/task-history';
import type { RenewalTask, RenewalTaskStatus, RenewalTaskStore, RiskCustomerDirectory } from './ports';
import { RenewalTaskNotFoundError, TaskStateError, TaskVersionConflictError, isTaskVersionConflict } from './risk-errors';
import { recordRenewalResult, type RecordRenewalResultDeps } from './record-renewal-result';

export interface ManageRenewalTasksDeps {
  readonly tasks: RenewalTaskStore;
  readonly events: EventPublisher;
  readonly clock: () => Date;
  /** Customer names for the task views; ids alone without it. */
  readonly customers?: RiskCustomerDirectory;
}

/**
 * A task as `tasks list` and `tasks show` present it: the stored task with its
 * customer's name, its whole history and the worst assessment it reached
 * (`tier` and `score` are the latest).
 */
export interface RenewalTaskView extends RenewalTask {
  readonly customerName?: string;
  readonly history: readonly TaskHistoryEntry[];
  readonly worst?: AssessedHistoryEntry;
}

function viewOf(task: RenewalTask, names: ReadonlyMap<string, string> | undefined): RenewalTaskView {
  const history = taskHistoryOf(task);
  const worst = worstAssessment(history);
  const customerName = names?.get(task.customerId);
  return { ...task, history, ...(worst ? { worst } : {}), ...(customerName !== undefined ? { customerName } : {}) };
}

/** `tasks show`: one task with everything the CSM needs for the renewal call. */
export async function showRenewalTask(deps: Pick<ManageRenewalTasksDeps, 'tasks' | 'customers'>, taskId: string): Promise<RenewalTaskView> {
  const task = await deps.tasks.getTask(taskId);
  if (!task) throw new RenewalTaskNotFoundError(taskId);
  return viewOf(task, await deps.customers?.customerNames());
}


export const ListRenewalTasksSchema = z.strictObject({
  owner: z.string().min(1).optional(),
  /** Tasks due strictly before this local date. */
  dueBefore: LocalDateSchema.optional(),
  /** Open and acknowledged tasks unless asked for all. */
  includeResolved: z.boolean().default(false),
  contractId: z.string().min(1).optional(),
});
export type ListRenewalTasksRequest = z.input<typeof ListRenewalTasksSchema>;

export async function listRenewalTasks(
  deps: Pick<ManageRenewalTasksDeps, 'tasks' | 'customers'>,
  request: ListRenewalTasksRequest,
): Promise<RenewalTaskView[]> {
  const parsed = ListRenewalTasksSchema.parse(request);
  const statuses: RenewalTaskStatus[] = parsed.includeResolved ? ['open', 'acknowledged', 'resolved'] : ['open', 'acknowledged'];
  const names = await deps.customers?.customerNames();
  const tasks = await deps.tasks.listTasks({
    statuses,
    ...(parsed.owner !== undefined ? { owner: parsed.owner } : {}),
    ...(parsed.dueBefore !== undefined ? { dueBefore: parsed.dueBefore } : {}),
    ...(parsed.contractId !== undefined ? { contractId: parsed.contractId } : {}),
  });
  return tasks.map((task) => viewOf(task, names));
}

/** Retries a read-modify-write that lost a version race (a check escalating the same task meanwhile). */
async function withTask(deps: ManageRenewalTasksDeps, taskId: string, change: (task: RenewalTask) => Promise<RenewalTask>): Promise<RenewalTask> {
  return retryOnConflict({ isConflict: isTaskVersionConflict }, async () => {
    const task = await deps.tasks.getTask(taskId);
    if (!task) throw new RenewalTaskNotFoundError(taskId);
    return change(task);
  });
}

/** The CSM has seen the task. Acknowledging again is a no-op; a resolved task cannot be acknowledged. */
export async function acknowledgeRenewalTask(deps: ManageRenewalTasksDeps, request: { taskId: string; by?: string }): Promise<RenewalTask> {
  return withTask(deps, request.taskId, async (task) => {
    if (task.status === 'acknowledged') return task;
    if (task.status === 'resolved') throw new TaskStateError(`renewal task "${task.id}" is already resolved`);
    const at = deps.clock().toISOString();
    return deps.tasks.updateTask({
      ...task,
      status: 'acknowledged',
      version: task.version + 1,
      updatedAt: at,
      acknowledgedAt: at,
      ...(request.by !== undefined ? { acknowledgedBy: request.by } : {}),
    });
  });
}

export const ResolveRenewalTaskSchema = z.strictObject({
  taskId: z.string().min(1),
  result: RenewalResultSchema,
  by: z.string().min(1).optional(),
});
export type ResolveRenewalTaskRequest = z.infer<typeof ResolveRenewalTaskSchema>;

/**
 * Records how the renewal went and closes the task: the same as recording the
 * term's renewal result (recordRenewalResult), which resolves the term's open
 * task. Resolving an already resolved task only records (or corrects) the result.
 */
export async function resolveRenewalTask(
  deps: ManageRenewalTasksDeps & Pick<RecordRenewalResultDeps, 'contracts'>,
  request: ResolveRenewalTaskRequest,
): Promise<RenewalTask> {
  const parsed = ResolveRenewalTaskSchema.parse(request);
  const task = await deps.tasks.getTask(parsed.taskId);
  if (!task) throw new RenewalTaskNotFoundError(parsed.taskId);
  // By the task's term: it knows the term's end even after the contract has renewed into a new one.
  await recordRenewalResult(deps, {
    contractId: task.contractId,
    termId: task.termId,
    result: parsed.result,
    ...(parsed.by !== undefined ? { by: parsed.by } : {}),
  });
  return (await deps.tasks.getTask(task.id)) ?? task;
}

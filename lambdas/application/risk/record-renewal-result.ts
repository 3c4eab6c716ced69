import type { EventPublisher } from '../ports';
import { taskHistoryOf } from '../../domain/risk/task-history';
import { z } from 'zod';
import { retryOnConflict } from '../../shared/retry-on-conflict';
import { RenewalResultSchema } from '../../domain/risk/backtest-risk-tiers';
import type { RenewalResultRecord, RenewalTask, RenewalTaskStore, RiskContractReader } from './ports';
import { RenewalTermNotFoundError, RiskContractNotFoundError, isTaskVersionConflict } from './risk-errors';
import { termIdOf } from './risk-settings';
import { publishPendingEvent, taskResolvedEvent } from './task-events';

export interface RecordRenewalResultDeps {
  readonly contracts: RiskContractReader;
  readonly tasks: RenewalTaskStore;
  readonly events: EventPublisher;
  readonly clock: () => Date;
}

export const RecordRenewalResultSchema = z.strictObject({
  contractId: z.string().min(1).max(128),
  /** The term's id (its first local day); the contract's current term when absent. */
  termId: z.string().min(1).max(128).optional(),
  result: RenewalResultSchema,
  by: z.string().min(1).max(320).optional(),
});
export type RecordRenewalResultRequest = z.infer<typeof RecordRenewalResultSchema>;

export interface RecordRenewalResultOutcome {
  /** recorded: first result of the term; corrected: replaced another result; unchanged: the same result was already stored. */
  readonly status: 'recorded' | 'corrected' | 'unchanged';
  readonly record: RenewalResultRecord;
  /** Open tasks of the term this closed (the renewal is decided, so there is nothing left to work). */
  readonly resolvedTasks: readonly RenewalTask[];
}

const isOpen = (task: RenewalTask) => task.status === 'open' || task.status === 'acknowledged';

/** The term's end and zone: from the contract while it is current, else from what the term's checks stored. */
async function termOf(
  deps: RecordRenewalResultDeps,
  contractId: string,
  termId: string | undefined,
  termTasks: (termId: string) => Promise<RenewalTask[]>,
): Promise<{ termId: string; termEnd: string; timeZone: string }> {
  const contract = await deps.contracts.getContract(contractId);
  const id = termId ?? (contract ? termIdOf(contract) : undefined);
  if (id === undefined) throw new RiskContractNotFoundError(contractId);
  if (contract && termIdOf(contract) === id) return { termId: id, termEnd: contract.termEnd, timeZone: contract.timeZone };
  const task = (await termTasks(id))[0];
  if (task) return { termId: id, termEnd: task.termEnd, timeZone: task.timeZone };
  const assessed = (await deps.tasks.listAssessments(contractId, id)).find((assessment) => assessment.termEnd && assessment.timeZone);
  if (assessed?.termEnd && assessed.timeZone) return { termId: id, termEnd: assessed.termEnd, timeZone: assessed.timeZone };
  if (!contract) throw new RiskContractNotFoundError(contractId);
  throw new RenewalTermNotFoundError(contractId, id, termIdOf(contract));
}

/**
 * Records how a contract term's renewal went, for any term: with or without a
 * task, whatever tier its checks reached, so the backtest sees the churn the
 * checks missed as well as the churn they caught. One result per term; the
 * same result again changes nothing, another one corrects it. Open tasks of
 * the term are resolved with the result (their 'Renewal Risk Resolved' is
 * owed on the task until published). The result is stored before the tasks
 * are closed, so a retry after a failure finds it and finishes the closing.
 */
export async function recordRenewalResult(deps: RecordRenewalResultDeps, request: RecordRenewalResultRequest): Promise<RecordRenewalResultOutcome> {
  const parsed = RecordRenewalResultSchema.parse(request);
  const termTasks = (termId: string) => deps.tasks.listTermTasks(parsed.contractId, termId);
  const term = await termOf(deps, parsed.contractId, parsed.termId, termTasks);
  const existing = await deps.tasks.getRenewalResult(parsed.contractId, term.termId);
  let record: RenewalResultRecord;
  let status: RecordRenewalResultOutcome['status'];
  if (existing && existing.result === parsed.result) {
    record = existing;
    status = 'unchanged';
  } else {
    record = {
      contractId: parsed.contractId,
      ...term,
      result: parsed.result,
      recordedAt: deps.clock().toISOString(),
      ...(parsed.by !== undefined ? { recordedBy: parsed.by } : {}),
    };
    await deps.tasks.putRenewalResult(record);
    status = existing ? 'corrected' : 'recorded';
  }

  const resolvedTasks: RenewalTask[] = [];
  for (const task of (await termTasks(term.termId)).filter(isOpen)) {
    const resolved = await resolveWithResult(deps, task, parsed);
    if (resolved) resolvedTasks.push(resolved);
  }
  return { status, record, resolvedTasks };
}

/** Closes one open task with the renewal result; re-reads and retries when a check changed it meanwhile. */
async function resolveWithResult(
  deps: RecordRenewalResultDeps,
  first: RenewalTask,
  request: RecordRenewalResultRequest,
): Promise<RenewalTask | undefined> {
  return retryOnConflict({ isConflict: isTaskVersionConflict }, async (attempt) => {
    const task = attempt === 1 ? first : await deps.tasks.getTask(first.id);
    if (!task || !isOpen(task)) return undefined;
    const at = deps.clock().toISOString();
    const resolved: RenewalTask = {
      ...task,
      status: 'resolved',
      version: task.version + 1,
      updatedAt: at,
      resolution: { kind: 'renewal_result', at, result: request.result, ...(request.by !== undefined ? { by: request.by } : {}) },
      history: [...taskHistoryOf(task), { kind: 'resolved', at, result: request.result, ...(request.by !== undefined ? { by: request.by } : {}) }],
    };
    const stored = await deps.tasks.updateTask({ ...resolved, pendingEvent: taskResolvedEvent(resolved) });
    return publishPendingEvent(deps, stored);
  });
}

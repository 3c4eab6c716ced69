// outcome-engine tasks list | ack | resolve: the renewal-risk tasks CSMs work,
// one per contract term and checkpoint.
import { Option } from 'commander';
import type { RenewalTask } from '../../lambdas/application/risk/ports';
import { RenewalResultSchema, type RenewalResult } from '../../lambdas/domain/risk/backtest-risk-tiers';
import { printJson } from './cli-io';
import type { RegisterCommand } from './command-context';
import { formatFields, formatTable } from './format';
import { runRiskMapped, withRiskService } from './risk-command';

export function formatTasks(tasks: readonly RenewalTask[]): string {
  if (tasks.length === 0) return 'No renewal-risk tasks.\n';
  return formatTable(
    [
      { header: 'TASK', value: (t: RenewalTask) => t.id },
      { header: 'STATUS', value: (t) => t.status },
      { header: 'PRIORITY', value: (t) => t.priority.rank },
      { header: 'TIER', value: (t) => `${t.tier} (${t.score})` },
      { header: 'DUE', value: (t) => t.dueDate },
      { header: 'OWNER', value: (t) => t.owner },
      { header: 'PLAY', value: (t) => t.recommendedPlay?.code ?? '-' },
      { header: 'TOP REASON', value: (t) => t.reasons[0]?.message ?? '-', maxWidth: 70 },
    ],
    tasks,
  );
}

export function formatTask(task: RenewalTask): string {
  return formatFields([
    ['task', task.id],
    ['status', task.status],
    ['tier', `${task.tier} (score ${task.score})`],
    ['owner', `${task.owner}${task.ownerIsFallback ? ' (fallback queue)' : ''}`],
    ['due', task.dueDate],
    ['priority', task.priority.rank],
    ...(task.priority.revenueAtRiskExplanation ? [['revenue at risk', task.priority.revenueAtRiskExplanation] as const] : []),
    ['play', task.recommendedPlay ? `${task.recommendedPlay.code}: ${task.recommendedPlay.title}` : '-'],
    ['value', task.valueSummary.sentence],
    ['escalations', String(task.escalations.length)],
    ...(task.resolution
      ? [['resolution', task.resolution.kind === 'renewal_result' ? `renewal ${task.resolution.result}` : task.resolution.reason.message] as const]
      : []),
  ]);
}

export const registerTasksCommand: RegisterCommand = (program, context) => {
  const tasks = program.command('tasks').description('Renewal-risk tasks: list them, acknowledge, resolve with the renewal result');
  tasks
    .command('list')
    .description('Open and acknowledged tasks, earliest due first')
    .option('--owner <owner>', 'only this owner\'s tasks (a CSM, or the fallback queue)')
    .option('--due-before <date>', 'only tasks due before this local date (YYYY-MM-DD)')
    .option('--contract <contractId>', 'only this contract\'s tasks')
    .option('--all', 'include resolved tasks')
    .option('--json', 'print JSON only')
    .action(async (options: { owner?: string; dueBefore?: string; contract?: string; all?: boolean; json?: boolean }) => {
      const list = await runRiskMapped(() =>
        withRiskService(context, (service) =>
          service.listTasks({
            ...(options.owner !== undefined ? { owner: options.owner } : {}),
            ...(options.dueBefore !== undefined ? { dueBefore: options.dueBefore } : {}),
            ...(options.contract !== undefined ? { contractId: options.contract } : {}),
            includeResolved: options.all === true,
          }),
        ),
      );
      if (options.json) printJson(context.io, list);
      else context.io.out(formatTasks(list));
    });
  tasks
    .command('ack')
    .description('Acknowledge a task (you have seen it and own the follow-up)')
    .argument('<taskId>', 'task id, e.g. ctr-acme-2026#2026-01-15#90d')
    .option('--by <who>', 'who acknowledged it')
    .option('--json', 'print JSON only')
    .action(async (taskId: string, options: { by?: string; json?: boolean }) => {
      const task = await runRiskMapped(() =>
        withRiskService(context, (service) => service.acknowledgeTask({ taskId, ...(options.by !== undefined ? { by: options.by } : {}) })),
      );
      if (options.json) printJson(context.io, task);
      else context.io.out(formatTask(task));
    });
  tasks
    .command('resolve')
    .description('Close a task with how the renewal went (recorded for `risk backtest`)')
    .argument('<taskId>', 'task id')
    .addOption(new Option('--result <result>', 'the renewal result').choices(RenewalResultSchema.options).makeOptionMandatory())
    .option('--by <who>', 'who resolved it')
    .option('--json', 'print JSON only')
    .action(async (taskId: string, options: { result: RenewalResult; by?: string; json?: boolean }) => {
      const task = await runRiskMapped(() =>
        withRiskService(context, (service) =>
          service.resolveTask({ taskId, result: options.result, ...(options.by !== undefined ? { by: options.by } : {}) }),
        ),
      );
      if (options.json) printJson(context.io, task);
      else context.io.out(formatTask(task));
    });
};

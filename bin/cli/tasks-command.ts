// outcome-engine tasks list | show | ack | resolve: the renewal-risk tasks CSMs
// work, one per contract term and checkpoint.
import { Option } from 'commander';
import type { RenewalTaskView } from '../../lambdas/application/risk/manage-renewal-tasks';
import type { RenewalTask } from '../../lambdas/application/risk/ports';
import { formatMoney } from '../../lambdas/domain/money/format-money';
import type { TaskHistoryEntry } from '../../lambdas/domain/risk/task-history';
import { RenewalResultSchema, type RenewalResult } from '../../lambdas/domain/risk/backtest-risk-tiers';
import { printJson } from './cli-io';
import type { RegisterCommand } from './command-context';
import { formatFields, formatTable } from './format';
import { runRiskMapped, withRiskService } from './risk-command';

/** Revenue at risk as money, or "-" when the contract has none to put at risk. */
function revenueAtRisk(task: RenewalTask): string {
  const minor = task.priority.revenueAtRiskMinor;
  return minor === undefined ? '-' : formatMoney(BigInt(minor), task.priority.currency);
}

function customerOf(task: RenewalTaskView): string {
  return task.customerName === undefined ? task.customerId : `${task.customerName} (${task.customerId})`;
}

/** Latest tier and score, with the worst one when it was worse: "at_risk (41), was critical (74)". */
function tierNow(task: RenewalTaskView): string {
  const worst = task.worst;
  const now = `${task.tier} (${task.score})`;
  return worst && (worst.tier !== task.tier || worst.score > task.score) ? `${now}, was ${worst.tier} (${worst.score})` : now;
}

/** Wraps at word boundaries, never cutting a word or the sentence. */
export function wrapText(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines.map((l) => `${indent}${l}`).join('\n');
}

export function formatTasks(tasks: readonly RenewalTaskView[]): string {
  if (tasks.length === 0) return 'No renewal-risk tasks.\n';
  const table = formatTable(
    [
      { header: 'TASK', value: (t: RenewalTaskView) => t.id },
      { header: 'CUSTOMER', value: (t) => customerOf(t), maxWidth: 40 },
      { header: 'STATUS', value: (t) => t.status },
      { header: 'PRIORITY', value: (t) => t.priority.rank },
      { header: 'TIER', value: (t) => tierNow(t) },
      { header: 'REVENUE AT RISK', value: (t) => revenueAtRisk(t), align: 'right' },
      { header: 'DUE', value: (t) => t.dueDate },
      { header: 'OWNER', value: (t) => t.owner },
      { header: 'PLAY', value: (t) => t.recommendedPlay?.code ?? '-' },
    ],
    tasks,
  );
  // The top reason in full, under the table: a sentence cut mid-way misleads.
  const reasons = tasks.map((t) => {
    const top = t.reasons[0];
    const more = t.reasons.length - 1;
    const head = `${t.id}: ${top ? '' : 'no reasons recorded'}`;
    const body = top ? `\n${wrapText(top.message, 96, '    ')}` : '';
    const pointer = more > 0 ? `\n    (+${more} more reason${more === 1 ? '' : 's'}: outcome-engine tasks show --task '${t.id}')` : '';
    return `  ${head.trimEnd()}${body}${pointer}`;
  });
  return `${table}\ntop reasons:\n${reasons.join('\n')}\n`;
}

function historyLine(entry: TaskHistoryEntry): string {
  switch (entry.kind) {
    case 'created':
      return `created at the ${entry.checkpointDays}-day checkpoint: ${entry.tier} (${entry.score})`;
    case 'escalated':
      return `escalated at the ${entry.checkpointDays}-day checkpoint: ${entry.fromTier} -> ${entry.tier} (${entry.score}); ${entry.reason.message}`;
    case 'reassessed':
      return `re-assessed at the ${entry.checkpointDays}-day checkpoint: ${entry.tier} (${entry.score})`;
    case 'reassigned':
      return `reassigned from ${entry.fromOwner} to ${entry.toOwner}`;
    case 'resolved':
      return `resolved: ${entry.result !== undefined ? `renewal ${entry.result}${entry.by !== undefined ? ` (by ${entry.by})` : ''}` : (entry.reason?.message ?? '')}`;
    default: {
      const unknown: never = entry;
      return JSON.stringify(unknown);
    }
  }
}

/** `tasks show`: everything on the task, for the morning of the renewal call. */
export function formatTaskDetail(task: RenewalTaskView): string {
  const head = formatFields([
    ['task', task.id],
    ['customer', customerOf(task)],
    ['contract', `${task.contractId}, term ${task.termId} .. ${task.termEnd} (${task.timeZone})`],
    ['status', task.status],
    ['tier', tierNow(task)],
    ['owner', `${task.owner}${task.ownerIsFallback ? ' (fallback queue)' : ''}`],
    ['due', task.dueDate],
    ['priority', task.priority.rank],
    ['revenue at risk', revenueAtRisk(task)],
    ...(task.priority.revenueAtRiskBasis ? [['basis', task.priority.revenueAtRiskBasis] as const] : []),
    ...(task.priority.revenueAtRiskExplanation ? [['how', task.priority.revenueAtRiskExplanation] as const] : []),
    ['play', task.recommendedPlay ? `${task.recommendedPlay.code}: ${task.recommendedPlay.title}` : '-'],
    ['value', task.valueSummary.sentence],
    ['assessed at', task.assessedAt],
    ['stale data', task.staleData ? 'yes: check the reasons before acting' : 'no'],
  ]);
  const reasons = task.reasons.length === 0 ? '  (none)' : task.reasons.map((r) => `  ${r.code}:\n${wrapText(r.message, 96, '    ')}`).join('\n');
  const scores =
    task.scoreTable === undefined
      ? '  (not kept on this task)\n'
      : formatTable(
          [
            { header: 'SIGNAL', value: (s: NonNullable<RenewalTaskView['scoreTable']>[number]) => s.signal },
            { header: 'VALUE', value: (s) => (s.applicable ? (s.value ?? '-') : 'n/a'), align: 'right' },
            { header: 'THRESHOLD', value: (s) => s.threshold, align: 'right' },
            { header: 'WEIGHT', value: (s) => s.weight, align: 'right' },
            { header: 'POINTS', value: (s) => s.contribution, align: 'right' },
            { header: 'NOTE', value: (s) => s.notApplicableReason ?? '' },
          ],
          task.scoreTable,
        );
  const history = task.history.map((entry) => `  ${entry.at}  ${historyLine(entry)}`).join('\n');
  return `${head}\nreasons:\n${reasons}\n\nscore (${task.score} of 100):\n${scores}\nhistory:\n${history}\n`;
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
    .command('show')
    .description('One task in full: every reason, the score table, value, revenue at risk, history and customer')
    .requiredOption('--task <taskId>', 'task id, e.g. ctr-acme-2026#2026-01-15#90d')
    .option('--json', 'print JSON only')
    .action(async (options: { task: string; json?: boolean }) => {
      const task = await runRiskMapped(() => withRiskService(context, (service) => service.showTask(options.task)));
      if (options.json) printJson(context.io, task);
      else context.io.out(formatTaskDetail(task));
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

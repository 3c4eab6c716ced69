// outcome-engine usage: what the ledger counts for one customer × metric over
// a period, as of a recordedAt cutoff; the figures an invoice line is priced on.
import { Option } from 'commander';
import { USAGE_BASES, type UsageBasis, type UsageSummary } from '../../lambdas/domain/ledger/summarize-usage';
import { printJson } from './cli-io';
import type { RegisterCommand } from './command-context';
import { formatFields } from './format';
import { parseInstant, resolveTimeRange } from './time-range';
import { registerUsageRollupCommands } from './usage-rollups-command';

interface UsageOptions {
  customer: string;
  metric: string;
  period?: string;
  from?: string;
  to?: string;
  timeZone: string;
  asOf?: string;
  basis: UsageBasis;
  unique: string[];
  json?: boolean;
}

export function formatUsage(summary: UsageSummary): string {
  const fields: [string, string][] = [
    ['customer', summary.customerId],
    ['metric', summary.metric],
    ['occurred', `${summary.from} to ${summary.to} (end exclusive)`],
    ['as of', `${summary.asOf} (recorded at or before)`],
    ['basis', summary.basis],
    ['count', String(summary.count)],
    ['quantity', summary.quantity],
    ['value', summary.value.length > 0 ? summary.value.map((v) => `${v.amount} ${v.currency}`).join(', ') : '-'],
    ['max', summary.max ?? '-'],
    ['latest', summary.latest ?? '-'],
  ];
  for (const [attribute, count] of Object.entries(summary.uniqueAttributeCounts ?? {})) {
    fields.push([`unique ${attribute}`, String(count)]);
  }
  if (summary.definitionVersions !== undefined) {
    fields.push(['definitions', summary.definitionVersions.length > 0 ? summary.definitionVersions.map((version) => `v${version}`).join(', ') : '-']);
  }
  fields.push(['query', summary.query]);
  return formatFields(fields);
}

export const registerUsageCommand: RegisterCommand = (program, context) => {
  const usage = program.command('usage');
  registerUsageRollupCommands(usage, context);
  usage
    .description('Usage of one customer and metric over a period, as of a moment (count, quantity, value)')
    .requiredOption('--customer <customerId>', 'customer id')
    .requiredOption('--metric <code>', 'metric code, e.g. ticket.resolved')
    .option('--period <period>', 'calendar period: YYYY-MM, YYYY-MM-DD, YYYY-Qn or YYYY')
    .option('--time-zone <zone>', 'time zone the period is read in', 'UTC')
    .option('--from <instant>', 'occurredAt from (inclusive), ISO 8601 with offset')
    .option('--to <instant>', 'occurredAt to (exclusive), ISO 8601 with offset')
    .option('--as-of <instant>', 'count only what was recorded at or before this instant (default: now)')
    .addOption(new Option('--basis <basis>', 'which outcomes count').choices(USAGE_BASES).default('billable'))
    .option('--unique <attribute>', 'also count distinct values of this attribute (repeatable)', (value: string, all: string[]) => [...all, value], [])
    .option('--json', 'print JSON only')
    .action(async (options: UsageOptions) => {
      const range = resolveTimeRange(options);
      const asOf = options.asOf !== undefined ? parseInstant(options.asOf, '--as-of') : context.io.now();
      const summary = await context.withLedger((ledger) =>
        ledger.getUsage({
          customerId: options.customer,
          metric: options.metric,
          from: range.from,
          to: range.to,
          asOf,
          basis: options.basis,
          ...(options.unique.length > 0 ? { uniqueAttributes: options.unique } : {}),
        }),
      );
      if (options.json) printJson(context.io, summary);
      else context.io.out(formatUsage(summary));
    });
};

// outcome-engine simulate --plan FILE: backtests a proposed plan (or a new
// version of a plan) on the recorded history of stored contracts.
import { Option } from 'commander';
import { DateTime } from 'luxon';
import { simulatePlans, type SimulatePlansResult } from '../../lambdas/application/plans/simulate-plans';
import { loadPlanSource } from '../../lambdas/domain/plans';
import { formatSimulationCsv, formatSimulationTable, serializeSimulation } from '../../lambdas/domain/rating/simulation-output';
import { CliError, printJson } from './cli-io';
import type { RegisterCommand } from './command-context';
import { readTextFile, runMapped, withPlanServices } from './plans-command';
import { parseInstant } from './time-range';

const FORMATS = ['table', 'json', 'csv'] as const;

interface SimulateOptions {
  plan: string;
  planVersion?: string;
  contracts?: string;
  from: string;
  to: string;
  asOf?: string;
  format: (typeof FORMATS)[number];
  json?: boolean;
}

/** A month, day or year as the first (bound "from") or last (bound "to") local date it covers. */
export function periodBoundDate(text: string, bound: 'from' | 'to', flag: string): string {
  let start: DateTime;
  let unit: 'year' | 'month' | 'day';
  if (/^\d{4}$/.test(text)) [start, unit] = [DateTime.fromISO(`${text}-01-01`, { zone: 'UTC' }), 'year'];
  else if (/^\d{4}-\d{2}$/.test(text)) [start, unit] = [DateTime.fromISO(`${text}-01`, { zone: 'UTC' }), 'month'];
  else if (/^\d{4}-\d{2}-\d{2}$/.test(text)) [start, unit] = [DateTime.fromISO(text, { zone: 'UTC' }), 'day'];
  else throw new CliError(`${flag} must be YYYY, YYYY-MM or YYYY-MM-DD (got "${text}")`, 'invalid_input');
  if (!start.isValid) throw new CliError(`${flag} "${text}" is not a real date`, 'invalid_input');
  const date = bound === 'from' ? start : start.endOf(unit);
  return date.toISODate() ?? text;
}

export const registerSimulateCommand: RegisterCommand = (program, context) => {
  program
    .command('simulate')
    .description("Backtest a plan on the recorded history of contracts: revenue under their current plan and under the proposal")
    .requiredOption('--plan <file>', 'the proposed plan file (a new plan, or a plan with a new version)')
    .option('--plan-version <n>', 'version of the proposed plan to try (default: its newest)')
    .option('--contracts <ids>', "comma-separated contract ids, on any plan (default: every stored contract on the proposed plan's code)")
    .requiredOption('--from <period>', 'first period to replay: YYYY-MM (or YYYY-MM-DD, YYYY); periods starting on or after it')
    .requiredOption('--to <period>', 'last period to replay: YYYY-MM (or YYYY-MM-DD, YYYY); periods starting on or before its end')
    .option('--as-of <instant>', 'read the ledger as recorded at or before this instant (default: now)')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('table'))
    .option('--json', 'same as --format json')
    .action(async (options: SimulateOptions) => {
      let version: number | undefined;
      if (options.planVersion !== undefined) {
        if (!/^[1-9]\d*$/.test(options.planVersion)) throw new CliError(`--plan-version must be a whole number >= 1 (got "${options.planVersion}")`, 'invalid_input');
        version = Number(options.planVersion);
      }
      const from = periodBoundDate(options.from, 'from', '--from');
      const to = periodBoundDate(options.to, 'to', '--to');
      const asOf = options.asOf !== undefined ? parseInstant(options.asOf, '--as-of') : undefined;
      const contractIds = options.contracts?.split(',').map((id) => id.trim()).filter((id) => id !== '');
      const result: SimulatePlansResult = await runMapped(async () => {
        const proposedPlan = loadPlanSource({ path: options.plan, text: await readTextFile(options.plan) });
        return withPlanServices(context, ({ store, usage, catalog }) =>
          simulatePlans({ store, usage, definitions: catalog, now: context.io.now }, proposedPlan, {
            from,
            to,
            ...(version !== undefined ? { proposedVersion: version } : {}),
            ...(contractIds ? { contractIds } : {}),
            ...(asOf ? { asOf } : {}),
          }),
        );
      });
      const format = options.json ? 'json' : options.format;
      if (format === 'json') {
        printJson(context.io, { ...serializeSimulation(result), from: result.from, to: result.to, asOf: result.asOf, selection: result.selection });
      } else if (format === 'csv') {
        context.io.out(formatSimulationCsv(result));
      } else {
        const chosen =
          result.selection.by === 'plan'
            ? `contracts on plan ${result.selection.planCode} (--contracts to choose others)`
            : `contracts ${result.selection.contractIds.join(', ')}`;
        context.io.out(`Replayed periods starting ${result.from} .. ${result.to}, ledger as of ${result.asOf}, ${chosen}\n${formatSimulationTable(result)}`);
        if (result.contracts.length === 0 && result.skipped.length === 0) {
          context.io.out(
            result.selection.by === 'plan'
              ? `no stored contract is on plan ${result.selection.planCode} with a period in that range; name contracts with --contracts to try the plan on them\n`
              : 'none of the contracts has a period in that range\n',
          );
        }
      }
    });
};

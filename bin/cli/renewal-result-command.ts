// outcome-engine contracts renewal-result --contract C [--term T] --result R:
// how a contract term's renewal went, recorded for `risk backtest` whether or
// not the term ever had a renewal-risk task.
import { Option, type Command } from 'commander';
import type { RecordRenewalResultOutcome } from '../../lambdas/application/risk/record-renewal-result';
import { RenewalResultSchema, type RenewalResult } from '../../lambdas/domain/risk/backtest-risk-tiers';
import { printJson } from './cli-io';
import type { CommandContext } from './command-context';
import { formatFields } from './format';
import { runRiskMapped, withRiskService } from './risk-command';

export function formatRenewalResult(outcome: RecordRenewalResultOutcome): string {
  const { record } = outcome;
  return formatFields([
    ['contract', record.contractId],
    ['term', `${record.termId} .. ${record.termEnd} (${record.timeZone})`],
    ['result', `${record.result} (${outcome.status})`],
    ['recorded', `${record.recordedAt}${record.recordedBy ? ` by ${record.recordedBy}` : ''}`],
    ['tasks closed', outcome.resolvedTasks.length === 0 ? '-' : outcome.resolvedTasks.map((task) => task.id).join(', ')],
  ]);
}

/** Adds `renewal-result` under the `contracts` command. */
export function registerRenewalResultCommand(contracts: Command, context: CommandContext): void {
  contracts
    .command('renewal-result')
    .description(
      "Record how a contract term's renewal went (for `risk backtest`), with or without a task; closes the term's open task. " +
        'Recording the same result again changes nothing; another result corrects it',
    )
    .requiredOption('--contract <contractId>', 'contract id')
    .option('--term <termId>', "the term's id (its first local day, e.g. 2026-01-01); default: the contract's current term")
    .addOption(new Option('--result <result>', 'the renewal result').choices(RenewalResultSchema.options).makeOptionMandatory())
    .option('--by <who>', 'who recorded it')
    .option('--json', 'print JSON only')
    .action(async (options: { contract: string; term?: string; result: RenewalResult; by?: string; json?: boolean }) => {
      const outcome = await runRiskMapped(() =>
        withRiskService(context, (service) =>
          service.recordRenewalResult({
            contractId: options.contract,
            result: options.result,
            ...(options.term !== undefined ? { termId: options.term } : {}),
            ...(options.by !== undefined ? { by: options.by } : {}),
          }),
        ),
      );
      if (options.json) printJson(context.io, outcome);
      else context.io.out(formatRenewalResult(outcome));
    });
}

// outcome-engine price --plan FILE --usage FILE: prices usage against a plan
// file with no engine, to try a plan before loading it.
import { pricePlanFile } from '../../lambdas/application/plans/price-plan-file';
import { CliError, printJson } from './cli-io';
import type { RegisterCommand } from './command-context';
import { formatDraftInvoice } from './invoice-command';
import { readTextFile, runMapped } from './plans-command';

interface PriceOptions {
  plan: string;
  usage: string;
  planVersion?: string;
  period?: string;
  json?: boolean;
}

/** `--period START..END`: dates (UTC midnights) or instants with offsets. */
function parsePeriodOption(text: string): { start: string; end: string } {
  const [start, end, ...rest] = text.split('..');
  if (!start || !end || rest.length > 0) {
    throw new CliError(`--period must be START..END, e.g. 2026-11-01..2026-12-01 (got "${text}")`, 'invalid_input');
  }
  return { start, end };
}

export const registerPriceCommand: RegisterCommand = (program, context) => {
  program
    .command('price')
    .description('Price a usage file with a plan file (no engine needed)')
    .requiredOption('--plan <file>', 'plan file (YAML or JSON)')
    .requiredOption('--usage <file>', 'usage file: period, aggregated metrics and/or raw outcomes (YAML or JSON)')
    .option('--plan-version <n>', 'plan version to price with (default: the one in effect at the period start)')
    .option('--period <start..end>', "overrides the usage file's period, e.g. 2026-11-01..2026-12-01")
    .option('--json', 'print JSON only')
    .action(async (options: PriceOptions) => {
      let version: number | undefined;
      if (options.planVersion !== undefined) {
        if (!/^[1-9]\d*$/.test(options.planVersion)) throw new CliError(`--plan-version must be a whole number >= 1 (got "${options.planVersion}")`, 'invalid_input');
        version = Number(options.planVersion);
      }
      const period = options.period !== undefined ? parsePeriodOption(options.period) : undefined;
      const result = await runMapped(async () =>
        pricePlanFile({
          plan: { path: options.plan, text: await readTextFile(options.plan) },
          usage: { path: options.usage, text: await readTextFile(options.usage) },
          ...(version !== undefined ? { version } : {}),
          ...(period ? { period } : {}),
        }),
      );
      if (options.json) {
        printJson(context.io, result);
        return;
      }
      context.io.out(formatDraftInvoice(result));
      for (const note of result.notes) context.io.out(`note: ${note}\n`);
    });
};

// The `outcome-engine` command line: global connection options, one module
// per command. runCli() never exits the process itself, so tests run it
// in-process and check the exit code and the exact output.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { InfrastructureError, InvalidCatalogError, InvalidLedgerQueryError } from '../../lambdas/application/errors';
import { CatalogFileInvalidError } from '../../lib/local/catalog-file';
import { packageRoot } from '../../lib/local/package-root';
import { CliError, exitCodeOf, processIo, type CliIo } from './cli-io';
import { EngineError } from '../../lambdas/domain/errors/engine-error';
import { createCommandContext, type RegisterCommand } from './command-context';
import { registerCatalogCommand } from './catalog-command';
import { registerDeadLettersCommand } from './dead-letters-command';
import { registerOutcomeCommand } from './outcome-command';
import { registerRejectedCommand } from './rejected-command';
import { registerUnattributedCommand } from './unattributed-command';
import { registerUsageCommand } from './usage-command';
import { registerPlansCommand } from './plans-command';
import { registerContractsCommand } from './contracts-command';
import { registerPriceCommand } from './price-command';
import { registerInvoiceCommand } from './invoice-command';
import { registerSimulateCommand } from './simulate-command';
import { registerPeriodCommand } from './period-command';
import { registerInvoiceExplainCommand } from './invoice-explain';
import { registerInvoiceReconcileCommand } from './invoice-reconcile';
import { registerTasksCommand } from './tasks-command';
import { registerRiskCommand } from './risk-command';
import { registerClockCommand } from './clock-command';
import { registerSpendCommand } from './spend-command';
import { registerCapsCommand } from './caps-command';

/** Every command, in the order `--help` lists them. Other areas add theirs here. */
export const COMMANDS: readonly RegisterCommand[] = [
  registerUsageCommand,
  registerOutcomeCommand,
  registerRejectedCommand,
  registerUnattributedCommand,
  registerCatalogCommand,
  registerDeadLettersCommand,
  registerPlansCommand,
  registerContractsCommand,
  registerPriceCommand,
  registerInvoiceCommand,
  registerSimulateCommand,
  registerPeriodCommand,
  // After registerInvoiceCommand: adds `explain` to its `invoice` command.
  registerInvoiceExplainCommand,
  // Also onto `invoice`: re-reconcile a closed period's Stripe invoice.
  registerInvoiceReconcileCommand,
  registerTasksCommand,
  registerRiskCommand,
  registerClockCommand,
  registerSpendCommand,
  registerCapsCommand,
];

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string };
  return manifest.version ?? '0.0.0';
}

export function createProgram(io: CliIo, commands: readonly RegisterCommand[] = COMMANDS): Command {
  const program = new Command('outcome-engine')
    .description('Outcome ledger, plans and invoices, period close and renewal risk, from the command line')
    .version(packageVersion())
    .option('--endpoint <url>', 'DynamoDB endpoint (default: the running local engine\'s; env OUTCOME_ENGINE_DYNAMODB_ENDPOINT)')
    .option('--ledger-table <name>', 'ledger table (env LEDGER_TABLE_NAME)')
    .option('--engine-table <name>', 'engine table holding the catalog (env ENGINE_TABLE_NAME)')
    .option('--region <region>', 'AWS region (env AWS_REGION)')
    .option('--data-dir <dir>', 'the local engine\'s data folder (env OUTCOME_ENGINE_DATA_DIR)', undefined)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) });
  const context = createCommandContext(program, io);
  for (const register of commands) register(program, context);
  // Subcommands report their own parse errors through the same output and exit path.
  for (const command of program.commands) {
    command.exitOverride().configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) });
    for (const sub of command.commands) {
      sub.exitOverride().configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) });
    }
  }
  return program;
}

function causeChain(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 4; depth += 1) {
    parts.push(current.message);
    current = current.cause;
  }
  return [...new Set(parts)].join(': ');
}

/** The innermost error's message: for an SDK failure, what actually went wrong (e.g. ECONNREFUSED). */
function rootCause(error: Error): string {
  let current: unknown = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

/** What a person reads about a failure: the wording may depend on the error; the exit code never does (exitCodeOf). */
function describeError(error: unknown): string {
  if (error instanceof CliError || error instanceof CatalogFileInvalidError) return error.message;
  if (error instanceof InvalidLedgerQueryError || error instanceof InvalidCatalogError) {
    return `${error.message}${error.issues.length > 0 ? `\n${error.issues.map((i) => `  - ${i}`).join('\n')}` : ''}`;
  }
  if (error instanceof InfrastructureError) return `the ledger could not be reached (${error.operation}): ${rootCause(error)}`;
  if (error instanceof EngineError) return `${error.message} [${error.code}]`;
  if ((error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return (error as Error).message;
  return causeChain(error) || String(error);
}

/** Prints the error for a person and returns the exit code. */
function reportError(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) return error.exitCode; // commander already printed it
  io.err(`error: ${describeError(error)}\n`);
  return exitCodeOf(error);
}

export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  try {
    await createProgram(io).parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    return reportError(error, io);
  }
}

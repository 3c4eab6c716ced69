// The `outcome-engine` command line: global connection options, one module
// per command. runCli() never exits the process itself, so tests run it
// in-process and check the exit code and the exact output.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Help } from 'commander';
import { packageRoot } from '../../lib/local/package-root';
import { CliError, exitCodeOf, processIo, type CliIo } from './cli-io';
import { EngineError } from '../../lambdas/domain/errors/engine-error';
import { createCommandContext, type RegisterCommand } from './command-context';

// A call loads only the module of the command it runs: the command modules
// bring the AWS SDK, Stripe, YAML and the engine's schemas, which `--help`
// and every other command do without. The root help lists every command from
// the table below (its line as commander prints it); a test compares that
// with the help of the fully loaded program, so the table cannot drift.

interface CommandEntry {
  readonly name: string;
  /** The command's line in the root help: name, options, arguments. */
  readonly term: string;
  readonly description: string;
  /** The modules that define the command, in order (later ones add subcommands to it). */
  readonly load: () => Promise<readonly RegisterCommand[]>;
}

/** Every command, in the order `--help` lists them. Other areas add theirs here. */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'usage', term: 'usage [options]', description: 'Usage of one customer and metric over a period, as of a moment (count, quantity, value)', load: async () => [(await import('./usage-command')).registerUsageCommand] },
  { name: 'outcome', term: 'outcome [options] <outcomeId>', description: 'Look one outcome up by its key: counted? recorded when? reversed, corrected, verified, billable?', load: async () => [(await import('./outcome-command')).registerOutcomeCommand] },
  { name: 'rejected', term: 'rejected [options]', description: 'List rejected outcomes with their codes and reasons, newest first', load: async () => [(await import('./rejected-command')).registerRejectedCommand] },
  { name: 'unattributed', term: 'unattributed [options]', description: 'List outcomes recorded for customers not in the catalog, newest first', load: async () => [(await import('./unattributed-command')).registerUnattributedCommand] },
  { name: 'catalog', term: 'catalog', description: 'The metric and customer catalog', load: async () => [(await import('./catalog-command')).registerCatalogCommand] },
  { name: 'dead-letters', term: 'dead-letters [options]', description: "List the local engine's dead-letter queue", load: async () => [(await import('./dead-letters-command')).registerDeadLettersCommand] },
  { name: 'events', term: 'events [options]', description: "List the events the local engine's bus accepted (its event journal), oldest first", load: async () => [(await import('./events-command')).registerEventsCommand] },
  { name: 'plans', term: 'plans', description: 'Plan files as code: validate them, load them into the engine', load: async () => [(await import('./plans-command')).registerPlansCommand] },
  { name: 'contracts', term: 'contracts', description: 'Contracts: load them into the engine, list them', load: async () => [(await import('./contracts-command')).registerContractsCommand] },
  { name: 'price', term: 'price [options]', description: 'Price a usage file with a plan file (no engine needed)', load: async () => [(await import('./price-command')).registerPriceCommand] },
  {
    name: 'invoice',
    term: 'invoice',
    description: 'Invoices of a contract',
    // `explain`, `statement`, `reconcile`, `list` and `thresholds` add themselves to the `invoice` command.
    load: async () => {
      const [preview, explain, statement, reconcile, thresholds] = await Promise.all([
        import('./invoice-command'),
        import('./invoice-explain'),
        import('./invoice-statement'),
        import('./invoice-reconcile'),
        import('./invoice-thresholds'),
      ]);
      return [
        preview.registerInvoiceCommand,
        explain.registerInvoiceExplainCommand,
        statement.registerInvoiceStatementCommand,
        reconcile.registerInvoiceReconcileCommand,
        thresholds.registerInvoiceThresholdsCommand,
      ];
    },
  },
  { name: 'simulate', term: 'simulate [options]', description: 'Backtest a plan on the recorded history of contracts: revenue under their current plan and under the proposal', load: async () => [(await import('./simulate-command')).registerSimulateCommand] },
  { name: 'spend', term: 'spend [options]', description: "A contract's open period to date: usage, the rated lines (as invoice preview), commitment burn, credits left, forecast", load: async () => [(await import('./spend-command')).registerSpendCommand] },
  { name: 'caps', term: 'caps', description: "A contract's hard caps", load: async () => [(await import('./caps-command')).registerCapsCommand] },
  { name: 'period', term: 'period', description: 'Billing periods: close them into Stripe invoices', load: async () => [(await import('./period-command')).registerPeriodCommand] },
  { name: 'tasks', term: 'tasks', description: 'Renewal-risk tasks: list them, acknowledge, resolve with the renewal result', load: async () => [(await import('./tasks-command')).registerTasksCommand] },
  { name: 'risk', term: 'risk', description: 'Renewal risk: assess a contract now, backtest the tiers against renewal results', load: async () => [(await import('./risk-command')).registerRiskCommand] },
  { name: 'clock', term: 'clock', description: "The local engine's clock: show it, move it forward (fires due renewal checks)", load: async () => [(await import('./clock-command')).registerClockCommand] },
  { name: 'disputes', term: 'disputes', description: 'Disputes of billed outcomes: open, decide (upheld reverses and credits), list', load: async () => [(await import('./disputes-command')).registerDisputesCommand] },
  { name: 'portal', term: 'portal', description: 'The customer portal: signed links for one customer', load: async () => [(await import('./portal-command')).registerPortalCommand] },
  { name: 'stripe', term: 'stripe', description: "The local engine's Stripe emulator: mark an invoice paid, failed or void; set how customers pay", load: async () => [(await import('./stripe-command')).registerStripeCommand] },
  // One-time engine-table maintenance after an upgrade.
  { name: 'engine-table', term: 'engine-table', description: 'Maintenance of the engine table', load: async () => [(await import('./engine-table-command')).registerEngineTableCommand] },
];

/** Global options that take a value, so the command name is found after them. */
const GLOBAL_OPTIONS_WITH_VALUE = new Set(['--endpoint', '--ledger-table', '--engine-table', '--region', '--data-dir']);

/** The command a call runs (`help <command>` included), or undefined for the root help, the version or an unknown name. */
export function requestedCommand(argv: readonly string[]): CommandEntry | undefined {
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] as string;
    if (GLOBAL_OPTIONS_WITH_VALUE.has(arg)) {
      index += 1;
      continue;
    }
    if (arg.startsWith('-')) continue;
    const name = arg === 'help' ? argv[index + 1] : arg;
    return COMMANDS.find((entry) => entry.name === name);
  }
  return undefined;
}

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string };
  return manifest.version ?? '0.0.0';
}

/**
 * The program for `argv`: the requested command fully defined, every other
 * one as its line in the root help. `loadAll` defines every command (tests).
 */
export async function createProgram(io: CliIo, argv: readonly string[], options: { readonly loadAll?: boolean } = {}): Promise<Command> {
  const requested = options.loadAll ? undefined : requestedCommand(argv);
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
  const stubTerms = new Map<string, string>();
  for (const entry of COMMANDS) {
    if (options.loadAll || entry === requested) {
      for (const register of await entry.load()) register(program, context);
    } else {
      program.command(entry.name).description(entry.description);
      stubTerms.set(entry.name, entry.term);
    }
  }
  const standard = new Help();
  program.configureHelp({ subcommandTerm: (command) => stubTerms.get(command.name()) ?? standard.subcommandTerm(command) });
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
async function describeError(error: unknown): Promise<string> {
  // Loaded only to describe a failure: they bring the engine's schemas.
  const [{ InfrastructureError, InvalidCatalogError, InvalidLedgerQueryError }, { CatalogFileInvalidError }] = await Promise.all([
    import('../../lambdas/application/errors'),
    import('../../lib/local/catalog-file'),
  ]);
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
async function reportError(error: unknown, io: CliIo): Promise<number> {
  if (error instanceof CommanderError) return error.exitCode; // commander already printed it
  io.err(`error: ${await describeError(error)}\n`);
  return exitCodeOf(error);
}

export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  try {
    await (await createProgram(io, argv)).parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    return await reportError(error, io);
  }
}

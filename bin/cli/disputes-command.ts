// outcome-engine disputes open | resolve | list: a customer disputes billed
// outcomes (one, or many from a CSV of ids), finance or the CSM decides each
// (upheld: reversed and credited; rejected: nothing changes, the note kept),
// and anyone lists them. Also reachable on the bus as 'Outcome Disputed'.
import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { derivedDisputeId } from '../../lambdas/domain/disputes/dispute-request';
import type { DisputeRow, LedgerService, OpenDisputeResult, ResolveDisputeResult } from '../../lambdas/composition/ledger-service';
import { DISPUTE_STATUSES, type DisputeStatus } from '../../lambdas/domain/ledger/outcome-disputes';
import { CliError, printJson } from './cli-io';
import type { CommandContext, RegisterCommand } from './command-context';
import { openLedger, readRunningEngineForCli, resolveConnection } from './connection';
import { formatTable } from './format';
import { withPlanServices } from './plans-command';

interface OpenOptions {
  id?: string;
  outcome?: string[];
  file?: string;
  reason: string;
  raisedBy: string;
  json?: boolean;
}

interface ResolveOptions {
  id: string;
  upheld?: boolean;
  rejected?: boolean;
  note: string;
  resolvedBy?: string;
  outcome?: string[];
  json?: boolean;
}

interface ListOptions {
  contract?: string;
  customer?: string;
  status?: DisputeStatus;
  json?: boolean;
}

export { derivedDisputeId };

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Outcome ids from a CSV: the first column of each line; a header ("outcomeId", "outcome_id", "id") and blank lines are skipped. */
export function outcomeIdsFromCsv(text: string): string[] {
  const ids: string[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const first = (line.split(',')[0] ?? '').trim().replace(/^"(.*)"$/, '$1');
    if (first === '') return;
    if (index === 0 && /^(outcome_?id|id)$/i.test(first)) return;
    ids.push(first);
  });
  return ids;
}

export function formatOpened(result: OpenDisputeResult): string {
  const lines = [`dispute ${result.disputeId}: ${result.opened.length} opened, ${result.refused.length} refused`];
  for (const outcome of result.opened) {
    lines.push(`  opened   ${outcome.outcomeId} (${outcome.customerId}, ${outcome.metric}; ${outcome.hold ? 'held out of billing until decided' : 'bills until decided'})${outcome.created ? '' : ' [already open]'}`);
  }
  for (const refusal of result.refused) lines.push(`  refused  ${refusal.outcomeId} ${refusal.code}: ${refusal.message}`);
  return `${lines.join('\n')}\n`;
}

export function formatResolved(result: ResolveDisputeResult): string {
  const lines = [`dispute ${result.disputeId}: ${result.decided.length} decided, ${result.refused.length} refused`];
  for (const outcome of result.decided) {
    const effect = outcome.decision === 'upheld' ? (outcome.reversed ? 'reversed; an invoiced period is credited' : 'already reversed') : 'nothing changes';
    lines.push(`  ${outcome.decision.padEnd(8)} ${outcome.outcomeId} (${effect})${outcome.created ? '' : ' [already decided]'}`);
  }
  for (const refusal of result.refused) lines.push(`  refused  ${refusal.outcomeId} ${refusal.code}: ${refusal.message}`);
  return `${lines.join('\n')}\n`;
}

export function formatDisputeRows(rows: readonly DisputeRow[]): string {
  if (rows.length === 0) return 'No disputes.\n';
  return formatTable<DisputeRow>(
    [
      { header: 'DISPUTE', value: (row) => row.disputeId },
      { header: 'OUTCOME', value: (row) => row.outcomeId },
      { header: 'CUSTOMER', value: (row) => row.customerId },
      { header: 'METRIC', value: (row) => row.metric },
      { header: 'STATUS', value: (row) => `${row.status}${row.status === 'open' && row.hold ? ' (held)' : ''}` },
      { header: 'OPENED', value: (row) => row.openedAt },
      { header: 'BY', value: (row) => row.raisedBy, maxWidth: 24 },
      { header: 'REASON / NOTE', value: (row) => (row.decision ? `${row.reason} / ${row.decision.note}` : row.reason), maxWidth: 60 },
    ],
    rows,
  );
}

async function outcomeIdsOf(options: OpenOptions): Promise<string[]> {
  const ids = [...(options.outcome ?? [])];
  if (options.file !== undefined) {
    let text: string;
    try {
      text = await readFile(options.file, 'utf8');
    } catch (error) {
      throw new CliError(`cannot read ${options.file}: ${(error as Error).message}`, 'invalid_input', { cause: error });
    }
    ids.push(...outcomeIdsFromCsv(text));
  }
  if (ids.length === 0) throw new CliError('name the disputed outcomes: --outcome ID (repeatable) or --file ids.csv', 'invalid_input');
  return ids;
}

/**
 * Opening and deciding disputes publish events ('Dispute Opened', 'Dispute
 * Resolved', and the notices that credit an invoiced period): locally on the
 * running engine's bus, so refused before anything is written when no engine
 * runs; in AWS on the engine's bus.
 */
async function withPublishingLedger<T>(context: CommandContext, work: (ledger: LedgerService) => Promise<T>): Promise<T> {
  const connection = await resolveConnection(context.globalOptions(), context.io);
  let localBusUrl: string | undefined;
  if (connection.dynamoDbEndpoint !== undefined) {
    const engine = await readRunningEngineForCli(connection.dataDir).catch(() => undefined);
    if (!engine) {
      throw new CliError('disputes are announced on the engine\'s bus and credited by it: start the local engine (npm start) first', 'infrastructure', { code: 'engine_not_running' });
    }
    localBusUrl = engine.url;
  }
  const ledger = openLedger(connection, () => context.io.now(), localBusUrl !== undefined ? { localBusUrl } : {});
  try {
    return await work(ledger.service);
  } finally {
    ledger.close();
  }
}

async function customersOfContract(context: CommandContext, contractId: string): Promise<string[]> {
  const stored = await withPlanServices(context, (services) => services.store.getStoredContract(contractId));
  if (!stored) throw new CliError(`no contract "${contractId}" is loaded (see: outcome-engine contracts list)`, 'not_found');
  return [stored.contract.customerId];
}

export const registerDisputesCommand: RegisterCommand = (program: Command, context) => {
  const disputes = program.command('disputes').description('Disputes of billed outcomes: open, decide (upheld reverses and credits), list');

  disputes
    .command('open')
    .description('Dispute one or more outcomes; each bad id is refused on its own, with its reason')
    .option('--id <disputeId>', 'the dispute id (default: derived from the outcomes, reason and raiser, so a rerun opens nothing twice)')
    .option('--outcome <outcomeId>', 'a disputed outcome (repeatable)', collect)
    .option('--file <ids.csv>', 'a CSV whose first column holds outcome ids (header optional)')
    .requiredOption('--reason <text>', 'why the outcomes are disputed')
    .requiredOption('--raised-by <who>', 'who raised it (a person, a portal)')
    .option('--json', 'print JSON only')
    .action(async (options: OpenOptions) => {
      const outcomeIds = await outcomeIdsOf(options);
      const disputeId = options.id ?? derivedDisputeId(outcomeIds, options.reason, options.raisedBy);
      const result = await withPublishingLedger(context, (ledger) => ledger.openDispute({ disputeId, outcomeIds, reason: options.reason, raisedBy: options.raisedBy }));
      if (options.json) printJson(context.io, result);
      else context.io.out(formatOpened(result));
      if (result.opened.length === 0) throw new CliError(`dispute ${disputeId}: no outcome could be disputed (each refusal is listed above)`, 'invalid_input', { code: 'nothing_disputed' });
    });

  disputes
    .command('resolve')
    .description('Decide a dispute: --upheld reverses its outcomes (credited on the original invoice), --rejected changes nothing')
    .requiredOption('--id <disputeId>', 'the dispute')
    .addOption(new Option('--upheld', 'the customer is right: reverse the outcomes').conflicts('rejected'))
    .addOption(new Option('--rejected', 'the outcomes stand').conflicts('upheld'))
    .requiredOption('--note <text>', 'the reason for the decision (kept in the ledger)')
    .option('--resolved-by <who>', 'who decided (default: $USER)')
    .option('--outcome <outcomeId>', 'decide only this outcome of the dispute (repeatable; default: every one still open)', collect)
    .option('--json', 'print JSON only')
    .action(async (options: ResolveOptions) => {
      if (options.upheld === undefined && options.rejected === undefined) throw new CliError('say how the dispute is decided: --upheld or --rejected', 'invalid_input');
      const resolvedBy = options.resolvedBy ?? context.io.env['USER'] ?? 'outcome-engine cli';
      const result = await withPublishingLedger(context, (ledger) =>
        ledger.resolveDispute({
          disputeId: options.id,
          upheld: options.upheld === true,
          note: options.note,
          resolvedBy,
          ...(options.outcome !== undefined ? { outcomeIds: options.outcome } : {}),
        }),
      );
      if (options.json) printJson(context.io, result);
      else context.io.out(formatResolved(result));
      if (result.decided.length === 0) throw new CliError(`dispute ${options.id}: nothing was decided (each refusal is listed above)`, 'state', { code: 'nothing_decided' });
    });

  disputes
    .command('list')
    .description('Disputed outcomes, oldest first, with their decisions')
    .option('--contract <contractId>', "only the contract's customer")
    .option('--customer <customerId>', 'only this customer')
    .addOption(new Option('--status <status>', 'only disputes in this state').choices([...DISPUTE_STATUSES]))
    .option('--json', 'print JSON only')
    .action(async (options: ListOptions) => {
      const customerIds = [
        ...(options.contract !== undefined ? await customersOfContract(context, options.contract) : []),
        ...(options.customer !== undefined ? [options.customer] : []),
      ];
      const rows = await context.withLedger((ledger) =>
        ledger.listDisputes({
          ...(customerIds.length > 0 ? { customerIds } : {}),
          ...(options.status !== undefined ? { status: options.status } : {}),
        }),
      );
      if (options.json) printJson(context.io, rows);
      else context.io.out(formatDisputeRows(rows));
    });
};

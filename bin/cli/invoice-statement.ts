// outcome-engine invoice statement: every outcome billed on an invoice (or,
// for an open period, that would be billed as of now), with its evidence,
// verification, definition version and any later reversal, and per line the
// totals that must equal the invoice line. Written row by row as the ledger
// is paged, so a statement of a million outcomes never sits in memory.
import type { Command } from 'commander';
import { previewInvoice } from '../../lambdas/application/plans/preview-invoice';
import { streamOutcomeStatement, type StatementPart } from '../../lambdas/application/billing/stream-outcome-statement';
import {
  statementSourceOfDraft,
  statementSourceOfRecord,
  type StatementLineTotal,
  type StatementSource,
} from '../../lambdas/domain/invoicing/outcome-statement';
import { STATEMENT_CSV_COLUMNS, statementRowCsv as rowCsv, statementTotalCsv as totalCsv } from '../../lambdas/application/billing/outcome-statement-csv';
import { CliError } from './cli-io';
import type { CommandContext, RegisterCommand } from './command-context';
import { parseInvoiceRecordId } from './invoice-explain';
import { runMapped, withPlanServices } from './plans-command';
import { parseInstant } from './time-range';

export { STATEMENT_CSV_COLUMNS };

const FORMATS = ['csv', 'json'] as const;
type StatementFormat = (typeof FORMATS)[number];

/**
 * Writes a statement as it streams. JSON is one object whose `rows` are
 * written one by one, then `lines` (the per-line totals, few) and whether
 * every line reconciles.
 */
export async function writeStatement(
  source: StatementSource,
  parts: AsyncIterable<StatementPart>,
  format: StatementFormat,
  write: (text: string) => void,
): Promise<{ reconciles: boolean; rows: number; lines: StatementLineTotal[] }> {
  const totals: StatementLineTotal[] = [];
  let rows = 0;
  if (format === 'csv') write(`${STATEMENT_CSV_COLUMNS.join(',')}\r\n`);
  else {
    const { lines: _lines, ...header } = source;
    write(`{"statement":${JSON.stringify(header)},\n"rows":[`);
  }
  for await (const part of parts) {
    if (part.kind === 'row') {
      if (format === 'csv') write(rowCsv(part.row));
      else write(`${rows === 0 ? '\n' : ',\n'}${JSON.stringify(part.row)}`);
      rows += 1;
    } else {
      totals.push(part.total);
      if (format === 'csv') write(totalCsv(part.total, source.currency));
    }
  }
  const reconciles = totals.every((total) => total.reconciles);
  if (format === 'json') write(`\n],\n"lines":${JSON.stringify(totals)},\n"reconciles":${reconciles}}\n`);
  return { reconciles, rows, lines: totals };
}

interface StatementOptions {
  invoice?: string;
  contract?: string;
  period?: string;
  asOf?: string;
  format: string;
}

function parseFormat(value: string): StatementFormat {
  if ((FORMATS as readonly string[]).includes(value)) return value as StatementFormat;
  throw new CliError(`--format must be csv or json, got "${value}"`, 'invalid_input');
}

async function printStatement(context: CommandContext, options: StatementOptions): Promise<void> {
  const format = parseFormat(options.format);
  if ((options.invoice === undefined) === (options.contract === undefined)) {
    throw new CliError('name an issued invoice with --invoice, or an open period with --contract (and --period)', 'invalid_input');
  }
  const asOf = options.asOf !== undefined ? parseInstant(options.asOf, '--as-of') : undefined;
  const result = await runMapped(() =>
    withPlanServices(context, async ({ store, usage, invoices, ledger, catalog }) => {
      let source: StatementSource;
      if (options.invoice !== undefined) {
        const ref = parseInvoiceRecordId(options.invoice);
        if (!ref) throw new CliError(`"${options.invoice}" is not an engine invoice id: expected oe:<contract>:<period>:r<n>`, 'invalid_input');
        const record = await invoices.getRecord(ref.contractId, ref.periodId);
        if (!record || record.invoiceRecordId !== options.invoice) throw new CliError(`no invoice ${options.invoice} [invoice_not_found]`, 'not_found');
        source = statementSourceOfRecord(record);
      } else {
        const contractId = options.contract as string;
        const draft = await previewInvoice(
          { contracts: store, usage, invoices, definitions: catalog, now: context.io.now },
          { contractId, ...(options.period ? { periodId: options.period } : {}), ...(asOf ? { asOf } : {}) },
        );
        source = statementSourceOfDraft(draft, { contractId, customerId: draft.customerId ?? '' });
      }
      return writeStatement(source, streamOutcomeStatement({ ledger }, source, context.io.now().getTime()), format, (text) => context.io.out(text));
    }),
  );
  if (!result.reconciles) {
    const off = result.lines.filter((line) => !line.reconciles).map((line) => `${line.lineId} (outcomes give ${line.measured}, the line says ${line.lineQuantity})`);
    // Written in full first, so the rows that disagree can be looked at.
    throw new CliError(`the statement does not reconcile with the invoice: ${off.join('; ')}`, 'internal');
  }
}

/** Adds `statement` to an `invoice` command. */
export function registerInvoiceStatement(invoice: Command, context: CommandContext): void {
  invoice
    .command('statement')
    .description('Every outcome billed on an invoice (or an open period, as of now), with evidence and per-line totals that reconcile to the invoice')
    .option('--invoice <id>', "the engine's invoice id (oe:<contract>:<period>:r1)")
    .option('--contract <contractId>', 'an open period of this contract instead of an issued invoice')
    .option('--period <periodId>', 'with --contract: the period (default: the current one)')
    .option('--as-of <instant>', 'with --contract: read the ledger as recorded up to this instant (default: now)')
    .option('--format <format>', 'csv or json', 'csv')
    .action(async (options: StatementOptions) => printStatement(context, options));
}

/** Registers `invoice statement` onto the existing `invoice` command (or creates it). */
export const registerInvoiceStatementCommand: RegisterCommand = (program, context) => {
  const invoice = program.commands.find((command) => command.name() === 'invoice') ?? program.command('invoice').description('Invoices of a contract');
  registerInvoiceStatement(invoice, context);
};

// outcome-engine invoice explain: an issued invoice taken apart. Every line
// back to its charge, the tiers (breakdown rows) that priced it and the exact
// ledger query behind its quantity (with the `usage` command that re-runs it
// as of the same cutoff), then the corrections that followed: adjustments
// billed on later invoices and credit notes against this one. Beside each
// line, the disputes of the outcomes it counted (open, upheld, rejected).
import type { Command } from 'commander';
import { explainInvoice, invoiceKindOf, parseInvoiceRecordId, type DefinitionTerms, type InvoiceExplanation } from '../../lambdas/application/billing/explain-invoice';
import { describeLineDefinitions } from '../../lambdas/domain/invoicing/outcome-statement';
import { DynamoDbCatalogRepository } from '../../lambdas/adapters/dynamodb/dynamodb-catalog-repository';
import type { CurrencyCode } from '../../lambdas/domain/money/currencies';
import { formatAmountWithCode } from '../../lambdas/domain/money/format-money';
import type { BreakdownRow } from '../../lambdas/domain/rating/breakdown';
import type { SerializedAmount } from '../../lambdas/domain/rating/draft-invoice';
import { dynamoDbClientFor, withBilling } from './billing-connection';
import type { Connection } from './connection';
import { CliError, printJson } from './cli-io';
import type { CommandContext, RegisterCommand } from './command-context';
import { formatFields } from './format';
import { runMapped } from './plans-command';

export { explainInvoice, invoiceKindOf, parseInvoiceRecordId };
export { disputeCountsOf } from '../../lambdas/application/billing/explain-invoice';
export type { DefinitionTerms, DisputeCounts, InvoiceKind, ExplainedCorrection, ExplainedLine, InvoiceExplanation } from '../../lambdas/application/billing/explain-invoice';

function describeRow(row: BreakdownRow): string {
  return Object.entries(row)
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(' ');
}

/** "none", or "1 (-3.00 USD)": the credit notes of the corrections that followed, and what they credit in total. */
function creditNotesSummary(explained: InvoiceExplanation): string {
  const withNotes = explained.followedBy.filter((correction) => correction.creditNote.lines.length > 0);
  if (withNotes.length === 0) return 'none';
  const minor = withNotes.flatMap((correction) => correction.creditNote.lines).reduce((sum, line) => sum + BigInt(line.amount.minor), 0n);
  return `${withNotes.length} (-${formatAmountWithCode(minor, explained.currency as CurrencyCode)})`;
}

function describeKind(explained: InvoiceExplanation, withCode: (amount: SerializedAmount) => string): string {
  if (explained.thresholdOf) {
    return `threshold invoice ${explained.thresholdOf.sequence} of ${explained.thresholdOf.periodId}: spend to date ${withCode(explained.thresholdOf.spendToDate)} reached the threshold of ${withCode(explained.thresholdOf.thresholdAmount)}`;
  }
  if (explained.thresholdSettlement) {
    const settlement = explained.thresholdSettlement;
    return `period-end invoice, billing what ${settlement.thresholdInvoiceRecordIds.length} threshold invoice(s) did not: they billed ${withCode(settlement.billedOnThresholdInvoices)}, ${withCode(settlement.creditedOnThresholdInvoices)} credited back on them (${settlement.thresholdInvoiceRecordIds.join(', ')})`;
  }
  return explained.kind === 'adjustment' ? 'adjustment invoice' : 'period-end invoice';
}

export function formatInvoiceExplanation(explained: InvoiceExplanation): string {
  const withCode = (amount: SerializedAmount) => formatAmountWithCode(BigInt(amount.minor), explained.currency as CurrencyCode);
  const out: string[] = [
    formatFields([
      ['invoice', explained.invoiceRecordId],
      ['kind', describeKind(explained, withCode)],
      ['contract', `${explained.contractId} (customer ${explained.customerId})`],
      ['period', `${explained.periodId}: ${explained.period.start} to ${explained.period.end} (${explained.period.timeZone})`],
      ['plan', `${explained.plan.code} version ${explained.plan.version}`],
      ['usage as of', explained.cutoff],
      ['stripe', explained.stripe.invoiceId ? `${explained.stripe.invoiceId} ${explained.stripe.status ?? ''}` : 'not pushed yet'],
      ['total', `${withCode(explained.totals.total)} (rated ${explained.totals.ratedTotal.decimal}, adjustments ${explained.totals.adjustmentsTotal.decimal})`],
      // Two different things called "credit": the contract's prepaid balance drawn on this invoice, and credit notes issued against it later.
      ['prepaid credits applied', withCode(explained.totals.creditsApplied)],
      ['credit notes issued after this invoice', creditNotesSummary(explained)],
    ]).trimEnd(),
  ];
  for (const line of explained.lines) {
    out.push(`\nline ${line.lineId} [${line.kind}] ${withCode(line.amount)}: ${line.description}`);
    out.push(`  charge ${line.chargeId ?? '-'}, metric ${line.metric ?? '-'}, quantity ${line.quantity}, service period ${line.servicePeriod.periodId}`);
    for (const row of line.tiers) out.push(`  tier  ${describeRow(row)}`);
    if (line.caps) out.push(`  caps  ${line.caps}`);
    if (line.ledgerQuery) {
      out.push(`  ledger ${line.ledgerQuery.reference ?? `${line.ledgerQuery.ledgerMetric} ${line.ledgerQuery.from}..${line.ledgerQuery.to} as of ${line.ledgerQuery.asOf ?? '-'}`}`);
      out.push(`  rerun  ${line.ledgerQuery.rerun}`);
    }
    if (line.adjustmentFor) out.push(`  adjusts ${line.adjustmentFor.invoiceRecordId} (correction ${line.adjustmentFor.correctionId})`);
    if (line.definitions) out.push(`  counted under definition ${describeLineDefinitions(line.definitions)}`);
    if (line.disputes && line.disputes.open + line.disputes.upheld + line.disputes.rejected > 0) {
      out.push(`  disputes ${line.disputes.open} open, ${line.disputes.upheld} upheld, ${line.disputes.rejected} rejected (outcome-engine disputes list --customer ${explained.customerId})`);
    }
  }
  if (explained.followedBy.length === 0) out.push('\nfollowed by: no corrections');
  for (const correction of explained.followedBy) {
    out.push(`\ncorrection ${correction.correctionId} (re-rated as of ${correction.cutoff})`);
    for (const line of correction.adjustments.lines) {
      out.push(`  adjustment +${withCode(line.amount)} (${line.quantityDelta}): ${line.description}; billed on ${correction.adjustments.billedOn ?? 'the next invoice'}`);
    }
    for (const line of correction.creditNote.lines) {
      out.push(`  credit -${withCode(line.amount)} (${line.quantityDelta}): ${line.description}; credit note ${correction.creditNote.creditNoteId ?? 'pending'}`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** The catalog's metrics (a pinned line is named by the pins stored on the invoice). */
async function definitionTerms(connection: Connection): Promise<DefinitionTerms> {
  const client = dynamoDbClientFor(connection);
  try {
    const catalog = await new DynamoDbCatalogRepository({ client, tableName: connection.engineTableName }).readCatalog();
    return { metrics: new Map(catalog.metrics.map((metric) => [metric.code, metric])) };
  } finally {
    client.destroy();
  }
}

/** Adds `explain` to an `invoice` command. */
export function registerInvoiceExplain(invoice: Command, context: CommandContext): void {
  invoice
    .command('explain')
    .description('An issued invoice line by line: charge, tiers, ledger query; then the adjustments and credit notes that followed')
    .requiredOption('--invoice <id>', 'the engine\'s invoice id (oe:<contract>:<period>:r1) or the Stripe invoice id (in_...)')
    .option('--json', 'print JSON only')
    .action(async (options: { invoice: string; json?: boolean }) => {
      const explained = await runMapped(() =>
        withBilling(context, async (billing, connection) => {
          let ref = parseInvoiceRecordId(options.invoice);
          if (!ref && options.invoice.startsWith('in_')) {
            const invoice = await billing.stripe.invoices.retrieve(options.invoice);
            const contractId = invoice.metadata?.['contractId'];
            const periodId = invoice.metadata?.['periodId'];
            if (contractId && periodId) ref = { contractId, periodId };
            else throw new CliError(`Stripe invoice ${options.invoice} was not issued by the engine (no contractId/periodId metadata)`, 'not_found');
          }
          if (!ref) throw new CliError(`"${options.invoice}" is not an invoice id: expected oe:<contract>:<period>:r<n> or in_...`, 'invalid_input');
          return explainInvoice(
            billing.invoices,
            ref,
            await definitionTerms(connection),
            (customerId) => context.withLedger((ledger) => ledger.listDisputes({ customerIds: [customerId] })),
          );
        }),
      );
      if (!explained) throw new CliError(`no invoice ${options.invoice} [invoice_not_found]`, 'not_found');
      if (options.json) printJson(context.io, explained);
      else context.io.out(formatInvoiceExplanation(explained));
    });
}

/** Registers `invoice explain` onto the existing `invoice` command (or creates it). */
export const registerInvoiceExplainCommand: RegisterCommand = (program, context) => {
  const invoice = program.commands.find((command) => command.name() === 'invoice') ?? program.command('invoice').description('Invoices of a contract');
  registerInvoiceExplain(invoice, context);
};

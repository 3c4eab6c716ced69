// outcome-engine invoice preview: the draft invoice of a contract's period,
// rated from the ledger as recorded up to a cutoff.
import { previewInvoice } from '../../lambdas/application/plans/preview-invoice';
import { formatAmountWithCode } from '../../lambdas/domain/money/format-money';
import { serializeDraftInvoice, type SerializedAmount, type SerializedDraftInvoice, type SerializedInvoiceLine } from '../../lambdas/domain/rating/draft-invoice';
import { capsOfLine } from '../../lambdas/domain/invoicing/outcome-statement';
import { printJson } from './cli-io';
import type { RegisterCommand } from './command-context';
import { formatFields, formatTable } from './format';
import { runMapped, withPlanServices } from './plans-command';
import { parseInstant } from './time-range';

/** Invoice lines, totals and the ledger query behind each usage line, for people. */
export function formatDraftInvoice(invoice: Pick<SerializedDraftInvoice, 'lines' | 'commitmentTrueUp' | 'subtotal' | 'credits' | 'total' | 'currency' | 'planCode' | 'planVersion' | 'period' | 'usageAsOf' | 'contractId' | 'customerId' | 'pinnedDefinitions'> & { readonly spendCap?: SerializedDraftInvoice['spendCap'] }): string {
  const withCode = (amount: SerializedAmount) => formatAmountWithCode(BigInt(amount.minor), invoice.currency);
  const lines: SerializedInvoiceLine[] = [...invoice.lines, ...(invoice.commitmentTrueUp ? [invoice.commitmentTrueUp] : [])];
  const header = formatFields([
    ...(invoice.contractId ? ([['contract', `${invoice.contractId} (customer ${invoice.customerId ?? '-'})`]] as const) : []),
    ['plan', `${invoice.planCode} version ${invoice.planVersion}`],
    ['period', `${invoice.period.id}: ${invoice.period.start} to ${invoice.period.end}${invoice.period.partial ? ' (partial)' : ''}`],
    ['usage as of', invoice.usageAsOf ?? '-'],
    // Only a contract that pins definition versions shows them: its outcomes count under the pinned terms.
    ...(invoice.pinnedDefinitions !== undefined && Object.keys(invoice.pinnedDefinitions).length > 0
      ? ([['counted under', Object.entries(invoice.pinnedDefinitions).map(([metric, pinned]) => `${metric} definition v${pinned.version} (pinned by the contract)`).join(', ')]] as const)
      : []),
  ]);
  const table = formatTable(
    [
      { header: 'CHARGE', value: (line: SerializedInvoiceLine) => line.chargeId },
      { header: 'MODEL', value: (line) => line.model },
      { header: 'QUANTITY', value: (line) => line.quantity, align: 'right' },
      { header: 'AMOUNT', value: (line) => line.amount.decimal, align: 'right' },
      { header: 'CREDIT', value: (line) => line.creditApplied.decimal, align: 'right' },
      { header: 'DUE', value: (line) => line.amountDue.decimal, align: 'right' },
      { header: 'PRICE', value: (line) => line.priceSource },
    ],
    lines,
  );
  const spendCap = invoice.spendCap;
  const totals = formatFields([
    ...(spendCap
      ? ([['spend cap', `Spend cap ${spendCap.cap.decimal}: -${spendCap.reduction.decimal} (charges before it ${withCode(spendCap.subtotalBefore)})`]] as const)
      : []),
    ['subtotal', withCode(invoice.subtotal)],
    ['commitment true-up', invoice.commitmentTrueUp ? withCode(invoice.commitmentTrueUp.amount) : '-'],
    ['credits applied', invoice.credits ? `${withCode(invoice.credits.applied)} (balance ${invoice.credits.balanceBefore.decimal} -> ${invoice.credits.balanceAfter.decimal})` : '-'],
    ['total', withCode(invoice.total)],
  ]);
  const queries = lines
    .filter((line) => line.usageQuery?.reference)
    .map((line) => `  ${line.chargeId}: ${line.usageQuery?.reference ?? ''}`);
  // What each contract cap did to a line: over-cap quantities are shown, not billed.
  const capped = lines.flatMap((line) => {
    const caps = capsOfLine(line.breakdown);
    return caps === undefined ? [] : [`  ${line.chargeId}: ${caps}`];
  });
  const capsText = capped.length > 0 ? `caps:\n${capped.join('\n')}\n` : '';
  return `${header}\n${table}\n${capsText}${totals}${queries.length > 0 ? `\nusage read:\n${queries.join('\n')}\n` : ''}`;
}

export const registerInvoiceCommand: RegisterCommand = (program, context) => {
  const invoice = program.command('invoice').description('Invoices of a contract');
  invoice
    .command('preview')
    .description("Draft lines of a contract's period from the ledger, as of a cutoff")
    .requiredOption('--contract <contractId>', 'contract id')
    .option('--period <periodId>', "period id in the contract's schedule: 2026-11, 2026-Q4 or 2026 (default: the current period)")
    .option('--as-of <instant>', 'read the ledger as recorded at or before this instant (default: now)')
    .option('--json', 'print JSON only')
    .action(async (options: { contract: string; period?: string; asOf?: string; json?: boolean }) => {
      const asOf = options.asOf !== undefined ? parseInstant(options.asOf, '--as-of') : undefined;
      const draft = await runMapped(() =>
        withPlanServices(context, ({ store, usage, invoices, catalog }) =>
          previewInvoice(
            { contracts: store, usage, invoices, definitions: catalog, now: context.io.now },
            { contractId: options.contract, ...(options.period ? { periodId: options.period } : {}), ...(asOf ? { asOf } : {}) },
          ),
        ),
      );
      const serialized = serializeDraftInvoice(draft);
      if (options.json) printJson(context.io, serialized);
      else context.io.out(formatDraftInvoice(serialized));
    });
};

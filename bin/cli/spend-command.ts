// outcome-engine spend: the open period to date, with the very lines
// `invoice preview` gives for the same cutoff, commitment burn, prepaid
// credits left and a stated forecast to period end.
import { reportSpend } from '../../lambdas/application/plans/report-spend';
import { formatAmountWithCode } from '../../lambdas/domain/money/format-money';
import { serializeDraftInvoice } from '../../lambdas/domain/rating/draft-invoice';
import { serializeSpend } from '../../lambdas/domain/rating/serialize-spend';
import type { SpendToDate } from '../../lambdas/domain/rating/spend-to-date';
import { printJson } from './cli-io';
import type { RegisterCommand } from './command-context';
import { formatFields, formatTable } from './format';
import { formatDraftInvoice } from './invoice-command';
import { runMapped, withPlanServices } from './plans-command';
import { parseInstant } from './time-range';

function formatSpend(spend: SpendToDate): string {
  const withCode = (minor: bigint) => formatAmountWithCode(minor, spend.draft.currency);
  const usage =
    spend.usage.length === 0
      ? 'usage: none of the plan charges read a metric\n'
      : formatTable(
          [
            { header: 'METRIC', value: (row: SpendToDate['usage'][number]) => row.metric },
            { header: 'CHARGE', value: (row) => row.chargeId },
            { header: 'QUANTITY', value: (row) => row.quantity, align: 'right' },
          ],
          spend.usage,
        );
  const commitment = spend.commitment;
  const summary = formatFields([
    [
      'commitment burn',
      commitment
        ? `${withCode(commitment.burned)} of ${withCode(commitment.committed)} (${commitment.burnedPercent ?? '-'}%, ${commitment.trueUp}), ${withCode(commitment.remaining)} to go`
        : '-',
    ],
    ['prepaid credits left', spend.creditsLeft === null ? '-' : withCode(spend.creditsLeft)],
    ['period elapsed', `${spend.forecast.elapsedPercent}%`],
    ['forecast subtotal', withCode(spend.forecast.subtotal)],
    ['forecast total', withCode(spend.forecast.total)],
    ['forecast rule', spend.forecast.rule],
  ]);
  return `${formatDraftInvoice(serializeDraftInvoice(spend.draft))}\n${usage}\n${summary}`;
}

export const registerSpendCommand: RegisterCommand = (program, context) => {
  program
    .command('spend')
    .description("A contract's open period to date: usage, the rated lines (as invoice preview), commitment burn, credits left, forecast")
    .requiredOption('--contract <contractId>', 'contract id')
    .option('--as-of <instant>', 'read the ledger as recorded at or before this instant, and report the period open then (default: now)')
    .option('--json', 'print JSON only')
    .action(async (options: { contract: string; asOf?: string; json?: boolean }) => {
      const asOf = options.asOf !== undefined ? parseInstant(options.asOf, '--as-of') : undefined;
      const spend = await runMapped(() =>
        withPlanServices(context, ({ store, usage, invoices, catalog }) =>
          reportSpend({ contracts: store, usage, invoices, definitions: catalog, now: context.io.now }, { contractId: options.contract, ...(asOf ? { asOf } : {}) }),
        ),
      );
      if (options.json) printJson(context.io, serializeSpend(spend));
      else context.io.out(formatSpend(spend));
    });
};

// outcome-engine invoice list | invoice thresholds: a contract's invoices
// (period-end, threshold and adjustment invoices, each marked), and threshold
// invoicing run by hand (or from a schedule): the same use case the ledger
// stream runs after each batch.
import type { Command } from 'commander';
import { listThresholdRecords } from '../../lambdas/application/billing/close-contract-period';
import { invoiceSpendThreshold, type ThresholdEvaluation } from '../../lambdas/application/billing/invoice-spend-thresholds';
import { adjustmentInvoicePeriodId } from '../../lambdas/domain/invoicing/adjustment-invoice';
import type { InvoiceRecord } from '../../lambdas/domain/invoicing/invoice-record';
import type { CurrencyCode } from '../../lambdas/domain/money/currencies';
import { formatAmountWithCode } from '../../lambdas/domain/money/format-money';
import { periodsForTerm } from '../../lambdas/domain/periods/billing-period';
import { billingScheduleForContract } from '../../lambdas/domain/plans/contract-plan';
import { serializeAmount, type SerializedAmount } from '../../lambdas/domain/rating/draft-invoice';
import { withBilling } from './billing-connection';
import { CliError, printJson } from './cli-io';
import type { CommandContext, RegisterCommand } from './command-context';
import { formatFields, formatTable } from './format';
import { invoiceKindOf, type InvoiceKind } from './invoice-explain';
import { runMapped } from './plans-command';
import { parseInstant } from './time-range';

export interface ListedInvoice {
  invoiceRecordId: string;
  /** The record's period key: `2026-11`, `2026-11-threshold-1`, `2026-11-adjustment-1`. */
  periodId: string;
  /** The billing period it bills for. */
  billingPeriodId: string;
  kind: InvoiceKind;
  total: SerializedAmount;
  currency: string;
  status: string | null;
  stripeInvoiceId: string | null;
}

/** Every invoice of the contract's term, period by period: threshold invoices first, then the period-end one, then adjustment invoices. */
async function listContractInvoices(billing: Parameters<Parameters<typeof withBilling>[1]>[0], contractId: string): Promise<ListedInvoice[]> {
  const contract = await billing.planStore.getContract(contractId);
  if (!contract) throw new CliError(`no contract "${contractId}" [contract_not_found]`, 'not_found');
  const listed: ListedInvoice[] = [];
  const add = async (record: InvoiceRecord, billingPeriodId: string) => {
    const status = await billing.invoices.getStatus(contractId, record.periodId);
    listed.push({
      invoiceRecordId: record.invoiceRecordId,
      periodId: record.periodId,
      billingPeriodId,
      kind: invoiceKindOf(record),
      total: serializeAmount(record.total, record.currency as CurrencyCode),
      currency: record.currency,
      status: status?.status ?? null,
      stripeInvoiceId: status?.stripeInvoiceId ?? null,
    });
  };
  for (const period of periodsForTerm(billingScheduleForContract(contract))) {
    for (const threshold of await listThresholdRecords(billing.invoices, contractId, period.id)) await add(threshold, period.id);
    const record = await billing.invoices.getRecord(contractId, period.id);
    if (record) await add(record, period.id);
    for (const { correction } of await billing.invoices.listCorrections(contractId, period.id)) {
      const adjustment = await billing.invoices.getRecord(contractId, adjustmentInvoicePeriodId(period.id, correction.sequence));
      if (adjustment) await add(adjustment, period.id);
    }
  }
  return listed;
}

export function formatInvoiceList(invoices: readonly ListedInvoice[]): string {
  if (invoices.length === 0) return 'No invoices yet.\n';
  return formatTable(
    [
      { header: 'PERIOD', value: (invoice: ListedInvoice) => invoice.billingPeriodId },
      { header: 'KIND', value: (invoice) => invoice.kind },
      { header: 'INVOICE', value: (invoice) => invoice.invoiceRecordId },
      { header: 'TOTAL', value: (invoice) => formatAmountWithCode(BigInt(invoice.total.minor), invoice.currency as CurrencyCode), align: 'right' },
      { header: 'STATUS', value: (invoice) => invoice.status ?? '-' },
      { header: 'STRIPE', value: (invoice) => invoice.stripeInvoiceId ?? '-' },
    ],
    invoices,
  );
}

export interface SerializedThresholdEvaluation {
  contractId: string;
  outcome: ThresholdEvaluation['outcome'];
  periodId: string | null;
  thresholdAmount: string | null;
  spendToDate: string | null;
  unbilled: string | null;
  invoices: { invoiceRecordId: string; periodId: string; total: string; status: string; stripeInvoiceId: string; matched: boolean }[];
}

function serializeEvaluation(evaluation: ThresholdEvaluation): SerializedThresholdEvaluation {
  const minor = (value: bigint | undefined) => (value === undefined ? null : value.toString());
  return {
    contractId: evaluation.contractId,
    outcome: evaluation.outcome,
    periodId: evaluation.periodId ?? null,
    thresholdAmount: minor(evaluation.thresholdAmount),
    spendToDate: minor(evaluation.spendToDate),
    unbilled: minor(evaluation.unbilled),
    invoices: evaluation.invoices.map((invoice) => ({
      invoiceRecordId: invoice.invoiceRecordId,
      periodId: invoice.periodId,
      total: invoice.engineTotal.toString(),
      status: invoice.status,
      stripeInvoiceId: invoice.stripeInvoiceId,
      matched: invoice.matched,
    })),
  };
}

function formatEvaluation(evaluation: SerializedThresholdEvaluation): string {
  return formatFields([
    ['contract', evaluation.contractId],
    ['outcome', evaluation.outcome],
    ['period', evaluation.periodId ?? '-'],
    ['threshold (minor units)', evaluation.thresholdAmount ?? '-'],
    ['spend to date (minor units)', evaluation.spendToDate ?? '-'],
    ['not invoiced yet (minor units)', evaluation.unbilled ?? '-'],
    ['invoices issued', evaluation.invoices.map((invoice) => `${invoice.invoiceRecordId} ${invoice.total} (${invoice.status}, ${invoice.stripeInvoiceId})`).join('; ') || 'none'],
  ]);
}

export function registerInvoiceThresholds(invoice: Command, context: CommandContext): void {
  invoice
    .command('list')
    .description("A contract's invoices: period-end, threshold and adjustment invoices, with totals and Stripe status")
    .requiredOption('--contract <contractId>', 'contract id')
    .option('--json', 'print JSON only')
    .action(async (options: { contract: string; json?: boolean }) => {
      const invoices = await runMapped(() => withBilling(context, (billing) => listContractInvoices(billing, options.contract)));
      if (options.json) printJson(context.io, invoices);
      else context.io.out(formatInvoiceList(invoices));
    });
  invoice
    .command('thresholds')
    .description("Threshold invoicing now: rate the contract's open period to date and issue a threshold invoice if its unbilled spend reached the threshold")
    .requiredOption('--contract <contractId>', 'contract id')
    .option('--as-of <instant>', 'rate the ledger as recorded up to this instant, in the period containing it (default: now)')
    .option('--json', 'print JSON only')
    .action(async (options: { contract: string; asOf?: string; json?: boolean }) => {
      const asOf = options.asOf !== undefined ? parseInstant(options.asOf, '--as-of') : context.io.now();
      const evaluation = serializeEvaluation(
        await runMapped(() => withBilling(context, (billing) => invoiceSpendThreshold(billing.deps, { contractId: options.contract, asOf: asOf.toISOString() }))),
      );
      if (options.json) printJson(context.io, evaluation);
      else context.io.out(formatEvaluation(evaluation));
    });
}

/** Registers `invoice list` and `invoice thresholds` onto the existing `invoice` command. */
export const registerInvoiceThresholdsCommand: RegisterCommand = (program, context) => {
  const invoice = program.commands.find((command) => command.name() === 'invoice') ?? program.command('invoice').description('Invoices of a contract');
  registerInvoiceThresholds(invoice, context);
};

// outcome-engine invoice reconcile: after an `Invoice Reconciliation Failed`
// has been fixed in Stripe (a draft edited back, a stray invoice item
// removed), read Stripe's invoice again and compare it with the engine's
// immutable record. A match stores `reconciled` and publishes `Invoice
// Issued`; a mismatch stores `reconciliation_failed` and publishes the
// failure again (exit 4). Nothing in Stripe or in the record is changed.
import type { Command } from 'commander';
import { reconcileInvoicedPeriod } from '../../lambdas/application/billing/close-contract-period';
import type { InvoiceStatus } from '../../lambdas/application/billing/ports';
import { withBilling } from './billing-connection';
import { CliError, InvoiceTotalsDifferError, printJson } from './cli-io';
import type { CommandContext, RegisterCommand } from './command-context';
import { formatFields } from './format';
import { parseInvoiceRecordId } from './invoice-explain';
import { runMapped } from './plans-command';

export interface ReconcileReport {
  contractId: string;
  periodId: string;
  invoiceRecordId: string;
  stripeInvoiceId: string | null;
  status: InvoiceStatus['status'];
  stripeStatus: string | null;
  matched: boolean;
  /** Minor units as strings (JSON-safe). */
  engineTotal: string | null;
  stripeTotal: string | null;
  difference: string | null;
}

interface ReconcileOptions {
  invoice?: string;
  contract?: string;
  period?: string;
  json?: boolean;
}

function toReport(status: InvoiceStatus): ReconcileReport {
  return {
    contractId: status.contractId,
    periodId: status.periodId,
    invoiceRecordId: status.invoiceRecordId,
    stripeInvoiceId: status.stripeInvoiceId ?? null,
    status: status.status,
    stripeStatus: status.stripeStatus ?? null,
    matched: status.reconciliation?.matched ?? false,
    engineTotal: status.reconciliation?.engineTotal.toString() ?? null,
    stripeTotal: status.reconciliation?.stripeTotal.toString() ?? null,
    difference: status.reconciliation?.difference.toString() ?? null,
  };
}

/** Exactly one way to name the invoice: `--invoice`, or `--contract` with `--period`. */
function localReference(options: ReconcileOptions): { contractId: string; periodId: string } | { stripeInvoiceId: string } {
  if (options.invoice !== undefined) {
    if (options.contract !== undefined || options.period !== undefined) {
      throw new CliError('give either --invoice, or --contract with --period, not both', 'invalid_input');
    }
    const ref = parseInvoiceRecordId(options.invoice);
    if (ref) return ref;
    if (options.invoice.startsWith('in_')) return { stripeInvoiceId: options.invoice };
    throw new CliError(`"${options.invoice}" is not an invoice id: expected oe:<contract>:<period>:r<n> or in_...`, 'invalid_input');
  }
  if (options.contract === undefined || options.period === undefined) {
    throw new CliError('name the invoice with --invoice ID, or with --contract C --period P', 'invalid_input');
  }
  return { contractId: options.contract, periodId: options.period };
}

export function formatReconcileReport(report: ReconcileReport): string {
  return formatFields([
    ['invoice', report.invoiceRecordId],
    ['contract', report.contractId],
    ['period', report.periodId],
    ['stripe', report.stripeInvoiceId ? `${report.stripeInvoiceId} ${report.stripeStatus ?? ''}`.trimEnd() : '-'],
    ['status', report.status],
    ['engine total', report.engineTotal ?? '-'],
    ['stripe total', report.stripeTotal ?? '-'],
    ['difference', report.difference ?? '-'],
  ]);
}

/** Adds `reconcile` to an `invoice` command. */
export function registerInvoiceReconcile(invoice: Command, context: CommandContext): void {
  invoice
    .command('reconcile')
    .description("Re-read a closed period's Stripe invoice and reconcile it with the engine's record again (after fixing a reconciliation failure in Stripe)")
    .option('--invoice <id>', "the engine's invoice id (oe:<contract>:<period>:r1) or the Stripe invoice id (in_...)")
    .option('--contract <contractId>', 'contract id (with --period)')
    .option('--period <periodId>', 'period id: 2026-11, 2026-Q4 or 2026 (with --contract)')
    .option('--json', 'print JSON only')
    .action(async (options: ReconcileOptions) => {
      // Refuse a bad reference before any connection is made.
      const named = localReference(options);
      const status = await runMapped(() =>
        withBilling(context, async (billing) => {
          let ref: { contractId: string; periodId: string };
          if ('stripeInvoiceId' in named) {
            const found = await billing.stripe.invoices.retrieve(named.stripeInvoiceId);
            const contractId = found.metadata?.['contractId'];
            const periodId = found.metadata?.['periodId'];
            if (!contractId || !periodId) {
              throw new CliError(`Stripe invoice ${named.stripeInvoiceId} was not issued by the engine (no contractId/periodId metadata)`, 'not_found');
            }
            ref = { contractId, periodId };
          } else {
            ref = named;
          }
          return reconcileInvoicedPeriod(billing.deps, ref);
        }),
      );
      const report = toReport(status);
      if (options.json) printJson(context.io, report);
      else context.io.out(formatReconcileReport(report));
      if (!report.matched) {
        throw new InvoiceTotalsDifferError("the Stripe invoice total still differs from the engine's (Invoice Reconciliation Failed was published again)");
      }
    });
}

/** Registers `invoice reconcile` onto the existing `invoice` command (or creates it). */
export const registerInvoiceReconcileCommand: RegisterCommand = (program, context) => {
  const invoice = program.commands.find((command) => command.name() === 'invoice') ?? program.command('invoice').description('Invoices of a contract');
  registerInvoiceReconcile(invoice, context);
};

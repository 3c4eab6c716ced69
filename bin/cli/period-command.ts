// outcome-engine period close: closes a billing period on demand, for one
// contract or every stored contract, exactly as the scheduled close does
// (earlier periods corrected first, record stored once, pushed to Stripe,
// reconciled). Safe to run again: a closed period makes no new Stripe object.
import { mapWithConcurrency } from '../../lambdas/shared/map-with-concurrency';
import { correctAndClosePeriod, DEFAULT_CLOSE_GRACE_HOURS, periodCloseFor } from '../../lambdas/application/billing/schedule-period-closes';
import { type PeriodClose } from '../../lambdas/application/billing/ports';
import type { Contract } from '../../lambdas/domain/plans/contract-schema';
import { formatAmountWithCode } from '../../lambdas/domain/money/format-money';
import type { CurrencyCode } from '../../lambdas/domain/money/currencies';
import { withBilling } from './billing-connection';
import { CliError, InvoiceTotalsDifferError, printJson } from './cli-io';
import type { RegisterCommand } from './command-context';
import { formatTable } from './format';
import { runMapped } from './plans-command';
import { parseInstant } from './time-range';

interface CloseOptions {
  period: string;
  contract?: string;
  asOf?: string;
  graceHours: string;
  concurrency: string;
  json?: boolean;
}

export interface ClosedPeriodReport {
  contractId: string;
  periodId: string;
  cutoff: string;
  invoiceRecordId: string;
  stripeInvoiceId: string;
  status: string;
  currency: string;
  /** Minor units as strings. */
  engineTotal: string;
  stripeTotal: string;
  matched: boolean;
  recordCreated: boolean;
  itemsCreated: number;
  corrections: {
    periodId: string;
    correctionId: string | null;
    adjustmentLines: number;
    creditNotes: { creditNoteId: string; total: string }[];
    /** Credit notes Stripe refused (kept with their reason and retried; they did not stop the close). */
    failedCreditNotes: { correctionId: string; reason: string; retryable: boolean }[];
    /** Adjustment invoices for a period no later invoice carries. */
    adjustmentInvoices: { invoiceRecordId: string; stripeInvoiceId: string; total: string }[];
  }[];
}

export interface PeriodCloseReport {
  periodId: string;
  closed: ClosedPeriodReport[];
  skipped: { contractId: string; reason: string }[];
  failed: { contractId: string; code: string; message: string }[];
}

/** Cutoff: --as-of, else period end + grace, or now when the grace has not run out yet. */
function cutoffFor(close: PeriodClose, now: Date, asOf: Date | undefined): string | { skip: string } {
  if (asOf) {
    if (asOf.getTime() < Date.parse(close.periodEnd)) return { skip: `--as-of ${asOf.toISOString()} is before the period ends (${close.periodEnd})` };
    return asOf.toISOString();
  }
  if (now.getTime() < Date.parse(close.periodEnd)) return { skip: `the period is not over: it ends ${close.periodEnd}` };
  return Date.parse(close.closeAt) <= now.getTime() ? close.closeAt : now.toISOString();
}

function codeOf(error: unknown): string {
  const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : error instanceof Error ? error.name : 'error';
}

const money = (minor: string, currency: string): string => formatAmountWithCode(BigInt(minor), currency as CurrencyCode);

export function formatPeriodClose(report: PeriodCloseReport): string {
  const table = formatTable(
    [
      { header: 'CONTRACT', value: (row: ClosedPeriodReport) => row.contractId },
      { header: 'INVOICE', value: (row) => row.invoiceRecordId },
      { header: 'STRIPE', value: (row) => row.stripeInvoiceId },
      { header: 'STATUS', value: (row) => row.status },
      { header: 'TOTAL', value: (row) => money(row.engineTotal, row.currency), align: 'right' },
      { header: 'STRIPE TOTAL', value: (row) => money(row.stripeTotal, row.currency), align: 'right' },
      { header: 'NEW ITEMS', value: (row) => String(row.itemsCreated), align: 'right' },
      { header: 'CORRECTIONS', value: (row) => (row.corrections.length > 0 ? row.corrections.map((c) => `${c.periodId}: +${c.adjustmentLines} adj, ${c.creditNotes.length} credit note(s)${c.failedCreditNotes.length > 0 ? `, ${c.failedCreditNotes.length} refused` : ''}`).join('; ') : '-') },
    ],
    report.closed,
  );
  const skipped = report.skipped.map((s) => `skipped ${s.contractId}: ${s.reason}\n`).join('');
  const failed = report.failed.map((f) => `FAILED ${f.contractId}: ${f.message} [${f.code}]\n`).join('');
  return `period ${report.periodId}: ${report.closed.length} closed, ${report.skipped.length} skipped, ${report.failed.length} failed\n${report.closed.length > 0 ? table : ''}${skipped}${failed}`;
}

export const registerPeriodCommand: RegisterCommand = (program, context) => {
  const period = program.command('period').description('Billing periods: close them into Stripe invoices');
  period
    .command('close')
    .description('Close a period: rate the ledger as of the cutoff, store the invoice record, push it to Stripe, reconcile')
    .requiredOption('--period <periodId>', 'period id in the contracts\' schedules: 2026-11, 2026-Q4 or 2026')
    .option('--contract <contractId>', 'only this contract (default: every stored contract whose term holds the period)')
    .option('--as-of <instant>', 'ledger cutoff (default: period end + grace, or now while the grace runs)')
    .option('--grace-hours <hours>', 'grace after the period end for late outcomes', String(DEFAULT_CLOSE_GRACE_HOURS))
    .option('--concurrency <n>', 'contracts closed at a time', '8')
    .option('--json', 'print JSON only')
    .action(async (options: CloseOptions) => {
      const asOf = options.asOf !== undefined ? parseInstant(options.asOf, '--as-of') : undefined;
      const graceHours = Number(options.graceHours);
      if (!Number.isFinite(graceHours) || graceHours < 0) throw new CliError(`--grace-hours must be a number of hours >= 0, got "${options.graceHours}"`, 'invalid_input');
      const concurrency = Number(options.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new CliError(`--concurrency must be 1..64, got "${options.concurrency}"`, 'invalid_input');
      const report = await runMapped(() =>
        withBilling(context, async (billing) => {
          let contracts: Contract[];
          if (options.contract) {
            const contract = await billing.planStore.getContract(options.contract);
            if (!contract) throw new CliError(`no contract "${options.contract}" [contract_not_found]`, 'not_found');
            contracts = [contract];
          } else {
            contracts = (await billing.planStore.listContracts()).map((stored) => stored.contract);
          }
          const result: PeriodCloseReport = { periodId: options.period, closed: [], skipped: [], failed: [] };
          const now = context.io.now();
          await mapWithConcurrency(contracts, concurrency, async (contract) => {
            let close: PeriodClose;
            try {
              close = periodCloseFor(contract, options.period, graceHours);
            } catch (error) {
              if (options.contract) throw error; // asked for by name: a bad period is an input error
              result.skipped.push({ contractId: contract.contractId, reason: error instanceof Error ? error.message : String(error) });
              return;
            }
            const cutoff = cutoffFor(close, now, asOf);
            if (typeof cutoff !== 'string') {
              if (options.contract) throw new CliError(`${contract.contractId} ${options.period}: ${cutoff.skip}`, 'invalid_input');
              result.skipped.push({ contractId: contract.contractId, reason: cutoff.skip });
              return;
            }
            try {
              const { result: closed, corrections } = await correctAndClosePeriod(billing.deps, { contractId: contract.contractId, periodId: options.period, cutoff });
              const record = await billing.invoices.getRecord(contract.contractId, options.period);
              result.closed.push({
                contractId: closed.contractId,
                periodId: closed.periodId,
                cutoff: record?.cutoff ?? cutoff,
                invoiceRecordId: closed.invoiceRecordId,
                stripeInvoiceId: closed.stripeInvoiceId,
                status: closed.status,
                currency: contract.currency,
                engineTotal: closed.engineTotal.toString(),
                stripeTotal: closed.stripeTotal.toString(),
                matched: closed.matched,
                recordCreated: closed.recordCreated,
                itemsCreated: closed.itemsCreated,
                corrections: corrections.map((c) => ({
                  periodId: c.periodId,
                  correctionId: c.correction?.correctionId ?? null,
                  adjustmentLines: c.correction?.adjustmentLines.length ?? 0,
                  creditNotes: c.creditNotes.map((n) => ({ creditNoteId: n.creditNoteId, total: n.total.toString() })),
                  failedCreditNotes: c.failedCreditNotes.map((f) => ({ correctionId: f.correctionId, reason: f.reason, retryable: f.retryable })),
                  adjustmentInvoices: c.adjustmentInvoices.map((a) => ({ invoiceRecordId: a.invoiceRecordId, stripeInvoiceId: a.stripeInvoiceId, total: a.total.toString() })),
                })),
              });
            } catch (error) {
              if (options.contract) throw error;
              result.failed.push({ contractId: contract.contractId, code: codeOf(error), message: error instanceof Error ? error.message : String(error) });
            }
          });
          result.closed.sort((a, b) => a.contractId.localeCompare(b.contractId));
          return result;
        }),
      );
      if (options.json) printJson(context.io, report);
      else context.io.out(formatPeriodClose(report));
      if (report.failed.length > 0) throw new CliError(`${report.failed.length} contract(s) failed to close; run the same command again to resume`, 'infrastructure');
      if (report.closed.some((row) => !row.matched)) {
        throw new InvoiceTotalsDifferError('a Stripe invoice total differs from the engine\'s (Invoice Reconciliation Failed was published)');
      }
    });
};

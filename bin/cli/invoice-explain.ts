// outcome-engine invoice explain: an issued invoice taken apart. Every line
// back to its charge, the tiers (breakdown rows) that priced it and the exact
// ledger query behind its quantity (with the `usage` command that re-runs it
// as of the same cutoff), then the corrections that followed: adjustments
// billed on later invoices and credit notes against this one.
import type { Command } from 'commander';
import type { InvoiceStatus, InvoiceStore } from '../../lambdas/application/billing/ports';
import type { CorrectionLine } from '../../lambdas/domain/invoicing/corrections';
import type { InvoiceRecord, InvoiceRecordLine } from '../../lambdas/domain/invoicing/invoice-record';
import type { CurrencyCode } from '../../lambdas/domain/money/currencies';
import { formatAmountWithCode } from '../../lambdas/domain/money/format-money';
import { serializeAmount, type SerializedAmount } from '../../lambdas/domain/rating/draft-invoice';
import type { BreakdownRow } from '../../lambdas/domain/rating/breakdown';
import type { UsageQuery } from '../../lambdas/domain/rating/usage';
import { withBilling } from './billing-connection';
import { CliError, printJson } from './cli-io';
import type { CommandContext, RegisterCommand } from './command-context';
import { formatFields } from './format';
import { runMapped } from './plans-command';

export interface ExplainedLine {
  lineId: string;
  kind: InvoiceRecordLine['kind'];
  description: string;
  chargeId: string | null;
  metric: string | null;
  quantity: string;
  amount: SerializedAmount;
  amountDue: SerializedAmount;
  servicePeriod: InvoiceRecordLine['servicePeriod'];
  /** How the amount was reached, row by row (tiers, allowances, fees). */
  tiers: readonly BreakdownRow[];
  ledgerQuery: (UsageQuery & { rerun: string }) | null;
  adjustmentFor: InvoiceRecordLine['adjustmentFor'];
}

export interface ExplainedCorrection {
  correctionId: string;
  sequence: number;
  cutoff: string;
  ratedAt: string;
  adjustments: { lines: (Omit<CorrectionLine, 'amount'> & { amount: SerializedAmount })[]; billedOn: string | null };
  creditNote: { lines: (Omit<CorrectionLine, 'amount'> & { amount: SerializedAmount })[]; creditNoteId: string | null; credited: boolean };
}

export interface InvoiceExplanation {
  invoiceRecordId: string;
  contractId: string;
  customerId: string;
  periodId: string;
  period: InvoiceRecord['period'];
  cutoff: string;
  ratedAt: string;
  plan: { code: string; version: number };
  currency: string;
  /** `threshold`: billed the open period to date when its spend crossed the contract's threshold; `adjustment`: a correction's increases. */
  kind: InvoiceKind;
  /** A threshold invoice: which one of its period, the threshold and the period's spend when it was issued. */
  thresholdOf: { periodId: string; sequence: number; thresholdAmount: SerializedAmount; spendToDate: SerializedAmount } | null;
  /** A period-end invoice of a period with threshold invoices: what they billed before it, and what was credited on them. */
  thresholdSettlement: { billedOnThresholdInvoices: SerializedAmount; creditedOnThresholdInvoices: SerializedAmount; thresholdInvoiceRecordIds: readonly string[] } | null;
  totals: Record<'subtotal' | 'commitmentTrueUp' | 'creditsApplied' | 'ratedTotal' | 'adjustmentsTotal' | 'total', SerializedAmount>;
  stripe: { invoiceId: string | null; status: string | null; reconciled: boolean | null; stripeTotal: SerializedAmount | null };
  lines: ExplainedLine[];
  /** Corrections of this invoice's period made after it was issued. */
  followedBy: ExplainedCorrection[];
}

export type InvoiceKind = 'period' | 'threshold' | 'adjustment';

export function invoiceKindOf(record: Pick<InvoiceRecord, 'thresholdOf' | 'adjustmentOf'>): InvoiceKind {
  if (record.thresholdOf) return 'threshold';
  return record.adjustmentOf ? 'adjustment' : 'period';
}

/** `oe:<contract>:<period>[-threshold-<n>|-adjustment-<n>]:r<n>` → contract and record period (ids within Stripe's key bound). */
export function parseInvoiceRecordId(id: string): { contractId: string; periodId: string } | undefined {
  const match = /^oe:(.+):(\d{4}(?:-(?:\d{2}|Q[1-4]))?(?:-(?:threshold|adjustment)-\d+)?):r\d+$/.exec(id);
  return match?.[1] && match[2] ? { contractId: match[1], periodId: match[2] } : undefined;
}

function rerunCommand(query: UsageQuery): string {
  return [
    'outcome-engine usage',
    `--customer ${query.customerId ?? '?'}`,
    `--metric ${query.ledgerMetric}`,
    `--from ${query.from}`,
    `--to ${query.to}`,
    ...(query.asOf ? [`--as-of ${query.asOf}`] : []),
    `--basis ${query.eligibility}`,
    ...(query.attribute ? [`--unique ${query.attribute}`] : []),
  ].join(' ');
}

export async function explainInvoice(
  invoices: Pick<InvoiceStore, 'getRecord' | 'getStatus' | 'listCorrections'>,
  ref: { contractId: string; periodId: string },
): Promise<InvoiceExplanation | undefined> {
  const record = await invoices.getRecord(ref.contractId, ref.periodId);
  if (!record) return undefined;
  const [status, corrections] = await Promise.all([invoices.getStatus(ref.contractId, ref.periodId), invoices.listCorrections(ref.contractId, ref.periodId)]);
  const currency = record.currency as CurrencyCode;
  const money = (minor: bigint) => serializeAmount(minor, currency);
  const lineOf = (line: CorrectionLine) => ({ ...line, amount: money(line.amount) });
  return {
    invoiceRecordId: record.invoiceRecordId,
    contractId: record.contractId,
    customerId: record.customerId,
    periodId: record.periodId,
    period: record.period,
    cutoff: record.cutoff,
    ratedAt: record.ratedAt,
    plan: { code: record.planCode, version: record.planVersion },
    currency,
    kind: invoiceKindOf(record),
    thresholdOf: record.thresholdOf
      ? {
          periodId: record.thresholdOf.periodId,
          sequence: record.thresholdOf.sequence,
          thresholdAmount: money(record.thresholdOf.thresholdAmount),
          spendToDate: money(record.thresholdOf.spendToDate),
        }
      : null,
    thresholdSettlement: record.thresholdSettlement
      ? {
          billedOnThresholdInvoices: money(record.thresholdSettlement.billedOnThresholdInvoices),
          creditedOnThresholdInvoices: money(record.thresholdSettlement.creditedOnThresholdInvoices),
          thresholdInvoiceRecordIds: record.thresholdSettlement.thresholdInvoiceRecordIds,
        }
      : null,
    totals: {
      subtotal: money(record.subtotal),
      commitmentTrueUp: money(record.commitmentTrueUp),
      creditsApplied: money(record.creditsApplied),
      ratedTotal: money(record.ratedTotal),
      adjustmentsTotal: money(record.adjustmentsTotal),
      total: money(record.total),
    },
    stripe: stripeOf(status, money),
    lines: record.lines.map((line) => ({
      lineId: line.lineId,
      kind: line.kind,
      description: line.description,
      chargeId: line.chargeId,
      metric: line.metric,
      quantity: line.quantity,
      amount: money(line.amount),
      amountDue: money(line.amountDue),
      servicePeriod: line.servicePeriod,
      tiers: line.breakdown,
      ledgerQuery: line.usageQuery ? { ...line.usageQuery, rerun: rerunCommand(line.usageQuery) } : null,
      adjustmentFor: line.adjustmentFor,
    })),
    followedBy: corrections.map(({ correction, status: state }) => ({
      correctionId: correction.correctionId,
      sequence: correction.sequence,
      cutoff: correction.cutoff,
      ratedAt: correction.ratedAt,
      adjustments: { lines: correction.adjustmentLines.map(lineOf), billedOn: state.billedOn ?? null },
      creditNote: { lines: correction.creditNoteLines.map(lineOf), creditNoteId: state.creditNoteId ?? null, credited: state.credited },
    })),
  };
}

function stripeOf(status: InvoiceStatus | undefined, money: (minor: bigint) => SerializedAmount): InvoiceExplanation['stripe'] {
  return {
    invoiceId: status?.stripeInvoiceId ?? null,
    status: status ? `${status.status}${status.stripeStatus ? ` (Stripe: ${status.stripeStatus})` : ''}` : null,
    reconciled: status?.reconciliation?.matched ?? null,
    stripeTotal: status?.reconciliation ? money(status.reconciliation.stripeTotal) : null,
  };
}

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
    if (line.ledgerQuery) {
      out.push(`  ledger ${line.ledgerQuery.reference ?? `${line.ledgerQuery.ledgerMetric} ${line.ledgerQuery.from}..${line.ledgerQuery.to} as of ${line.ledgerQuery.asOf ?? '-'}`}`);
      out.push(`  rerun  ${line.ledgerQuery.rerun}`);
    }
    if (line.adjustmentFor) out.push(`  adjusts ${line.adjustmentFor.invoiceRecordId} (correction ${line.adjustmentFor.correctionId})`);
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

/** Adds `explain` to an `invoice` command. */
export function registerInvoiceExplain(invoice: Command, context: CommandContext): void {
  invoice
    .command('explain')
    .description('An issued invoice line by line: charge, tiers, ledger query; then the adjustments and credit notes that followed')
    .requiredOption('--invoice <id>', 'the engine\'s invoice id (oe:<contract>:<period>:r1) or the Stripe invoice id (in_...)')
    .option('--json', 'print JSON only')
    .action(async (options: { invoice: string; json?: boolean }) => {
      const explained = await runMapped(() =>
        withBilling(context, async (billing) => {
          let ref = parseInvoiceRecordId(options.invoice);
          if (!ref && options.invoice.startsWith('in_')) {
            const invoice = await billing.stripe.invoices.retrieve(options.invoice);
            const contractId = invoice.metadata?.['contractId'];
            const periodId = invoice.metadata?.['periodId'];
            if (contractId && periodId) ref = { contractId, periodId };
            else throw new CliError(`Stripe invoice ${options.invoice} was not issued by the engine (no contractId/periodId metadata)`, 'not_found');
          }
          if (!ref) throw new CliError(`"${options.invoice}" is not an invoice id: expected oe:<contract>:<period>:r<n> or in_...`, 'invalid_input');
          return explainInvoice(billing.invoices, ref);
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

// outcome-engine invoice explain: an issued invoice taken apart. Every line
// back to its charge, the tiers (breakdown rows) that priced it and the exact
// ledger query behind its quantity (with the `usage` command that re-runs it
// as of the same cutoff), then the corrections that followed: adjustments
// billed on later invoices and credit notes against this one. Beside each
// line, the disputes of the outcomes it counted (open, upheld, rejected).
import type { Command } from 'commander';
import type { InvoiceStatus, InvoiceStore } from '../../lambdas/application/billing/ports';
import type { CorrectionLine } from '../../lambdas/domain/invoicing/corrections';
import type { InvoiceRecord, InvoiceRecordLine } from '../../lambdas/domain/invoicing/invoice-record';
import type { CurrencyCode } from '../../lambdas/domain/money/currencies';
import { formatAmountWithCode } from '../../lambdas/domain/money/format-money';
import { serializeAmount, type SerializedAmount } from '../../lambdas/domain/rating/draft-invoice';
import type { BreakdownRow } from '../../lambdas/domain/rating/breakdown';
import type { UsageQuery } from '../../lambdas/domain/rating/usage';
import type { MetricDefinition } from '../../lambdas/domain/ledger/catalog';
import { describeLineDefinitions, lineDefinitions, type LineDefinitions } from '../../lambdas/domain/invoicing/outcome-statement';
import { DynamoDbCatalogRepository } from '../../lambdas/adapters/dynamodb/dynamodb-catalog-repository';
import type { DisputeRow } from '../../lambdas/composition/ledger-service';
import type { DisputeStatus } from '../../lambdas/domain/ledger/outcome-disputes';
import { dynamoDbClientFor, withBilling } from './billing-connection';
import { CliError, printJson } from './cli-io';
import type { CommandContext, RegisterCommand } from './command-context';
import type { Connection } from './connection';
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
  /** The definition versions the line counts under (the contract's pin, or the catalog's versions in force over the line's window). */
  definitions: LineDefinitions | null;
  adjustmentFor: InvoiceRecordLine['adjustmentFor'];
  /** Disputes of the outcomes behind the line (its customer, metric and period), as known now; null for a line without a ledger query. */
  disputes: DisputeCounts | null;
}

export type DisputeCounts = Record<DisputeStatus, number>;

/** Counts the disputes of the outcomes a line's ledger query covers, by status. */
export function disputeCountsOf(rows: readonly Pick<DisputeRow, 'customerId' | 'metric' | 'occurredAt' | 'status'>[], query: UsageQuery): DisputeCounts {
  const counts: DisputeCounts = { open: 0, upheld: 0, rejected: 0 };
  const fromMs = Date.parse(query.from);
  const toMs = Date.parse(query.to);
  for (const row of rows) {
    const occurredMs = Date.parse(row.occurredAt);
    if (row.metric !== query.ledgerMetric || (query.customerId !== null && row.customerId !== query.customerId)) continue;
    if (occurredMs >= fromMs && occurredMs < toMs) counts[row.status] += 1;
  }
  return counts;
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
  totals: Record<'subtotal' | 'commitmentTrueUp' | 'creditsApplied' | 'ratedTotal' | 'adjustmentsTotal' | 'total', SerializedAmount>;
  stripe: { invoiceId: string | null; status: string | null; reconciled: boolean | null; stripeTotal: SerializedAmount | null };
  lines: ExplainedLine[];
  /** Corrections of this invoice's period made after it was issued. */
  followedBy: ExplainedCorrection[];
}

/** `oe:<contract>:<period>:r<n>` → contract and period (ids within Stripe's key bound). */
export function parseInvoiceRecordId(id: string): { contractId: string; periodId: string } | undefined {
  const match = /^oe:(.+):(\d{4}(?:-(?:\d{2}|Q[1-4]))?):r\d+$/.exec(id);
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

/** What names the definition versions of each line: the catalog's metrics and the contract's pins. */
export interface DefinitionTerms {
  readonly metrics: ReadonlyMap<string, MetricDefinition>;
  readonly pins: Readonly<Record<string, number>> | undefined;
}

export async function explainInvoice(
  invoices: Pick<InvoiceStore, 'getRecord' | 'getStatus' | 'listCorrections'>,
  ref: { contractId: string; periodId: string },
  terms: DefinitionTerms = { metrics: new Map(), pins: undefined },
  /** The customer's disputes, shown beside each line; none when omitted. */
  disputesOf: (customerId: string) => Promise<readonly DisputeRow[]> = async () => [],
): Promise<InvoiceExplanation | undefined> {
  const record = await invoices.getRecord(ref.contractId, ref.periodId);
  if (!record) return undefined;
  const disputes = await disputesOf(record.customerId);
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
      definitions: lineDefinitions(line.usageQuery, terms),
      adjustmentFor: line.adjustmentFor,
      disputes: line.usageQuery ? disputeCountsOf(disputes, line.usageQuery) : null,
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

export function formatInvoiceExplanation(explained: InvoiceExplanation): string {
  const withCode = (amount: SerializedAmount) => formatAmountWithCode(BigInt(amount.minor), explained.currency as CurrencyCode);
  const out: string[] = [
    formatFields([
      ['invoice', explained.invoiceRecordId],
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
    if (line.definitions) out.push(`  counted under definition ${describeLineDefinitions(line.definitions)}`);
    if (line.disputes && line.disputes.open + line.disputes.upheld + line.disputes.rejected > 0) {
      out.push(`  disputes ${line.disputes.open} open, ${line.disputes.upheld} upheld, ${line.disputes.rejected} rejected (outcome-engine disputes list --customer ${explained.customerId})`);
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

/** The catalog's metrics and the contract's pinned definition versions. */
async function definitionTerms(
  contracts: { getContract(contractId: string): Promise<{ readonly definitionVersions?: Readonly<Record<string, number>> | undefined } | undefined> },
  connection: Connection,
  contractId: string,
): Promise<DefinitionTerms> {
  const client = dynamoDbClientFor(connection);
  try {
    const [catalog, contract] = await Promise.all([
      new DynamoDbCatalogRepository({ client, tableName: connection.engineTableName }).readCatalog(),
      contracts.getContract(contractId),
    ]);
    return { metrics: new Map(catalog.metrics.map((metric) => [metric.code, metric])), pins: contract?.definitionVersions };
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
            await definitionTerms(billing.planStore, connection, ref.contractId),
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

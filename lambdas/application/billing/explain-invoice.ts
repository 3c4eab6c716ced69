// An issued invoice taken apart: every line back to its charge, the tiers
// (breakdown rows) that priced it and the exact ledger query behind its
// quantity (with the `usage` command that re-runs it as of the same cutoff),
// then the corrections that followed: adjustments billed on later invoices and
// credit notes against this one. Beside each line, the definition versions it
// counted under and the disputes of its outcomes (open, upheld, rejected).
// `invoice explain` prints it; the console shows it.
import type { InvoiceStatus, InvoiceStore } from './ports';
import type { CorrectionLine } from '../../domain/invoicing/corrections';
import type { InvoiceRecord, InvoiceRecordLine } from '../../domain/invoicing/invoice-record';
import type { CurrencyCode } from '../../domain/money/currencies';
import { serializeAmount, type SerializedAmount } from '../../domain/rating/draft-invoice';
import type { BreakdownRow } from '../../domain/rating/breakdown';
import type { UsageQuery } from '../../domain/rating/usage';
import type { MetricDefinition } from '../../domain/ledger/catalog';
import type { DisputeStatus } from '../../domain/ledger/outcome-disputes';
import { capsOfLine, lineDefinitions, type LineDefinitions } from '../../domain/invoicing/outcome-statement';
import type { DisputeRow } from '../disputes/list-disputes';

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
  /** What a contract cap did to the line, in words (null when none applied): over-cap quantities are shown, not billed. */
  caps: string | null;
  ledgerQuery: (UsageQuery & { rerun: string }) | null;
  adjustmentFor: InvoiceRecordLine['adjustmentFor'];
  /** The definition versions the line counts under (the contract's pin, or the catalog's versions in force over the line's window). */
  definitions: LineDefinitions | null;
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

/**
 * What names the definition versions of each line: the catalog's metrics
 * (the versions in force over an unpinned line's window); a pinned line is
 * named by the pins stored on the invoice record, those it was rated under.
 */
export interface DefinitionTerms {
  readonly metrics: ReadonlyMap<string, MetricDefinition>;
}

/** The version numbers an invoice was rated under, by metric; undefined when it pinned none. */
function recordPins(record: InvoiceRecord): Readonly<Record<string, number>> | undefined {
  if (record.pinnedDefinitions === undefined) return undefined;
  return Object.fromEntries(Object.entries(record.pinnedDefinitions).map(([metric, pinned]) => [metric, pinned.version]));
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
  terms: DefinitionTerms = { metrics: new Map() },
  /** The customer's disputes, shown beside each line; none when omitted. */
  disputesOf: (customerId: string) => Promise<readonly DisputeRow[]> = async () => [],
): Promise<InvoiceExplanation | undefined> {
  const record = await invoices.getRecord(ref.contractId, ref.periodId);
  if (!record) return undefined;
  const disputes = await disputesOf(record.customerId);
  const [status, corrections] = await Promise.all([invoices.getStatus(ref.contractId, ref.periodId), invoices.listCorrections(ref.contractId, ref.periodId)]);
  const currency = record.currency as CurrencyCode;
  const money = (minor: bigint) => serializeAmount(minor, currency);
  const pins = recordPins(record);
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
      caps: capsOfLine(line.breakdown) ?? null,
      ledgerQuery: line.usageQuery ? { ...line.usageQuery, rerun: rerunCommand(line.usageQuery) } : null,
      adjustmentFor: line.adjustmentFor,
      definitions: lineDefinitions(line.usageQuery, { metrics: terms.metrics, pins }),
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

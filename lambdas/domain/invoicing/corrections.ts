import { metricNoun, type MetricDisplayName } from '../ledger/metric-display-name';
import { decimalToString, toDecimal } from '../money/decimal';
import type { CurrencyCode } from '../money/currencies';
import { COMMITMENT_TRUE_UP_CHARGE_ID } from '../plans/plan-schema';
import type { DraftInvoice, InvoiceLine } from '../rating/draft-invoice';
import { correctionIdOf } from './idempotency-keys';
import { ownPeriodLines, type InvoiceRecord } from './invoice-record';
import { CorrectionMismatchError } from './invoicing-errors';

/** One line's change since the period was invoiced (amount always positive here). */
export interface CorrectionLine {
  /** The charge id (or the true-up's id) the change belongs to. */
  readonly lineKey: string;
  readonly chargeId: string | null;
  readonly metric: string | null;
  readonly description: string;
  /** Re-rated quantity minus the quantity billed so far ("12", "-3"). */
  readonly quantityDelta: string;
  /** Minor units, > 0: billed as an adjustment or credited on a credit note. */
  readonly amount: bigint;
  /** Credit-note lines: the upheld disputes whose outcomes this line credits (absent when none). */
  readonly disputeIds?: readonly string[];
}

/**
 * An upheld decision on a dispute of one outcome, as the ledger's dispute
 * entries give it: an upheld dispute keeps its outcome out of billing from
 * the moment it is decided, so a re-rating whose cutoff is past `decidedAtMs`
 * no longer counts the outcome.
 */
export interface UpheldDispute {
  readonly disputeId: string;
  readonly customerId: string;
  readonly metric: string;
  readonly occurredAtMs: number;
  readonly decidedAtMs: number;
}

/** Stripe credit-note metadata key naming the disputes a credit note credits. */
export const DISPUTES_METADATA_KEY = 'outcome_disputes';
/** Stripe's limit on a metadata value. */
const METADATA_VALUE_LIMIT = 500;
/** Dispute ids named in a line's description; more are counted. */
const DISPUTES_NAMED_ON_LINE = 3;

/**
 * A correction of an invoiced period: what a later re-rating found. Increases
 * are billed on the next invoice as adjustment lines labelled with the original
 * period; decreases become one credit note against the original invoice.
 */
export interface InvoiceCorrection {
  readonly correctionId: string;
  readonly contractId: string;
  readonly periodId: string;
  readonly period: { readonly start: string; readonly end: string };
  readonly sequence: number;
  readonly invoiceRecordId: string;
  readonly currency: CurrencyCode;
  /** The ledger cutoff of the re-rating. */
  readonly cutoff: string;
  readonly ratedAt: string;
  readonly adjustmentLines: readonly CorrectionLine[];
  readonly creditNoteLines: readonly CorrectionLine[];
}

interface BilledLine {
  quantity: string;
  amount: bigint;
  metric: string | null;
  /** The ledger metric the line counts, for its display name. */
  ledgerMetric: string | null;
  chargeName: string;
}

function billedSoFar(record: InvoiceRecord, corrections: readonly InvoiceCorrection[]): Map<string, BilledLine> {
  const billed = new Map<string, BilledLine>();
  for (const line of ownPeriodLines(record)) {
    billed.set(line.lineId, { quantity: line.quantity, amount: line.amountDue, metric: line.metric, ledgerMetric: line.usageQuery?.ledgerMetric ?? null, chargeName: line.description });
  }
  for (const correction of corrections) {
    const apply = (line: CorrectionLine, sign: 1n | -1n): void => {
      const known = billed.get(line.lineKey) ?? { quantity: '0', amount: 0n, metric: line.metric, ledgerMetric: null, chargeName: line.lineKey };
      billed.set(line.lineKey, {
        ...known,
        quantity: decimalToString(toDecimal(known.quantity).plus(toDecimal(line.quantityDelta))),
        amount: known.amount + sign * line.amount,
      });
    };
    correction.adjustmentLines.forEach((line) => apply(line, 1n));
    correction.creditNoteLines.forEach((line) => apply(line, -1n));
  }
  return billed;
}

/**
 * "Adjustment for 2027-01: 1 late resolution", "Credit for 2027-01: 2 reversed
 * resolutions": the count with the metric's display name, singular for exactly
 * one. `noun` is null for a line that counts no outcomes (a fee, the true-up),
 * which is named by its charge.
 */
function describeChange(periodId: string, direction: 'up' | 'down', quantityDelta: string, noun: MetricDisplayName | null, name: string): string {
  const delta = toDecimal(quantityDelta);
  if (direction === 'up') {
    if (noun && delta.isPositive() && !delta.isZero()) {
      const count = decimalToString(delta);
      return `Adjustment for ${periodId}: ${count} late ${metricNoun(count, noun)}`;
    }
    return `Adjustment for ${periodId}: ${name}`;
  }
  if (noun && delta.isNegative()) {
    const count = decimalToString(delta.negated());
    return `Credit for ${periodId}: ${count} reversed ${metricNoun(count, noun)}`;
  }
  return `Credit for ${periodId}: ${name}`;
}

/** The catalog's name for the line's ledger metric; without one, the plan metric's code as it is. */
function nounOf(planMetric: string | null, ledgerMetric: string | null, names: ReadonlyMap<string, MetricDisplayName> | undefined): MetricDisplayName | null {
  if (!planMetric) return null;
  const named = ledgerMetric ? names?.get(ledgerMetric) : undefined;
  return named ?? { singular: planMetric, plural: planMetric };
}

/** " (disputes D-1, D-2)", " (disputes D-1, D-2, D-3 and 4 more)". */
function describeDisputes(disputeIds: readonly string[]): string {
  if (disputeIds.length === 0) return '';
  const named = disputeIds.slice(0, DISPUTES_NAMED_ON_LINE).join(', ');
  const more = disputeIds.length - DISPUTES_NAMED_ON_LINE;
  return ` (${disputeIds.length === 1 ? 'dispute' : 'disputes'} ${named}${more > 0 ? ` and ${more} more` : ''})`;
}

/**
 * The upheld disputes a credit-note line credits: decided after what was
 * billed so far was rated (`sinceMs`) and by the re-rating's cutoff, of
 * outcomes the line's ledger query covers. Sorted, each once.
 */
function disputesCreditedBy(line: InvoiceLine | undefined, upheld: readonly UpheldDispute[], sinceMs: number, cutoffMs: number): string[] {
  const query = line?.usageQuery;
  if (!query) return [];
  const fromMs = Date.parse(query.from);
  const toMs = Date.parse(query.to);
  const ids = new Set<string>();
  for (const dispute of upheld) {
    if (dispute.metric !== query.ledgerMetric || (query.customerId !== null && dispute.customerId !== query.customerId)) continue;
    if (dispute.occurredAtMs < fromMs || dispute.occurredAtMs >= toMs) continue;
    if (dispute.decidedAtMs <= sinceMs || dispute.decidedAtMs > cutoffMs) continue;
    ids.add(dispute.disputeId);
  }
  return [...ids].sort();
}

/** The disputes a correction's credit note credits, across its lines, sorted, each once. */
export function creditedDisputeIds(correction: InvoiceCorrection): string[] {
  return [...new Set(correction.creditNoteLines.flatMap((line) => line.disputeIds ?? []))].sort();
}

/**
 * The `outcome_disputes` metadata value of a credit note: the dispute ids,
 * comma-separated, within Stripe's 500 characters; when they do not fit, as
 * many as fit and "… and N more". Null when the note credits no dispute.
 */
export function disputesMetadataValue(disputeIds: readonly string[]): string | null {
  if (disputeIds.length === 0) return null;
  const all = disputeIds.join(',');
  if (all.length <= METADATA_VALUE_LIMIT) return all;
  for (let kept = disputeIds.length - 1; kept >= 0; kept -= 1) {
    const suffix = `… and ${disputeIds.length - kept} more`;
    const value = `${disputeIds.slice(0, kept).join(',')}${kept > 0 ? ' ' : ''}${suffix}`;
    if (value.length <= METADATA_VALUE_LIMIT) return value;
  }
  return `${disputeIds.length} disputes`;
}

function ratedLines(draft: DraftInvoice): InvoiceLine[] {
  return [...draft.lines, ...(draft.commitmentTrueUp ? [draft.commitmentTrueUp] : [])];
}

export interface PlanCorrectionInput {
  readonly record: InvoiceRecord;
  /** Corrections already made for this period, in sequence order. */
  readonly previous: readonly InvoiceCorrection[];
  /** The period re-rated as of now. */
  readonly rerated: DraftInvoice;
  /** Ledger metric code → the catalog's display name, for the sentences on adjustment and credit-note lines. */
  readonly metricNames?: ReadonlyMap<string, MetricDisplayName>;
  /**
   * Upheld disputes from the ledger (any may be given; those that fall in a
   * credit-note line's query and were decided since the period was last
   * rated label the line).
   */
  readonly upheldDisputes?: readonly UpheldDispute[];
}

/**
 * Compares a re-rating of an invoiced period with what was billed for it so far
 * (the record plus earlier corrections), line by line, in exact minor units.
 * Returns null when nothing changed.
 */
export function planCorrection(input: PlanCorrectionInput): InvoiceCorrection | null {
  const { record, previous, rerated } = input;
  if (rerated.contractId !== record.contractId || rerated.period.id !== record.periodId || rerated.currency !== record.currency) {
    throw new CorrectionMismatchError(
      `re-rating of ${rerated.contractId ?? '?'} ${rerated.period.id} (${rerated.currency}) does not match invoice ${record.invoiceRecordId}`,
    );
  }
  if (!rerated.usageAsOf || !rerated.ratedAt) {
    throw new CorrectionMismatchError('a correction needs a re-rating made as of a ledger cutoff');
  }
  const billed = billedSoFar(record, previous);
  // What was billed so far was rated as of the latest of these cutoffs: disputes decided after it are new to this correction.
  const sinceMs = Math.max(Date.parse(record.cutoff), ...previous.map((correction) => Date.parse(correction.cutoff)));
  const cutoffMs = Date.parse(rerated.usageAsOf);
  const now = new Map(ratedLines(rerated).map((line) => [line.chargeId, line]));
  const keys = [...new Set([...billed.keys(), ...now.keys()])];
  const adjustmentLines: CorrectionLine[] = [];
  const creditNoteLines: CorrectionLine[] = [];
  for (const key of keys) {
    const before = billed.get(key);
    const after = now.get(key);
    const difference = (after?.amountDue ?? 0n) - (before?.amount ?? 0n);
    if (difference === 0n) continue;
    const quantityDelta = decimalToString(toDecimal(after?.quantity ?? '0').minus(toDecimal(before?.quantity ?? '0')));
    const metric = after?.metric ?? before?.metric ?? null;
    const ledgerMetric = after?.usageQuery?.ledgerMetric ?? before?.ledgerMetric ?? null;
    const name = after?.chargeName ?? before?.chargeName ?? key;
    const direction = difference > 0n ? 'up' : 'down';
    const disputeIds = direction === 'down' ? disputesCreditedBy(after, input.upheldDisputes ?? [], sinceMs, cutoffMs) : [];
    const line: CorrectionLine = {
      lineKey: key,
      chargeId: key === COMMITMENT_TRUE_UP_CHARGE_ID ? COMMITMENT_TRUE_UP_CHARGE_ID : key,
      metric,
      quantityDelta,
      description: `${describeChange(record.periodId, direction, quantityDelta, nounOf(metric, ledgerMetric, input.metricNames), name)}${describeDisputes(disputeIds)}`,
      amount: difference > 0n ? difference : -difference,
      ...(disputeIds.length > 0 ? { disputeIds } : {}),
    };
    (difference > 0n ? adjustmentLines : creditNoteLines).push(line);
  }
  if (adjustmentLines.length === 0 && creditNoteLines.length === 0) return null;
  const sequence = previous.length + 1;
  return {
    correctionId: correctionIdOf(record.contractId, record.periodId, sequence),
    contractId: record.contractId,
    periodId: record.periodId,
    period: { start: record.period.start, end: record.period.end },
    sequence,
    invoiceRecordId: record.invoiceRecordId,
    currency: record.currency,
    cutoff: rerated.usageAsOf,
    ratedAt: rerated.ratedAt,
    adjustmentLines,
    creditNoteLines,
  };
}

export function creditNoteTotal(correction: InvoiceCorrection): bigint {
  return correction.creditNoteLines.reduce((sum, line) => sum + line.amount, 0n);
}

export function adjustmentTotal(correction: InvoiceCorrection): bigint {
  return correction.adjustmentLines.reduce((sum, line) => sum + line.amount, 0n);
}

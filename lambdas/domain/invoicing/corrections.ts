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
}

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
    const line = {
      lineKey: key,
      chargeId: key === COMMITMENT_TRUE_UP_CHARGE_ID ? COMMITMENT_TRUE_UP_CHARGE_ID : key,
      metric,
      quantityDelta,
      description: describeChange(record.periodId, difference > 0n ? 'up' : 'down', quantityDelta, nounOf(metric, ledgerMetric, input.metricNames), name),
      amount: difference > 0n ? difference : -difference,
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

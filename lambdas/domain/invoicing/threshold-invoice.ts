// Threshold invoicing: a contract may ask to be invoiced whenever the rated
// spend of its open period that no invoice has billed yet reaches an amount
// (the threshold resets after each threshold invoice, as Stripe's billing
// thresholds do). Each threshold invoice bills, line by line, what the period
// has rated to date minus what earlier threshold invoices billed; the
// period-end invoice bills only the rest; and whatever the threshold invoices
// billed above the period's final rating (a reversal after them) is credited
// on those invoices. Per line: billed on thresholds + billed at period end -
// credited = rated, so a period's invoices sum to its rated total exactly.
import { hasPins } from '../ledger/governing-definition';
import type { DraftInvoice } from '../rating/draft-invoice';
import type { CorrectionLine, InvoiceCorrection } from './corrections';
import { correctionIdOf, invoiceRecordIdOf } from './idempotency-keys';
import { isBillableDraft, ownPeriodLines, recordHeaderOf, type InvoiceRecord, type InvoiceRecordLine } from './invoice-record';
import { CorrectionMismatchError, InvoiceRecordInvalidError } from './invoicing-errors';

/** The record key of the period's threshold invoice number `sequence` (never a billing period's id). */
export function thresholdInvoicePeriodId(periodId: string, sequence: number): string {
  return `${periodId}-threshold-${sequence}`;
}

export function isThresholdInvoice(record: InvoiceRecord): boolean {
  return record.thresholdOf !== undefined;
}

/** What the period's threshold invoices billed so far, per line id (charge id). */
export function billedOnThresholdInvoices(thresholdRecords: readonly InvoiceRecord[]): Map<string, bigint> {
  const billed = new Map<string, bigint>();
  for (const record of thresholdRecords) {
    for (const line of record.lines) billed.set(line.lineId, (billed.get(line.lineId) ?? 0n) + line.amount);
  }
  return billed;
}

export interface UnbilledLine {
  readonly chargeId: string;
  /** What the rating charges for the line to date, after prepaid credits. */
  readonly ratedToDate: bigint;
  readonly billed: bigint;
  /** ratedToDate - billed; negative after a reversal that followed a threshold invoice. */
  readonly remaining: bigint;
}

export interface UnbilledSpend {
  readonly lines: readonly UnbilledLine[];
  /** The period's rated spend to date (charge lines after prepaid credits; the true-up is a term-end matter). */
  readonly spendToDate: bigint;
  /** What the threshold invoices billed so far. */
  readonly billed: bigint;
  /** spendToDate - billed: what the threshold is compared with. */
  readonly unbilled: bigint;
}

/** The period's spend to date, line by line, against what its threshold invoices billed. */
export function unbilledSpend(draft: DraftInvoice, thresholdRecords: readonly InvoiceRecord[]): UnbilledSpend {
  const billed = billedOnThresholdInvoices(thresholdRecords);
  const rated = new Map(draft.lines.map((line) => [line.chargeId, line.amountDue]));
  const keys = [...new Set([...rated.keys(), ...billed.keys()])];
  const lines = keys.map((chargeId) => {
    const ratedToDate = rated.get(chargeId) ?? 0n;
    const billedSoFar = billed.get(chargeId) ?? 0n;
    return { chargeId, ratedToDate, billed: billedSoFar, remaining: ratedToDate - billedSoFar };
  });
  const spendToDate = lines.reduce((sum, line) => sum + line.ratedToDate, 0n);
  const billedTotal = lines.reduce((sum, line) => sum + line.billed, 0n);
  return { lines, spendToDate, billed: billedTotal, unbilled: spendToDate - billedTotal };
}

export interface PlanThresholdInvoiceInput {
  /** The open period rated to date (as of the ledger cutoff the crossing was seen at). */
  readonly draft: DraftInvoice;
  /** The period's threshold invoices so far, in sequence order. */
  readonly thresholdRecords: readonly InvoiceRecord[];
  /** Minor units: invoice once the unbilled spend reaches this. */
  readonly thresholdAmount: bigint;
}

/**
 * The next threshold invoice of the period, or null while the unbilled spend
 * is below the threshold. It bills each line's positive remainder; a line
 * whose remainder is negative is left for the period end to settle.
 */
export function planThresholdInvoice(input: PlanThresholdInvoiceInput): InvoiceRecord | null {
  const { draft, thresholdRecords, thresholdAmount } = input;
  if (thresholdAmount <= 0n) throw new InvoiceRecordInvalidError(`a threshold must be positive (got ${thresholdAmount} minor units)`);
  if (!isBillableDraft(draft)) {
    throw new InvoiceRecordInvalidError('a threshold invoice needs a contract\'s period rated as of a ledger cutoff');
  }
  const spend = unbilledSpend(draft, thresholdRecords);
  if (spend.unbilled < thresholdAmount) return null;
  const ratedLines = new Map(draft.lines.map((line) => [line.chargeId, line]));
  const sequence = thresholdRecords.length + 1;
  const periodId = thresholdInvoicePeriodId(draft.period.id, sequence);
  const lines: InvoiceRecordLine[] = spend.lines
    .filter((line) => line.remaining > 0n)
    .map((line) => {
      const rated = ratedLines.get(line.chargeId);
      return {
        lineId: line.chargeId,
        kind: 'charge' as const,
        chargeId: line.chargeId,
        description: `${rated?.description ?? line.chargeId} (${draft.period.id} to date)`,
        metric: rated?.metric ?? null,
        quantity: rated?.quantity ?? '0',
        amount: line.remaining,
        amountDue: line.remaining,
        servicePeriod: { periodId: draft.period.id, start: draft.period.start, end: draft.period.end },
        breakdown: rated?.breakdown ?? [],
        usageQuery: rated?.usageQuery ?? null,
        adjustmentFor: null,
      };
    });
  const total = lines.reduce((sum, line) => sum + line.amount, 0n);
  return {
    ...recordHeaderOf(draft, invoiceRecordIdOf(draft.contractId, periodId, 1), periodId, 1),
    lines,
    subtotal: total,
    commitmentTrueUp: 0n,
    creditsApplied: 0n,
    ratedTotal: total,
    adjustmentsTotal: 0n,
    total,
    thresholdOf: { periodId: draft.period.id, sequence, thresholdAmount, spendToDate: spend.spendToDate },
    // Its statement counts under the same pinned terms the draft was rated under.
    ...(hasPins(draft.pinnedDefinitions) ? { pinnedDefinitions: draft.pinnedDefinitions } : {}),
  };
}

/** A credit on one threshold invoice: what it billed above the period's final rating. */
export interface ThresholdCredit {
  readonly thresholdRecord: InvoiceRecord;
  readonly lines: readonly { readonly chargeId: string; readonly metric: string | null; readonly amount: bigint }[];
}

export interface PeriodEndSettlement {
  /** The period-end record, billing only what the threshold invoices did not. */
  readonly record: InvoiceRecord;
  /** What the threshold invoices billed above the final rating, to credit on each of them. */
  readonly credits: readonly ThresholdCredit[];
}

/**
 * Settles a period-end record against the period's threshold invoices. Each
 * own-period line bills max(0, due - billed on thresholds), net of prepaid
 * credits (so the prepaid credit line goes: it is already in each line's
 * due amount); `amountDue` keeps the line's full rated amount, which later
 * corrections compare with. An excess (billed > due) is credited on the
 * threshold invoices that billed the line, the latest first. Without
 * threshold invoices the record is returned as it is.
 */
export function settleAgainstThresholdInvoices(record: InvoiceRecord, thresholdRecords: readonly InvoiceRecord[]): PeriodEndSettlement {
  if (thresholdRecords.length === 0) return { record, credits: [] };
  for (const threshold of thresholdRecords) {
    if (threshold.thresholdOf?.periodId !== record.periodId || threshold.contractId !== record.contractId || threshold.currency !== record.currency) {
      throw new CorrectionMismatchError(`threshold invoice ${threshold.invoiceRecordId} does not belong to ${record.invoiceRecordId}`);
    }
  }
  const billed = billedOnThresholdInvoices(thresholdRecords);
  const lines: InvoiceRecordLine[] = [];
  for (const line of record.lines) {
    if (line.kind === 'prepaid_credits') continue;
    if (line.kind === 'adjustment') {
      lines.push(line);
      continue;
    }
    const remaining = line.amountDue - (billed.get(line.lineId) ?? 0n);
    lines.push({ ...line, amount: remaining > 0n ? remaining : 0n });
  }
  const total = lines.reduce((sum, line) => sum + line.amount, 0n);
  const billedBefore = [...billed.values()].reduce((sum, amount) => sum + amount, 0n);
  const provisional: InvoiceRecord = { ...record, lines, total };
  const credits = thresholdCredits(provisional, thresholdRecords);
  const credited = credits.flatMap((credit) => credit.lines).reduce((sum, line) => sum + line.amount, 0n);
  return {
    record: {
      ...provisional,
      thresholdSettlement: {
        billedOnThresholdInvoices: billedBefore,
        creditedOnThresholdInvoices: credited,
        thresholdInvoiceRecordIds: thresholdRecords.map((threshold) => threshold.invoiceRecordId),
      },
    },
    credits,
  };
}

/**
 * What the threshold invoices billed above a settled period-end record's
 * lines (their `amountDue` is the full rating), to credit on them. Derived
 * from the stored records alone, so a re-run finds the same credits.
 */
export function thresholdCredits(settled: InvoiceRecord, thresholdRecords: readonly InvoiceRecord[]): ThresholdCredit[] {
  const billed = billedOnThresholdInvoices(thresholdRecords);
  const excess = new Map<string, { amount: bigint; metric: string | null }>();
  const own = ownPeriodLines(settled);
  for (const line of own) {
    const over = (billed.get(line.lineId) ?? 0n) - line.amountDue;
    if (over > 0n) excess.set(line.lineId, { amount: over, metric: line.metric });
  }
  const ownLineIds = new Set(own.map((line) => line.lineId));
  for (const [lineId, amount] of billed) {
    // A charge the final rating no longer has (its usage all reversed): everything billed for it is excess.
    if (!ownLineIds.has(lineId) && amount > 0n) excess.set(lineId, { amount, metric: null });
  }
  return allocateExcess(excess, thresholdRecords);
}

function allocateExcess(excess: ReadonlyMap<string, { amount: bigint; metric: string | null }>, thresholdRecords: readonly InvoiceRecord[]): ThresholdCredit[] {
  const byRecord = new Map<string, { chargeId: string; metric: string | null; amount: bigint }[]>();
  for (const [chargeId, { amount, metric }] of excess) {
    let left = amount;
    for (const threshold of [...thresholdRecords].reverse()) {
      if (left === 0n) break;
      const billedHere = threshold.lines.filter((line) => line.lineId === chargeId).reduce((sum, line) => sum + line.amount, 0n);
      const take = billedHere < left ? billedHere : left;
      if (take <= 0n) continue;
      left -= take;
      byRecord.set(threshold.invoiceRecordId, [...(byRecord.get(threshold.invoiceRecordId) ?? []), { chargeId, metric: metric ?? threshold.lines.find((line) => line.lineId === chargeId)?.metric ?? null, amount: take }]);
    }
  }
  return thresholdRecords
    .filter((threshold) => byRecord.has(threshold.invoiceRecordId))
    .map((threshold) => ({ thresholdRecord: threshold, lines: byRecord.get(threshold.invoiceRecordId) ?? [] }));
}

/**
 * The credit of a threshold invoice as a correction of it (number 1: a
 * threshold invoice is corrected only by its period's settlement), so it is
 * issued, stored and reconciled as any credit note is.
 */
export function thresholdCreditCorrection(credit: ThresholdCredit, settled: InvoiceRecord): InvoiceCorrection {
  const { thresholdRecord } = credit;
  const lines: CorrectionLine[] = credit.lines.map((line) => ({
    lineKey: line.chargeId,
    chargeId: line.chargeId,
    metric: line.metric,
    description: `Credit for ${settled.periodId}: billed on threshold invoice ${thresholdRecord.thresholdOf?.sequence ?? '?'} above the period's final rating (${line.chargeId})`,
    quantityDelta: '0',
    amount: line.amount,
  }));
  return {
    correctionId: correctionIdOf(thresholdRecord.contractId, thresholdRecord.periodId, 1),
    contractId: thresholdRecord.contractId,
    periodId: thresholdRecord.periodId,
    period: { start: thresholdRecord.period.start, end: thresholdRecord.period.end },
    sequence: 1,
    invoiceRecordId: thresholdRecord.invoiceRecordId,
    currency: thresholdRecord.currency,
    cutoff: settled.cutoff,
    ratedAt: settled.ratedAt,
    adjustmentLines: [],
    creditNoteLines: lines,
  };
}

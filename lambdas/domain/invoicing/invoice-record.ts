import { hasPins, type PinnedDefinitions } from '../ledger/governing-definition';
import type { CurrencyCode } from '../money/currencies';
import type { BreakdownRow } from '../rating/breakdown';
import type { DraftInvoice, InvoiceLine } from '../rating/draft-invoice';
import type { UsageQuery } from '../rating/usage';
import { COMMITMENT_TRUE_UP_CHARGE_ID } from '../plans/plan-schema';
import { invoiceRecordIdOf } from './idempotency-keys';
import { InvoiceRecordInvalidError } from './invoicing-errors';

export const PREPAID_CREDITS_LINE_ID = 'prepaid-credits';

export type InvoiceRecordLineKind = 'charge' | 'commitment_true_up' | 'prepaid_credits' | 'adjustment';

/** The period a line bills for: its own invoice's period, or an earlier one for adjustments. */
export interface ServicePeriod {
  readonly periodId: string;
  readonly start: string;
  readonly end: string;
}

/** One line as it goes to Stripe: exactly one invoice item. */
export interface InvoiceRecordLine {
  /** Unique within the record; part of the line's Stripe idempotency key and metadata. */
  readonly lineId: string;
  readonly kind: InvoiceRecordLineKind;
  /** The plan charge (or the true-up) the line prices; null for the prepaid credit line. */
  readonly chargeId: string | null;
  readonly description: string;
  /** The plan metric code the line counts (null when it reads no usage). */
  readonly metric: string | null;
  readonly quantity: string;
  /** Minor units billed on Stripe for this line (negative for the prepaid credit line). */
  readonly amount: bigint;
  /** What the rating charged for this line after prepaid credits (the basis of later corrections). */
  readonly amountDue: bigint;
  readonly servicePeriod: ServicePeriod;
  readonly breakdown: readonly BreakdownRow[];
  readonly usageQuery: UsageQuery | null;
  /** For adjustment lines: the correction and the original invoice they come from. */
  readonly adjustmentFor: { readonly correctionId: string; readonly invoiceRecordId: string } | null;
}

/**
 * An invoice as the engine issued it: made once from a rated draft at the
 * close cutoff, stored before anything goes to Stripe, and never changed.
 * `total` is what Stripe's invoice total must equal.
 */
export interface InvoiceRecord {
  readonly invoiceRecordId: string;
  readonly contractId: string;
  readonly customerId: string;
  readonly periodId: string;
  readonly period: {
    readonly start: string;
    readonly end: string;
    readonly startDate: string;
    readonly endDate: string;
    readonly timeZone: string;
  };
  readonly revision: number;
  /** The ledger recordedAt cutoff the usage was read at. */
  readonly cutoff: string;
  readonly ratedAt: string;
  readonly planCode: string;
  readonly planVersion: number;
  readonly currency: CurrencyCode;
  readonly lines: readonly InvoiceRecordLine[];
  /** Sum of the charge lines before the true-up and credits. */
  readonly subtotal: bigint;
  readonly commitmentTrueUp: bigint;
  readonly creditsApplied: bigint;
  /** The rated period's total (draft total). */
  readonly ratedTotal: bigint;
  /** Sum of adjustment lines for earlier periods carried on this invoice. */
  readonly adjustmentsTotal: bigint;
  /** ratedTotal + adjustmentsTotal = the sum of every line's amount. */
  readonly total: bigint;
  /**
   * Set on an adjustment invoice: the increases of one correction of a period
   * that no later invoice of the contract carries (its term ended, or it was
   * cancelled). Its periodId is adjustmentInvoicePeriodId(periodId, sequence).
   */
  readonly adjustmentOf?: { readonly periodId: string; readonly correctionId: string };
  /**
   * Set on a threshold invoice (threshold-invoice.ts): the open period it
   * bills to date, its number in that period, the threshold (minor units) and
   * the period's rated spend when it was issued. Its periodId is
   * thresholdInvoicePeriodId(periodId, sequence).
   */
  readonly thresholdOf?: { readonly periodId: string; readonly sequence: number; readonly thresholdAmount: bigint; readonly spendToDate: bigint };
  /**
   * Set on a period-end invoice of a period that had threshold invoices: its
   * own lines bill only what they did not (`amountDue` keeps each line's full
   * rated amount), and any excess they billed is credited on them.
   */
  readonly thresholdSettlement?: {
    readonly billedOnThresholdInvoices: bigint;
    readonly creditedOnThresholdInvoices: bigint;
    readonly thresholdInvoiceRecordIds: readonly string[];
  };  /**
   * The contract's pinned definition versions the usage lines were counted
   * under, with their terms, as they were when the period was rated. A
   * correction re-rates the period under these, so a pin changed after the
   * invoice never rebills it. Absent: nothing was pinned.
   */
  readonly pinnedDefinitions?: PinnedDefinitions;
}

/** An adjustment for an earlier period waiting to be billed on the next invoice. */
export interface PendingAdjustment {
  readonly correctionId: string;
  readonly invoiceRecordId: string;
  readonly periodId: string;
  readonly period: { readonly start: string; readonly end: string };
  readonly lines: readonly {
    readonly lineKey: string;
    readonly chargeId: string | null;
    readonly metric: string | null;
    readonly description: string;
    readonly quantityDelta: string;
    readonly amount: bigint;
  }[];
}

function lineKind(line: InvoiceLine): InvoiceRecordLineKind {
  return line.chargeId === COMMITMENT_TRUE_UP_CHARGE_ID ? 'commitment_true_up' : 'charge';
}

function fromRatedLine(line: InvoiceLine): InvoiceRecordLine {
  return {
    lineId: line.chargeId,
    kind: lineKind(line),
    chargeId: line.chargeId,
    description: line.description,
    metric: line.metric,
    quantity: line.quantity,
    amount: line.amount,
    amountDue: line.amountDue,
    servicePeriod: { periodId: line.period.id, start: line.period.start, end: line.period.end },
    breakdown: line.breakdown,
    usageQuery: line.usageQuery,
    adjustmentFor: null,
  };
}

export interface CreateInvoiceRecordOptions {
  readonly revision?: number;
  /** Adjustments for earlier periods to carry on this invoice (oldest first). */
  readonly adjustments?: readonly PendingAdjustment[];
}

/** A contract's period rated as of a ledger cutoff: what an invoice record can be made from. */
export type BillableDraft = DraftInvoice & {
  readonly contractId: string;
  readonly customerId: string;
  readonly usageAsOf: string;
  readonly ratedAt: string;
};

export function isBillableDraft(draft: DraftInvoice): draft is BillableDraft {
  return Boolean(draft.contractId && draft.customerId && draft.usageAsOf && draft.ratedAt);
}

/**
 * What every invoice record takes from the draft it bills: whose it is, the
 * period (with its local dates and zone), the ledger cutoff, the rating and
 * the currency. `periodId` is the draft's, or a threshold invoice's own.
 */
export function recordHeaderOf(draft: BillableDraft, invoiceRecordId: string, periodId: string, revision: number) {
  return {
    invoiceRecordId,
    contractId: draft.contractId,
    customerId: draft.customerId,
    periodId,
    period: {
      start: draft.period.start,
      end: draft.period.end,
      startDate: draft.period.startDate,
      endDate: draft.period.endDate,
      timeZone: draft.period.timeZone,
    },
    revision,
    cutoff: draft.usageAsOf,
    ratedAt: draft.ratedAt,
    planCode: draft.planCode,
    planVersion: draft.planVersion,
    currency: draft.currency,
  };
}

/** Makes the immutable invoice record from a rated draft (and any pending adjustments). */
export function createInvoiceRecord(draft: DraftInvoice, options: CreateInvoiceRecordOptions = {}): InvoiceRecord {
  const revision = options.revision ?? 1;
  if (!draft.contractId || !draft.customerId) {
    throw new InvoiceRecordInvalidError('only a contract\'s rated period can be invoiced (the draft has no contract or customer id)');
  }
  if (!isBillableDraft(draft)) {
    throw new InvoiceRecordInvalidError(
      `the draft for contract "${draft.contractId}" period ${draft.period.id} has no usage cutoff or rating time: rate it as of the close cutoff`,
    );
  }
  if (draft.skippedOverrides.length > 0) {
    throw new InvoiceRecordInvalidError(`a simulation draft cannot be invoiced (skipped overrides: ${draft.skippedOverrides.join(', ')})`);
  }
  const invoiceRecordId = invoiceRecordIdOf(draft.contractId, draft.period.id, revision);
  const rated = [...draft.lines, ...(draft.commitmentTrueUp ? [draft.commitmentTrueUp] : [])].map(fromRatedLine);
  const creditsApplied = draft.credits?.applied ?? 0n;
  const ownPeriod: ServicePeriod = { periodId: draft.period.id, start: draft.period.start, end: draft.period.end };
  const creditLine: InvoiceRecordLine[] =
    creditsApplied > 0n
      ? [
          {
            lineId: PREPAID_CREDITS_LINE_ID,
            kind: 'prepaid_credits',
            chargeId: null,
            description: `Prepaid credits applied (${draft.period.id})`,
            metric: null,
            quantity: '1',
            amount: -creditsApplied,
            amountDue: -creditsApplied,
            servicePeriod: ownPeriod,
            breakdown: [],
            usageQuery: null,
            adjustmentFor: null,
          },
        ]
      : [];
  const adjustmentLines = adjustmentRecordLines(options.adjustments ?? []);
  const lines = [...rated, ...creditLine, ...adjustmentLines];
  const adjustmentsTotal = adjustmentLines.reduce((sum, line) => sum + line.amount, 0n);
  const total = lines.reduce((sum, line) => sum + line.amount, 0n);
  if (total !== draft.total + adjustmentsTotal) {
    throw new InvoiceRecordInvalidError(
      `lines of ${invoiceRecordId} sum to ${total} but the rated total plus adjustments is ${draft.total + adjustmentsTotal}`,
    );
  }
  return {
    ...recordHeaderOf(draft, invoiceRecordId, draft.period.id, revision),
    lines,
    subtotal: draft.subtotal,
    commitmentTrueUp: draft.commitmentTrueUp?.amount ?? 0n,
    creditsApplied,
    ratedTotal: draft.total,
    adjustmentsTotal,
    total,
    ...(hasPins(draft.pinnedDefinitions) ? { pinnedDefinitions: draft.pinnedDefinitions } : {}),
  };
}

/** One invoice line per adjustment line, labelled with (and serving) the period it corrects. */
export function adjustmentRecordLines(adjustments: readonly PendingAdjustment[]): InvoiceRecordLine[] {
  return adjustments.flatMap((adjustment) =>
    adjustment.lines.map((line) => ({
      lineId: `adj:${adjustment.correctionId}:${line.lineKey}`,
      kind: 'adjustment' as const,
      chargeId: line.chargeId,
      description: line.description,
      metric: line.metric,
      quantity: line.quantityDelta,
      amount: line.amount,
      amountDue: line.amount,
      servicePeriod: { periodId: adjustment.periodId, start: adjustment.period.start, end: adjustment.period.end },
      breakdown: [],
      usageQuery: null,
      adjustmentFor: { correctionId: adjustment.correctionId, invoiceRecordId: adjustment.invoiceRecordId },
    })),
  );
}

/** The lines of the record's own period (not adjustments carried for earlier ones). */
export function ownPeriodLines(record: InvoiceRecord): InvoiceRecordLine[] {
  return record.lines.filter((line) => line.kind === 'charge' || line.kind === 'commitment_true_up');
}

import { formatMinorUnits } from '../money/format-money';
import type { CurrencyCode } from '../money/currencies';
import type { PinnedDefinitions } from '../ledger/governing-definition';
import type { ChargeModel } from '../plans/plan-schema';
import type { BreakdownRow, Proration } from './breakdown';
import type { UsageQuery } from './usage';

/** The period an invoice covers (a BillingPeriod satisfies it). */
export interface RatingPeriod {
  readonly id: string;
  readonly timeZone: string;
  readonly start: string;
  readonly end: string;
  readonly startDate: string;
  readonly endDate: string;
  readonly partial: boolean;
  readonly proration: Proration;
  readonly lastOfTerm: boolean;
}

export interface InvoiceLine {
  readonly chargeId: string;
  readonly chargeName: string;
  readonly model: ChargeModel | 'commitment';
  readonly description: string;
  /** The plan metric this line reads (null for flat fees and the true-up). */
  readonly metric: string | null;
  /** Measured quantity for the period (before any included allowance); "1" for fees. */
  readonly quantity: string;
  /** Exact amount in major units, before the line's single rounding. */
  readonly exactAmount: string;
  /** Integer minor units, rounded once by ROUNDING_RULE. */
  readonly amount: bigint;
  /** Minor units paid from prepaid credits. */
  readonly creditApplied: bigint;
  /** amount - creditApplied. */
  readonly amountDue: bigint;
  /** Where the price came from: the plan, a contract price override, or the contract itself (true-up). */
  readonly priceSource: 'plan' | 'contract_override' | 'contract';
  readonly breakdown: readonly BreakdownRow[];
  /** The ledger query that produced `quantity` (null for lines that read no usage). */
  readonly usageQuery: UsageQuery | null;
  readonly period: { readonly id: string; readonly start: string; readonly end: string };
}

export interface SpendCapSummary {
  /** The cap, minor units. */
  readonly cap: bigint;
  /** The sum of the charge lines before the cap. */
  readonly subtotalBefore: bigint;
  /** What the cap took off (> 0; the capped subtotal is subtotalBefore - reduction = cap). */
  readonly reduction: bigint;
}

export interface CreditSummary {
  readonly balanceBefore: bigint;
  readonly applied: bigint;
  readonly balanceAfter: bigint;
}

/**
 * A rated period: `subtotal` is the sum of the charge lines (after any spend cap), the commitment
 * true-up is its own line outside `lines`, and
 * `total = subtotal + commitmentTrueUp.amount - credits.applied`.
 */
export interface DraftInvoice {
  readonly contractId: string | null;
  readonly customerId: string | null;
  readonly planCode: string;
  readonly planVersion: number;
  readonly currency: CurrencyCode;
  readonly period: RatingPeriod;
  readonly lines: readonly InvoiceLine[];
  readonly subtotal: bigint;
  /** Set when the contract's spend cap limited the subtotal (the lines it reduced carry a spend_cap row). */
  readonly spendCap: SpendCapSummary | null;
  readonly commitmentTrueUp: InvoiceLine | null;
  readonly credits: CreditSummary | null;
  readonly total: bigint;
  /** When the draft was made (null when priced without a clock, e.g. a plan trial). */
  readonly ratedAt: string | null;
  /** The ledger's recordedAt cutoff the usage was read at. */
  readonly usageAsOf: string | null;
  /** Contract price overrides that did not apply to this plan version (simulations only). */
  readonly skippedOverrides: readonly string[];
  /** The contract's pinned definition versions the usage was counted under (absent: none pinned). */
  readonly pinnedDefinitions?: PinnedDefinitions;
}

/** A JSON-safe amount: minor units as a string plus the exact decimal in major units. */
export interface SerializedAmount {
  readonly minor: string;
  readonly decimal: string;
}

export function serializeAmount(minor: bigint, currency: CurrencyCode): SerializedAmount {
  return { minor: minor.toString(), decimal: formatMinorUnits(minor, currency) };
}

export type SerializedInvoiceLine = Omit<InvoiceLine, 'amount' | 'creditApplied' | 'amountDue'> & {
  readonly amount: SerializedAmount;
  readonly creditApplied: SerializedAmount;
  readonly amountDue: SerializedAmount;
};

export type SerializedDraftInvoice = Omit<
  DraftInvoice,
  'lines' | 'subtotal' | 'spendCap' | 'commitmentTrueUp' | 'credits' | 'total'
> & {
  readonly lines: readonly SerializedInvoiceLine[];
  readonly subtotal: SerializedAmount;
  readonly spendCap: { readonly cap: SerializedAmount; readonly subtotalBefore: SerializedAmount; readonly reduction: SerializedAmount } | null;
  readonly commitmentTrueUp: SerializedInvoiceLine | null;
  readonly credits: { readonly balanceBefore: SerializedAmount; readonly applied: SerializedAmount; readonly balanceAfter: SerializedAmount } | null;
  readonly total: SerializedAmount;
};

function serializeLine(line: InvoiceLine, currency: CurrencyCode): SerializedInvoiceLine {
  return {
    ...line,
    amount: serializeAmount(line.amount, currency),
    creditApplied: serializeAmount(line.creditApplied, currency),
    amountDue: serializeAmount(line.amountDue, currency),
  };
}

/** The invoice with every bigint as a string, ready for JSON.stringify. */
export function serializeDraftInvoice(invoice: DraftInvoice): SerializedDraftInvoice {
  const { currency } = invoice;
  return {
    ...invoice,
    lines: invoice.lines.map((line) => serializeLine(line, currency)),
    subtotal: serializeAmount(invoice.subtotal, currency),
    spendCap: invoice.spendCap
      ? {
          cap: serializeAmount(invoice.spendCap.cap, currency),
          subtotalBefore: serializeAmount(invoice.spendCap.subtotalBefore, currency),
          reduction: serializeAmount(invoice.spendCap.reduction, currency),
        }
      : null,
    commitmentTrueUp: invoice.commitmentTrueUp ? serializeLine(invoice.commitmentTrueUp, currency) : null,
    credits: invoice.credits
      ? {
          balanceBefore: serializeAmount(invoice.credits.balanceBefore, currency),
          applied: serializeAmount(invoice.credits.applied, currency),
          balanceAfter: serializeAmount(invoice.credits.balanceAfter, currency),
        }
      : null,
    total: serializeAmount(invoice.total, currency),
  };
}

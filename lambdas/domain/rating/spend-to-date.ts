import { minorUnitsFromDecimal } from '../money/minor-units';
import { MoneyDecimal } from '../money/decimal';
import type { Contract } from '../plans/contract-schema';
import type { DraftInvoice, InvoiceLine } from './draft-invoice';
import { spendCapOf } from './apply-caps';

// Live spend: an open period's draft invoice (the very draft `invoice
// preview` gives for the same cutoff) read as spend to date, commitment burn,
// prepaid credits left and a forecast to period end. Nothing is rated here:
// every amount is the draft's or derived from its rounded lines.

/** How the forecast is made, stated in every output so nobody mistakes it for a rating. */
export const SPEND_FORECAST_RULE =
  'linear: each usage-priced line scaled by period length / elapsed time (rounded half up to minor units), flat fees as drafted, limited to the spend cap, then the per-period commitment floor';

export interface SpendUsage {
  readonly chargeId: string;
  readonly metric: string;
  readonly quantity: string;
}

export interface CommitmentBurn {
  readonly trueUp: 'per_period' | 'term_end';
  /** The commitment this period (prorated on a partial period) or the whole term's. */
  readonly committed: bigint;
  /** What counts against it so far: this period's subtotal (plus the term's earlier invoices for term_end). */
  readonly burned: bigint;
  readonly remaining: bigint;
  /** burned / committed as a percentage with two decimals ("42.50"); null for a zero commitment. */
  readonly burnedPercent: string | null;
}

export interface SpendForecast {
  readonly rule: string;
  /** Elapsed share of the period at the cutoff, as a percentage with two decimals. */
  readonly elapsedPercent: string;
  /** Forecast subtotal of the charge lines at period end. */
  readonly subtotal: bigint;
  /** The subtotal raised to the period's commitment where one applies per period. */
  readonly total: bigint;
}

export interface SpendToDate {
  readonly draft: DraftInvoice;
  readonly usage: readonly SpendUsage[];
  readonly commitment: CommitmentBurn | null;
  /** Prepaid credit balance left after this period's lines to date; null without prepaid credits. */
  readonly creditsLeft: bigint | null;
  readonly forecast: SpendForecast;
}

function percentOf(part: bigint, whole: bigint): string | null {
  if (whole === 0n) return null;
  return new MoneyDecimal(part.toString()).times(100).dividedBy(whole.toString()).toFixed(2, MoneyDecimal.ROUND_HALF_UP);
}

/** a × numerator / denominator, rounded half up (all non-negative except `a`, which may be negative after reversals). */
function scaleHalfUp(amount: bigint, numerator: bigint, denominator: bigint): bigint {
  const product = amount * numerator;
  const sign = product < 0n ? -1n : 1n;
  const magnitude = product * sign;
  return sign * ((magnitude * 2n + denominator) / (denominator * 2n));
}

function commitmentBurnOf(contract: Contract, draft: DraftInvoice, termToDateSubtotal: bigint): CommitmentBurn | null {
  const commitment = contract.commitment;
  if (!commitment) return null;
  const row = draft.commitmentTrueUp?.breakdown.find((entry) => entry.kind === 'commitment');
  let committed: bigint;
  let burned: bigint;
  if (row && row.kind === 'commitment') {
    // The true-up line already states what is committed and what counts against it: reuse it.
    committed = minorUnitsFromDecimal(row.committed, draft.currency);
    burned = minorUnitsFromDecimal(row.billed, draft.currency);
  } else if (commitment.trueUp === 'term_end') {
    // Only the term's last period carries the true-up line; earlier ones burn the term's commitment.
    committed = minorUnitsFromDecimal(commitment.amountForTerm, draft.currency);
    burned = termToDateSubtotal + draft.subtotal;
  } else {
    committed = minorUnitsFromDecimal(commitment.amountPerPeriod, draft.currency);
    burned = draft.subtotal;
  }
  return {
    trueUp: commitment.trueUp,
    committed,
    burned,
    remaining: committed > burned ? committed - burned : 0n,
    burnedPercent: percentOf(burned, committed),
  };
}

function isUsageLine(line: InvoiceLine): line is InvoiceLine & { metric: string } {
  return line.metric !== null;
}

/**
 * Spend to date of a period from its draft. `termToDateSubtotal` is the sum
 * of the term's earlier invoice subtotals (only read for a term-end
 * commitment). The cutoff `asOf` sets the elapsed share the forecast scales by.
 */
export function spendToDate(input: {
  readonly contract: Contract;
  readonly draft: DraftInvoice;
  readonly asOf: string;
  readonly termToDateSubtotal: bigint;
}): SpendToDate {
  const { contract, draft } = input;
  const start = BigInt(Date.parse(draft.period.start));
  const end = BigInt(Date.parse(draft.period.end));
  const cutoff = BigInt(Date.parse(input.asOf));
  const length = end - start;
  const elapsed = cutoff < start ? 0n : cutoff > end ? length : cutoff - start;
  const usageLines = draft.lines.filter(isUsageLine);
  const feeLines = draft.lines.filter((line) => !isUsageLine(line));
  const fees = feeLines.reduce((sum, line) => sum + line.amount, 0n);
  // Before the period has begun there is nothing to scale: the forecast is the draft.
  const projectedUsage = usageLines.reduce((sum, line) => sum + (elapsed === 0n ? line.amount : scaleHalfUp(line.amount, length, elapsed)), 0n);
  const projected = fees + projectedUsage;
  // A spend cap bounds the forecast as it bounds the invoice.
  const spendCap = spendCapOf(contract.caps, draft.currency);
  const forecastSubtotal = spendCap !== undefined && projected > spendCap ? spendCap : projected;
  const commitment = commitmentBurnOf(contract, draft, input.termToDateSubtotal);
  const floor = commitment?.trueUp === 'per_period' ? commitment.committed : 0n;
  return {
    draft,
    usage: usageLines.map((line) => ({ chargeId: line.chargeId, metric: line.metric, quantity: line.quantity })),
    commitment,
    creditsLeft: draft.credits ? draft.credits.balanceAfter : null,
    forecast: {
      rule: SPEND_FORECAST_RULE,
      elapsedPercent: percentOf(elapsed, length) ?? '100.00',
      subtotal: forecastSubtotal,
      total: forecastSubtotal > floor ? forecastSubtotal : floor,
    },
  };
}

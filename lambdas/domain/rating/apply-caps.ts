import { planDecimal, toDecimal, ZERO, type MoneyDecimal } from '../money/decimal';
import type { CurrencyCode } from '../money/currencies';
import { formatMinorUnits } from '../money/format-money';
import { minorUnitsFromDecimal } from '../money/minor-units';
import type { Cap } from '../plans/spend-alerts-schema';
import type { BreakdownRow } from './breakdown';
import type { InvoiceLine, SpendCapSummary } from './draft-invoice';
import type { MeasuredMetric } from './measure-usage';
import type { OutcomeValues } from './pricers/priced-charge';
import { UsageInputError } from './rating-errors';

// Hard caps (a contract's `caps`), applied while rating so that every reader
// of a rated period (preview, spend, close, threshold invoices, corrections,
// simulations) bills the same capped amounts. The policy, in full:
//
// - A metric cap limits the quantity a plan metric is priced on to
//   min(measured, cap). Tiers, packages and included units see the capped
//   quantity. The capped outcomes are the last ones in the ledger's order
//   (occurredAt, then outcome id): the first outcomes up to the cap are
//   billed. For a percentage charge (its metric sums values) the outcomes are
//   billed in that order until their values reach the cap; the outcome that
//   crosses it is billed on the part of its value within the cap, later ones
//   carry no fee at all. The line keeps the measured quantity and shows the
//   cap as a `metric_cap` breakdown row (measured, billable, over cap).
// - A spend cap limits the period's rated charges (the subtotal) to the cap:
//   the excess is taken off the usage-priced lines, last line first, then off
//   fees, last first; each line it reduces carries a `spend_cap` row and says
//   so in its description. It applies after every charge (charge minimums and
//   maximums included) and before the commitment true-up and prepaid credits:
//   a commitment is a floor the customer promised, which a cap on what usage
//   costs must not waive, and credits pay for what is billed, so they draw on
//   the capped amounts.

/** A contract's metric caps by plan metric code. */
export function metricCapsOf(caps: readonly Cap[] | undefined): ReadonlyMap<string, MoneyDecimal> {
  const byMetric = new Map<string, MoneyDecimal>();
  for (const cap of caps ?? []) if ('metric' in cap) byMetric.set(cap.metric, planDecimal(cap.quantity));
  return byMetric;
}

/** A contract's spend cap in minor units, or undefined. */
export function spendCapOf(caps: readonly Cap[] | undefined, currency: CurrencyCode): bigint | undefined {
  const cap = (caps ?? []).find((entry): entry is { spend: string } => 'spend' in entry);
  return cap === undefined ? undefined : minorUnitsFromDecimal(cap.spend, currency);
}

export interface CappedMeasure {
  readonly measured: MeasuredMetric;
  /** The `metric_cap` row, or null when the measured quantity is within the cap. */
  readonly row: BreakdownRow | null;
}

/**
 * A metric's measured usage limited to a cap. Below or at the cap nothing
 * changes (and no row is shown); above it the quantity becomes the cap and,
 * when the charge prices outcome values, the outcomes past the cap are left out.
 */
export function capMeasuredMetric(metricCode: string, measured: MeasuredMetric, cap: MoneyDecimal | undefined): CappedMeasure {
  if (cap === undefined || measured.quantity.lte(cap)) return { measured, row: null };
  const row: BreakdownRow = {
    kind: 'metric_cap',
    metric: metricCode,
    cap: cap.toFixed(),
    measured: measured.quantity.toFixed(),
    billable: cap.toFixed(),
    overCap: measured.quantity.minus(cap).toFixed(),
  };
  const outcomes = measured.outcomes === undefined ? undefined : outcomesWithinValueCap(metricCode, measured.outcomes, cap);
  return { measured: { ...measured, quantity: cap, ...(outcomes ? { outcomes } : {}) }, row };
}

/**
 * The outcomes billed under a cap on their summed value, in the ledger's order:
 * whole outcomes while the running total stays within the cap, then the part
 * of the crossing outcome's value that reaches it.
 */
export function outcomesWithinValueCap(metricCode: string, outcomes: OutcomeValues, cap: MoneyDecimal): OutcomeValues {
  if (outcomes.sumValue.lte(cap)) return outcomes;
  if (outcomes.values === undefined) {
    throw new UsageInputError(
      'outcome_values_missing',
      `metric "${metricCode}" is capped at ${cap.toFixed()}: the capped outcomes are chosen in occurredAt order, so usage must list each outcome's value (outcomeValues)`,
    );
  }
  const billed: string[] = [];
  let total = ZERO;
  for (const value of outcomes.values) {
    const room = cap.minus(total);
    if (room.lte(ZERO)) break;
    const decimal = toDecimal(value);
    if (decimal.lte(room)) {
      billed.push(value);
      total = total.plus(decimal);
    } else {
      billed.push(room.toFixed());
      total = cap;
    }
  }
  return { count: billed.length, sumValue: total, values: billed };
}

/**
 * Limits the charge lines' sum to the spend cap. Returns the lines unchanged
 * and no summary while the subtotal is within the cap.
 */
export function applySpendCap(
  lines: readonly InvoiceLine[],
  cap: bigint | undefined,
  currency: CurrencyCode,
): { readonly lines: readonly InvoiceLine[]; readonly spendCap: SpendCapSummary | null } {
  const subtotalBefore = lines.reduce((sum, line) => sum + line.amount, 0n);
  if (cap === undefined || subtotalBefore <= cap) return { lines, spendCap: null };
  const reduction = subtotalBefore - cap;
  // Usage lines give up the excess first (outcomes past the cap are what the cap is about), last first; then fees.
  const order = [
    ...lines.map((line, index) => ({ line, index })).filter(({ line }) => line.metric !== null).reverse(),
    ...lines.map((line, index) => ({ line, index })).filter(({ line }) => line.metric === null).reverse(),
  ];
  const taken = new Map<number, bigint>();
  let left = reduction;
  for (const { line, index } of order) {
    if (left === 0n) break;
    if (line.amount <= 0n) continue;
    const take = line.amount < left ? line.amount : left;
    taken.set(index, take);
    left -= take;
  }
  // The positive lines hold at least the subtotal, which exceeds the reduction (a cap is never negative): `left` ends at 0.
  const capText = formatMinorUnits(cap, currency);
  const beforeText = formatMinorUnits(subtotalBefore, currency);
  const capped = lines.map((line, index) => {
    const take = taken.get(index);
    if (take === undefined) return line;
    const amount = line.amount - take;
    const share = formatMinorUnits(-take, currency);
    return {
      ...line,
      description: `${line.description} (spend cap ${capText}: ${share})`,
      exactAmount: toDecimal(line.exactAmount).minus(toDecimal(formatMinorUnits(take, currency))).toFixed(),
      amount,
      amountDue: amount - line.creditApplied,
      breakdown: [...line.breakdown, { kind: 'spend_cap' as const, cap: capText, subtotalBefore: beforeText, exactAmount: share }],
    };
  });
  return { lines: capped, spendCap: { cap, subtotalBefore, reduction } };
}

import type { MoneyDecimal } from '../../money/decimal';
import type { BreakdownRow, Proration } from '../breakdown';

/** A pricer's answer: the exact (unrounded) amount in major units and how it was reached. */
export interface PricedCharge {
  readonly exactAmount: MoneyDecimal;
  readonly breakdown: readonly BreakdownRow[];
}

/** What a usage period hands a pricer. Pricers are pure: no clock, no I/O. */
export interface ChargePricingInput {
  /** The metric's quantity for the period (count, sum, max, ...). */
  readonly quantity: MoneyDecimal;
  /** Per-outcome facts, present for percentage charges. */
  readonly outcomes?: OutcomeValues;
  readonly proration: Proration;
}

export interface OutcomeValues {
  readonly count: number;
  readonly sumValue: MoneyDecimal;
  /** Each outcome's value (decimal string) in occurredAt order, when the ledger supplied them. */
  readonly values: readonly string[] | undefined;
}

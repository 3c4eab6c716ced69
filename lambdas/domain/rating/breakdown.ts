// How a line's amount was reached, row by row. All amounts here are exact
// decimal strings in major units (before the line's single rounding); summing a
// line's `exactAmount`s gives the line's exact amount.

export interface Proration {
  readonly days: number;
  readonly fullDays: number;
}

export type BreakdownRow =
  | {
      readonly kind: 'flat_fee';
      /** Fee for a full period. */
      readonly amount: string;
      /** Present when a partial period prorated the fee (days / fullDays). */
      readonly proration: Proration | null;
      readonly exactAmount: string;
    }
  | {
      readonly kind: 'included_units';
      readonly measured: string;
      readonly included: string;
      /** What remains to be priced after the allowance. */
      readonly billable: string;
    }
  | {
      readonly kind: 'units';
      readonly units: string;
      readonly unitPrice: string;
      readonly exactAmount: string;
    }
  | {
      readonly kind: 'packages';
      readonly units: string;
      readonly packageSize: string;
      readonly rounding: 'up' | 'down';
      readonly packages: string;
      readonly packagePrice: string;
      readonly exactAmount: string;
    }
  | {
      readonly kind: 'tier';
      readonly mode: 'graduated' | 'volume';
      /** 1-based tier number as listed in the plan. */
      readonly tier: number;
      /** Units above `from` (exclusive) up to `upTo` (inclusive); `upTo` null is unbounded. */
      readonly from: string;
      readonly upTo: string | null;
      readonly units: string;
      readonly unitPrice: string;
      readonly flatFee: string;
      readonly exactAmount: string;
    }
  | {
      readonly kind: 'percentage';
      readonly outcomes: number;
      /** Outcomes at the start of the period that carried no fee. */
      readonly includedOutcomes: number;
      /** Total value of the outcomes that carry a fee. */
      readonly value: string;
      readonly percent: string;
      readonly percentageAmount: string;
      readonly fixedFeePerOutcome: string;
      readonly fixedFees: string;
      readonly raisedToMinimum: number;
      readonly minimumAdjustment: string;
      readonly cappedAtMaximum: number;
      readonly maximumAdjustment: string;
      readonly exactAmount: string;
    }
  | {
      readonly kind: 'charge_minimum';
      readonly minimum: string;
      /** The minimum for this period (prorated like a flat fee on partial periods). */
      readonly periodMinimum: string;
      readonly before: string;
      readonly exactAmount: string;
    }
  | {
      readonly kind: 'charge_maximum';
      readonly maximum: string;
      readonly before: string;
      /** Negative: what the cap removed. */
      readonly exactAmount: string;
    }
  | {
      readonly kind: 'metric_cap';
      /** The plan metric a contract cap limits. */
      readonly metric: string;
      readonly cap: string;
      /** The period's measured quantity (every outcome recorded, over the cap or not). */
      readonly measured: string;
      /** min(measured, cap): the quantity the line was priced on. */
      readonly billable: string;
      /** measured - billable: shown, not billed. */
      readonly overCap: string;
    }
  | {
      readonly kind: 'spend_cap';
      /** The contract's spend cap for the period. */
      readonly cap: string;
      /** The period's rated charges (subtotal) before the cap. */
      readonly subtotalBefore: string;
      /** Negative: the share of the excess this line gives up. */
      readonly exactAmount: string;
    }
  | {
      readonly kind: 'commitment';
      readonly trueUp: 'per_period' | 'term_end';
      readonly committed: string;
      /** What counts against the commitment: this period's subtotal (plus earlier periods' for term_end). */
      readonly billed: string;
      readonly exactAmount: string;
    };

export type BreakdownKind = BreakdownRow['kind'];

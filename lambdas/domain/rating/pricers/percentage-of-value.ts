import type { MoneyDecimal } from '../../money/decimal';
import type { PercentageCharge } from '../../plans/plan-schema';
import { DecimalSum, lastParsedIsBelow, limbThreshold, parseLimbs, type LimbThreshold } from '../decimal-limbs';
import { FIXED_POINT_DECIMALS, parseFixedPoint, parseScaled, scaledToDecimal } from '../fixed-point';
import { UsageInputError } from '../rating-errors';
import type { BreakdownRow } from '../breakdown';
import type { ChargePricingInput, OutcomeValues, PricedCharge } from './priced-charge';

// Exact per-outcome comparisons work on integers scaled by 10^32: a value with
// 18 decimals times a percent with 12 decimals is an integer at 10^30, and
// dividing by 100 is moving to 10^32; fixed fees and bounds (12 decimals)
// scale up exactly.
const PRICE_DECIMALS = 12;
const FEE_DECIMALS = FIXED_POINT_DECIMALS + PRICE_DECIMALS + 2;
const PRICE_TO_FEE = 10n ** BigInt(FEE_DECIMALS - PRICE_DECIMALS);

const UNBOUNDED = 0;
const RAISED = 1;
const CAPPED = 2;

interface Bounds {
  readonly percentScaled: bigint;
  readonly fixedScaled: bigint;
  readonly minimumScaled: bigint | undefined;
  readonly maximumScaled: bigint | undefined;
  /** Values (18-decimal fixed point) below this are raised to the minimum. */
  readonly raisedBelow: LimbThreshold;
  /** Values at or above this are capped at the maximum. */
  readonly cappedFrom: LimbThreshold;
}

/** Exact classification of one outcome's fee against the per-outcome bounds. */
function classifyExactly(value: bigint, bounds: Bounds): number {
  const raw = value * bounds.percentScaled + bounds.fixedScaled;
  if (bounds.minimumScaled !== undefined && raw < bounds.minimumScaled) return RAISED;
  if (bounds.maximumScaled !== undefined && raw > bounds.maximumScaled) return CAPPED;
  return UNBOUNDED;
}

// Charges are immutable once loaded; their bounds are derived once.
const boundsByCharge = new WeakMap<PercentageCharge, Bounds>();

function boundsOf(charge: PercentageCharge): Bounds {
  let bounds = boundsByCharge.get(charge);
  if (bounds === undefined) {
    bounds = deriveBounds(charge);
    boundsByCharge.set(charge, bounds);
  }
  return bounds;
}

function ceilDiv(numerator: bigint, denominator: bigint): bigint {
  return (numerator + denominator - 1n) / denominator;
}

/**
 * The fee value × percent + fixed grows with the value, so each bound is a
 * threshold on the value itself: with A = minimum - fixed and B = maximum -
 * fixed (all at 10^32), a fee is raised iff value × percent < A, i.e. value <
 * ceil(A / percent), and capped iff value × percent > B, i.e. value >=
 * floor(B / percent) + 1. Deciding per outcome is then an integer comparison of
 * the parsed limbs with a threshold, exact with no bigint per outcome.
 * `null` stands for "above every value" (always raised / never capped).
 */
function valueThresholds(
  percentScaled: bigint,
  fixedScaled: bigint,
  minimumScaled: bigint | undefined,
  maximumScaled: bigint | undefined,
): { raisedBelow: bigint | null; cappedFrom: bigint | null } {
  let raisedBelow: bigint | null = 0n;
  if (minimumScaled !== undefined) {
    const room = minimumScaled - fixedScaled;
    if (room > 0n) raisedBelow = percentScaled === 0n ? null : ceilDiv(room, percentScaled);
  }
  let cappedFrom: bigint | null = null;
  if (maximumScaled !== undefined) {
    const room = maximumScaled - fixedScaled;
    if (room < 0n) cappedFrom = 0n;
    else if (percentScaled !== 0n) cappedFrom = room / percentScaled + 1n;
  }
  return { raisedBelow, cappedFrom };
}

const ABOVE_EVERY_VALUE = limbThreshold(10n ** 40n);

function deriveBounds(charge: PercentageCharge): Bounds {
  const scaled = (text: string | undefined, what: string) =>
    text === undefined ? undefined : parseScaled(text, PRICE_DECIMALS, what) * PRICE_TO_FEE;
  const percentScaled = parseScaled(charge.percent, PRICE_DECIMALS, 'percent');
  const fixedScaled = scaled(charge.fixedFeePerOutcome ?? '0', 'fixed fee per outcome') ?? 0n;
  const minimumScaled = scaled(charge.minimumPerOutcome, 'minimum per outcome');
  const maximumScaled = scaled(charge.maximumPerOutcome, 'maximum per outcome');
  const { raisedBelow, cappedFrom } = valueThresholds(percentScaled, fixedScaled, minimumScaled, maximumScaled);
  return {
    percentScaled,
    fixedScaled,
    minimumScaled,
    maximumScaled,
    raisedBelow: raisedBelow === null ? ABOVE_EVERY_VALUE : limbThreshold(raisedBelow),
    cappedFrom: cappedFrom === null ? ABOVE_EVERY_VALUE : limbThreshold(cappedFrom),
  };
}

/** A fee-scale integer (10^32) as an exact decimal: scaledToDecimal only places the point. */
function feeDecimal(scaled: bigint): MoneyDecimal {
  return scaledToDecimal(scaled, FEE_DECIMALS);
}

/**
 * The line and its breakdown row, computed in fee-scale integers: every term
 * (value × percent, fixed fees, bound adjustments) is an exact integer at
 * 10^32, so the amount is exact whatever the number of digits, and it becomes
 * a decimal only once, with no arithmetic that could round.
 */
function percentageRow(
  bounds: Bounds,
  input: {
    outcomes: number;
    includedOutcomes: number;
    /** 18-decimal fixed point. */
    value: bigint;
    feeCount: number;
    raised: number;
    minimumAdjustment: bigint;
    capped: number;
    maximumAdjustment: bigint;
  },
): { exactAmount: MoneyDecimal; row: BreakdownRow } {
  const percentageAmount = input.value * bounds.percentScaled;
  const fixedFees = bounds.fixedScaled * BigInt(input.feeCount);
  const exactAmount = feeDecimal(percentageAmount + fixedFees + input.minimumAdjustment + input.maximumAdjustment);
  return {
    exactAmount,
    row: {
      kind: 'percentage',
      outcomes: input.outcomes,
      includedOutcomes: input.includedOutcomes,
      value: scaledToDecimal(input.value, FIXED_POINT_DECIMALS).toFixed(),
      percent: scaledToDecimal(bounds.percentScaled, PRICE_DECIMALS).toFixed(),
      percentageAmount: feeDecimal(percentageAmount).toFixed(),
      fixedFeePerOutcome: feeDecimal(bounds.fixedScaled).toFixed(),
      fixedFees: feeDecimal(fixedFees).toFixed(),
      raisedToMinimum: input.raised,
      minimumAdjustment: feeDecimal(input.minimumAdjustment).toFixed(),
      cappedAtMaximum: input.capped,
      maximumAdjustment: feeDecimal(input.maximumAdjustment).toFixed(),
      exactAmount: exactAmount.toFixed(),
    },
  };
}

/**
 * Percentage of outcome value: each outcome pays `percent` of its value plus
 * `fixedFeePerOutcome`, bounded per outcome by `minimumPerOutcome` and
 * `maximumPerOutcome`; the first `includedOutcomes` of the period pay nothing.
 * Per-outcome bounds and included outcomes need each outcome's value; without
 * them the line follows from the period's total value and count alone.
 *
 * The per-outcome loop makes no Decimal and no bigint: values are summed
 * exactly per class (unbounded, raised to the minimum, capped at the maximum),
 * and sum(fees) = percent × value(unbounded) + fixed × n(unbounded) + min ×
 * n(raised) + max × n(capped) is computed once at the end.
 */
export function pricePercentageOfValue(charge: PercentageCharge, input: ChargePricingInput): PricedCharge {
  const outcomes = input.outcomes;
  if (outcomes === undefined) {
    throw new UsageInputError('usage_aggregate_missing', `percentage charge "${charge.id}" needs outcome values`);
  }
  const included = charge.includedOutcomes ?? 0;
  const perOutcome =
    charge.minimumPerOutcome !== undefined || charge.maximumPerOutcome !== undefined || included > 0;

  if (!perOutcome) {
    const { exactAmount, row } = percentageRow(boundsOf(charge), {
      outcomes: outcomes.count,
      includedOutcomes: 0,
      value: parseFixedPoint(outcomes.sumValue.toFixed(), `total value of charge "${charge.id}"`),
      feeCount: outcomes.count,
      raised: 0,
      minimumAdjustment: 0n,
      capped: 0,
      maximumAdjustment: 0n,
    });
    return { exactAmount, breakdown: [row] };
  }
  return pricePerOutcome(charge, outcomes, included);
}

/** bound × n - (percent × value + fixed × n), at 10^32: the total adjustment for n outcomes held at a bound. */
function boundAdjustment(bound: bigint, count: number, valueFixedPoint: bigint, bounds: Bounds): bigint {
  const n = BigInt(count);
  return bound * n - (valueFixedPoint * bounds.percentScaled + bounds.fixedScaled * n);
}

function pricePerOutcome(
  charge: PercentageCharge,
  outcomes: OutcomeValues,
  included: number,
): PricedCharge {
  const values = outcomes.values;
  if (values === undefined) {
    throw new UsageInputError(
      'outcome_values_missing',
      `percentage charge "${charge.id}" has per-outcome bounds or included outcomes, so usage must list each outcome's value (outcomeValues)`,
    );
  }
  const bounds = boundsOf(charge);
  const sums = [new DecimalSum(), new DecimalSum(), new DecimalSum()];
  const counts = [0, 0, 0];
  for (let index = included; index < values.length; index += 1) {
    const text = values[index] as string;
    let category: number;
    if (parseLimbs(text)) {
      category = lastParsedIsBelow(bounds.raisedBelow)
        ? RAISED
        : lastParsedIsBelow(bounds.cappedFrom)
          ? UNBOUNDED
          : CAPPED;
      (sums[category] as DecimalSum).addLastParsed();
    } else {
      const exact = parseFixedPoint(text, `value #${index + 1} of charge "${charge.id}"`);
      category = classifyExactly(exact, bounds);
      (sums[category] as DecimalSum).addFixedPoint(exact);
    }
    counts[category] = (counts[category] as number) + 1;
  }
  const unboundedValue = (sums[UNBOUNDED] as DecimalSum).toFixedPoint();
  const raisedValue = (sums[RAISED] as DecimalSum).toFixedPoint();
  const cappedValue = (sums[CAPPED] as DecimalSum).toFixedPoint();
  const raised = counts[RAISED] as number;
  const capped = counts[CAPPED] as number;
  const { exactAmount, row } = percentageRow(bounds, {
    outcomes: values.length,
    includedOutcomes: Math.min(included, values.length),
    value: unboundedValue + raisedValue + cappedValue,
    feeCount: (counts[UNBOUNDED] as number) + raised + capped,
    raised,
    // What the bound added (or removed) relative to the outcomes' raw fees.
    minimumAdjustment: raised === 0 ? 0n : boundAdjustment(bounds.minimumScaled ?? 0n, raised, raisedValue, bounds),
    capped,
    maximumAdjustment: capped === 0 ? 0n : boundAdjustment(bounds.maximumScaled ?? 0n, capped, cappedValue, bounds),
  });
  return { exactAmount, breakdown: [row] };
}

import { MoneyDecimal, ZERO, planDecimal } from '../../money/decimal';
import type { PercentageCharge } from '../../plans/plan-schema';
import { DecimalSum, lastParsedEstimate, lastParsedFixedPoint, parseLimbs } from '../decimal-limbs';
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
  readonly percentEstimate: number;
  readonly fixedEstimate: number;
  readonly minimumEstimate: number;
  readonly maximumEstimate: number;
}

/** Exact classification of one outcome's fee against the per-outcome bounds. */
function classifyExactly(value: bigint, bounds: Bounds): number {
  const raw = value * bounds.percentScaled + bounds.fixedScaled;
  if (bounds.minimumScaled !== undefined && raw < bounds.minimumScaled) return RAISED;
  if (bounds.maximumScaled !== undefined && raw > bounds.maximumScaled) return CAPPED;
  return UNBOUNDED;
}

/**
 * Classifies a fee from a double estimate when it is clearly away from both
 * bounds, and exactly otherwise. The estimate's error is a few parts in 10^16
 * of the fee; the 10^-9 relative margin leaves orders of magnitude to spare,
 * so the classification (and therefore the amount) is always exact.
 */
function classify(estimate: number, bounds: Bounds, exact: () => bigint): number {
  const margin = 1e-9 * (1 + Math.abs(estimate) + bounds.fixedEstimate);
  if (bounds.minimumScaled !== undefined) {
    const belowBy = bounds.minimumEstimate - estimate;
    if (Math.abs(belowBy) <= margin) return classifyExactly(exact(), bounds);
    if (belowBy > 0) return RAISED;
  }
  if (bounds.maximumScaled !== undefined) {
    const aboveBy = estimate - bounds.maximumEstimate;
    if (Math.abs(aboveBy) <= margin) return classifyExactly(exact(), bounds);
    if (aboveBy > 0) return CAPPED;
  }
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

function deriveBounds(charge: PercentageCharge): Bounds {
  const scaled = (text: string | undefined, what: string) =>
    text === undefined ? undefined : parseScaled(text, PRICE_DECIMALS, what) * PRICE_TO_FEE;
  return {
    percentScaled: parseScaled(charge.percent, PRICE_DECIMALS, 'percent'),
    fixedScaled: scaled(charge.fixedFeePerOutcome ?? '0', 'fixed fee per outcome') ?? 0n,
    minimumScaled: scaled(charge.minimumPerOutcome, 'minimum per outcome'),
    maximumScaled: scaled(charge.maximumPerOutcome, 'maximum per outcome'),
    percentEstimate: Number(charge.percent) / 100,
    fixedEstimate: Number(charge.fixedFeePerOutcome ?? '0'),
    minimumEstimate: Number(charge.minimumPerOutcome ?? '0'),
    maximumEstimate: Number(charge.maximumPerOutcome ?? '0'),
  };
}

function percentageRow(input: {
  outcomes: number;
  includedOutcomes: number;
  value: MoneyDecimal;
  percent: MoneyDecimal;
  fixedFee: MoneyDecimal;
  feeCount: number;
  raised: number;
  minimumAdjustment: MoneyDecimal;
  capped: number;
  maximumAdjustment: MoneyDecimal;
}): { exactAmount: MoneyDecimal; row: BreakdownRow } {
  const percentageAmount = input.value.times(input.percent).dividedBy(100);
  const fixedFees = input.fixedFee.times(input.feeCount);
  const exactAmount = percentageAmount.plus(fixedFees).plus(input.minimumAdjustment).plus(input.maximumAdjustment);
  return {
    exactAmount,
    row: {
      kind: 'percentage',
      outcomes: input.outcomes,
      includedOutcomes: input.includedOutcomes,
      value: input.value.toFixed(),
      percent: input.percent.toFixed(),
      percentageAmount: percentageAmount.toFixed(),
      fixedFeePerOutcome: input.fixedFee.toFixed(),
      fixedFees: fixedFees.toFixed(),
      raisedToMinimum: input.raised,
      minimumAdjustment: input.minimumAdjustment.toFixed(),
      cappedAtMaximum: input.capped,
      maximumAdjustment: input.maximumAdjustment.toFixed(),
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
 * The per-outcome loop makes no Decimal: values are summed exactly per class
 * (unbounded, raised to the minimum, capped at the maximum), and
 * sum(fees) = percent × value(unbounded) + fixed × n(unbounded) + min × n(raised) + max × n(capped)
 * is computed once at the end.
 */
export function pricePercentageOfValue(charge: PercentageCharge, input: ChargePricingInput): PricedCharge {
  const outcomes = input.outcomes;
  if (outcomes === undefined) {
    throw new UsageInputError('usage_aggregate_missing', `percentage charge "${charge.id}" needs outcome values`);
  }
  const percent = planDecimal(charge.percent);
  const fixedFee = planDecimal(charge.fixedFeePerOutcome ?? '0');
  const included = charge.includedOutcomes ?? 0;
  const perOutcome =
    charge.minimumPerOutcome !== undefined || charge.maximumPerOutcome !== undefined || included > 0;

  if (!perOutcome) {
    const { exactAmount, row } = percentageRow({
      outcomes: outcomes.count,
      includedOutcomes: 0,
      value: outcomes.sumValue,
      percent,
      fixedFee,
      feeCount: outcomes.count,
      raised: 0,
      minimumAdjustment: ZERO,
      capped: 0,
      maximumAdjustment: ZERO,
    });
    return { exactAmount, breakdown: [row] };
  }
  return pricePerOutcome(charge, outcomes, { percent, fixedFee, included });
}

/** bound × n - (percent × value + fixed × n): the total adjustment for n outcomes held at a bound. */
function boundAdjustment(
  bound: string,
  count: number,
  valueFixedPoint: bigint,
  terms: { percent: MoneyDecimal; fixedFee: MoneyDecimal },
): MoneyDecimal {
  const rawFees = scaledToDecimal(valueFixedPoint, FIXED_POINT_DECIMALS)
    .times(terms.percent)
    .dividedBy(100)
    .plus(terms.fixedFee.times(count));
  return planDecimal(bound).times(count).minus(rawFees);
}

function pricePerOutcome(
  charge: PercentageCharge,
  outcomes: OutcomeValues,
  terms: { percent: MoneyDecimal; fixedFee: MoneyDecimal; included: number },
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
  for (let index = terms.included; index < values.length; index += 1) {
    const text = values[index] as string;
    let category: number;
    if (parseLimbs(text)) {
      const estimate = lastParsedEstimate() * bounds.percentEstimate + bounds.fixedEstimate;
      category = classify(estimate, bounds, lastParsedFixedPoint);
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
  const { exactAmount, row } = percentageRow({
    outcomes: values.length,
    includedOutcomes: Math.min(terms.included, values.length),
    value: scaledToDecimal(unboundedValue + raisedValue + cappedValue, FIXED_POINT_DECIMALS),
    percent: terms.percent,
    fixedFee: terms.fixedFee,
    feeCount: (counts[UNBOUNDED] as number) + raised + capped,
    raised,
    // What the bound added (or removed) relative to the outcomes' raw fees.
    minimumAdjustment:
      raised === 0 ? ZERO : boundAdjustment(charge.minimumPerOutcome ?? '0', raised, raisedValue, terms),
    capped,
    maximumAdjustment:
      capped === 0 ? ZERO : boundAdjustment(charge.maximumPerOutcome ?? '0', capped, cappedValue, terms),
  });
  return { exactAmount, breakdown: [row] };
}

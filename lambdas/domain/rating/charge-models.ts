import type { CurrencyCode } from '../money/currencies';
import type { Aggregation, Charge, ChargeModel, UsageCharge } from '../plans/plan-schema';
import type { ChargeLimits } from './pricers/charge-limits';
import { priceFlatFee } from './pricers/flat-fee';
import { priceGraduatedTiers } from './pricers/graduated-tiers';
import { pricePackage } from './pricers/package';
import { pricePercentageOfValue } from './pricers/percentage-of-value';
import { pricePerUnit } from './pricers/per-unit';
import type { ChargePricingInput, OutcomeValues, PricedCharge } from './pricers/priced-charge';
import { priceVolumeTiers } from './pricers/volume-tiers';

/** What an invoice line knows when its charge describes itself. */
export interface ChargeLineFacts {
  /** The priced quantity as a decimal string ("1" for charges billed per period). */
  readonly quantity: string;
  readonly currency: CurrencyCode;
  /** Per-outcome facts, present when the model needs outcome values. */
  readonly outcomes: OutcomeValues | undefined;
}

/**
 * Everything the engine knows about one charge model. Modules ask these facts
 * instead of comparing model names, so a new model is complete when its entry
 * compiles.
 */
export interface ChargeModelDefinition<C extends Charge> {
  /** The model's pure pricer: the exact (unrounded) amount and a breakdown row per step. */
  readonly price: (charge: C, input: ChargePricingInput) => PricedCharge;
  /** The plan metric whose quantity is priced; undefined when the charge is billed per period (quantity 1). */
  readonly metricOf: (charge: C) => string | undefined;
  /** The only aggregation its metric may have (plan validation refuses others); undefined when any will do. */
  readonly requiredAggregation: Aggregation | undefined;
  /**
   * Whether pricing needs per-outcome facts (count and each outcome's value)
   * besides the quantity. The ledger then always supplies outcome values, even
   * when the plan does not need them: a contract's price override may.
   */
  readonly needsOutcomeValues: boolean;
  /** Per-period minimum and maximum applied after the pricer; undefined when the model has none. */
  readonly limitsOf: (charge: C) => ChargeLimits | undefined;
  /** Whether the pricer scales its price to the days of a partial period (the line then says "12 of 31 days"). */
  readonly proratedOnPartialPeriods: boolean;
  /** The invoice line's description. */
  readonly describe: (charge: C, line: ChargeLineFacts) => string;
}

/** One definition per model, each typed with its own charge. */
export type ChargeModelRegistry = { readonly [C in Charge as C['model']]: ChargeModelDefinition<C> };

// Facts shared by every model that prices a plan metric.
const usageMetric = (charge: UsageCharge): string => charge.metric;
const usageLimits = (charge: UsageCharge): ChargeLimits => charge;
const describeMeasured = (charge: UsageCharge, line: ChargeLineFacts): string =>
  `${charge.name}: ${line.quantity} ${charge.metric}`;

/**
 * The charge models. Typed as `ChargeModelRegistry`, so a model added to the
 * plan schema's union does not compile until it has an entry here.
 */
export const CHARGE_MODEL_DEFINITIONS: ChargeModelRegistry = {
  flat: {
    price: priceFlatFee,
    metricOf: () => undefined,
    requiredAggregation: undefined,
    needsOutcomeValues: false,
    limitsOf: () => undefined,
    proratedOnPartialPeriods: true,
    describe: (charge) => charge.name,
  },
  per_unit: {
    price: pricePerUnit,
    metricOf: usageMetric,
    requiredAggregation: undefined,
    needsOutcomeValues: false,
    limitsOf: usageLimits,
    proratedOnPartialPeriods: false,
    describe: describeMeasured,
  },
  package: {
    price: pricePackage,
    metricOf: usageMetric,
    requiredAggregation: undefined,
    needsOutcomeValues: false,
    limitsOf: usageLimits,
    proratedOnPartialPeriods: false,
    describe: describeMeasured,
  },
  graduated: {
    price: priceGraduatedTiers,
    metricOf: usageMetric,
    requiredAggregation: undefined,
    needsOutcomeValues: false,
    limitsOf: usageLimits,
    proratedOnPartialPeriods: false,
    describe: describeMeasured,
  },
  volume: {
    price: priceVolumeTiers,
    metricOf: usageMetric,
    requiredAggregation: undefined,
    needsOutcomeValues: false,
    limitsOf: usageLimits,
    proratedOnPartialPeriods: false,
    describe: describeMeasured,
  },
  percentage: {
    price: pricePercentageOfValue,
    metricOf: usageMetric,
    // A percentage of value needs the values, in the contract's currency.
    requiredAggregation: 'sum_value',
    needsOutcomeValues: true,
    limitsOf: usageLimits,
    proratedOnPartialPeriods: false,
    describe: (charge, line) =>
      `${charge.name}: ${charge.percent}% of ${line.quantity} ${line.currency} (${line.outcomes?.count ?? 0} outcomes)`,
  },
};

/** The definition of a charge's model, typed for that charge. */
export function chargeModelOf<C extends Charge>(charge: C): ChargeModelDefinition<C> {
  // Indexing by a union of models gives a union of definitions TypeScript
  // cannot correlate with the charge; the registry's type guarantees each
  // entry takes its own model's charge.
  return CHARGE_MODEL_DEFINITIONS[charge.model] as unknown as ChargeModelDefinition<C>;
}

/**
 * The definition of a model named in unvalidated input (plan refinements also
 * see charges whose own checks failed); undefined for an unknown name.
 */
export function findChargeModel(model: unknown): ChargeModelDefinition<Charge> | undefined {
  if (typeof model !== 'string' || !Object.hasOwn(CHARGE_MODEL_DEFINITIONS, model)) return undefined;
  return CHARGE_MODEL_DEFINITIONS[model as ChargeModel] as unknown as ChargeModelDefinition<Charge>;
}

import type { CurrencyCode } from '../money/currencies';
import { CHARGE_MODEL_TERMS, type Charge, type ChargeModel, type ChargeModelTerms, type UsageCharge } from '../plans/plan-schema';
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
export interface ChargeModelDefinition<C extends Charge> extends ChargeModelTerms<C> {
  /** The model's pure pricer: the exact (unrounded) amount and a breakdown row per step. */
  readonly price: (charge: C, input: ChargePricingInput) => PricedCharge;
  /**
   * Whether pricing needs per-outcome facts (count and each outcome's value)
   * besides the quantity. The ledger then always supplies outcome values, even
   * when the plan does not need them: a contract's price override may.
   */
  readonly needsOutcomeValues: boolean;
  /** Whether the pricer scales its price to the days of a partial period (the line then says "12 of 31 days"). */
  readonly proratedOnPartialPeriods: boolean;
  /** The invoice line's description. */
  readonly describe: (charge: C, line: ChargeLineFacts) => string;
}

/** One definition per model, each typed with its own charge. */
export type ChargeModelRegistry = { readonly [C in Charge as C['model']]: ChargeModelDefinition<C> };

// Facts shared by every model that prices a plan metric.
const describeMeasured = (charge: UsageCharge, line: ChargeLineFacts): string =>
  `${charge.name}: ${line.quantity} ${charge.metric}`;

/**
 * The charge models. Typed as `ChargeModelRegistry`, so a model added to the
 * plan schema's union does not compile until it has an entry here.
 */
export const CHARGE_MODEL_DEFINITIONS: ChargeModelRegistry = {
  flat: {
    ...CHARGE_MODEL_TERMS.flat,
    price: priceFlatFee,
    needsOutcomeValues: false,
    proratedOnPartialPeriods: true,
    describe: (charge) => charge.name,
  },
  per_unit: {
    ...CHARGE_MODEL_TERMS.per_unit,
    price: pricePerUnit,
    needsOutcomeValues: false,
    proratedOnPartialPeriods: false,
    describe: describeMeasured,
  },
  package: {
    ...CHARGE_MODEL_TERMS.package,
    price: pricePackage,
    needsOutcomeValues: false,
    proratedOnPartialPeriods: false,
    describe: describeMeasured,
  },
  graduated: {
    ...CHARGE_MODEL_TERMS.graduated,
    price: priceGraduatedTiers,
    needsOutcomeValues: false,
    proratedOnPartialPeriods: false,
    describe: describeMeasured,
  },
  volume: {
    ...CHARGE_MODEL_TERMS.volume,
    price: priceVolumeTiers,
    needsOutcomeValues: false,
    proratedOnPartialPeriods: false,
    describe: describeMeasured,
  },
  percentage: {
    ...CHARGE_MODEL_TERMS.percentage,
    price: pricePercentageOfValue,
    needsOutcomeValues: true,
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

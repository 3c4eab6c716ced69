import { z } from 'zod';
import {
  CurrencyCodeSchema,
  MoneyAmountSchema,
  PercentSchema,
  QuantitySchema,
  UnitPriceSchema,
  isCurrencyCode,
  isExactInCurrency,
  minorUnitExponent,
  decimalOrUndefined,
  toDecimal,
  type CurrencyCode,
} from '../money';
import { LocalDateSchema } from '../periods/time-schemas';
import { CheckpointDaysSchema } from '../risk/checkpoint-plan';
import { SpendAlertsSchema, checkSpendAlertAmounts, checkSpendAlerts, metricReferences } from './spend-alerts-schema';

/** Line id the engine uses for the contract-level commitment true-up; plans may not use it. */
export const COMMITMENT_TRUE_UP_CHARGE_ID = 'commitment-true-up';

const SLUG = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
const slug = (what: string) =>
  z
    .string({ error: `expected a ${what}` })
    .regex(SLUG, { error: `expected a ${what}: lowercase letters, digits, "_", "-" or ".", at most 64 characters` });

export const PlanCodeSchema = slug('plan code');
export const ChargeIdSchema = slug('charge id').refine((id) => id !== COMMITMENT_TRUE_UP_CHARGE_ID, {
  error: `"${COMMITMENT_TRUE_UP_CHARGE_ID}" is reserved for the commitment true-up line`,
});
export const MetricCodeSchema = slug('metric code');

/** How a plan metric turns a period's outcomes into one quantity. */
export const AGGREGATIONS = ['count', 'sum_quantity', 'sum_value', 'max', 'unique_count', 'latest'] as const;
export const AggregationSchema = z.enum(AGGREGATIONS, {
  error: `expected one of ${AGGREGATIONS.map((a) => `"${a}"`).join(', ')}`,
});
export type Aggregation = z.infer<typeof AggregationSchema>;

/** Which of the ledger's outcomes count: billable (default), verified, or all recorded. */
export const ELIGIBILITIES = ['billable', 'verified', 'all'] as const;
export const EligibilitySchema = z.enum(ELIGIBILITIES, { error: 'expected "billable", "verified" or "all"' });
export type Eligibility = z.infer<typeof EligibilitySchema>;

export const MetricDefinitionSchema = z
  .strictObject({
    code: MetricCodeSchema,
    /** The outcome type code in the ledger's metric catalog. */
    ledgerMetric: z.string({ error: 'expected the ledger metric code' }).min(1).max(128),
    aggregation: AggregationSchema,
    /** Attribute counted by `unique_count` (e.g. agentId). */
    attribute: z.string().min(1).max(128).optional(),
    eligibility: EligibilitySchema.default('billable'),
    description: z.string().max(1000).optional(),
  })
  .superRefine((metric, ctx) => {
    if (metric.aggregation === 'unique_count' && metric.attribute === undefined) {
      ctx.addIssue({ code: 'custom', path: ['attribute'], message: 'required when aggregation is "unique_count"' });
    }
    if (metric.aggregation !== 'unique_count' && metric.attribute !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['attribute'], message: 'only used when aggregation is "unique_count"' });
    }
  });
export type MetricDefinition = z.infer<typeof MetricDefinitionSchema>;

export const TierSchema = z.strictObject({
  /** Inclusive upper bound of the tier; omit (or null) on the last, unbounded tier. */
  upTo: QuantitySchema.nullish().transform((value) => value ?? null),
  unitPrice: UnitPriceSchema.default('0'),
  /** Charged once when any unit falls in the tier (graduated) or the tier is selected (volume). */
  flatFee: MoneyAmountSchema.optional(),
});
export type Tier = z.infer<typeof TierSchema>;

const TiersSchema = z
  .array(TierSchema, { error: 'expected a list of tiers' })
  .min(1, { error: 'expected at least one tier' })
  .superRefine((tiers, ctx) => {
    let previous = toDecimal(0);
    tiers.forEach((tier, index) => {
      const last = index === tiers.length - 1;
      if (tier.upTo === null) {
        if (!last) ctx.addIssue({ code: 'custom', path: [index, 'upTo'], message: 'required on every tier but the last' });
        return;
      }
      if (last) {
        ctx.addIssue({ code: 'custom', path: [index, 'upTo'], message: 'the last tier is unbounded: omit upTo' });
        return;
      }
      const upTo = decimalOrUndefined(tier.upTo);
      if (upTo === undefined) return;
      if (upTo.lessThanOrEqualTo(previous)) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'upTo'],
          message: `must be greater than the previous tier's bound (${previous.toFixed()})`,
        });
      }
      previous = upTo;
    });
  });

const chargeBase = {
  id: ChargeIdSchema,
  name: z.string({ error: 'expected a name for the invoice line' }).min(1).max(200),
  description: z.string().max(1000).optional(),
};

// Usage-based charges read one plan metric and may be bounded per period.
const usageChargeBase = {
  ...chargeBase,
  metric: MetricCodeSchema,
  /** Per-period minimum for this charge (prorated on partial periods). */
  minimum: MoneyAmountSchema.optional(),
  /** Per-period maximum for this charge (never prorated). */
  maximum: MoneyAmountSchema.optional(),
};

export const FlatFeeChargeSchema = z.strictObject({
  ...chargeBase,
  model: z.literal('flat'),
  /** Recurring fee per full period; partial periods are prorated by local days. */
  amount: MoneyAmountSchema,
});

export const PerUnitChargeSchema = z.strictObject({
  ...usageChargeBase,
  model: z.literal('per_unit'),
  unitPrice: UnitPriceSchema,
  includedUnits: QuantitySchema.optional(),
});

export const PackageChargeSchema = z.strictObject({
  ...usageChargeBase,
  model: z.literal('package'),
  packageSize: QuantitySchema.refine((size) => decimalOrUndefined(size)?.isZero() !== true, {
    error: 'must be greater than 0',
  }),
  packagePrice: UnitPriceSchema,
  /** Partial packages: "up" bills a started package in full, "down" bills only complete ones. */
  rounding: z.enum(['up', 'down'], { error: 'expected "up" or "down"' }).default('up'),
  includedUnits: QuantitySchema.optional(),
});

export const GraduatedChargeSchema = z.strictObject({
  ...usageChargeBase,
  model: z.literal('graduated'),
  tiers: TiersSchema,
  includedUnits: QuantitySchema.optional(),
});

export const VolumeChargeSchema = z.strictObject({
  ...usageChargeBase,
  model: z.literal('volume'),
  tiers: TiersSchema,
  includedUnits: QuantitySchema.optional(),
});

export const PercentageChargeSchema = z
  .strictObject({
    ...usageChargeBase,
    model: z.literal('percentage'),
    /** Percent of each outcome's value, e.g. "2.5". */
    percent: PercentSchema,
    fixedFeePerOutcome: UnitPriceSchema.optional(),
    minimumPerOutcome: UnitPriceSchema.optional(),
    maximumPerOutcome: UnitPriceSchema.optional(),
    /** The first N outcomes of the period (in occurredAt order) carry no fee. */
    includedOutcomes: z.int({ error: 'expected a whole number of outcomes' }).min(0).optional(),
  })
  .superRefine((charge, ctx) => {
    const minimum = decimalOrUndefined(charge.minimumPerOutcome);
    const maximum = decimalOrUndefined(charge.maximumPerOutcome);
    if (minimum && maximum && minimum.greaterThan(maximum)) {
      ctx.addIssue({ code: 'custom', path: ['maximumPerOutcome'], message: 'must not be below minimumPerOutcome' });
    }
  });

export const CHARGE_MODELS = ['flat', 'per_unit', 'package', 'graduated', 'volume', 'percentage'] as const;

export const ChargeSchema = z
  .discriminatedUnion(
    'model',
    [
      FlatFeeChargeSchema,
      PerUnitChargeSchema,
      PackageChargeSchema,
      GraduatedChargeSchema,
      VolumeChargeSchema,
      PercentageChargeSchema,
    ],
    { error: `expected model to be one of ${CHARGE_MODELS.map((m) => `"${m}"`).join(', ')}` },
  )
  .superRefine((charge, ctx) => {
    const limits = findChargeModelTerms(charge.model)?.limitsOf(charge);
    if (limits === undefined) return;
    const minimum = decimalOrUndefined(limits.minimum);
    const maximum = decimalOrUndefined(limits.maximum);
    if (minimum && maximum && minimum.greaterThan(maximum)) {
      ctx.addIssue({ code: 'custom', path: ['maximum'], message: 'must not be below minimum' });
    }
  });

export type Charge = z.infer<typeof ChargeSchema>;
export type ChargeModel = Charge['model'];
export type FlatFeeCharge = z.infer<typeof FlatFeeChargeSchema>;
export type PerUnitCharge = z.infer<typeof PerUnitChargeSchema>;
export type PackageCharge = z.infer<typeof PackageChargeSchema>;
export type GraduatedCharge = z.infer<typeof GraduatedChargeSchema>;
export type VolumeCharge = z.infer<typeof VolumeChargeSchema>;
export type PercentageCharge = z.infer<typeof PercentageChargeSchema>;
export type UsageCharge = Exclude<Charge, FlatFeeCharge>;

/** A charge's per-period minimum and maximum (major units, decimal strings). */
export interface ChargeLimits {
  readonly minimum?: string | undefined;
  readonly maximum?: string | undefined;
}

/**
 * What the plan language itself says about a charge model: which metric it
 * prices, the aggregation that metric must have, and its per-period limits.
 * Plan validation asks these; the rating registry
 * (lambdas/domain/rating/charge-models.ts) builds each model's pricing entry
 * on top of them, so the facts live once and plans never import rating.
 */
export interface ChargeModelTerms<C extends Charge> {
  /** The plan metric whose quantity is priced; undefined when the charge is billed per period (quantity 1). */
  readonly metricOf: (charge: C) => string | undefined;
  /** The only aggregation its metric may have (plan validation refuses others); undefined when any will do. */
  readonly requiredAggregation: Aggregation | undefined;
  /** Per-period minimum and maximum applied after the pricer; undefined when the model has none. */
  readonly limitsOf: (charge: C) => ChargeLimits | undefined;
}

const usageChargeTerms: ChargeModelTerms<UsageCharge> = {
  metricOf: (charge) => charge.metric,
  requiredAggregation: undefined,
  limitsOf: (charge) => charge,
};

/** One entry per model; a model added to the schema's union does not compile without its terms. */
export const CHARGE_MODEL_TERMS: { readonly [C in Charge as C['model']]: ChargeModelTerms<C> } = {
  flat: { metricOf: () => undefined, requiredAggregation: undefined, limitsOf: () => undefined },
  per_unit: usageChargeTerms,
  package: usageChargeTerms,
  graduated: usageChargeTerms,
  volume: usageChargeTerms,
  // A percentage of value needs the values, in the contract's currency.
  percentage: { ...usageChargeTerms, requiredAggregation: 'sum_value' },
};

/**
 * The terms of a model named in unvalidated input (refinements also see
 * charges whose own checks failed); undefined for an unknown name.
 */
function findChargeModelTerms(model: unknown): ChargeModelTerms<Charge> | undefined {
  if (typeof model !== 'string' || !Object.hasOwn(CHARGE_MODEL_TERMS, model)) return undefined;
  return CHARGE_MODEL_TERMS[model as ChargeModel] as unknown as ChargeModelTerms<Charge>;
}

type IssueSink = { addIssue: (issue: { code: 'custom'; path: PropertyKey[]; message: string }) => void };

/** A fixed amount that becomes whole minor units on an invoice must fit the currency. */
export function checkAmountFitsCurrency(value: unknown, currency: CurrencyCode, path: PropertyKey[], ctx: IssueSink): void {
  if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) && !isExactInCurrency(value, currency)) {
    ctx.addIssue({
      code: 'custom',
      path,
      message: `"${value}" has more decimals than ${currency} allows (${minorUnitExponent(currency)})`,
    });
  }
}

/** Checks a charge's (or price override's) fixed amounts against the currency. */
export function checkChargeAmountsFitCurrency(
  charge: Partial<Record<string, unknown>>,
  currency: CurrencyCode,
  pathPrefix: PropertyKey[],
  ctx: IssueSink,
): void {
  for (const field of ['amount', 'minimum', 'maximum'] as const) {
    checkAmountFitsCurrency(charge[field], currency, [...pathPrefix, field], ctx);
  }
  const tiers = charge['tiers'];
  if (Array.isArray(tiers)) {
    tiers.forEach((tier: unknown, index) => {
      if (tier && typeof tier === 'object') {
        checkAmountFitsCurrency((tier as Record<string, unknown>)['flatFee'], currency, [...pathPrefix, 'tiers', index, 'flatFee'], ctx);
      }
    });
  }
}

export const PlanVersionSchema = z
  .strictObject({
    version: z.int({ error: 'expected a whole version number' }).min(1, { error: 'versions start at 1' }),
    /** Local date (in each contract's time zone) from which this version prices periods. */
    effectiveFrom: LocalDateSchema,
    description: z.string().max(2000).optional(),
    metrics: z.array(MetricDefinitionSchema).default([]),
    charges: z.array(ChargeSchema).min(1, { error: 'a version needs at least one charge' }),
    /**
     * Days before term end at which renewal risk is checked for contracts on
     * this version (a contract's own list wins; the engine's default otherwise).
     */
    renewalCheckpointsDays: CheckpointDaysSchema.optional(),
    /** Usage, spend, credit-balance and usage-drop alerts of contracts on this version (a contract's own keys win). */
    alerts: SpendAlertsSchema.optional(),
  })
  .superRefine((version, ctx) => {
    // Refinements also see input whose own checks failed: stay defensive.
    if (!Array.isArray(version.metrics) || !Array.isArray(version.charges)) return;
    checkSpendAlerts(version.alerts, undefined, ['alerts'], ctx);
    // Alerts read the quantities the charges measure: a metric no charge prices has none.
    const pricedMetrics = new Set(version.charges.flatMap((charge) => findChargeModelTerms(charge.model)?.metricOf(charge) ?? []));
    for (const reference of metricReferences(version.alerts, undefined, ['alerts'], [])) {
      if (!pricedMetrics.has(reference.metric)) {
        ctx.addIssue({ code: 'custom', path: reference.path, message: `metric "${reference.metric}" is not priced by a charge of this version (priced: ${[...pricedMetrics].map((code) => `"${code}"`).join(', ') || 'none'})` });
      }
    }
    const metricsByCode = new Map<string, MetricDefinition>();
    version.metrics.forEach((metric, index) => {
      if (metricsByCode.has(metric.code)) {
        ctx.addIssue({ code: 'custom', path: ['metrics', index, 'code'], message: `duplicate metric code "${metric.code}"` });
      }
      metricsByCode.set(metric.code, metric);
    });
    const chargeIds = new Set<string>();
    version.charges.forEach((charge, index) => {
      if (chargeIds.has(charge.id)) {
        ctx.addIssue({ code: 'custom', path: ['charges', index, 'id'], message: `duplicate charge id "${charge.id}"` });
      }
      chargeIds.add(charge.id);
      const model = findChargeModelTerms(charge.model);
      const metricCode = model?.metricOf(charge);
      if (model === undefined || typeof metricCode !== 'string') return;
      const metric = metricsByCode.get(metricCode);
      const required = model.requiredAggregation;
      if (!metric) {
        const known = [...metricsByCode.keys()].map((code) => `"${code}"`).join(', ') || 'none defined';
        ctx.addIssue({
          code: 'custom',
          path: ['charges', index, 'metric'],
          message: `unknown metric "${metricCode}" (metrics of this version: ${known})`,
        });
      } else if (required !== undefined && metric.aggregation !== required) {
        ctx.addIssue({
          code: 'custom',
          path: ['charges', index, 'metric'],
          message: `a ${charge.model} charge needs a metric with aggregation "${required}" ("${metric.code}" is "${metric.aggregation}")`,
        });
      }
    });
  });
export type PlanVersion = z.infer<typeof PlanVersionSchema>;

export const PlanSchema = z
  .strictObject({
    kind: z.literal('plan', { error: 'expected kind: plan' }),
    code: PlanCodeSchema,
    name: z.string({ error: 'expected a plan name' }).min(1).max(200),
    description: z.string().max(2000).optional(),
    currency: CurrencyCodeSchema,
    versions: z.array(PlanVersionSchema).min(1, { error: 'a plan needs at least one version' }),
  })
  .superRefine((plan, ctx) => {
    if (!Array.isArray(plan.versions)) return;
    plan.versions.forEach((version, index) => {
      const previous = plan.versions[index - 1];
      if (previous && version.version <= previous.version) {
        ctx.addIssue({
          code: 'custom',
          path: ['versions', index, 'version'],
          message: `versions must be listed in increasing order (${version.version} follows ${previous.version})`,
        });
      }
      if (previous && version.effectiveFrom <= previous.effectiveFrom) {
        ctx.addIssue({
          code: 'custom',
          path: ['versions', index, 'effectiveFrom'],
          message: `must be after version ${previous.version}'s effectiveFrom (${previous.effectiveFrom})`,
        });
      }
      if (!Array.isArray(version.charges) || !isCurrencyCode(String(plan.currency))) return;
      version.charges.forEach((charge, chargeIndex) =>
        checkChargeAmountsFitCurrency(charge, plan.currency, ['versions', index, 'charges', chargeIndex], ctx),
      );
      checkSpendAlertAmounts(version.alerts, (value, path) => checkAmountFitsCurrency(value, plan.currency, path, ctx), ['versions', index, 'alerts']);
    });
  });
export type Plan = z.infer<typeof PlanSchema>;

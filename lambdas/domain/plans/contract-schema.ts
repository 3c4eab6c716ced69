import { z } from 'zod';
import { CurrencyCodeSchema, MoneyAmountSchema, PercentSchema, QuantitySchema, UnitPriceSchema, decimalOrUndefined, isCurrencyCode } from '../money';
import { BillingCadenceSchema } from '../periods/billing-schedule';
import { parseLocalDate, compareLocalDates } from '../periods/local-date';
import { LocalDateSchema, TimeZoneSchema } from '../periods/time-schemas';
import { CheckpointDaysSchema } from '../risk/checkpoint-plan';
import {
  ChargeIdSchema,
  EligibilitySchema,
  PlanCodeSchema,
  TierSchema,
  checkAmountFitsCurrency,
  checkChargeAmountsFitCurrency,
} from './plan-schema';
import { CapSchema, SpendAlertsSchema, checkCaps, checkSpendAlerts } from './spend-alerts-schema';

/**
 * A per-contract price override: the pricing fields of one plan charge that this
 * contract pays differently. It is merged over the plan's charge and the result
 * is validated as a charge of the same model (so `tiers` on a per-unit charge is
 * reported, not ignored). The charge's id, model and metric cannot change.
 */
export const PriceOverrideSchema = z.strictObject({
  chargeId: ChargeIdSchema,
  name: z.string().min(1).max(200).optional(),
  amount: MoneyAmountSchema.optional(),
  unitPrice: UnitPriceSchema.optional(),
  packageSize: QuantitySchema.optional(),
  packagePrice: UnitPriceSchema.optional(),
  rounding: z.enum(['up', 'down']).optional(),
  tiers: z.array(TierSchema).optional(),
  percent: PercentSchema.optional(),
  fixedFeePerOutcome: UnitPriceSchema.optional(),
  minimumPerOutcome: UnitPriceSchema.optional(),
  maximumPerOutcome: UnitPriceSchema.optional(),
  includedOutcomes: z.int().min(0).optional(),
  includedUnits: QuantitySchema.optional(),
  minimum: MoneyAmountSchema.optional(),
  maximum: MoneyAmountSchema.optional(),
});
export type PriceOverride = z.infer<typeof PriceOverrideSchema>;

/**
 * Contract-level minimum commitment. `per_period`: each period's charges are
 * topped up to `amountPerPeriod` (prorated on partial periods). `term_end`: the
 * last period of the term is topped up so the whole term reaches `amountForTerm`.
 */
export const CommitmentSchema = z.discriminatedUnion(
  'trueUp',
  [
    z.strictObject({ trueUp: z.literal('per_period'), amountPerPeriod: MoneyAmountSchema }),
    z.strictObject({ trueUp: z.literal('term_end'), amountForTerm: MoneyAmountSchema }),
  ],
  { error: 'expected trueUp to be "per_period" or "term_end"' },
);
export type Commitment = z.infer<typeof CommitmentSchema>;

/** Prepaid credits: an amount balance drawn down before money is charged. */
export const PrepaidCreditsSchema = z.strictObject({
  amount: MoneyAmountSchema,
  /** Charge ids the credits may pay for; all charges (and the true-up) when omitted. */
  appliesTo: z.array(ChargeIdSchema).min(1).optional(),
});
export type PrepaidCredits = z.infer<typeof PrepaidCreditsSchema>;

/** The progress the customer bought (e.g. 500 resolutions a month); read by renewal risk. */
export const SuccessTargetSchema = z.strictObject({
  /** Ledger metric code (outcome type). */
  metric: z.string().min(1).max(128),
  measure: z.enum(['count', 'sum_quantity'], { error: 'expected "count" or "sum_quantity"' }).default('count'),
  eligibility: EligibilitySchema.default('billable'),
  targetPerPeriod: QuantitySchema,
});
export type SuccessTarget = z.infer<typeof SuccessTargetSchema>;

export const ContractSchema = z
  .strictObject({
    kind: z.literal('contract', { error: 'expected kind: contract' }),
    contractId: z.string({ error: 'expected a contract id' }).min(1).max(128),
    customerId: z.string({ error: 'expected a customer id' }).min(1).max(255),
    plan: z.strictObject({
      code: PlanCodeSchema,
      /** A pinned version number, or "latest": the version in effect at each period's start. */
      version: z.union([z.int().min(1), z.literal('latest')], {
        error: 'expected a version number or "latest"',
      }),
    }),
    /** First local day of the term (inclusive). */
    termStart: LocalDateSchema,
    /** First local day after the term (exclusive): a one-year term from 2026-01-01 ends 2027-01-01. */
    termEnd: LocalDateSchema,
    billingPeriod: z.strictObject({
      cadence: BillingCadenceSchema,
      /** Day of month periods start on; defaults to termStart's day. 29..31 fall back to a short month's last day. */
      anchorDay: z.int({ error: 'expected a day of month 1..31' }).min(1).max(31).optional(),
      /** Month quarterly/annual periods start in; defaults to termStart's month. */
      anchorMonth: z.int({ error: 'expected a month 1..12' }).min(1).max(12).optional(),
    }),
    timeZone: TimeZoneSchema,
    currency: CurrencyCodeSchema,
    priceOverrides: z.array(PriceOverrideSchema).default([]),
    commitment: CommitmentSchema.optional(),
    prepaidCredits: PrepaidCreditsSchema.optional(),
    successTargets: z.array(SuccessTargetSchema).default([]),
    stripeCustomerId: z.string().regex(/^cus_[A-Za-z0-9]+$/, { error: 'expected a Stripe customer id (cus_...)' }).optional(),
    csmOwner: z.string().min(1).max(320).optional(),
    /** Days before term end at which renewal risk is checked; overrides the plan's and the engine's default. */
    renewalCheckpointsDays: CheckpointDaysSchema.optional(),
    /**
     * First local day the contract is no longer in force. The period that
     * contains it is the last one closed; later periods are never billed and
     * the term's renewal checks are removed.
     */
    cancelledOn: LocalDateSchema.optional(),
    /**
     * Definition versions this contract is billed under, per ledger metric
     * (`ticket.resolved: 2`), as `plan.version` pins a plan version. Each must
     * exist in the catalog when the contract is loaded.
     */
    definitionVersions: z
      .record(z.string().min(1).max(128), z.int({ error: 'expected a definition version number' }).min(1))
      .optional(),
    /**
     * Threshold invoicing: an invoice for the open period to date whenever the
     * rated spend not invoiced yet reaches `amount` (major units of the
     * contract's currency); the period-end invoice bills the rest.
     */
    thresholdInvoicing: z.strictObject({ amount: MoneyAmountSchema }).optional(),
    /** Alerts while a period is open; each key given replaces the plan version's same key. */
    alerts: SpendAlertsSchema.optional(),
    /** Hard caps on a metric's billable quantity or the period's spend (see docs/live-spend.md). */
    caps: z.array(CapSchema).optional(),
  })
  .superRefine((contract, ctx) => {
    const start = parseLocalDate(contract.termStart);
    const end = parseLocalDate(contract.termEnd);
    if (start && end && compareLocalDates(end, start) <= 0) {
      ctx.addIssue({ code: 'custom', path: ['termEnd'], message: 'must be after termStart (termEnd is exclusive)' });
    }
    const cancelledOn = contract.cancelledOn === undefined ? undefined : parseLocalDate(contract.cancelledOn);
    if (start && end && cancelledOn && (compareLocalDates(cancelledOn, start) <= 0 || compareLocalDates(cancelledOn, end) > 0)) {
      ctx.addIssue({
        code: 'custom',
        path: ['cancelledOn'],
        message: `must be after termStart ${contract.termStart} and on or before termEnd ${contract.termEnd} (a contract cancelled before it starts is not loaded at all)`,
      });
    }
    // Refinements also see input whose own checks failed: stay defensive.
    if (!isCurrencyCode(String(contract.currency)) || !Array.isArray(contract.priceOverrides)) return;
    const overridden = new Set<string>();
    contract.priceOverrides.forEach((override, index) => {
      if (overridden.has(override.chargeId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['priceOverrides', index, 'chargeId'],
          message: `charge "${override.chargeId}" is overridden twice`,
        });
      }
      overridden.add(override.chargeId);
      checkChargeAmountsFitCurrency(override, contract.currency, ['priceOverrides', index], ctx);
    });
    if (contract.commitment?.trueUp === 'per_period') {
      checkAmountFitsCurrency(contract.commitment.amountPerPeriod, contract.currency, ['commitment', 'amountPerPeriod'], ctx);
    }
    if (contract.commitment?.trueUp === 'term_end') {
      checkAmountFitsCurrency(contract.commitment.amountForTerm, contract.currency, ['commitment', 'amountForTerm'], ctx);
    }
    checkAmountFitsCurrency(contract.prepaidCredits?.amount, contract.currency, ['prepaidCredits', 'amount'], ctx);
    checkAmountFitsCurrency(contract.thresholdInvoicing?.amount, contract.currency, ['thresholdInvoicing', 'amount'], ctx);
    if (decimalOrUndefined(contract.thresholdInvoicing?.amount)?.isZero() === true) {
      ctx.addIssue({ code: 'custom', path: ['thresholdInvoicing', 'amount'], message: 'must be greater than 0' });
    }
    const checkAmount = (value: unknown, path: PropertyKey[]) => checkAmountFitsCurrency(value, contract.currency, path, ctx);
    checkSpendAlerts(contract.alerts, checkAmount, ['alerts'], ctx);
    checkCaps(contract.caps, checkAmount, ['caps'], ctx);
    if (!Array.isArray(contract.successTargets)) return;
    contract.successTargets.forEach((target, index) => {
      if (decimalOrUndefined(target.targetPerPeriod)?.isZero() === true) {
        ctx.addIssue({ code: 'custom', path: ['successTargets', index, 'targetPerPeriod'], message: 'must be greater than 0' });
      }
    });
  });
export type Contract = z.infer<typeof ContractSchema>;
/** What a contract file holds before defaults are applied. */
export type ContractInput = z.input<typeof ContractSchema>;

import { z } from 'zod';
import { isCurrencyCode, type CurrencyCode } from '../money/currencies';
import { InstantSchema, LocalDateSchema, TimeZoneSchema } from '../periods/time-schemas';

// The risk core's own input: plain data the check use case assembles from the
// contract, the ledger (usage per metric and period as of a cutoff), rating
// (spend to date), Stripe payment signals and feedback outcomes. Nothing here
// reads a store, so an assessment can be replayed exactly from a saved input.

const DecimalText = z.string().regex(/^\d+(\.\d+)?$/, { error: 'expected a non-negative decimal string, e.g. "312" or "12.5"' });
const MinorUnitsText = z.string().regex(/^\d+$/, { error: 'expected integer minor units as a string, e.g. "6000000"' });

export const RiskCurrencySchema = z
  .string()
  .refine(isCurrencyCode, { error: 'expected an ISO 4217 currency code' })
  .transform((code) => code as CurrencyCode);

export const RiskSuccessTargetSchema = z.strictObject({
  /** Ledger metric code. */
  metric: z.string().min(1).max(128),
  /** Plural noun for sentences ("resolutions"); the metric code when absent. */
  label: z.string().min(1).max(64).optional(),
  /** Singular noun for exactly one ("resolution"); the plural label when absent. */
  singularLabel: z.string().min(1).max(64).optional(),
  targetPerPeriod: DecimalText,
});
export type RiskSuccessTarget = z.infer<typeof RiskSuccessTargetSchema>;

export const RiskContractSchema = z.strictObject({
  contractId: z.string().min(1).max(128),
  customerId: z.string().min(1).max(255),
  termId: z.string().min(1).max(128),
  /** First local day of the term (inclusive). */
  termStart: LocalDateSchema,
  /** First local day after the term (exclusive). */
  termEnd: LocalDateSchema,
  timeZone: TimeZoneSchema,
  currency: RiskCurrencySchema,
  /** Committed spend for the whole term, integer minor units. */
  committedAmountMinor: MinorUnitsText.optional(),
  /** Revenue that renews with this contract (e.g. annual contract value), minor units; drives task priority. */
  renewalValueMinor: MinorUnitsText.optional(),
  successTargets: z.array(RiskSuccessTargetSchema).default([]),
  csmOwner: z.string().min(1).max(320).optional(),
});
export type RiskContract = z.infer<typeof RiskContractSchema>;

/** A billing period of the term (local dates, end exclusive). */
export const RiskPeriodSchema = z.strictObject({
  periodStart: LocalDateSchema,
  periodEnd: LocalDateSchema,
});
export type RiskPeriod = z.infer<typeof RiskPeriodSchema>;

export const UsageByPeriodSchema = RiskPeriodSchema.extend({
  metric: z.string().min(1).max(128),
  quantity: DecimalText,
});
export type UsageByPeriod = z.infer<typeof UsageByPeriodSchema>;

export const PaymentSignalSchema = z.strictObject({
  /**
   * `invoice_finalized`: the invoice was issued (open, owed) at `occurredAt`; with a `dueAt` it is past due
   * from then unless settled by `now`. `invoice_voided` settles an invoice like a payment: nothing is owed on it any more.
   */
  kind: z.enum(['payment_failed', 'payment_succeeded', 'invoice_past_due', 'invoice_paid', 'invoice_voided', 'invoice_finalized']),
  invoiceId: z.string().min(1).max(255),
  occurredAt: InstantSchema,
  /** What is still owed on the invoice (amount due less amount paid), integer minor units. */
  amountMinor: MinorUnitsText.optional(),
  /** The invoice's due date (payment terms) as the signal knew it; absent when it has none. */
  dueAt: InstantSchema.optional(),
});
export type PaymentSignal = z.infer<typeof PaymentSignalSchema>;

export const FeedbackSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('nps'),
    /** One respondent's 0..10 answer. */
    score: z.int().min(0).max(10),
    occurredAt: InstantSchema,
  }),
  z.strictObject({
    kind: z.literal('csat'),
    score: DecimalText,
    /** Top of the scale (5 for 1..5, 100 for percentages). */
    scaleMax: DecimalText.default('5'),
    occurredAt: InstantSchema,
  }),
]);
export type Feedback = z.infer<typeof FeedbackSchema>;

/** What an outcome is worth to the customer, for the value summary (major units, decimal string). */
export const OutcomeValueSchema = z.strictObject({
  metric: z.string().min(1).max(128),
  valuePerUnit: DecimalText,
});

/**
 * The value producers reported with a period's outcomes (the outcome `value`),
 * summed per metric in the contract's currency, major units. Used by the value
 * summary when no value per unit is configured for the metric.
 */
export const DeliveredValueSchema = RiskPeriodSchema.extend({
  metric: z.string().min(1).max(128),
  amount: DecimalText,
});
export type DeliveredValue = z.infer<typeof DeliveredValueSchema>;

/**
 * Disputes of one metric's outcomes that occurred in the term so far: how
 * many outcomes were billed (counted now, plus those an upheld dispute
 * reversed), how many were disputed, how many of those upheld.
 */
export const DisputeTallySchema = z.strictObject({
  metric: z.string().min(1).max(128),
  billed: z.int().min(0),
  disputed: z.int().min(0),
  upheld: z.int().min(0),
});
export type DisputeTally = z.infer<typeof DisputeTallySchema>;

export const RiskAssessmentInputSchema = z.strictObject({
  contract: RiskContractSchema,
  /** The checkpoint this assessment runs for (days before term end); absent for ad-hoc checks. */
  checkpointDays: z.int().min(0).max(3660).optional(),
  /** All billing periods of the current term, in order. Periods without usage rows count as zero. */
  termPeriods: z.array(RiskPeriodSchema).min(1, { error: 'expected the term\'s billing periods' }),
  /** Usage per metric and period as of the ledger cutoff; may include the previous term (trend baseline). */
  usageByPeriod: z.array(UsageByPeriodSchema).default([]),
  /** Rated spend in the current term so far (billed and unbilled), minor units. */
  spendToDateMinor: MinorUnitsText.optional(),
  /**
   * First local day after the span `spendToDateMinor` covers (the end of the
   * last rated period). Burn pace is spend over that span, so a period in
   * progress that is not rated yet does not make the burn read low. Absent: spend covers up to `now`.
   */
  spendThroughDate: LocalDateSchema.optional(),
  /** Absent: payments are not wired for this contract (signal not applicable). Empty: nothing went wrong. */
  paymentSignals: z.array(PaymentSignalSchema).optional(),
  feedback: z.array(FeedbackSchema).default([]),
  /** Absent: disputes were not read (signal not applicable). One tally per success-target metric. */
  disputes: z.array(DisputeTallySchema).optional(),
  outcomeValues: z.array(OutcomeValueSchema).default([]),
  deliveredValues: z.array(DeliveredValueSchema).default([]),
  /** occurredAt of the customer's most recent outcome of any metric. */
  lastOutcomeAt: InstantSchema.optional(),
  /** Freshness of the ledger read: the newest recordedAt seen across all producers (not just this customer). */
  dataAsOf: InstantSchema.optional(),
  now: InstantSchema,
});
export type RiskAssessmentInput = z.input<typeof RiskAssessmentInputSchema>;
export type ParsedRiskAssessmentInput = z.infer<typeof RiskAssessmentInputSchema>;

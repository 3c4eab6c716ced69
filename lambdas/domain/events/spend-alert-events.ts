import { z } from 'zod';

// Details of the events the engine publishes while a period is open: each
// once per contract, period and threshold. Amounts are decimal strings in
// major units of `currency`; quantities decimal strings.

const AlertBaseShape = {
  schemaVersion: z.literal(1),
  contractId: z.string(),
  customerId: z.string(),
  /** Period id in the contract's schedule (2026-11, 2026-Q4, 2026). */
  periodId: z.string(),
  /** Stable id of the threshold within the contract and period, e.g. "usage:resolutions:500". */
  thresholdId: z.string(),
  /** The ledger's recordedAt cutoff the figures were read at. */
  asOf: z.string(),
};

export const UsageThresholdReachedDetailSchema = z.strictObject({
  ...AlertBaseShape,
  metric: z.string(),
  level: z.string(),
  quantity: z.string(),
});

export const SpendThresholdReachedDetailSchema = z.strictObject({
  ...AlertBaseShape,
  currency: z.string(),
  /** The level in money (a percentage level resolved against the commitment). */
  level: z.string(),
  /** Set when the level was given as a percentage of the commitment. */
  percentOfCommitment: z.string().nullable(),
  /** The period's rated charges to date (for a percentage level: what counts against the commitment). */
  amount: z.string(),
});

export const CreditBalanceLowDetailSchema = z.strictObject({
  ...AlertBaseShape,
  currency: z.string(),
  level: z.string(),
  creditsLeft: z.string(),
});

export const CapReachedDetailSchema = z.strictObject({
  ...AlertBaseShape,
  /** The capped metric, or null for a spend cap. */
  metric: z.string().nullable(),
  /** The cap: a quantity for a metric cap, an amount in `currency` for a spend cap. */
  cap: z.string(),
  /** The uncapped quantity or amount to date. */
  reached: z.string(),
  currency: z.string(),
});

/** A metric's last complete day fell below its share of the customer's trailing daily average (once per contract, metric and day). */
export const UsageDroppedDetailSchema = z.strictObject({
  ...AlertBaseShape,
  metric: z.string(),
  /** The complete day measured, in the contract's time zone (YYYY-MM-DD). */
  day: z.string(),
  dayQuantity: z.string(),
  /** The average daily quantity of the `baselineDays` days before `day`. */
  baselineDailyAverage: z.string(),
  baselineDays: z.int(),
  belowPercentOfBaseline: z.string(),
});

export type UsageThresholdReachedDetail = z.infer<typeof UsageThresholdReachedDetailSchema>;
export type SpendThresholdReachedDetail = z.infer<typeof SpendThresholdReachedDetailSchema>;
export type CreditBalanceLowDetail = z.infer<typeof CreditBalanceLowDetailSchema>;
export type CapReachedDetail = z.infer<typeof CapReachedDetailSchema>;
export type UsageDroppedDetail = z.infer<typeof UsageDroppedDetailSchema>;

import { z } from 'zod';
import { CurrencyCodeSchema, QuantitySchema } from '../money';
import { InstantSchema } from '../periods/time-schemas';
import { EligibilitySchema, type Aggregation, type Eligibility } from '../plans/plan-schema';

const CountSchema = z
  .union(
    [
      z.int({ error: 'expected a whole number of outcomes, e.g. 12' }).min(0, { error: (issue) => `a count cannot be negative, got ${String(issue.input)}` }),
      z.string().regex(/^\d+$/, { error: 'expected a whole non-negative count, e.g. "12"' }),
    ],
    { error: 'expected a whole non-negative count' },
  )
  .transform((count) => Number(count)) // exact: a count of outcomes, checked to be a safe integer next
  .refine(Number.isSafeInteger, { error: 'count is too large' });

/**
 * A period's usage of one ledger metric for one customer, as the ledger (or a
 * usage file) supplies it. `count` and `sumQuantity` are always required;
 * the other aggregates are needed only by plan metrics that use them:
 * - `sumValue` (+ `valueCurrency`) for `sum_value` metrics and percentage charges;
 * - `maxQuantity`, `latestQuantity`, `uniqueCounts[attribute]` for those aggregations;
 * - `outcomeValues`: each counted outcome's net value in occurredAt order, needed
 *   by percentage charges with a per-outcome minimum/maximum or included outcomes.
 * Reversed outcomes are absent and corrected ones carry their corrected values
 * (the ledger nets them before rating).
 */
export const MetricUsageSchema = z.strictObject({
  ledgerMetric: z.string({ error: 'expected the ledger metric code' }).min(1).max(128),
  eligibility: EligibilitySchema.default('billable'),
  count: CountSchema,
  sumQuantity: QuantitySchema,
  sumValue: QuantitySchema.optional(),
  valueCurrency: CurrencyCodeSchema.optional(),
  maxQuantity: QuantitySchema.optional(),
  latestQuantity: QuantitySchema.optional(),
  uniqueCounts: z.record(z.string(), z.int().min(0)).optional(),
  outcomeValues: z.array(QuantitySchema).optional(),
  /** The ledger's reference for the query that produced these figures (shown on invoice lines). */
  query: z.string().max(2000).optional(),
});
export type MetricUsage = z.infer<typeof MetricUsageSchema>;

/** All usage of one customer for one period, as of a recordedAt cutoff. */
export const PeriodUsageSchema = z.strictObject({
  customerId: z.string().min(1).max(255).optional(),
  /** occurredAt window [from, to) the ledger queried. */
  from: InstantSchema.optional(),
  to: InstantSchema.optional(),
  /** recordedAt cutoff: usage as the ledger knew it at this instant. */
  asOf: InstantSchema.optional(),
  metrics: z.array(MetricUsageSchema).default([]),
});
export type PeriodUsage = z.infer<typeof PeriodUsageSchema>;
export type PeriodUsageInput = z.input<typeof PeriodUsageSchema>;

/**
 * Which ledger query produced an invoice line's quantity: enough to run it
 * again and get the same answer (the ledger answers "as of" a cutoff).
 */
export interface UsageQuery {
  readonly customerId: string | null;
  readonly ledgerMetric: string;
  readonly eligibility: Eligibility;
  readonly aggregation: Aggregation;
  readonly attribute: string | null;
  readonly from: string;
  readonly to: string;
  readonly asOf: string | null;
  /** The ledger's own reference for the query, when it gave one. */
  readonly reference: string | null;
}

export function usageKey(ledgerMetric: string, eligibility: Eligibility): string {
  return `${ledgerMetric}\u0000${eligibility}`;
}

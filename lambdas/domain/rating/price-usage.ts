import { z } from 'zod';
import { DateTime } from 'luxon';
import { CurrencyCodeSchema, QuantitySchema } from '../money';
import type { Plan } from '../plans/plan-schema';
import { selectPlanVersion } from '../plans/resolve-plan-version';
import { compareLocalDates, parseLocalDate, startOfLocalDay, toUtcDateTime, toUtcIsoString, utcIso, type InstantInput } from '../periods/local-date';
import { InstantSchema, LocalDateSchema } from '../periods/time-schemas';
import { UsageAccumulator, type RatableOutcome } from './aggregate-outcomes';
import { serializeDraftInvoice, type DraftInvoice, type RatingPeriod, type SerializedDraftInvoice } from './draft-invoice';
import { indexUsage } from './measure-usage';
import { rateChargeLines } from './rate-lines';
import { UsageInputError } from './rating-errors';
import { MetricUsageSchema, usageKey, type MetricUsage } from './usage';
import { usageRequirementsFor } from './usage-requirements';

const DATE_OR_INSTANT = z.union(
  [LocalDateSchema, InstantSchema],
  { error: 'expected a date YYYY-MM-DD (UTC midnight) or an RFC 3339 instant with offset' },
);

/** A raw outcome in a usage file, shaped like the ledger's Outcome Recorded detail. */
export const UsageFileOutcomeSchema = z.strictObject({
  outcomeId: z.string().min(1).max(255),
  metric: z.string().min(1).max(128),
  quantity: QuantitySchema.default('1'),
  value: z.strictObject({ amount: QuantitySchema, currency: CurrencyCodeSchema }).optional(),
  occurredAt: InstantSchema,
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  billable: z.boolean().default(true),
  /** Defaults to `billable`. */
  verified: z.boolean().optional(),
});
export type UsageFileOutcome = z.infer<typeof UsageFileOutcomeSchema>;

/**
 * The usage file of `outcome-engine price --plan FILE --usage FILE`: aggregated
 * usage per ledger metric (`metrics`), raw outcomes (`outcomes`, aggregated
 * here), or both for different metrics, plus the period priced.
 */
export const UsageFileSchema = z.strictObject({
  period: z
    .strictObject({ start: DATE_OR_INSTANT, end: DATE_OR_INSTANT })
    .superRefine((period, ctx) => {
      if (boundary(period.end) <= boundary(period.start)) {
        ctx.addIssue({ code: 'custom', path: ['end'], message: `the period must end after it starts: ${period.end} is not after ${period.start}` });
      }
    })
    .optional(),
  customerId: z.string().min(1).max(255).optional(),
  asOf: InstantSchema.optional(),
  metrics: z.array(MetricUsageSchema).default([]),
  outcomes: z.array(UsageFileOutcomeSchema).default([]),
});
export type UsageFile = z.infer<typeof UsageFileSchema>;
export type UsageFileInput = z.input<typeof UsageFileSchema>;

export interface PriceUsageInput {
  readonly plan: Plan;
  /** Version number to price with; default: the version in effect at the period's start. */
  readonly version?: number;
  readonly usage: UsageFile;
  /** Overrides the usage file's period. Dates are UTC midnights; instants are taken as given. */
  readonly period?: { readonly start: string; readonly end: string };
  /** Recorded as ratedAt when given; pricing itself reads no clock. */
  readonly now?: InstantInput;
}

export type PriceUsageResult = SerializedDraftInvoice & {
  /** Facts worth knowing about the result (metrics priced as zero, outcomes outside the period). */
  readonly notes: readonly string[];
};

function boundary(text: string): DateTime {
  const date = parseLocalDate(text);
  return date ? startOfLocalDay(date, 'UTC') : toUtcDateTime(text);
}

function pricingPeriod(period: { start: string; end: string }): RatingPeriod {
  const start = boundary(period.start);
  const end = boundary(period.end);
  if (end <= start) {
    throw new UsageInputError('invalid_usage', `period end ${period.end} must be after its start ${period.start}`);
  }
  const startDate = start.toISODate() ?? period.start;
  const endDate = end.toISODate() ?? period.end;
  // Whole calendar days; informational only, since a period without a contract is never prorated.
  const days = compareLocalDates(end, start);
  return {
    id: `${startDate}..${endDate}`,
    timeZone: 'UTC',
    start: utcIso(start),
    end: utcIso(end),
    startDate,
    endDate,
    // Without a contract there is no term to clip against: flat fees are charged in full.
    partial: false,
    proration: { days, fullDays: days },
    lastOfTerm: false,
  };
}

function toRatableOutcome(outcome: UsageFileOutcome): RatableOutcome {
  return {
    outcomeId: outcome.outcomeId,
    metric: outcome.metric,
    quantity: outcome.quantity,
    ...(outcome.value ? { value: outcome.value } : {}),
    occurredAtMs: Date.parse(outcome.occurredAt),
    billable: outcome.billable,
    verified: outcome.verified ?? outcome.billable,
    ...(outcome.attributes ? { attributes: outcome.attributes } : {}),
  };
}

/**
 * Prices usage against a plan with no store and no contract (`outcome-engine
 * price`): every charge of the chosen version, each line rounded once, flat
 * fees in full, usage not given for a metric priced as zero (and noted).
 * Returns a JSON-safe result.
 */
export function priceUsage(input: PriceUsageInput): PriceUsageResult {
  const periodText = input.period ?? input.usage.period;
  if (periodText === undefined) {
    throw new UsageInputError('invalid_usage', 'no period: give period.start and period.end in the usage file or as options');
  }
  const period = pricingPeriod(periodText);
  const version = selectPlanVersion(input.plan, input.version ?? 'latest', period.startDate);
  const notes: string[] = [];

  const metrics: MetricUsage[] = [...input.usage.metrics];
  if (input.usage.outcomes.length > 0) {
    const requirements = usageRequirementsFor(version).filter(
      (requirement) =>
        !metrics.some((given) => usageKey(given.ledgerMetric, given.eligibility) === usageKey(requirement.ledgerMetric, requirement.eligibility)),
    );
    const window = { fromMs: Date.parse(period.start), toMs: Date.parse(period.end) };
    const accumulator = new UsageAccumulator(requirements, window);
    let outside = 0;
    for (const outcome of input.usage.outcomes) {
      const ratable = toRatableOutcome(outcome);
      if (ratable.occurredAtMs < window.fromMs || ratable.occurredAtMs >= window.toMs) outside += 1;
      accumulator.add(ratable);
    }
    if (outside > 0) notes.push(`${outside} outcome(s) occurred outside ${period.start} .. ${period.end} and were not counted`);
    metrics.push(...accumulator.toMetricUsages());
  }
  const usageByKey = indexUsage({ metrics });
  for (const metric of version.metrics) {
    if (!usageByKey.has(usageKey(metric.ledgerMetric, metric.eligibility))) {
      notes.push(`no usage given for "${metric.ledgerMetric}" (${metric.eligibility}): plan metric "${metric.code}" priced as zero`);
    }
  }

  const lines = rateChargeLines({
    version,
    charges: version.charges.map((charge) => ({ charge, overridden: false })),
    usageByKey,
    measure: {
      currency: version.currency,
      customerId: input.usage.customerId ?? null,
      from: period.start,
      to: period.end,
      asOf: input.usage.asOf ?? null,
      missingUsage: 'zero',
    },
    period,
  });
  const subtotal = lines.reduce((sum, line) => sum + line.amount, 0n);
  const invoice: DraftInvoice = {
    contractId: null,
    customerId: input.usage.customerId ?? null,
    planCode: version.planCode,
    planVersion: version.version,
    currency: version.currency,
    period,
    lines,
    subtotal,
    commitmentTrueUp: null,
    credits: null,
    total: subtotal,
    ratedAt: input.now === undefined ? null : toUtcIsoString(input.now),
    usageAsOf: input.usage.asOf ?? null,
    spendCap: null,
    skippedOverrides: [],
  };
  return { ...serializeDraftInvoice(invoice), notes };
}

import type { Eligibility } from '../plans/plan-schema';
import { isCurrencyCode, type CurrencyCode } from '../money/currencies';
import { FIXED_POINT_SCALE, formatFixedPoint } from './fixed-point';
import { DecimalSum, fixedPointOf } from './decimal-limbs';
import { UsageInputError } from './rating-errors';
import type { MetricUsage } from './usage';
import type { UsageRequirement } from './usage-requirements';

/**
 * One net ledger outcome as rating reads it: reversed outcomes are left out
 * and corrected ones carry their corrected quantity and value. Give every
 * outcome the same property set (undefined where absent): V8 then keeps the
 * aggregation loop monomorphic.
 */
export interface RatableOutcome {
  readonly outcomeId: string;
  readonly metric: string;
  /** Non-negative decimal string (the event's quantity, default "1"). */
  readonly quantity: string;
  readonly value?: { readonly amount: string; readonly currency: string } | undefined;
  /** occurredAt as epoch milliseconds (rating never parses dates per outcome). */
  readonly occurredAtMs: number;
  readonly billable: boolean;
  readonly verified: boolean;
  readonly attributes?: Readonly<Record<string, string | number | boolean>> | undefined;
}

const ELIGIBLE_IF_BILLABLE = 0;
const ELIGIBLE_IF_VERIFIED = 1;
const ELIGIBLE_ALWAYS = 2;

function eligibilityCode(eligibility: Eligibility): number {
  switch (eligibility) {
    case 'billable':
      return ELIGIBLE_IF_BILLABLE;
    case 'verified':
      return ELIGIBLE_IF_VERIFIED;
    case 'all':
      return ELIGIBLE_ALWAYS;
    default: {
      const unknown: never = eligibility;
      throw new UsageInputError('invalid_usage', `unknown eligibility ${String(unknown)}`);
    }
  }
}

/**
 * A plain integer quantity of at most 15 digits as a number, else -1: most
 * outcomes have quantity "1", and this is the cheapest exact test for it.
 */
function smallIntegerQuantity(text: string): number {
  const length = text.length;
  if (length === 0 || length > 15) return -1;
  let value = 0;
  for (let index = 0; index < length; index += 1) {
    const digit = text.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

class Bucket {
  readonly eligibility: number;
  readonly uniqueAttributes: readonly string[];
  readonly uniqueSets: Array<Set<string>>;
  readonly keepValues: boolean;
  count = 0;
  readonly quantitySum = new DecimalSum();
  maxQuantity = -1n;
  latestAtMs = Number.NEGATIVE_INFINITY;
  latestOutcomeId = '';
  latestQuantity = '0';
  readonly valueSum = new DecimalSum();
  valueCurrency: string | undefined = undefined;
  mixedCurrencies = false;
  valueAtMs: number[] = [];
  valueIds: string[] = [];
  values: string[] = [];

  constructor(readonly requirement: UsageRequirement) {
    this.eligibility = eligibilityCode(requirement.eligibility);
    this.uniqueAttributes = requirement.uniqueAttributes;
    this.uniqueSets = requirement.uniqueAttributes.map(() => new Set<string>());
    this.keepValues = requirement.needsOutcomeValues;
  }
}

/**
 * Folds raw outcomes into the per-metric aggregates rating needs, in one pass
 * and without decimal.js: quantities and values are summed exactly in
 * safe-integer limbs (decimal-limbs.ts) and reported as 18-decimal fixed
 * point. Only outcomes whose occurredAt lies in [fromMs, toMs) are counted.
 */
export class UsageAccumulator {
  private readonly bucketsByMetric = new Map<string, Bucket[]>();
  private readonly buckets: Bucket[] = [];
  private readonly fromMs: number;
  private readonly toMs: number;

  constructor(
    requirements: readonly UsageRequirement[],
    window: { readonly fromMs: number; readonly toMs: number } = {
      fromMs: Number.NEGATIVE_INFINITY,
      toMs: Number.POSITIVE_INFINITY,
    },
  ) {
    this.fromMs = window.fromMs;
    this.toMs = window.toMs;
    for (const requirement of requirements) {
      const bucket = new Bucket(requirement);
      this.buckets.push(bucket);
      const list = this.bucketsByMetric.get(requirement.ledgerMetric);
      if (list) list.push(bucket);
      else this.bucketsByMetric.set(requirement.ledgerMetric, [bucket]);
    }
  }

  add(outcome: RatableOutcome): void {
    const buckets = this.bucketsByMetric.get(outcome.metric);
    if (buckets === undefined) return;
    const atMs = outcome.occurredAtMs;
    if (atMs < this.fromMs || atMs >= this.toMs) return;
    const quantityText = outcome.quantity;
    const integerQuantity = smallIntegerQuantity(quantityText);
    for (let index = 0; index < buckets.length; index += 1) {
      const bucket = buckets[index] as Bucket;
      if (
        (bucket.eligibility === ELIGIBLE_IF_BILLABLE && !outcome.billable) ||
        (bucket.eligibility === ELIGIBLE_IF_VERIFIED && !outcome.verified)
      ) {
        continue;
      }
      bucket.count += 1;
      if (integerQuantity >= 0) bucket.quantitySum.addInteger(integerQuantity);
      else bucket.quantitySum.add(quantityText, `quantity of outcome ${outcome.outcomeId}`);
      if (bucket.requirement.needsMax) {
        const quantity =
          integerQuantity >= 0
            ? BigInt(integerQuantity) * FIXED_POINT_SCALE
            : fixedPointOf(quantityText, `quantity of outcome ${outcome.outcomeId}`);
        if (quantity > bucket.maxQuantity) bucket.maxQuantity = quantity;
      }
      // Latest by occurredAt; the outcome id breaks ties so the answer never
      // depends on the order the ledger returned entries in.
      if (atMs > bucket.latestAtMs || (atMs === bucket.latestAtMs && outcome.outcomeId > bucket.latestOutcomeId)) {
        bucket.latestAtMs = atMs;
        bucket.latestOutcomeId = outcome.outcomeId;
        bucket.latestQuantity = quantityText;
      }
      const outcomeValue = outcome.value;
      if (outcomeValue !== undefined) {
        bucket.valueSum.add(outcomeValue.amount, `value of outcome ${outcome.outcomeId}`);
        if (bucket.valueCurrency === undefined) bucket.valueCurrency = outcomeValue.currency;
        else if (bucket.valueCurrency !== outcomeValue.currency) bucket.mixedCurrencies = true;
      }
      if (bucket.keepValues) {
        // The original string (validated by the sum above) is kept: no parse, no allocation.
        bucket.valueAtMs.push(atMs);
        bucket.valueIds.push(outcome.outcomeId);
        bucket.values.push(outcomeValue === undefined ? '0' : outcomeValue.amount);
      }
      const attributes = outcome.attributes;
      if (attributes !== undefined) {
        for (let attributeIndex = 0; attributeIndex < bucket.uniqueAttributes.length; attributeIndex += 1) {
          const attributeValue = attributes[bucket.uniqueAttributes[attributeIndex] as string];
          if (attributeValue !== undefined) (bucket.uniqueSets[attributeIndex] as Set<string>).add(String(attributeValue));
        }
      }
    }
  }

  addAll(outcomes: Iterable<RatableOutcome>): this {
    for (const outcome of outcomes) this.add(outcome);
    return this;
  }

  /**
   * The aggregates, one MetricUsage per requirement (zero usage included);
   * per-outcome values (`outcomeValues`) are in occurredAt order.
   */
  toMetricUsages(): MetricUsage[] {
    return this.buckets.map((bucket) => this.toMetricUsage(bucket));
  }

  private toMetricUsage(bucket: Bucket): MetricUsage {
    const { requirement } = bucket;
    if (bucket.mixedCurrencies) {
      throw new UsageInputError(
        'mixed_value_currencies',
        `outcomes of metric "${requirement.ledgerMetric}" carry values in more than one currency; rating never converts currencies`,
      );
    }
    let valueCurrency: CurrencyCode | undefined;
    if (bucket.valueCurrency !== undefined) {
      if (!isCurrencyCode(bucket.valueCurrency)) {
        throw new UsageInputError('invalid_usage', `"${bucket.valueCurrency}" is not an ISO 4217 currency code`);
      }
      valueCurrency = bucket.valueCurrency;
    }
    const sumQuantity = bucket.quantitySum.toFixedPoint();
    return {
      ledgerMetric: requirement.ledgerMetric,
      eligibility: requirement.eligibility,
      count: bucket.count,
      sumQuantity: formatFixedPoint(sumQuantity),
      ...(requirement.needsValue || bucket.keepValues ? { sumValue: formatFixedPoint(bucket.valueSum.toFixedPoint()) } : {}),
      ...(valueCurrency ? { valueCurrency } : {}),
      ...(requirement.needsMax ? { maxQuantity: formatFixedPoint(bucket.maxQuantity < 0n ? 0n : bucket.maxQuantity) } : {}),
      ...(requirement.needsLatest ? { latestQuantity: bucket.latestQuantity } : {}),
      ...(bucket.uniqueAttributes.length > 0
        ? {
            uniqueCounts: Object.fromEntries(
              bucket.uniqueAttributes.map((attribute, index) => [attribute, bucket.uniqueSets[index]?.size ?? 0]),
            ),
          }
        : {}),
      ...(bucket.keepValues ? { outcomeValues: valuesInOccurrenceOrder(bucket) } : {}),
    };
  }
}

function valuesInOccurrenceOrder(bucket: Bucket): string[] {
  const { valueAtMs: at, valueIds: ids, values } = bucket;
  let sorted = true;
  for (let index = 1; index < at.length && sorted; index += 1) {
    const previous = at[index - 1] as number;
    const current = at[index] as number;
    if (current < previous || (current === previous && (ids[index] as string) < (ids[index - 1] as string))) sorted = false;
  }
  if (sorted) return values.slice();
  const order = values.map((_, index) => index);
  order.sort((a, b) => {
    const byTime = (at[a] as number) - (at[b] as number);
    if (byTime !== 0) return byTime;
    const idA = ids[a] as string;
    const idB = ids[b] as string;
    return idA < idB ? -1 : idA > idB ? 1 : 0;
  });
  return order.map((index) => values[index] as string);
}

/** One-shot form of UsageAccumulator. */
export function summarizeOutcomes(
  outcomes: Iterable<RatableOutcome>,
  requirements: readonly UsageRequirement[],
  window?: { readonly fromMs: number; readonly toMs: number },
): MetricUsage[] {
  return new UsageAccumulator(requirements, window).addAll(outcomes).toMetricUsages();
}

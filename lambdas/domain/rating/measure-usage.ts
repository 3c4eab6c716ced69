import { MoneyDecimal, ZERO } from '../money/decimal';
import type { CurrencyCode } from '../money/currencies';
import type { MetricDefinition } from '../plans/plan-schema';
import type { OutcomeValues } from './pricers/priced-charge';
import { CurrencyMismatchError, UsageInputError } from './rating-errors';
import { usageKey, type MetricUsage, type PeriodUsage, type UsageQuery } from './usage';

/** Usage indexed by (ledger metric, eligibility); two entries for one key is an error. */
export function indexUsage(usage: PeriodUsage): Map<string, MetricUsage> {
  const byKey = new Map<string, MetricUsage>();
  for (const metricUsage of usage.metrics) {
    const key = usageKey(metricUsage.ledgerMetric, metricUsage.eligibility);
    if (byKey.has(key)) {
      throw new UsageInputError(
        'duplicate_usage',
        `usage lists metric "${metricUsage.ledgerMetric}" (${metricUsage.eligibility}) twice`,
      );
    }
    byKey.set(key, metricUsage);
  }
  return byKey;
}

export interface MeasuredMetric {
  readonly quantity: MoneyDecimal;
  readonly outcomes: OutcomeValues | undefined;
  readonly usageQuery: UsageQuery;
}

export interface MeasureContext {
  readonly currency: CurrencyCode;
  readonly customerId: string | null;
  readonly from: string;
  readonly to: string;
  readonly asOf: string | null;
  /** `error` for invoices (the ledger must answer every query); `zero` for trying plans on partial usage files. */
  readonly missingUsage: 'error' | 'zero';
}

function requireAggregate<T>(value: T | undefined, count: number, what: string, metric: MetricDefinition): T | undefined {
  if (value !== undefined || count === 0) return value;
  throw new UsageInputError(
    'usage_aggregate_missing',
    `plan metric "${metric.code}" (${metric.aggregation} of "${metric.ledgerMetric}") needs ${what} in the usage, which was not given`,
  );
}

function checkValueCurrency(usage: MetricUsage, metric: MetricDefinition, currency: CurrencyCode): void {
  if (usage.valueCurrency !== undefined && usage.valueCurrency !== currency) {
    throw new CurrencyMismatchError(
      `values of "${metric.ledgerMetric}" are in ${usage.valueCurrency} but the contract bills in ${currency}; rating never converts currencies`,
    );
  }
}

/** Turns the ledger's aggregates into the quantity one plan metric defines. */
export function measureMetric(
  metric: MetricDefinition,
  usageByKey: ReadonlyMap<string, MetricUsage>,
  context: MeasureContext,
  needsOutcomes: boolean,
): MeasuredMetric {
  let usage = usageByKey.get(usageKey(metric.ledgerMetric, metric.eligibility));
  if (usage === undefined) {
    if (context.missingUsage === 'error') {
      throw new UsageInputError(
        'usage_missing',
        `no usage for ledger metric "${metric.ledgerMetric}" (${metric.eligibility}), which plan metric "${metric.code}" reads`,
      );
    }
    usage = { ledgerMetric: metric.ledgerMetric, eligibility: metric.eligibility, count: 0, sumQuantity: '0' };
  }
  const usageQuery: UsageQuery = {
    customerId: context.customerId,
    ledgerMetric: metric.ledgerMetric,
    eligibility: metric.eligibility,
    aggregation: metric.aggregation,
    attribute: metric.attribute ?? null,
    from: context.from,
    to: context.to,
    asOf: context.asOf,
    reference: usage.query ?? null,
  };
  const count = usage.count;
  let quantity: MoneyDecimal;
  switch (metric.aggregation) {
    case 'count':
      quantity = new MoneyDecimal(count);
      break;
    case 'sum_quantity':
      quantity = new MoneyDecimal(usage.sumQuantity);
      break;
    case 'sum_value':
      checkValueCurrency(usage, metric, context.currency);
      quantity = new MoneyDecimal(requireAggregate(usage.sumValue, count, 'sumValue', metric) ?? '0');
      break;
    case 'max':
      quantity = new MoneyDecimal(requireAggregate(usage.maxQuantity, count, 'maxQuantity', metric) ?? '0');
      break;
    case 'latest':
      quantity = new MoneyDecimal(requireAggregate(usage.latestQuantity, count, 'latestQuantity', metric) ?? '0');
      break;
    case 'unique_count': {
      const attribute = metric.attribute ?? '';
      const unique = requireAggregate(usage.uniqueCounts?.[attribute], count, `uniqueCounts.${attribute}`, metric);
      quantity = new MoneyDecimal(unique ?? 0);
      break;
    }
    default: {
      const unknown: never = metric.aggregation;
      throw new UsageInputError('invalid_usage', `unknown aggregation ${String(unknown)}`);
    }
  }
  return { quantity, outcomes: needsOutcomes ? outcomeValuesOf(usage, metric) : undefined, usageQuery };
}

function outcomeValuesOf(usage: MetricUsage, metric: MetricDefinition): OutcomeValues {
  const sumValue = usage.sumValue === undefined ? ZERO : new MoneyDecimal(usage.sumValue);
  if (usage.outcomeValues !== undefined && usage.outcomeValues.length !== usage.count) {
    throw new UsageInputError(
      'invalid_usage',
      `usage of "${metric.ledgerMetric}" counts ${usage.count} outcomes but lists ${usage.outcomeValues.length} outcome values`,
    );
  }
  // No outcomes means an empty list, whether or not the producer wrote one.
  return { count: usage.count, sumValue, values: usage.outcomeValues ?? (usage.count === 0 ? [] : undefined) };
}

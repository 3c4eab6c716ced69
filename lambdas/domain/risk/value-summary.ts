import type { DateTime } from 'luxon';
import type { CurrencyCode } from '../money/currencies';
import { CURRENCY_EXPONENTS } from '../money/currencies';
import { countOf } from '../ledger/metric-display-name';
import type { ParsedRiskAssessmentInput } from './risk-input';
import { periodKey } from './period-usage';
import { ZERO, dec, decimalString, formatQuantity, localDayStart, toMinorInteger } from './risk-values';
import type { MoneyDecimal } from '../money/decimal';
import { formatMoney } from '../money/format-money';

export interface DeliveredOutcome {
  readonly metric: string;
  /** Plural noun ("resolutions"). */
  readonly label: string;
  /** Noun for exactly one ("resolution"). */
  readonly singularLabel: string;
  readonly quantity: string;
  /** What these outcomes are worth to the customer, minor units; absent without a value per unit. */
  readonly valueMinor?: string;
}

/** The renewal conversation in numbers: outcomes delivered this term, their value, the price paid. */
export interface ValueSummary {
  readonly currency: CurrencyCode;
  readonly outcomes: readonly DeliveredOutcome[];
  readonly totalValueMinor?: string;
  readonly pricePaidMinor?: string;
  /** Customer value per one unit of price ("3.2" = 3.2 of value for each 1 paid); absent when either is unknown or price is 0. */
  readonly valuePerUnitOfPrice?: string;
  readonly sentence: string;
}

/**
 * Outcomes delivered in the current term up to `now` for the targeted and
 * valued metrics (every metric when neither is configured), their value, and
 * the price paid. Value per unit of price compares like with like: when the
 * price covers only the rated periods (`spendThroughDate`), the value counted
 * against it is that of the same periods.
 */
export function summarizeValue(input: ParsedRiskAssessmentInput, now: DateTime): ValueSummary {
  const { contract } = input;
  const currency = contract.currency;
  const zone = contract.timeZone;
  const labels = new Map(contract.successTargets.map((t) => [t.metric, t.label ?? t.metric]));
  const singularLabels = new Map(contract.successTargets.map((t) => [t.metric, t.singularLabel ?? t.label ?? t.metric]));
  const values = new Map(input.outcomeValues.map((v) => [v.metric, dec(v.valuePerUnit)]));
  const reportedMetrics = new Set(input.deliveredValues.map((row) => row.metric));
  const configured = [...new Set([...labels.keys(), ...values.keys(), ...reportedMetrics])];
  const metrics = configured.length > 0 ? configured : [...new Set(input.usageByPeriod.map((r) => r.metric))].sort();
  const started = input.termPeriods.filter((p) => localDayStart(p.periodStart, zone).toMillis() <= now.toMillis());
  const termKeys = new Set(started.map(periodKey));
  const ratedKeys =
    input.spendThroughDate === undefined
      ? termKeys
      : new Set(started.filter((p) => p.periodEnd <= (input.spendThroughDate as string)).map(periodKey));
  const partialPrice = [...termKeys].some((key) => !ratedKeys.has(key));
  const factor = dec(10).pow(CURRENCY_EXPONENTS[currency]);

  /** A metric's value over a set of periods, major units; undefined when nothing values it. */
  const valueOf = (metric: string, keys: ReadonlySet<string>): MoneyDecimal | undefined => {
    const perUnit = values.get(metric);
    // A configured value per unit is the customer's agreed yardstick; values producers reported come next.
    if (perUnit !== undefined) {
      const quantity = input.usageByPeriod
        .filter((row) => row.metric === metric && keys.has(periodKey(row)))
        .reduce((sum, row) => sum.plus(row.quantity), ZERO);
      return quantity.times(perUnit);
    }
    if (!reportedMetrics.has(metric)) return undefined;
    return input.deliveredValues.filter((row) => row.metric === metric && keys.has(periodKey(row))).reduce((sum, row) => sum.plus(row.amount), ZERO);
  };

  let totalValue: MoneyDecimal | undefined;
  let ratedValue: MoneyDecimal | undefined;
  const outcomes: DeliveredOutcome[] = metrics.map((metric) => {
    const quantity = input.usageByPeriod
      .filter((row) => row.metric === metric && termKeys.has(periodKey(row)))
      .reduce((sum, row) => sum.plus(row.quantity), ZERO);
    const value = valueOf(metric, termKeys);
    const valueMinor = value === undefined ? undefined : toMinorInteger(value.times(factor));
    if (valueMinor !== undefined) totalValue = (totalValue ?? ZERO).plus(dec(valueMinor));
    const rated = valueOf(metric, ratedKeys);
    if (rated !== undefined) ratedValue = (ratedValue ?? ZERO).plus(dec(toMinorInteger(rated.times(factor))));
    return {
      metric,
      label: labels.get(metric) ?? metric,
      singularLabel: singularLabels.get(metric) ?? metric,
      quantity: decimalString(quantity, 6),
      ...(valueMinor === undefined ? {} : { valueMinor: valueMinor.toString() }),
    };
  });

  const totalValueMinor = totalValue === undefined ? undefined : toMinorInteger(totalValue);
  const pricePaidMinor = input.spendToDateMinor === undefined ? undefined : BigInt(input.spendToDateMinor);
  const valuePerUnitOfPrice =
    ratedValue !== undefined && pricePaidMinor !== undefined && pricePaidMinor > 0n
      ? ratedValue.dividedBy(dec(pricePaidMinor)).toDecimalPlaces(2)
      : undefined;

  const deliveredText = outcomes.map((o) => countOf(formatQuantity(dec(o.quantity)), { singular: o.singularLabel, plural: o.label })).join(', ') || 'no outcomes';
  const parts = [`${deliveredText} delivered this term`];
  if (totalValueMinor !== undefined) parts.push(`worth ${formatMoney(totalValueMinor, currency)} to the customer`);
  if (pricePaidMinor !== undefined) parts.push(`for ${formatMoney(pricePaidMinor, currency)} paid`);
  let sentence = parts.join(', ');
  if (valuePerUnitOfPrice !== undefined) {
    sentence += `: ${valuePerUnitOfPrice.toFixed()} of value per 1 of price${partialPrice ? ' over the invoiced periods' : ''}`;
  }

  return {
    currency,
    outcomes,
    ...(totalValueMinor === undefined ? {} : { totalValueMinor: totalValueMinor.toString() }),
    ...(pricePaidMinor === undefined ? {} : { pricePaidMinor: pricePaidMinor.toString() }),
    ...(valuePerUnitOfPrice === undefined ? {} : { valuePerUnitOfPrice: valuePerUnitOfPrice.toFixed() }),
    sentence,
  };
}

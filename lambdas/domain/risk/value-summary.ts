import type { DateTime } from 'luxon';
import type { CurrencyCode } from '../money/currencies';
import { CURRENCY_EXPONENTS } from '../money/currencies';
import type { ParsedRiskAssessmentInput } from './risk-input';
import { periodKey } from './period-usage';
import { ZERO, dec, decimalString, formatMinor, formatQuantity, localDayStart, toMinorInteger, type RiskDecimal } from './risk-values';

export interface DeliveredOutcome {
  readonly metric: string;
  readonly label: string;
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
 * valued metrics (every metric when neither is configured).
 */
export function summarizeValue(input: ParsedRiskAssessmentInput, now: DateTime): ValueSummary {
  const { contract } = input;
  const currency = contract.currency;
  const labels = new Map(contract.successTargets.map((t) => [t.metric, t.label ?? t.metric]));
  const values = new Map(input.outcomeValues.map((v) => [v.metric, dec(v.valuePerUnit)]));
  const configured = [...new Set([...labels.keys(), ...values.keys()])];
  const metrics = configured.length > 0 ? configured : [...new Set(input.usageByPeriod.map((r) => r.metric))].sort();
  const termKeys = new Set(
    input.termPeriods
      .filter((p) => localDayStart(p.periodStart, contract.timeZone).toMillis() <= now.toMillis())
      .map(periodKey),
  );
  const factor = dec(10).pow(CURRENCY_EXPONENTS[currency]);

  let totalValue: RiskDecimal | undefined;
  const outcomes: DeliveredOutcome[] = metrics.map((metric) => {
    const quantity = input.usageByPeriod
      .filter((row) => row.metric === metric && termKeys.has(periodKey(row)))
      .reduce((sum, row) => sum.plus(row.quantity), ZERO);
    const perUnit = values.get(metric);
    const valueMinor = perUnit === undefined ? undefined : toMinorInteger(quantity.times(perUnit).times(factor));
    if (valueMinor !== undefined) totalValue = (totalValue ?? ZERO).plus(dec(valueMinor));
    return {
      metric,
      label: labels.get(metric) ?? metric,
      quantity: decimalString(quantity, 6),
      ...(valueMinor === undefined ? {} : { valueMinor: valueMinor.toString() }),
    };
  });

  const totalValueMinor = totalValue === undefined ? undefined : toMinorInteger(totalValue);
  const pricePaidMinor = input.spendToDateMinor === undefined ? undefined : BigInt(input.spendToDateMinor);
  const valuePerUnitOfPrice =
    totalValueMinor !== undefined && pricePaidMinor !== undefined && pricePaidMinor > 0n
      ? dec(totalValueMinor).dividedBy(dec(pricePaidMinor)).toDecimalPlaces(2)
      : undefined;

  const delivered = outcomes.map((o) => `${formatQuantity(dec(o.quantity))} ${o.label}`).join(', ') || 'no outcomes';
  const parts = [`${delivered} delivered this term`];
  if (totalValueMinor !== undefined) parts.push(`worth ${formatMinor(totalValueMinor, currency)} to the customer`);
  if (pricePaidMinor !== undefined) parts.push(`for ${formatMinor(pricePaidMinor, currency)} paid`);
  let sentence = parts.join(', ');
  if (valuePerUnitOfPrice !== undefined) sentence += `: ${valuePerUnitOfPrice.toFixed()} of value per 1 of price`;

  return {
    currency,
    outcomes,
    ...(totalValueMinor === undefined ? {} : { totalValueMinor: totalValueMinor.toString() }),
    ...(pricePaidMinor === undefined ? {} : { pricePaidMinor: pricePaidMinor.toString() }),
    ...(valuePerUnitOfPrice === undefined ? {} : { valuePerUnitOfPrice: valuePerUnitOfPrice.toFixed() }),
    sentence,
  };
}

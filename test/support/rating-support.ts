import { roundToMinorUnits, type CurrencyCode } from '../../lambdas/domain/money';
import { ChargeSchema, type Charge } from '../../lambdas/domain/plans';
import { priceCharge, type BreakdownRow } from '../../lambdas/domain/rating';
import { MoneyDecimal } from '../../lambdas/domain/money';

/** Prices one charge from plan-file-shaped input and rounds the line once, as invoices do. */
export function priceLine(
  chargeInput: Record<string, unknown>,
  options: {
    quantity?: string;
    currency?: CurrencyCode;
    proration?: { days: number; fullDays: number };
    values?: string[];
  } = {},
): { amount: bigint; exactAmount: string; breakdown: readonly BreakdownRow[]; charge: Charge } {
  const charge = ChargeSchema.parse({ id: 'charge', name: 'Charge', ...chargeInput });
  const values = options.values;
  const sumValue = (values ?? []).reduce((sum, value) => sum.plus(value), new MoneyDecimal(0));
  const priced = priceCharge(charge, {
    quantity: new MoneyDecimal(options.quantity ?? (values ? sumValue.toFixed() : '0')),
    proration: options.proration ?? { days: 30, fullDays: 30 },
    ...(values ? { outcomes: { count: values.length, sumValue, values } } : {}),
  });
  return {
    amount: roundToMinorUnits(priced.exactAmount, options.currency ?? 'USD'),
    exactAmount: priced.exactAmount.toFixed(),
    breakdown: priced.breakdown,
    charge,
  };
}

import { z } from 'zod';

// Decimal numbers enter the engine as strings so nothing is lost to binary
// floating point. Plan files may also use plain integers (YAML `100`), which are
// exact; non-integer numbers are refused with advice to quote them.

const UNSIGNED_DECIMAL = /^\d+(\.\d+)?$/;

function decimalWithPlaces(maxPlaces: number, what: string) {
  const pattern = new RegExp(`^\\d+(\\.\\d{1,${maxPlaces}})?$`);
  return z
    .union([z.string(), z.number()], { error: `expected a decimal string (${what})` })
    .superRefine((value, ctx) => {
      if (typeof value === 'number') {
        if (!Number.isSafeInteger(value) || value < 0) {
          ctx.addIssue({
            code: 'custom',
            message: `expected a decimal string: write ${value} in quotes (e.g. "${value}") so no precision is lost`,
          });
        }
        return;
      }
      if (!UNSIGNED_DECIMAL.test(value)) {
        ctx.addIssue({ code: 'custom', message: `expected a decimal string (${what}), got "${value}"` });
      } else if (!pattern.test(value)) {
        ctx.addIssue({ code: 'custom', message: `"${value}" has more than ${maxPlaces} decimal places` });
      }
    })
    .transform((value) => String(value));
}

/** A non-negative unit price with up to 12 decimal places (Stripe's unit_amount_decimal limit). */
export const UnitPriceSchema = decimalWithPlaces(12, 'a non-negative price, up to 12 decimal places');
export type UnitPrice = z.infer<typeof UnitPriceSchema>;

/**
 * A non-negative money amount in major units ("99.00"). Its fit to the currency's
 * minor unit is checked where the currency is known (plan or contract level).
 */
export const MoneyAmountSchema = decimalWithPlaces(12, 'a non-negative amount in major units, e.g. "99.00"');
export type MoneyAmount = z.infer<typeof MoneyAmountSchema>;

/** A non-negative quantity (units, tier bounds, allowances), up to 18 decimal places. */
export const QuantitySchema = decimalWithPlaces(18, 'a non-negative quantity');
export type Quantity = z.infer<typeof QuantitySchema>;

/** A percentage between 0 and 100, e.g. "2.5" for 2.5 %. */
export const PercentSchema = decimalWithPlaces(12, 'a percentage such as "2.5"').refine(
  (value) => {
    const [whole = '0', fraction = ''] = value.split('.');
    // Malformed text is reported by the decimal check above; bigint keeps the comparison exact at any length.
    if (!/^\d+$/.test(whole)) return true;
    const wholeNumber = BigInt(whole);
    return wholeNumber < 100n || (wholeNumber === 100n && /^0*$/.test(fraction));
  },
  { message: 'expected a percentage between 0 and 100' },
);
export type Percent = z.infer<typeof PercentSchema>;

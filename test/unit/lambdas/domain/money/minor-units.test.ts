import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CURRENCY_EXPONENTS,
  MoneyPrecisionError,
  decimalFromMinorUnits,
  formatMinorUnits,
  isExactInCurrency,
  minorUnitsFromDecimal,
  parseCurrencyCode,
  UnknownCurrencyError,
  type CurrencyCode,
} from '../../../../../lambdas/domain/money';

describe('minor units', () => {
  it('converts exact amounts per ISO 4217 exponent', () => {
    expect(minorUnitsFromDecimal('12.50', 'USD')).toBe(1250n);
    expect(minorUnitsFromDecimal('1234', 'JPY')).toBe(1234n);
    expect(minorUnitsFromDecimal('1.234', 'KWD')).toBe(1234n);
    expect(decimalFromMinorUnits(1234n, 'KWD').toFixed()).toBe('1.234');
  });

  it('refuses amounts the currency cannot express instead of rounding them', () => {
    expect(() => minorUnitsFromDecimal('0.005', 'USD')).toThrow(MoneyPrecisionError);
    expect(() => minorUnitsFromDecimal('1.5', 'JPY')).toThrow(/more decimal places than JPY allows \(0\)/);
    expect(isExactInCurrency('1.234', 'KWD')).toBe(true);
    expect(isExactInCurrency('1.2345', 'KWD')).toBe(false);
  });

  it('round-trips every amount exactly through its decimal string, for every currency', () => {
    const currencies = Object.keys(CURRENCY_EXPONENTS) as CurrencyCode[];
    fc.assert(
      fc.property(fc.constantFrom(...currencies), fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), (currency, minor) => {
        const text = formatMinorUnits(minor, currency);
        const decimals = text.split('.')[1]?.length ?? 0;
        expect(decimals).toBe(CURRENCY_EXPONENTS[currency]);
        expect(minorUnitsFromDecimal(text.replace('-', ''), currency)).toBe(minor < 0n ? -minor : minor);
      }),
    );
  });

  it('names unknown currencies', () => {
    expect(parseCurrencyCode('EUR')).toBe('EUR');
    expect(() => parseCurrencyCode('XYZ')).toThrow(UnknownCurrencyError);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import Decimal from 'decimal.js';
import {
  CURRENCY_EXPONENTS,
  MoneyDecimal,
  ROUNDING_RULE,
  roundToMinorUnits,
  type CurrencyCode,
} from '../../../../../lambdas/domain/money';

describe('roundToMinorUnits', () => {
  it('rounds half away from zero, once, to the currency minor unit', () => {
    expect(roundToMinorUnits('0.005', 'USD')).toBe(1n);
    expect(roundToMinorUnits('0.00499999', 'USD')).toBe(0n);
    expect(roundToMinorUnits('2.345', 'USD')).toBe(235n);
    expect(roundToMinorUnits('-2.345', 'USD')).toBe(-235n);
    expect(ROUNDING_RULE.mode).toBe('half_up');
  });

  it('uses 0 decimals for JPY and 3 for KWD', () => {
    expect(roundToMinorUnits('1234.5', 'JPY')).toBe(1235n);
    expect(roundToMinorUnits('1234.4999', 'JPY')).toBe(1234n);
    expect(roundToMinorUnits('1.2345', 'KWD')).toBe(1235n);
    expect(roundToMinorUnits('1.2344', 'KWD')).toBe(1234n);
  });

  it('keeps 40 significant digits however the global Decimal is configured', () => {
    const saved = Decimal.precision;
    try {
      Decimal.set({ precision: 5 });
      const exact = new MoneyDecimal('123456789.123456789').times('1000000.000001');
      expect(exact.toFixed()).toBe('123456789123580.245789123456789');
      expect(roundToMinorUnits(exact, 'USD')).toBe(12345678912358025n);
    } finally {
      Decimal.set({ precision: saved });
    }
  });

  it('is the identity on amounts already in minor units, for every currency exponent', () => {
    const currencies = Object.keys(CURRENCY_EXPONENTS) as CurrencyCode[];
    fc.assert(
      fc.property(fc.constantFrom(...currencies), fc.bigInt({ min: 0n, max: 10n ** 20n }), (currency, minor) => {
        const exponent = CURRENCY_EXPONENTS[currency];
        const major = new MoneyDecimal(minor.toString()).dividedBy(new MoneyDecimal(10).pow(exponent));
        expect(roundToMinorUnits(major, currency)).toBe(minor);
      }),
    );
  });

  it('agrees with decimal.js ROUND_HALF_UP for any exact amount, positive or negative', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<CurrencyCode>('JPY', 'USD', 'KWD', 'BHD', 'CLP'),
        fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
        fc.integer({ min: 0, max: 20 }),
        (currency, digits, places) => {
          const exact = new MoneyDecimal(digits.toString()).dividedBy(new MoneyDecimal(10).pow(places));
          const factor = new MoneyDecimal(10).pow(CURRENCY_EXPONENTS[currency]);
          const expected = exact.times(factor).toDecimalPlaces(0, MoneyDecimal.ROUND_HALF_UP);
          expect(roundToMinorUnits(exact, currency)).toBe(BigInt(expected.toFixed(0)));
          expect(roundToMinorUnits(exact.toFixed(), currency)).toBe(BigInt(expected.toFixed(0)));
        },
      ),
    );
  });

  it('never moves an amount by more than half a minor unit', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<CurrencyCode>('JPY', 'USD', 'KWD'),
        fc.bigInt({ min: 0n, max: 10n ** 24n }),
        fc.integer({ min: 0, max: 12 }),
        (currency, digits, places) => {
          const exact = new MoneyDecimal(digits.toString()).dividedBy(new MoneyDecimal(10).pow(places));
          const factor = new MoneyDecimal(10).pow(CURRENCY_EXPONENTS[currency]);
          const rounded = new MoneyDecimal(roundToMinorUnits(exact, currency).toString());
          expect(rounded.minus(exact.times(factor)).abs().lessThanOrEqualTo('0.5')).toBe(true);
        },
      ),
    );
  });
});

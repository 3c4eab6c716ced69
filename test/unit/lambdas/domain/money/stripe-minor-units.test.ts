import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CURRENCY_EXPONENTS } from '../../../../../lambdas/domain/money/currencies';
import {
  fromStripeApiAmount,
  StripeAmountNotRepresentableError,
  stripeApiExponent,
  toStripeApiAmount,
} from '../../../../../lambdas/domain/money/stripe-minor-units';

describe("Stripe's API amounts", () => {
  it('sends ISK in hundredths (100 = 1 króna) and reads them back as krónur', () => {
    expect(stripeApiExponent('ISK')).toBe(2);
    expect(toStripeApiAmount(16_500n, 'ISK')).toBe(1_650_000n);
    expect(toStripeApiAmount(16_500n, 'isk')).toBe(1_650_000n);
    expect(fromStripeApiAmount(1_650_000n, 'isk')).toBe(16_500n);
    // Stripe refuses fractional krónur; one that came back anyway is not guessed at.
    expect(() => fromStripeApiAmount(1_650_050n, 'isk')).toThrow(StripeAmountNotRepresentableError);
  });

  it('sends MGA in whole ariary and refuses a fraction Stripe cannot bill', () => {
    expect(stripeApiExponent('MGA')).toBe(0);
    expect(toStripeApiAmount(123_400n, 'MGA')).toBe(1_234n);
    expect(fromStripeApiAmount(1_234n, 'mga')).toBe(123_400n);
    expect(() => toStripeApiAmount(123_450n, 'MGA')).toThrow(/MGA 123450 minor units has a fraction Stripe cannot bill/);
  });

  it('leaves every other currency in its ISO 4217 minor units (JPY 0, USD 2, KWD 3)', () => {
    for (const [currency, amount] of [['JPY', 50_840n], ['USD', 11_800n], ['KWD', 11_625n], ['UGX', 5_000n], ['HUF', 12_345n]] as const) {
      expect(toStripeApiAmount(amount, currency)).toBe(amount);
      expect(fromStripeApiAmount(amount, currency)).toBe(amount);
    }
  });

  it('round-trips every billable amount of every currency exactly', () => {
    const currencies = Object.keys(CURRENCY_EXPONENTS);
    fc.assert(
      fc.property(fc.constantFrom(...currencies), fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), (currency, whole) => {
        // MGA only carries whole ariary; everything else any amount of minor units.
        const amount = currency === 'MGA' ? whole * 100n : whole;
        expect(fromStripeApiAmount(toStripeApiAmount(amount, currency), currency)).toBe(amount);
      }),
    );
  });

  it('refuses a currency that is not ISO 4217', () => {
    expect(() => toStripeApiAmount(1n, 'XXX')).toThrow(/not an ISO 4217 currency code/);
  });
});

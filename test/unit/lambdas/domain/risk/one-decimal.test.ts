import { describe, expect, it } from 'vitest';
import { MoneyDecimal } from '../../../../../lambdas/domain/money';
import { dec, ONE, ZERO } from '../../../../../lambdas/domain/risk/risk-values';
import { lineAmount } from '../../../../../lib/local/stripe-emulator/money';

// One Decimal configuration (lambdas/domain/money/decimal.ts); the build refuses
// decimal.js imports elsewhere (.dependency-cruiser.cjs, decimal-js-only-in-money).
describe('one decimal configuration', () => {
  it('risk ratios are MoneyDecimal values', () => {
    expect(dec('0.62')).toBeInstanceOf(MoneyDecimal);
    expect(dec(3n)).toBeInstanceOf(MoneyDecimal);
    expect(ZERO).toBeInstanceOf(MoneyDecimal);
    expect(ONE).toBeInstanceOf(MoneyDecimal);
  });

  it('risk keeps 40 significant digits where 20 would round a ratio up', () => {
    // 1 - 10^-25 has 25 significant digits: a 20-digit Decimal would make it exactly 1.
    expect(dec('1').minus('0.0000000000000000000000001').lessThan(ONE)).toBe(true);
  });

  it('the Stripe emulator multiplies with 40 digits, so a product just below half a minor unit rounds down', () => {
    // 2469135 × 0.49999999999999999999999 = 1234567.499999999999999997530865: with the
    // global decimal.js (20 digits) the product reads 1234567.5 and rounds up to 1234568.
    expect(lineAmount('2469135', '0.49999999999999999999999')).toBe(1234567);
  });
});

import { describe, expect, it } from 'vitest';
import { PercentSchema, QuantitySchema, UnitPriceSchema, toDecimal } from '../../../../../lambdas/domain/money';

describe('decimal string schemas', () => {
  it('accepts unit prices with up to 12 decimal places and integers', () => {
    expect(UnitPriceSchema.parse('0.000000000001')).toBe('0.000000000001');
    expect(UnitPriceSchema.parse(100)).toBe('100');
    expect(UnitPriceSchema.safeParse('0.0000000000001').error?.issues[0]?.message).toMatch(/more than 12 decimal places/);
  });

  it('refuses binary fractions with advice to quote them', () => {
    expect(UnitPriceSchema.safeParse(0.1).error?.issues[0]?.message).toBe(
      'expected a decimal string: write 0.1 in quotes (e.g. "0.1") so no precision is lost',
    );
  });

  it('refuses negative, exponent and non-numeric forms', () => {
    for (const bad of ['-1', '1e5', 'abc', '', '1.', '.5', ' 1']) {
      expect(QuantitySchema.safeParse(bad).success, bad).toBe(false);
    }
    expect(QuantitySchema.safeParse(-3).success).toBe(false);
  });

  it('bounds percentages to 0..100', () => {
    expect(PercentSchema.parse('100')).toBe('100');
    expect(PercentSchema.parse('2.5')).toBe('2.5');
    expect(PercentSchema.safeParse('100.01').success).toBe(false);
  });

  it('never lets a float into money arithmetic', () => {
    expect(() => toDecimal(0.1)).toThrow(/non-integer number/);
    expect(toDecimal(3).toFixed()).toBe('3');
  });
});

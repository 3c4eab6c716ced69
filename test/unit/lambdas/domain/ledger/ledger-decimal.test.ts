import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fromFixed12,
  normalizeDecimalNumber,
  normalizeDecimalString,
  toFixed12,
} from '../../../../../lambdas/domain/ledger/ledger-decimal';

describe('decimal normalisation', () => {
  it.each([
    ['1', '1'],
    ['01', '1'],
    ['1.0', '1'],
    ['0', '0'],
    ['000', '0'],
    ['0.0', '0'],
    ['0.50', '0.5'],
    ['007.250', '7.25'],
    ['123456789012345678', '123456789012345678'],
    ['0.000000000001', '0.000000000001'],
    ['1.500000000000000000000', '1.5'],
  ])('%s -> %s', (input, expected) => {
    expect(normalizeDecimalString(input)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['', 'not-a-decimal'],
    ['.5', 'not-a-decimal'],
    ['5.', 'not-a-decimal'],
    ['1.2.3', 'not-a-decimal'],
    ['+1', 'not-a-decimal'],
    ['1e3', 'not-a-decimal'],
    [' 1', 'not-a-decimal'],
    ['-1', 'negative'],
    ['-0.5', 'negative'],
    ['NaN', 'not-finite'],
    ['-Infinity', 'not-finite'],
    ['0.0000000000001', 'too-many-fraction-digits'],
    ['1234567890123456789', 'too-many-digits'],
    ['123456789.1234567891', 'too-many-digits'],
  ])('%s is refused (%s)', (input, problem) => {
    expect(normalizeDecimalString(input)).toEqual({ ok: false, problem });
  });

  it.each([
    [1, '1'],
    [0, '0'],
    [-0, '0'],
    [2.5, '2.5'],
    [1e-7, '0.0000001'],
    [1e17, '100000000000000000'],
  ])('number %s -> %s', (input, expected) => {
    expect(normalizeDecimalNumber(input)).toEqual({ ok: true, value: expected });
  });

  it('refuses numbers that are not finite, negative, or too precise for the bounds', () => {
    expect(normalizeDecimalNumber(Number.POSITIVE_INFINITY)).toEqual({ ok: false, problem: 'not-finite' });
    expect(normalizeDecimalNumber(Number.NaN)).toEqual({ ok: false, problem: 'not-finite' });
    expect(normalizeDecimalNumber(-1)).toEqual({ ok: false, problem: 'negative' });
    expect(normalizeDecimalNumber(0.1 + 0.2)).toEqual({ ok: false, problem: 'too-many-fraction-digits' });
    expect(normalizeDecimalNumber(1e21)).toEqual({ ok: false, problem: 'too-many-digits' });
  });

  it('is idempotent and exact through 12-decimal fixed point', () => {
    const decimal = fc
      .tuple(fc.bigInt({ min: 0n, max: 999_999n }), fc.bigInt({ min: 0n, max: 999_999_999_999n }), fc.integer({ min: 0, max: 3 }))
      .map(([whole, fraction, zeros]) => `${'0'.repeat(zeros)}${whole}.${fraction.toString().padStart(12, '0')}`);
    fc.assert(
      fc.property(decimal, (text) => {
        const normalized = normalizeDecimalString(text);
        if (!normalized.ok) throw new Error(`refused ${text}`);
        expect(normalizeDecimalString(normalized.value)).toEqual(normalized);
        expect(fromFixed12(toFixed12(normalized.value))).toBe(normalized.value);
      }),
    );
  });
});

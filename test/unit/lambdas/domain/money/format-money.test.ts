import { describe, expect, it } from 'vitest';
import { formatAmountWithCode, formatMinorUnits, formatMoney } from '../../../../../lambdas/domain/money';

describe('formatMinorUnits', () => {
  it('prints exactly the currency decimals', () => {
    expect(formatMinorUnits(1250n, 'USD')).toBe('12.50');
    expect(formatMinorUnits(5n, 'USD')).toBe('0.05');
    expect(formatMinorUnits(-5n, 'USD')).toBe('-0.05');
    expect(formatMinorUnits(1234n, 'JPY')).toBe('1234');
    expect(formatMinorUnits(1234n, 'KWD')).toBe('1.234');
    expect(formatMinorUnits(12345678901234567890123n, 'USD')).toBe('123456789012345678901.23');
  });
});

// ICU separates a currency code with a no-break space (the exact space varies by ICU version).
const plain = (text: string) => text.replace(/\s/g, ' ');

describe('formatMoney', () => {
  it('shows JPY without decimals and KWD with three (the Lago JPY ×100 bug cannot happen)', () => {
    expect(formatMoney(1234n, 'JPY', 'en-US')).toBe('¥1,234');
    expect(plain(formatMoney(1234n, 'KWD', 'en-US'))).toBe('KWD 1.234');
    expect(formatMoney(123456n, 'USD', 'en-US')).toBe('$1,234.56');
  });

  it('is exact beyond the range of binary floating point', () => {
    expect(formatMoney(1234567890123456789n, 'USD', 'en-US')).toBe('$12,345,678,901,234,567.89');
  });
});

describe('formatAmountWithCode', () => {
  it('prints the exact amount, ungrouped, then the ISO code', () => {
    expect(formatAmountWithCode(227141n, 'USD')).toBe('2271.41 USD');
    expect(formatAmountWithCode(-5n, 'USD')).toBe('-0.05 USD');
    expect(formatAmountWithCode(1234n, 'JPY')).toBe('1234 JPY');
    expect(formatAmountWithCode(1234n, 'KWD')).toBe('1.234 KWD');
    expect(formatAmountWithCode(12345678901234567890123n, 'USD')).toBe('123456789012345678901.23 USD');
  });
});

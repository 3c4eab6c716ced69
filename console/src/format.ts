import type { Amount } from './types';

/** "1,234.50 USD" from an exact decimal string, grouping digits without passing through a float. */
export function money(amount: Amount | undefined, currency: string): string {
  if (!amount) return '–';
  return `${groupDigits(amount.decimal)} ${currency}`;
}

/** Minor units as a decimal string for currencies with `exponent` fraction digits. */
export function minorToDecimal(minor: string, exponent = 2): string {
  const negative = minor.startsWith('-');
  const digits = (negative ? minor.slice(1) : minor).padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return `${negative ? '-' : ''}${whole}${exponent > 0 ? `.${fraction}` : ''}`;
}

export function groupDigits(decimal: string): string {
  const [whole = '', fraction] = decimal.split('.');
  const sign = whole.startsWith('-') || whole.startsWith('+') ? whole[0] : '';
  const digits = sign ? whole.slice(1) : whole;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${grouped}${fraction !== undefined ? `.${fraction}` : ''}`;
}

export function monthLabel(periodStart: string): string {
  return periodStart.slice(0, 7);
}

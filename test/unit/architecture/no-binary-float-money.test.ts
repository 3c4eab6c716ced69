import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Money and quantities never pass through binary floating point: amounts are
// decimal.js values or bigint/safe-integer fixed point. A double can slip in
// quietly (a Number(...) on a price, a Math.round on an amount, a 1e-9
// tolerance), so every module that handles money is scanned for the
// constructs that make one. A line that converts something that is provably
// an exact integer (a count, a limb below 10^15) says so with `// exact: why`.
const FOLDERS = [
  'lambdas/domain/money',
  'lambdas/domain/plans',
  'lambdas/domain/rating',
  'lambdas/application/plans',
  'lambdas/domain/risk',
  'lambdas/domain/ledger',
  'lambdas/domain/invoicing',
  'lambdas/application/billing',
];

/**
 * Lines that are not money but carry no `// exact:` note in their own file
 * (path, a piece of the line, why it is allowed). Each must still match a
 * line, so a stale entry fails the build instead of exempting a new line.
 */
const ALLOWED: ReadonlyArray<{ path: string; code: string; why: string }> = [
  { path: 'lambdas/domain/ledger/catalog.ts', code: 'const hours = Number(code.slice(1));', why: 'the whole hours of a quiet-window code ("Q24"), checked with Number.isInteger next' },
  { path: 'lambdas/domain/ledger/ledger-decimal.ts', code: 'const exponent = Number(text.slice(e + 1));', why: 'the integer exponent of a decimal string, not its value' },
  { path: 'lambdas/domain/ledger/prepare-outcome-message.ts', code: 'Math.round(abs)} ms', why: 'describeDuration: a duration in milliseconds, rounded for a message' },
  { path: 'lambdas/domain/ledger/prepare-outcome-message.ts', code: 'Math.round(abs / 1000)} s', why: 'describeDuration: a duration in seconds, rounded for a message' },
  { path: 'lambdas/domain/ledger/prepare-outcome-message.ts', code: 'Math.round(abs / 60_000)} min', why: 'describeDuration: a duration in minutes, rounded for a message' },
  { path: 'lambdas/domain/ledger/prepare-outcome-message.ts', code: 'Math.round((abs / 3_600_000) * 10) / 10} h', why: 'describeDuration: a duration in hours, rounded for a message' },
  { path: 'lambdas/domain/ledger/prepare-outcome-message.ts', code: 'Math.round((abs / 86_400_000) * 10) / 10} days', why: 'describeDuration: a duration in days, rounded for a message' },
  { path: 'lambdas/application/billing/schedule-period-closes.ts', code: 'Math.round(graceHours * 3_600_000)', why: 'the close grace (hours, a setting) in whole milliseconds, a duration' },
];

function allowed(path: string, line: string): boolean {
  return ALLOWED.some((entry) => entry.path === path && line.includes(entry.code));
}

const FORBIDDEN: ReadonlyArray<{ pattern: RegExp; why: string }> = [
  { pattern: /\bparseFloat\b/, why: 'parseFloat makes a double' },
  { pattern: /\bNumber\s*\(/, why: 'Number(...) makes a double' },
  { pattern: /\bNumber\.(parseFloat|EPSILON)\b/, why: 'floating-point parsing or tolerance' },
  { pattern: /\bMath\.(round|floor|ceil|trunc|pow|fround|sqrt)\b/, why: 'Math rounding works on doubles' },
  { pattern: /(?<![\w.])\d[\d_]*\.\d+(?![\w.])/, why: 'a fractional number literal is a double' },
  { pattern: /(?<![\w.])\d[\d_]*(\.\d+)?e-\d+/i, why: 'a negative-exponent literal is a double' },
  { pattern: /\/\s*\d[\d_]*e\+?\d+/i, why: 'dividing a number by 1eN makes a fraction' },
];

const EXEMPTION = /\/\/ exact: \S/;

function files(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Blanks string literals and comments (keeping line breaks) so only code is scanned. */
function codeOnly(source: string): string {
  return source.replace(
    /\/\*[\s\S]*?\*\/|\/\/[^\n]*|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"/g,
    (match) => (match.startsWith('//') && EXEMPTION.test(match) ? match : match.replace(/[^\n]/g, ' ')),
  );
}

export function floatOffences(path: string, source: string): string[] {
  const original = source.split('\n');
  return codeOnly(source)
    .split('\n')
    .flatMap((line, index) =>
      EXEMPTION.test(line) || allowed(path, original[index] ?? '')
        ? []
        : FORBIDDEN.filter(({ pattern }) => pattern.test(line)).map(({ why }) => `${path}:${index + 1}: ${why}: ${line.trim()}`),
    );
}

describe('no binary floating point in money', () => {
  it('finds none of the constructs that make a double in money, plans, rating, risk, ledger, invoicing and billing', () => {
    const scanned = FOLDERS.flatMap(files);
    expect(scanned.length).toBeGreaterThan(100);
    for (const folder of FOLDERS) expect(scanned.some((path) => path.startsWith(`${folder}/`)), folder).toBe(true);
    expect(scanned.flatMap((path) => floatOffences(path, readFileSync(path, 'utf8')))).toEqual([]);
  });

  it('allows each listed non-money line, and only while it is there', () => {
    for (const { path, code } of ALLOWED) {
      const lines = readFileSync(path, 'utf8').split('\n');
      expect(lines.some((line) => line.includes(code)), `${path}: ${code}`).toBe(true);
    }
    expect(floatOffences('lambdas/domain/ledger/catalog.ts', 'const hours = Number(code.slice(1));')).toEqual([]);
    expect(floatOffences('lambdas/domain/ledger/other.ts', 'const hours = Number(code.slice(1));')).toHaveLength(1);
  });

  it('would catch each construct (the scan can fail)', () => {
    const planted = [
      'const fee = parseFloat(text);',
      'const estimate = Number(charge.percent) / 100;',
      'const cents = Math.round(amount * 100);',
      'const margin = 0.000001 * amount;',
      'const margin = 1e-9 * (1 + estimate);',
      'return whole + high / 1e9 + low / 1e18;',
      'if (Math.abs(a - b) < Number.EPSILON) return;',
    ];
    for (const line of planted) expect(floatOffences('planted.ts', line), line).toHaveLength(1);
    expect(floatOffences('planted.ts', 'const note = "costs 1.5 per unit"; // 0.5 in a comment')).toEqual([]);
    expect(floatOffences('planted.ts', 'const n = Number(count); // exact: a safe-integer count')).toEqual([]);
  });
});

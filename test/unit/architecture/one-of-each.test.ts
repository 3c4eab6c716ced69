// One decimal configuration, one set of time schemas, one money formatter, one
// canonical JSON (docs/architecture.md "One of each"). dependency-cruiser refuses
// decimal.js outside lambdas/domain/money; this scan catches the second copies an
// import graph cannot see: another Decimal clone, instant or zone check,
// currency formatter or key-sorting JSON.stringify.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');

const ONLY_HERE: ReadonlyArray<{ what: string; pattern: RegExp; home: readonly string[] }> = [
  { what: 'a Decimal configuration', pattern: /\bDecimal\s*\.\s*(clone|set|config)\s*\(/, home: ['lambdas/domain/money/decimal.ts'] },
  {
    what: 'an instant or date schema',
    pattern: /\bz\s*\.\s*iso\s*\.\s*(datetime|date)\b/,
    home: ['lambdas/domain/periods/time-schemas.ts'],
  },
  { what: 'an IANA zone check', pattern: /\bisValidZone\s*\(/, home: ['lambdas/domain/periods/local-date.ts'] },
  { what: 'a currency formatter', pattern: /style:\s*'currency'/, home: ['lambdas/domain/money/format-money.ts'] },
  {
    what: 'a key-sorting JSON.stringify',
    // A replacer on the stringify's own line that sorts within a few lines, or a sort inside the call's line.
    // Or a named replacer that sorts, or keys sorted by hand a few lines before a stringify (the ledger's attributes were written so once).
    pattern: /JSON\.stringify\([^;\n]*?=>[\s\S]{0,300}?\.sort\(|JSON\.stringify\([^;\n]*\.sort\(|JSON\.stringify\(\w+, \w+\)[\s\S]{0,600}?\.sort\(|\b[kK]eys\.sort\([^)]*\)[\s\S]{0,300}?JSON\.stringify\(/,
    home: ['lambdas/domain/json/canonical-json.ts'],
  },
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

export function secondCopies(path: string, source: string): string[] {
  return ONLY_HERE.filter(({ pattern, home }) => !home.includes(path) && pattern.test(source)).map(({ what }) => `${path}: ${what}`);
}

describe('one of each', () => {
  const files = ['lambdas', 'lib', 'bin'].flatMap((folder) => sourceFiles(join(root, folder)));

  it('has no second copy in lambdas/, lib/ or bin/', () => {
    expect(files.length).toBeGreaterThan(250);
    expect(files.flatMap((file) => secondCopies(relative(root, file), readFileSync(file, 'utf8')))).toEqual([]);
  });

  it('every home still holds its one copy', () => {
    for (const { what, pattern, home } of ONLY_HERE) {
      expect(pattern.test(readFileSync(join(root, home[0] as string), 'utf8')), what).toBe(true);
    }
  });

  it('reports a planted second copy of each', () => {
    const planted = [
      "export const RiskDecimal = Decimal.clone({ precision: 40 });",
      "const at = z.iso.datetime({ offset: true });",
      "if (!IANAZone.isValidZone(zone)) throw new Error(zone);",
      "new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(text);",
      "return JSON.stringify(Object.fromEntries(Object.entries(value).sort()));",
      "return JSON.stringify(value, sorted);\n}\nfunction sorted(_key, inner) {\n  return Object.fromEntries(Object.entries(inner).sort());\n}",
      "keys.sort();\n  for (const key of keys) sorted[key] = attributes[key];\n  const json = JSON.stringify(sorted);",
    ];
    for (const line of planted) expect(secondCopies('lib/local/planted.ts', line), line).toHaveLength(1);
    // The ledger's former instant schema, in the ledger itself: only time-schemas.ts may hold one.
    expect(secondCopies('lambdas/domain/ledger/outcome-events.ts', "z.iso.datetime({ offset: true, error: 'occurredAt must be RFC 3339' })")).toHaveLength(1);
  });
});

// The pricing, ledger and risk core must stay pure so it can be tested with
// plain inputs and reused by the CLI, the local engine and every Lambda.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const domainDir = join(root, 'lambdas', 'domain');

const FORBIDDEN_IMPORTS = [
  /^@aws-sdk\//,
  /^aws-lambda$/,
  /^@middy\//,
  /^stripe$/,
  /^aws-cdk-lib/,
  /^@aws-lambda-powertools\//,
  /^(node:)?(process|fs|fs\/promises|http|https|net|child_process)$/,
];
// Reading the environment or the wall clock makes results depend on where and when they run.
const FORBIDDEN_GLOBALS = [/\bprocess\.env\b/, /\bDate\.now\(/, /\bnew Date\(\)/, /\bMath\.random\(/];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(source: string): string[] {
  const specifiers = source.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g);
  return [...specifiers].map((m) => m[1] ?? m[2] ?? '');
}

describe('lambdas/domain', () => {
  const files = sourceFiles(domainDir);

  it('has source files to check', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files.map((f) => [relative(root, f), f]))('%s imports no AWS, Stripe, middy or I/O module', (_name, file) => {
    const offending = importsOf(readFileSync(file, 'utf8')).filter((spec) =>
      FORBIDDEN_IMPORTS.some((pattern) => pattern.test(spec)),
    );
    expect(offending).toEqual([]);
  });

  it.each(files.map((f) => [relative(root, f), f]))('%s reads neither env, clock nor randomness', (_name, file) => {
    const source = readFileSync(file, 'utf8');
    const offending = FORBIDDEN_GLOBALS.filter((pattern) => pattern.test(source)).map(String);
    expect(offending).toEqual([]);
  });
});

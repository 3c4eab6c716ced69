// The layers the README promises, checked on every run: dependency-cruiser applies
// .dependency-cruiser.cjs to the whole tree, and a source scan catches what an
// import graph cannot see (the domain reading the environment, the clock or randomness).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { cruise, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const configFile = join(root, '.dependency-cruiser.cjs');
const CRUISED_FOLDERS = ['lambdas', 'lib', 'bin', 'test'];
// Cruising ~500 modules on a loaded 2-core machine takes seconds, sometimes many.
const CRUISE_TIMEOUT_MS = 180_000;

async function cruiseTree(baseDir: string, folders: readonly string[], resolveOptions: { symlinks?: boolean } = {}): Promise<ICruiseResult> {
  const options = await extractDepcruiseOptions(configFile);
  const reported = await cruise([...folders], { ...options, baseDir }, resolveOptions);
  if (typeof reported.output === 'string') throw new Error('dependency-cruiser returned a formatted report, expected the cruise result');
  return reported.output;
}

function describeViolation(violation: IViolation): string {
  const cycle = violation.cycle?.map((step) => step.name).join(' → ');
  return `${violation.rule.name}: ${violation.from} → ${cycle ?? violation.to}`;
}

describe('dependency rules (.dependency-cruiser.cjs)', () => {
  it(
    'hold for lambdas/, lib/, bin/ and test/',
    async () => {
      const result = await cruiseTree(root, CRUISED_FOLDERS);
      // A config that matched nothing would pass vacuously.
      expect(result.summary.totalCruised).toBeGreaterThan(300);
      expect(result.summary.violations.map(describeViolation)).toEqual([]);
    },
    CRUISE_TIMEOUT_MS,
  );

  // rule, importing file, imported module: one planted violation per rule of the config.
  const PLANTED_CASES: readonly (readonly [string, string, string])[] = [
    ['domain-only-domain-and-pure-libraries', 'lambdas/domain/uses-dynamodb.ts', '@aws-sdk/client-dynamodb'],
    ['domain-only-domain-and-pure-libraries', 'lambdas/domain/uses-fs.ts', 'fs'],
    ['domain-only-domain-and-pure-libraries', 'lambdas/domain/uses-application.ts', 'lambdas/application/area/use-case.ts'],
    ['application-not-to-outer-layers', 'lambdas/application/area/uses-adapter.ts', 'lambdas/adapters/dynamo-store.ts'],
    ['application-not-to-outer-layers', 'lambdas/application/area/uses-env.ts', 'lambdas/shared/env.ts'],
    ['application-no-infrastructure-libraries', 'lambdas/application/area/uses-stripe.ts', 'stripe'],
    ['adapters-only-ports-of-application', 'lambdas/adapters/uses-use-case.ts', 'lambdas/application/area/use-case.ts'],
    ['lambdas-not-to-outer-code', 'lambdas/adapters/uses-local-twin.ts', 'lib/local/twin.ts'],
    ['handlers-not-to-adapters', 'lambdas/handlers/builds-adapter.ts', 'lambdas/adapters/dynamo-store.ts'],
    ['adapters-not-to-outer-layers', 'lambdas/adapters/uses-handler.ts', 'lambdas/handlers/good-handler.ts'],
    ['shared-only-domain', 'lambdas/shared/uses-use-case.ts', 'lambdas/application/area/use-case.ts'],
    ['decimal-js-only-in-money', 'lambdas/domain/risk/own-decimal.ts', 'decimal.js'],
    ['decimal-js-only-in-money', 'lib/local/emulator-decimal.ts', 'decimal.js'],
  ];

  describe('on a tree with planted violations', () => {
    let plantedRoot = '';
    let violations: string[] = [];

    // Each file breaks one rule; the check must name each of them.
    const PLANTED: Record<string, string> = {
      'lambdas/domain/pure.ts': `export const pure = 1;\n`,
      'lambdas/domain/uses-dynamodb.ts': `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nexport const client = DynamoDBClient;\n`,
      'lambdas/domain/uses-fs.ts': `import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n`,
      'lambdas/domain/uses-application.ts': `import { useCase } from '../application/area/use-case';\nexport const again = useCase;\n`,
      'lambdas/domain/uses-zod.ts': `import { z } from 'zod';\nimport { pure } from './pure';\nexport const schema = z.number().default(pure);\n`,
      'lambdas/application/area/ports.ts': `export interface Store { save(value: number): Promise<void>; }\n`,
      'lambdas/application/area/area-errors.ts': `export class AreaError extends Error {}\n`,
      'lambdas/application/area/use-case.ts': `import type { Store } from './ports';\nexport const useCase = (store: Store) => store.save(1);\n`,
      'lambdas/application/area/uses-adapter.ts': `import { DynamoStore } from '../../adapters/dynamo-store';\nexport const store = DynamoStore;\n`,
      'lambdas/application/area/uses-stripe.ts': `import Stripe from 'stripe';\nexport const stripe = Stripe;\n`,
      'lambdas/application/area/uses-env.ts': `import { readEnv } from '../../shared/env';\nexport const env = readEnv;\n`,
      'lambdas/adapters/dynamo-store.ts':
        `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nimport type { Store } from '../application/area/ports';\n` +
        `import { AreaError } from '../application/area/area-errors';\n` +
        `export class DynamoStore implements Store { client = DynamoDBClient; async save(): Promise<void> { throw new AreaError(); } }\n`,
      'lambdas/adapters/uses-use-case.ts': `import { useCase } from '../application/area/use-case';\nexport const direct = useCase;\n`,
      'lambdas/adapters/uses-local-twin.ts': `import { twin } from '../../lib/local/twin';\nexport const local = twin;\n`,
      'lambdas/adapters/uses-handler.ts': `import { handler } from '../handlers/good-handler';\nexport const nested = handler;\n`,
      'lambdas/composition/area-service.ts': `import { DynamoStore } from '../adapters/dynamo-store';\nimport { useCase } from '../application/area/use-case';\nexport const run = () => useCase(new DynamoStore());\n`,
      'lambdas/handlers/good-handler.ts': `import { run } from '../composition/area-service';\nimport { readEnv } from '../shared/env';\nexport const handler = () => (readEnv(), run());\n`,
      'lambdas/handlers/builds-adapter.ts': `import { DynamoStore } from '../adapters/dynamo-store';\nexport const handler = () => new DynamoStore().save();\n`,
      'lambdas/shared/env.ts': `export const readEnv = () => 'env';\n`,
      'lambdas/shared/uses-use-case.ts': `import { useCase } from '../application/area/use-case';\nexport const kit = useCase;\n`,
      'lambdas/shared/cycle-a.ts': `import { b } from './cycle-b';\nexport const a = () => b;\n`,
      'lambdas/shared/cycle-b.ts': `import { a } from './cycle-a';\nexport const b = () => a;\n`,
      'lib/local/twin.ts': `import { run } from '../../lambdas/composition/area-service';\nexport const twin = run;\n`,
      'lambdas/domain/money/decimal.ts': `import Decimal from 'decimal.js';\nexport const MoneyDecimal = Decimal.clone({ precision: 40 });\n`,
      'lambdas/domain/risk/own-decimal.ts': `import Decimal from 'decimal.js';\nexport const RiskDecimal = Decimal.clone({ precision: 40 });\n`,
      'lambdas/domain/risk/money-decimal.ts': `import { MoneyDecimal } from '../money/decimal';\nexport const ratio = new MoneyDecimal(1);\n`,
      'lib/local/emulator-decimal.ts': `import Decimal from 'decimal.js';\nexport const amount = new Decimal(1);\n`,
    };

    beforeAll(async () => {
      plantedRoot = mkdtempSync(join(tmpdir(), 'layer-rules-'));
      for (const [path, source] of Object.entries(PLANTED)) {
        mkdirSync(dirname(join(plantedRoot, path)), { recursive: true });
        writeFileSync(join(plantedRoot, path), source);
      }
      // Resolve packages as the real tree does (under node_modules/), so npm imports are judged by package.
      symlinkSync(join(root, 'node_modules'), join(plantedRoot, 'node_modules'), 'dir');
      const result = await cruiseTree(plantedRoot, ['lambdas', 'lib'], { symlinks: false });
      violations = result.summary.violations.map(describeViolation);
    }, CRUISE_TIMEOUT_MS);

    afterAll(() => {
      if (plantedRoot) rmSync(plantedRoot, { recursive: true, force: true });
    });

    it.each(PLANTED_CASES)('%s: reports %s importing %s', (rule, from, to) => {
      expect(violations.filter((line) => line.startsWith(`${rule}: ${from} → `) && line.includes(to))).not.toEqual([]);
    });

    it('plants a violation of every rule in the config', async () => {
      const { ruleSet } = await extractDepcruiseOptions(configFile);
      const ruleNames = (ruleSet?.forbidden ?? []).map((rule) => rule.name);
      expect(ruleNames.length).toBeGreaterThan(5);
      expect(new Set(ruleNames)).toEqual(new Set([...PLANTED_CASES.map(([rule]) => rule), 'no-circular']));
    });

    it('reports an import cycle', () => {
      expect(violations).toContain('no-circular: lambdas/shared/cycle-a.ts → lambdas/shared/cycle-b.ts → lambdas/shared/cycle-a.ts');
    });

    it('accepts what the layers allow: pure libraries in domain, decimal.js in money only and MoneyDecimal elsewhere, ports and their errors in adapters, composition and handlers wiring', () => {
      const allowedFiles = [
        'lambdas/domain/uses-zod.ts',
        'lambdas/domain/pure.ts',
        'lambdas/application/area/use-case.ts',
        'lambdas/adapters/dynamo-store.ts',
        'lambdas/composition/area-service.ts',
        'lambdas/handlers/good-handler.ts',
        'lib/local/twin.ts',
        'lambdas/domain/money/decimal.ts',
        'lambdas/domain/risk/money-decimal.ts',
      ];
      expect(violations.filter((line) => allowedFiles.some((file) => line.includes(`: ${file} → `)))).toEqual([]);
    });
  });
});

// Reading the environment, the wall clock or randomness makes results depend on where and when they run;
// an import graph cannot see a global, so the domain's sources are scanned for them.
const CLOCK_ENV_AND_RANDOMNESS = [
  /\bprocess\./,
  /\bDate\.now\(/,
  /\bnew Date\(\)/,
  /\bDateTime\.(now|local|utc)\(\)/,
  /\bMath\.random\(/,
  /\bfetch\(/,
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function globalsReadBy(source: string): string[] {
  return CLOCK_ENV_AND_RANDOMNESS.filter((pattern) => pattern.test(source)).map(String);
}

describe('lambdas/domain reads neither environment, clock nor randomness', () => {
  const files = sourceFiles(join(root, 'lambdas', 'domain'));

  it('has source files to check', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it('reports a planted read of each', () => {
    expect(globalsReadBy('const region = process.env.AWS_REGION;')).toEqual([String(/\bprocess\./)]);
    expect(globalsReadBy('const at = new Date();')).toEqual([String(/\bnew Date\(\)/)]);
    expect(globalsReadBy('const at = DateTime.utc();')).toEqual([String(/\bDateTime\.(now|local|utc)\(\)/)]);
    expect(globalsReadBy('const at = new Date(input); const moment = DateTime.utc(2026, 1, 1);')).toEqual([]);
  });

  it.each(files.map((file) => [relative(root, file), file]))('%s', (_name, file) => {
    expect(globalsReadBy(readFileSync(file, 'utf8'))).toEqual([]);
  });
});

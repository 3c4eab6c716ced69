// The example plans and contracts the local engine starts with (next to the
// example catalog), validated with the same rules as any plan file so a
// broken example fails the engine's start, not a newcomer's first invoice.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { validatePlanFiles, type Contract, type Plan } from '../../lambdas/domain/plans';

export const SEED_DIR = join(import.meta.dirname, 'seed');
export const SEED_CATALOG_FILE = join(SEED_DIR, 'catalog.yaml');
export const SEED_PLANS_DIR = join(SEED_DIR, 'plans');

export class SeedPlansInvalidError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SeedPlansInvalidError';
  }
}

export interface SeedPlans {
  files: string[];
  plans: readonly Plan[];
  contracts: readonly Contract[];
}

export async function loadSeedPlans(dir = SEED_PLANS_DIR): Promise<SeedPlans> {
  const files = (await readdir(dir)).filter((name) => /\.(ya?ml|json)$/.test(name)).sort().map((name) => join(dir, name));
  const report = await validatePlanFiles(files, { readTextFile: (path) => readFile(path, 'utf8') });
  if (!report.valid) {
    throw new SeedPlansInvalidError(
      `The example plans under ${dir} are invalid:\n${report.issues.map((i) => `  ${i.file} ${i.path}: ${i.message}`).join('\n')}`,
    );
  }
  return { files, plans: report.plans, contracts: report.contracts };
}

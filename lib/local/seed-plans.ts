// The example plans and contracts the local engine starts with (next to the
// example catalog), validated with the same rules as any plan file so a
// broken example fails the engine's start, not a newcomer's first invoice.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { validatePlanFiles, type Contract, type Plan } from '../../lambdas/domain/plans';
import { loadContracts, loadPlans, type LoadResult } from '../../lambdas/application/plans/load-plans';
import type { PlanStore } from '../../lambdas/application/plans/ports';
import { packageRoot } from './package-root';
import { engineErrorClass } from '../../lambdas/domain/errors/engine-error';

export const SEED_DIR = join(packageRoot(), 'lib', 'local', 'seed');
export const SEED_CATALOG_FILE = join(SEED_DIR, 'catalog.yaml');
export const SEED_PLANS_DIR = join(SEED_DIR, 'plans');

export class SeedPlansInvalidError extends engineErrorClass('SeedPlansInvalidError', 'internal', 'seed_plans_invalid') {}

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

export interface SeededPlans {
  plans: LoadResult;
  contracts: LoadResult;
}

/**
 * Puts the example plans and contracts into the engine's store so `invoice
 * preview` works at once. Plan versions are immutable, so storing them again
 * is a no-op; contracts already stored are left alone, so a contract a user
 * changed is never reset to the example on restart.
 */
export async function storeSeedPlans(seed: SeedPlans, store: PlanStore, now: () => Date): Promise<SeededPlans> {
  const plans = await loadPlans({ store }, seed.plans);
  const stored = new Set((await store.listContracts()).map((entry) => entry.contract.contractId));
  const contracts = await loadContracts(
    { store, now },
    seed.contracts.filter((contract) => !stored.has(contract.contractId)),
  );
  return { plans, contracts };
}

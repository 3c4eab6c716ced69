import { CatalogInputSchema, type CatalogInput } from '../domain/ledger/catalog';
import type { CatalogCache } from './catalog-cache';
import { describeIssues } from './describe-issues';
import { storedDefinitionChanges } from '../domain/ledger/outcome-definitions';
import { DefinitionVersionImmutableError, InvalidCatalogError } from './errors';
import type { CatalogRepository } from './ports';

/**
 * Validates and stores metrics and customers (upsert: entries not given are
 * kept), then drops this process's cached copy so ingest sees them at once.
 * Other processes pick them up within their cache TTL, or sooner when a
 * message names something their copy lacks.
 */
export async function loadCatalog(
  deps: { readonly catalogs: CatalogRepository; readonly cache: CatalogCache },
  input: CatalogInput,
): Promise<{ metrics: number; customers: number }> {
  const parsed = CatalogInputSchema.safeParse(input);
  if (!parsed.success) {
    const issues = describeIssues(parsed.error.issues);
    throw new InvalidCatalogError(`invalid catalog: ${issues.join('; ')}`, issues);
  }
  // A stored definition version is a contract term outcomes were counted
  // under: the whole catalog is refused rather than half of it changing.
  const changes = storedDefinitionChanges((await deps.catalogs.readCatalog()).metrics, parsed.data.metrics);
  if (changes.length > 0) throw new DefinitionVersionImmutableError(changes);
  await deps.catalogs.writeCatalog(parsed.data);
  deps.cache.invalidate();
  return { metrics: parsed.data.metrics.length, customers: parsed.data.customers.length };
}

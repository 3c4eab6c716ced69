// The outcome-definition catalog for tests that rate: empty by default (no
// contract pins a version), or holding the metric definitions a test pins.
import type { DefinitionCatalog } from '../../../lambdas/application/billing/ports';
import type { MetricDefinition } from '../../../lambdas/domain/ledger/catalog';

export function inMemoryDefinitionCatalog(metrics: readonly MetricDefinition[] = []): DefinitionCatalog {
  return { readCatalog: async () => ({ metrics }) };
}

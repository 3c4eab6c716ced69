import { describe, expect, it } from 'vitest';
import { CatalogFileInvalidError, parseCatalogText, readCatalogFile } from '../../../../lib/local/catalog-file';
import { SEED_CATALOG_FILE, loadSeedPlans } from '../../../../lib/local/seed-plans';

describe('the example catalog and plans the local engine starts with', () => {
  it('is a valid catalog: metrics for every billable rule, and customers', async () => {
    const catalog = await readCatalogFile(SEED_CATALOG_FILE);
    expect(catalog.metrics?.map((m) => m.code)).toEqual(['ticket.resolved', 'order.recovered', 'lead.qualified', 'energy.saved', 'call.handled']);
    expect(new Set(catalog.metrics?.map((m) => m.billable?.when))).toEqual(new Set(['immediately', 'verified', 'quiet-window']));
    expect(catalog.customers?.map((c) => c.customerId)).toEqual(['acme', 'kaisha', 'globex']);
  });

  it('has valid plans and contracts whose customers and metrics are in the catalog', async () => {
    const seed = await loadSeedPlans();
    const catalog = await readCatalogFile(SEED_CATALOG_FILE);
    expect(seed.plans.map((p) => p.code).sort()).toEqual(['resolutions-jpy', 'support-automation']);
    const customers = new Set(catalog.customers?.map((c) => c.customerId));
    const metrics = new Set(catalog.metrics?.map((m) => m.code));
    for (const contract of seed.contracts) expect(customers.has(contract.customerId)).toBe(true);
    for (const plan of seed.plans) {
      for (const version of plan.versions) {
        for (const metric of version.metrics) expect(metrics.has(metric.ledgerMetric)).toBe(true);
      }
    }
  });
});

describe('parseCatalogText', () => {
  it('names the file and every problem with its path', () => {
    const text = ['metrics:', '  - code: a b', '    name: A', '    unit: u', '    aggregation: average', 'customers:', '  - name: no id'].join('\n');
    try {
      parseCatalogText(text, 'my-catalog.yaml');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CatalogFileInvalidError);
      const problems = (error as CatalogFileInvalidError).problems.join('\n');
      expect((error as Error).message).toContain('my-catalog.yaml is not a valid catalog');
      expect(problems).toContain('metrics[0].code');
      expect(problems).toContain('metrics[0].aggregation');
      expect(problems).toContain('customers[0].customerId');
    }
  });

  it('refuses duplicate keys rather than letting the last one win', () => {
    expect(() => parseCatalogText('metrics: []\nmetrics: []\n', 'dup.yaml')).toThrow(CatalogFileInvalidError);
  });

  it('reads JSON too', () => {
    expect(parseCatalogText('{"customers":[{"customerId":"c","name":"C"}]}', 'c.json')).toEqual({ customers: [{ customerId: 'c', name: 'C' }] });
  });
});

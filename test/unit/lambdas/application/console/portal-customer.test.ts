import { describe, expect, it } from 'vitest';
import { isKnownCustomer } from '../../../../../lambdas/application/console/portal-customer';

describe('isKnownCustomer', () => {
  const deps = {
    catalog: { readCatalog: async () => ({ metrics: [], customers: [{ customerId: 'acme' }] }) as never },
    contracts: { listContracts: async () => [{ contract: { customerId: 'globex' } }] as never },
  };
  it('knows a customer the catalog lists or a contract names, and nobody else', async () => {
    expect(await isKnownCustomer(deps, 'acme')).toBe(true);
    expect(await isKnownCustomer(deps, 'globex')).toBe(true);
    expect(await isKnownCustomer(deps, 'acme-typo')).toBe(false);
  });
});

// A portal link is for a customer the engine knows: one the catalog lists or
// a stored contract names. A link for anyone else (a typo) would open an
// empty portal that looks like a customer with nothing, so it is refused.
import type { CatalogRepository } from '../ports';
import type { PlanStore } from '../plans/ports';

export interface PortalCustomerDeps {
  readonly catalog: Pick<CatalogRepository, 'readCatalog'>;
  readonly contracts: Pick<PlanStore, 'listContracts'>;
}

/** Whether the catalog lists the customer or a stored contract names it. */
export async function isKnownCustomer(deps: PortalCustomerDeps, customerId: string): Promise<boolean> {
  const catalog = await deps.catalog.readCatalog();
  if (catalog.customers.some((customer) => customer.customerId === customerId)) return true;
  return (await deps.contracts.listContracts()).some((stored) => stored.contract.customerId === customerId);
}

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PlanCurrencyConflictError, PlanVersionConflictError, PlanVersionsInconsistentError } from '../../../lambdas/application/plans/plan-store-errors';
import type { PlanStore } from '../../../lambdas/application/plans/ports';
import { ContractSchema, type Contract } from '../../../lambdas/domain/plans/contract-schema';
import { PlanSchema, type Plan } from '../../../lambdas/domain/plans/plan-schema';
import type { StoreUnderTest } from './renewal-task-store-contract';

// What every PlanStore must do, run against the DynamoDB store and the
// in-memory fake alike.

const version = (number: number, effectiveFrom: string, amount: string) => ({
  version: number,
  effectiveFrom,
  charges: [{ id: 'platform', name: 'Platform', model: 'flat', amount }],
  renewalCheckpointsDays: [90, 30],
});

export function plan(overrides: Record<string, unknown> = {}): Plan {
  return PlanSchema.parse({ kind: 'plan', code: 'support', name: 'Support', currency: 'EUR', versions: [version(1, '2025-01-01', '100.00')], ...overrides });
}

export function contract(overrides: Record<string, unknown> = {}): Contract {
  return ContractSchema.parse({
    kind: 'contract',
    contractId: 'ctr-1',
    customerId: 'acme',
    plan: { code: 'support', version: 1 },
    termStart: '2026-01-01',
    termEnd: '2027-01-01',
    billingPeriod: { cadence: 'monthly' },
    timeZone: 'Europe/Berlin',
    currency: 'EUR',
    ...overrides,
  });
}

export function describePlanStoreContract(name: string, create: () => Promise<StoreUnderTest<PlanStore>>): void {
  describe(`PlanStore contract: ${name}`, () => {
    let store: PlanStore;
    let destroy: (() => Promise<void>) | undefined;

    beforeEach(async () => {
      ({ store, destroy } = await create());
    });
    afterEach(async () => destroy?.());

    it('stores each plan version once: the same content again is unchanged, a new version is added', async () => {
      expect(await store.putPlan(plan())).toEqual({ planCode: 'support', versions: [{ version: 1, status: 'created' }] });
      expect(await store.putPlan(plan())).toEqual({ planCode: 'support', versions: [{ version: 1, status: 'unchanged' }] });
      const both = plan({ name: 'Support 2026', versions: [version(1, '2025-01-01', '100.00'), version(2, '2026-01-01', '120.00')] });
      expect(await store.putPlan(both)).toEqual({ planCode: 'support', versions: [{ version: 1, status: 'unchanged' }, { version: 2, status: 'created' }] });
      expect(await store.getPlan('support')).toEqual(both);
      await store.putPlan(plan({ code: 'basic', name: 'Basic' }));
      expect(await store.listPlanCodes()).toEqual(['basic', 'support']);
      expect(await store.getPlan('unknown')).toBeUndefined();
    });

    it('refuses other content under a stored version, another currency, and versions that do not fit together', async () => {
      await store.putPlan(plan());
      await expect(store.putPlan(plan({ versions: [version(1, '2025-01-01', '99.00')] }))).rejects.toBeInstanceOf(PlanVersionConflictError);
      await expect(store.putPlan(plan({ currency: 'USD' }))).rejects.toBeInstanceOf(PlanCurrencyConflictError);
      // Version 2 effective before version 1: together they are not a valid plan.
      await expect(store.putPlan(plan({ versions: [version(2, '2024-01-01', '90.00')] }))).rejects.toBeInstanceOf(PlanVersionsInconsistentError);
      expect(await store.getPlan('support')).toEqual(plan());
    });

    it('creates a contract at revision 1, leaves it unchanged for the same content, and raises the revision on a change', async () => {
      const now = new Date('2026-01-02T00:00:00.000Z');
      expect(await store.putContract(contract(), now)).toEqual({ contractId: 'ctr-1', status: 'created', revision: 1 });
      expect(await store.putContract(contract(), now)).toEqual({ contractId: 'ctr-1', status: 'unchanged', revision: 1 });
      const later = new Date('2026-02-01T00:00:00.000Z');
      const changed = contract({ termEnd: '2027-06-01' });
      expect(await store.putContract(changed, later)).toEqual({ contractId: 'ctr-1', status: 'updated', revision: 2 });
      expect(await store.getStoredContract('ctr-1')).toEqual({ contract: changed, revision: 2, updatedAt: later.toISOString() });
      expect(await store.getContract('ctr-1')).toEqual(changed);
      expect(await store.getContract('unknown')).toBeUndefined();
    });

    it('answers the revision in force at a moment, the first one before it was stored, none for an unknown contract', async () => {
      const first = new Date('2026-01-02T00:00:00.000Z');
      const second = new Date('2026-02-01T00:00:00.000Z');
      const changed = contract({ termEnd: '2027-06-01' });
      await store.putContract(contract(), first);
      await store.putContract(changed, second);
      expect(await store.getContractAsOf('ctr-1', new Date('2026-01-15T00:00:00.000Z'))).toEqual(contract());
      expect(await store.getContractAsOf('ctr-1', second)).toEqual(changed);
      expect(await store.getContractAsOf('ctr-1', new Date('2026-03-01T00:00:00.000Z'))).toEqual(changed);
      expect(await store.getContractAsOf('ctr-1', new Date('2025-12-01T00:00:00.000Z'))).toEqual(contract());
      expect(await store.getContractAsOf('unknown', second)).toBeUndefined();
    });

    it('lists contracts in id order', async () => {
      const now = new Date('2026-01-02T00:00:00.000Z');
      await store.putContract(contract({ contractId: 'ctr-b' }), now);
      await store.putContract(contract({ contractId: 'ctr-a', customerId: 'globex' }), now);
      expect((await store.listContracts()).map((stored) => [stored.contract.contractId, stored.contract.customerId, stored.revision])).toEqual([
        ['ctr-a', 'globex', 1],
        ['ctr-b', 'acme', 1],
      ]);
    });
  });
}

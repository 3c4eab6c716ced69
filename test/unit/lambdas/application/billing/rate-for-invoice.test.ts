// Rating reads the contract's plan and its usage; a usage reader that can
// start its own first read early (the rollups' progress) is asked to before
// the plan is read, so the two reads overlap, and the read it returns is the
// one the period's usage comes from.
import { describe, expect, it } from 'vitest';
import type { UsageReader, UsageRequest } from '../../../../../lambdas/application/billing/ports';
import { rateForInvoice } from '../../../../../lambdas/application/billing/rate-for-invoice';
import { FakeContracts, FakeLedger, monthlyContract, perUnitPlan } from '../../../../support/billing-fakes';
import { inMemoryDefinitionCatalog } from '../../../../support/fakes/in-memory-definition-catalog';

describe('rateForInvoice', () => {
  it('begins the usage read before reading the plan, and rates from the read it began', async () => {
    const events: string[] = [];
    const contracts = new FakeContracts();
    contracts.addPlan(perUnitPlan('per-unit', 'USD', '2.00', '10.00'));
    const contract = contracts.addContract(monthlyContract('ctr-1', 'per-unit', 'USD'));
    const ledger = new FakeLedger();
    ledger.add({ contractId: 'ctr-1', ledgerMetric: 'ticket.resolved', occurredAt: '2026-11-03T10:00:00Z', recordedAt: '2026-11-03T10:01:00Z' }, 3);
    const usage: UsageReader = {
      readPeriodUsage: () => Promise.reject(new Error('the begun read is the one to use')),
      beginRead: () => {
        events.push('usage begun');
        return {
          readPeriodUsage: async (request: UsageRequest) => {
            events.push('usage read');
            return ledger.readPeriodUsage(request);
          },
        };
      },
    };
    const draft = await rateForInvoice(
      {
        contracts: {
          getContract: (contractId) => contracts.getContract(contractId),
          getPlan: async (planCode) => {
            events.push('plan read');
            return contracts.getPlan(planCode);
          },
        },
        usage,
        definitions: inMemoryDefinitionCatalog(),
      },
      { contract, periodId: '2026-11', asOf: '2026-12-01T00:00:00.000Z', now: '2026-12-01T00:00:00.000Z', earlierRecords: [] },
    );
    expect(events).toEqual(['usage begun', 'plan read', 'usage read']);
    expect(draft.total).toBe(1600n);
  });
});

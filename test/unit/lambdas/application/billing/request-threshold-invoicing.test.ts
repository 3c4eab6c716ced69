import { describe, expect, it } from 'vitest';
import { requestThresholdInvoicing } from '../../../../../lambdas/application/billing/request-threshold-invoicing';
import { FakeContracts, RecordingPublisher, monthlyContract, perUnitPlan } from '../../../../support/billing-fakes';

function setUp() {
  const contracts = new FakeContracts();
  contracts.addPlan(perUnitPlan('usd-plan', 'USD', '1.50', '100.00'));
  contracts.addContract({ ...monthlyContract('c-acme-old', 'usd-plan', 'USD'), customerId: 'acme' });
  contracts.addContract({ ...monthlyContract('c-acme', 'usd-plan', 'USD'), customerId: 'acme', thresholdInvoicing: { amount: '500.00' } });
  contracts.addContract({ ...monthlyContract('c-globex', 'usd-plan', 'USD'), customerId: 'globex' });
  contracts.addContract({ ...monthlyContract('c-initech', 'usd-plan', 'USD'), customerId: 'initech', thresholdInvoicing: { amount: '50.00' } });
  const owned: Record<string, string[]> = { acme: ['c-acme-old', 'c-acme'], globex: ['c-globex'], initech: ['c-initech'] };
  const events = new RecordingPublisher();
  const deps = {
    directory: { contractIdsOfCustomer: async (customerId: string) => owned[customerId] ?? [] },
    contracts,
    events,
    now: () => new Date('2026-11-10T12:00:00Z'),
  };
  return { deps, events };
}

describe('requestThresholdInvoicing', () => {
  it('announces each customer with a thresholdInvoicing contract once, and no one else', async () => {
    const { deps, events } = setUp();
    const result = await requestThresholdInvoicing(deps, ['globex', 'acme', 'initech', 'acme', 'unknown']);
    expect(result.requested).toEqual(['acme', 'initech']);
    expect(events.published).toEqual([
      { detailType: 'Threshold Invoicing Requested', detail: { schemaVersion: 1, customerId: 'acme', requestedAt: '2026-11-10T12:00:00.000Z' } },
      { detailType: 'Threshold Invoicing Requested', detail: { schemaVersion: 1, customerId: 'initech', requestedAt: '2026-11-10T12:00:00.000Z' } },
    ]);
  });

  it('publishes nothing when no customer has threshold invoicing', async () => {
    const { deps, events } = setUp();
    expect((await requestThresholdInvoicing(deps, ['globex'])).requested).toEqual([]);
    expect(events.published).toEqual([]);
  });

  it('throws when the bus refuses, so the stream batch is retried', async () => {
    const { deps } = setUp();
    const refusing = { ...deps, events: { publish: () => Promise.reject(new Error('PutEvents throttled')) } };
    await expect(requestThresholdInvoicing(refusing, ['acme'])).rejects.toThrow('PutEvents throttled');
  });
});

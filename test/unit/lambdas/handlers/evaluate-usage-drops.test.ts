import { describe, expect, it } from 'vitest';
import { InfrastructureError } from '../../../../lambdas/application/errors';
import type { EvaluateUsageDropsDeps } from '../../../../lambdas/application/plans/evaluate-usage-drops';
import type { FiredAlertStore } from '../../../../lambdas/application/plans/ports';
import { createEvaluateUsageDropsHandler } from '../../../../lambdas/handlers/evaluate-usage-drops';
import { FakeContracts, RecordingPublisher, monthlyContract, perUnitPlan } from '../../../support/billing-fakes';

function deps(overrides: Partial<EvaluateUsageDropsDeps> = {}): EvaluateUsageDropsDeps {
  const contracts = new FakeContracts();
  contracts.addPlan(perUnitPlan('usd-plan', 'USD', '1.00', '0.00'));
  const contract = contracts.addContract({ ...monthlyContract('c-1', 'usd-plan', 'USD'), alerts: { usageDrop: { metric: 'resolutions', belowPercentOfBaseline: '50', baselineDays: 2 } } });
  const fired: FiredAlertStore = { claim: async () => true, listUnpublished: async () => [], listFired: async () => [], markPublished: async () => undefined };
  return {
    contracts: { listContracts: async () => [{ contract, revision: 1, updatedAt: '2026-01-01T00:00:00Z' }], getPlan: (code) => contracts.getPlan(code) },
    usage: { readUsage: async (request) => ({ customerId: request.customerId, from: request.from, to: request.to, asOf: request.asOf, metrics: [] }) },
    fired,
    events: new RecordingPublisher(),
    now: () => new Date('2026-11-20T06:00:00Z'),
    ...overrides,
  };
}

describe('evaluate-usage-drops handler', () => {
  it('runs the evaluation whatever the scheduled event holds and answers the counts', async () => {
    const handler = createEvaluateUsageDropsHandler(async () => deps());
    expect(await handler({ source: 'schedule' })).toEqual({ evaluated: 1, dropped: 0, published: 0, notEvaluated: 0 });
  });

  it('throws a storage failure, so Lambda retries the run and then dead-letters it', async () => {
    const failing = deps({ usage: { readUsage: () => Promise.reject(new InfrastructureError('throttled', { operation: 'DynamoDB Query' })) } });
    await expect(createEvaluateUsageDropsHandler(async () => failing)({})).rejects.toThrow('throttled');
  });
});

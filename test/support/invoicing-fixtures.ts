import { ContractSchema, type Contract } from '../../lambdas/domain/plans/contract-schema';
import { PlanSchema } from '../../lambdas/domain/plans/plan-schema';
import { billingScheduleForContract, planVersionForContract } from '../../lambdas/domain/plans/contract-plan';
import { periodById } from '../../lambdas/domain/periods/billing-period';
import { rateContractPeriod } from '../../lambdas/domain/rating/rate-contract-period';
import type { DraftInvoice } from '../../lambdas/domain/rating/draft-invoice';

export const plan = PlanSchema.parse({
  kind: 'plan',
  code: 'usd-plan',
  name: 'USD plan',
  currency: 'USD',
  versions: [
    {
      version: 1,
      effectiveFrom: '2026-01-01',
      metrics: [{ code: 'resolutions', ledgerMetric: 'ticket.resolved', aggregation: 'count' }],
      charges: [
        { id: 'platform', name: 'Platform fee', model: 'flat', amount: '100.00' },
        { id: 'resolutions', name: 'Resolutions', model: 'per_unit', metric: 'resolutions', unitPrice: '1.50' },
      ],
    },
  ],
});

export function contractWith(extra: Record<string, unknown> = {}): Contract {
  return ContractSchema.parse({
    kind: 'contract',
    contractId: 'ctr-1',
    customerId: 'cust-1',
    plan: { code: 'usd-plan', version: 1 },
    termStart: '2026-01-01',
    termEnd: '2027-01-01',
    billingPeriod: { cadence: 'monthly', anchorDay: 1 },
    timeZone: 'UTC',
    currency: 'USD',
    ...extra,
  });
}

export function rate(resolutions: number, asOf = '2026-11-02T00:00:00.000Z', contract = contractWith(), creditBalance?: bigint): DraftInvoice {
  const period = periodById(billingScheduleForContract(contract), '2026-10');
  return rateContractPeriod({
    contract,
    planVersion: planVersionForContract(plan, contract, period.startDate),
    period,
    usage: {
      customerId: contract.customerId,
      from: period.start,
      to: period.end,
      asOf,
      metrics: [{ ledgerMetric: 'ticket.resolved', eligibility: 'billable', count: resolutions, sumQuantity: String(resolutions) }],
    },
    now: asOf,
    ...(creditBalance !== undefined ? { creditBalance } : {}),
  });
}

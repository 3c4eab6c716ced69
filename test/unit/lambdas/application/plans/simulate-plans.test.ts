// simulatePlans with an in-memory store and usage reader: which contracts a
// proposal is tried on, and that charges and true-up are reported apart.
import { describe, expect, it } from 'vitest';
import { simulatePlans, type SimulatePlansDeps } from '../../../../../lambdas/application/plans/simulate-plans';
import { ContractSchema, PlanSchema, type Contract, type Plan } from '../../../../../lambdas/domain/plans';
import { inMemoryDefinitionCatalog } from '../../../../support/fakes/in-memory-definition-catalog';

const metrics = [{ code: 'resolutions', ledgerMetric: 'ticket.resolved', aggregation: 'count' }];
const plan = (code: string, unitPrice: string, extra: unknown[] = []): Plan =>
  PlanSchema.parse({
    kind: 'plan',
    code,
    name: code,
    currency: 'USD',
    versions: [
      {
        version: 1,
        effectiveFrom: '2026-01-01',
        metrics,
        charges: [{ id: 'resolutions', name: 'Resolutions', model: 'per_unit', metric: 'resolutions', unitPrice }],
      },
      ...extra,
    ],
  });

const support = plan('support', '1.00');
const proposal = plan('support', '1.00', [
  {
    version: 2,
    effectiveFrom: '2027-01-01',
    metrics,
    charges: [{ id: 'resolutions', name: 'Resolutions', model: 'per_unit', metric: 'resolutions', unitPrice: '0.80' }],
  },
]);
const other = plan('other', '2.00');

const contract = (contractId: string, planCode: string, extra: Record<string, unknown> = {}): Contract =>
  ContractSchema.parse({
    kind: 'contract',
    contractId,
    customerId: `customer-${contractId}`,
    plan: { code: planCode, version: 'latest' },
    termStart: '2026-01-01',
    termEnd: '2027-01-01',
    billingPeriod: { cadence: 'monthly', anchorDay: 1 },
    timeZone: 'UTC',
    currency: 'USD',
    ...extra,
  });

function deps(contracts: Contract[]): SimulatePlansDeps {
  const plans = new Map([support, other].map((p) => [p.code, p]));
  return {
    definitions: inMemoryDefinitionCatalog(),
    store: {
      getPlan: async (code) => plans.get(code),
      getContract: async (id) => contracts.find((c) => c.contractId === id),
      listContracts: async () => contracts.map((c) => ({ contract: c, revision: 1, updatedAt: '2026-01-01T00:00:00Z' })),
    },
    // 100 resolutions in every period.
    usage: {
      readUsage: async ({ customerId, from, to, asOf }) => ({
        customerId,
        from,
        to,
        asOf,
        metrics: [{ ledgerMetric: 'ticket.resolved', eligibility: 'billable', count: 100, sumQuantity: '100' }],
      }),
    },
    now: () => new Date('2026-03-15T00:00:00Z'),
  };
}

const stored = [
  contract('on-support', 'support'),
  contract('on-other', 'other'),
  contract('committed', 'support', { commitment: { trueUp: 'per_period', amountPerPeriod: '150.00' } }),
];

describe('simulatePlans', () => {
  it('by default tries the proposal only on contracts of the plan it revises', async () => {
    const result = await simulatePlans(deps(stored), proposal, { from: '2026-01-01', to: '2026-01-31' });
    expect(result.selection).toEqual({ by: 'plan', planCode: 'support' });
    expect(result.contracts.map((row) => row.contractId)).toEqual(['on-support', 'committed']);
    expect(result.skipped).toEqual([]);
  });

  it('tries it on any contract named explicitly, whatever its plan', async () => {
    const result = await simulatePlans(deps(stored), proposal, { from: '2026-01-01', to: '2026-01-31', contractIds: ['on-other'] });
    expect(result.selection).toEqual({ by: 'ids', contractIds: ['on-other'] });
    // Current: 100 × 2.00 on plan "other"; proposed: 100 × 0.80.
    expect(result.contracts.map((row) => [row.contractId, row.current, row.proposed])).toEqual([['on-other', 20_000n, 8_000n]]);
  });

  it('reports charges and the commitment true-up apart, so equal revenue does not hide a price change', async () => {
    const result = await simulatePlans(deps(stored), proposal, { from: '2026-01-01', to: '2026-01-31', contractIds: ['committed'] });
    // 100 × 1.00 = 100.00 + 50.00 true-up vs 100 × 0.80 = 80.00 + 70.00 true-up: 150.00 either way.
    expect(result.contracts[0]).toMatchObject({
      currentCharges: 10_000n,
      currentTrueUp: 5_000n,
      current: 15_000n,
      proposedCharges: 8_000n,
      proposedTrueUp: 7_000n,
      proposed: 15_000n,
      chargesDifference: -2_000n,
      difference: 0n,
    });
    expect(result.contracts[0]?.notes).toContain(
      'the commitment true-up absorbs part of the price difference: charges differ by -20.00 USD, revenue by 0.00 USD',
    );
  });

  it('replays nothing when no stored contract is on the proposed plan', async () => {
    const result = await simulatePlans(deps([contract('on-other', 'other')]), proposal, { from: '2026-01-01', to: '2026-01-31' });
    expect(result.contracts).toEqual([]);
    expect(result.totals).toEqual([]);
  });
});

describe('simulatePlans for a contract that pins a definition version', () => {
  const catalog = {
    readCatalog: async () => ({
      metrics: [
        {
          code: 'ticket.resolved',
          name: 'Resolved ticket',
          unit: 'resolution',
          aggregation: 'count' as const,
          billable: { when: 'immediately' as const },
          definitions: [
            { version: 1, effectiveFrom: '2026-01-01T00:00:00Z', counts: 'closed', billable: { when: 'immediately' as const } },
            { version: 2, effectiveFrom: '2026-06-01T00:00:00Z', counts: 'closed and confirmed', billable: { when: 'verified' as const } },
          ],
        },
      ],
    }),
  };

  it('reads usage under the pinned terms, as the contract is billed', async () => {
    const pinned = contract('pinned', 'support', { definitionVersions: { 'ticket.resolved': 2 } });
    const base = deps([pinned]);
    const asked: unknown[] = [];
    const result = await simulatePlans(
      { ...base, definitions: catalog, usage: { readUsage: async (request) => (asked.push(request.pinned), base.usage.readUsage(request)) } },
      proposal,
      { from: '2026-01-01', to: '2026-01-31' },
    );
    expect(result.contracts).toHaveLength(1);
    expect(asked).toEqual([{ 'ticket.resolved': { version: 2, billable: { when: 'verified' }, dispute: { windowDays: 30, whileOpen: 'bill' } } }]);
  });

  it('skips a contract whose pinned version the catalog lacks, saying why', async () => {
    const result = await simulatePlans({ ...deps([contract('pinned-3', 'support', { definitionVersions: { 'ticket.resolved': 3 } })]), definitions: catalog }, proposal, {
      from: '2026-01-01',
      to: '2026-01-31',
    });
    expect(result.skipped).toEqual([{ contractId: 'pinned-3', code: 'pinned_definition_not_found', reason: expect.stringContaining('has no such version (versions: 1, 2)') }]);
  });
});

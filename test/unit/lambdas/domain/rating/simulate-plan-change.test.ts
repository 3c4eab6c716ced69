import { describe, expect, it } from 'vitest';
import { ContractSchema, PlanSchema, billingScheduleForContract, type Contract, type Plan } from '../../../../../lambdas/domain/plans';
import { periodsForTerm } from '../../../../../lambdas/domain/periods';
import {
  formatSimulationCsv,
  formatSimulationTable,
  serializeSimulation,
  simulatePlanChange,
  type SimulationContractInput,
} from '../../../../../lambdas/domain/rating';

const planWith = (code: string, currency: string, versions: unknown[]): Plan =>
  PlanSchema.parse({ kind: 'plan', code, name: code, currency, versions });

const metrics = [{ code: 'resolutions', ledgerMetric: 'ticket.resolved', aggregation: 'count' }];
const current = planWith('support', 'USD', [
  {
    version: 1,
    effectiveFrom: '2026-01-01',
    metrics,
    charges: [
      { id: 'platform', name: 'Platform', model: 'flat', amount: '100.00' },
      { id: 'resolutions', name: 'Resolutions', model: 'per_unit', metric: 'resolutions', unitPrice: '1.00' },
      { id: 'onboarding', name: 'Onboarding', model: 'flat', amount: '10.00' },
    ],
  },
]);
const proposed = planWith('support', 'USD', [
  ...current.versions,
  {
    version: 2,
    effectiveFrom: '2027-06-01',
    metrics,
    charges: [
      { id: 'platform', name: 'Platform', model: 'flat', amount: '80.00' },
      { id: 'resolutions', name: 'Resolutions', model: 'per_unit', metric: 'resolutions', unitPrice: '1.20' },
    ],
  },
]);
const euroPlan = planWith('support-eu', 'EUR', [
  { version: 1, effectiveFrom: '2026-01-01', metrics, charges: [{ id: 'platform', name: 'Platform', model: 'flat', amount: '100.00' }] },
]);

const contract = (contractId: string, overrides: Record<string, unknown> = {}): Contract =>
  ContractSchema.parse({
    kind: 'contract',
    contractId,
    customerId: `customer-${contractId}`,
    plan: { code: 'support', version: 'latest' },
    termStart: '2026-01-01',
    termEnd: '2027-01-01',
    billingPeriod: { cadence: 'monthly', anchorDay: 1 },
    timeZone: 'America/New_York',
    currency: 'USD',
    ...overrides,
  });

function replay(entry: Contract, plan: Plan, resolutions: number[]): SimulationContractInput {
  const periods = periodsForTerm(billingScheduleForContract(entry)).slice(0, resolutions.length);
  return {
    contract: entry,
    currentPlan: plan,
    periods: periods.map((period, index) => ({
      period,
      usage: { metrics: [{ ledgerMetric: 'ticket.resolved', eligibility: 'billable', count: resolutions[index] ?? 0, sumQuantity: String(resolutions[index] ?? 0) }] },
    })),
  };
}

describe('simulatePlanChange', () => {
  const result = simulatePlanChange({
    contracts: [
      replay(contract('a'), current, [100, 200]),
      replay(contract('b', { priceOverrides: [{ chargeId: 'resolutions', unitPrice: '0.50' }, { chargeId: 'onboarding', amount: '0.00' }] }), current, [100]),
      replay(contract('c', { plan: { code: 'support-eu', version: 1 }, currency: 'EUR' }), euroPlan, [5]),
      // Committed to 300.00 a month: current charges 100 + 150 + 10 = 260.00, proposed 80 + 180 = 260.00 in
      // the first period; 100 + 50 + 10 = 160.00 vs 80 + 60 = 140.00 in the second, both topped up to 300.00.
      replay(contract('d', { commitment: { trueUp: 'per_period', amountPerPeriod: '300.00' } }), current, [150, 50]),
    ],
    proposedPlan: proposed,
    now: '2027-05-01T00:00:00Z',
  });

  it('rates each contract under its current plan and the proposal, with the difference', () => {
    expect(result.proposed).toEqual({ planCode: 'support', version: 2 });
    const noTrueUp = { currentTrueUp: 0n, proposedTrueUp: 0n };
    expect(result.contracts).toEqual([
      // current: (100 + 100 + 10) + (100 + 200 + 10) = 520.00; proposed: (80 + 120) + (80 + 240) = 520.00
      {
        contractId: 'a', customerId: 'customer-a', currency: 'USD', periods: 2,
        currentCharges: 52_000n, ...noTrueUp, current: 52_000n, proposedCharges: 52_000n, proposed: 52_000n,
        chargesDifference: 0n, difference: 0n, differencePercent: '0.00', notes: [],
      },
      // overrides apply to both: current 100 + 50 + 0 = 150.00; proposed 80 + 50 = 130.00
      {
        contractId: 'b',
        customerId: 'customer-b',
        currency: 'USD',
        periods: 1,
        currentCharges: 15_000n,
        ...noTrueUp,
        current: 15_000n,
        proposedCharges: 13_000n,
        proposed: 13_000n,
        chargesDifference: -2_000n,
        difference: -2_000n,
        differencePercent: '-13.33',
        notes: ['price override of "onboarding" does not fit the proposed version and was not applied'],
      },
      // Revenue is 600.00 on both sides, yet the proposal charges 20.00 less: the true-up hides it, the split shows it.
      {
        contractId: 'd',
        customerId: 'customer-d',
        currency: 'USD',
        periods: 2,
        currentCharges: 42_000n,
        currentTrueUp: 18_000n,
        current: 60_000n,
        proposedCharges: 40_000n,
        proposedTrueUp: 20_000n,
        proposed: 60_000n,
        chargesDifference: -2_000n,
        difference: 0n,
        differencePercent: '0.00',
        notes: ['the commitment true-up absorbs part of the price difference: charges differ by -20.00 USD, revenue by 0.00 USD'],
      },
    ]);
    expect(
      result.periods.map((row) => [row.contractId, row.periodId, row.currentPlanVersion, row.proposedPlanVersion, row.currentCharges, row.currentTrueUp, row.current, row.proposedCharges, row.proposedTrueUp, row.proposed]),
    ).toEqual([
      ['a', '2026-01', 'support@1', 'support@2', 21_000n, 0n, 21_000n, 20_000n, 0n, 20_000n],
      ['a', '2026-02', 'support@1', 'support@2', 31_000n, 0n, 31_000n, 32_000n, 0n, 32_000n],
      ['b', '2026-01', 'support@1', 'support@2', 15_000n, 0n, 15_000n, 13_000n, 0n, 13_000n],
      ['d', '2026-01', 'support@1', 'support@2', 26_000n, 4_000n, 30_000n, 26_000n, 4_000n, 30_000n],
      ['d', '2026-02', 'support@1', 'support@2', 16_000n, 14_000n, 30_000n, 14_000n, 16_000n, 30_000n],
    ]);
    expect(result.totals).toEqual([
      {
        currency: 'USD', contracts: 3,
        currentCharges: 109_000n, currentTrueUp: 18_000n, current: 127_000n,
        proposedCharges: 105_000n, proposedTrueUp: 20_000n, proposed: 125_000n,
        chargesDifference: -4_000n, difference: -2_000n, differencePercent: '-1.57',
      },
    ]);
    expect(result.skipped).toEqual([
      {
        contractId: 'c',
        code: 'contract_plan_mismatch',
        reason: 'contract "c" bills in EUR but plan "support" is priced in USD',
      },
    ]);
  });

  it('prints a table, CSV and JSON', () => {
    expect(formatSimulationTable(result)).toBe(
      [
        'Proposed: support version 2',
        'contract  customer       currency  periods  cur charges  cur true-up  current  prop charges  prop true-up  proposed  charges diff  difference  diff %',
        '--------  -------------  --------  -------  -----------  -----------  -------  ------------  ------------  --------  ------------  ----------  ------',
        'a         customer-a     USD             2       520.00         0.00   520.00        520.00          0.00    520.00          0.00        0.00    0.00',
        'b         customer-b     USD             1       150.00         0.00   150.00        130.00          0.00    130.00        -20.00      -20.00  -13.33',
        'd         customer-d     USD             2       420.00       180.00   600.00        400.00        200.00    600.00        -20.00        0.00    0.00',
        'TOTAL     3 contract(s)  USD                    1090.00       180.00  1270.00       1050.00        200.00   1250.00        -40.00      -20.00   -1.57',
        'skipped c: contract "c" bills in EUR but plan "support" is priced in USD [contract_plan_mismatch]',
        'note b: price override of "onboarding" does not fit the proposed version and was not applied',
        'note d: the commitment true-up absorbs part of the price difference: charges differ by -20.00 USD, revenue by 0.00 USD',
        '',
      ].join('\n'),
    );
    expect(formatSimulationCsv(result)).toBe(
      [
        'contractId,customerId,currency,periods,currentCharges,currentTrueUp,current,proposedCharges,proposedTrueUp,proposed,chargesDifference,difference,differencePercent',
        'a,customer-a,USD,2,520.00,0.00,520.00,520.00,0.00,520.00,0.00,0.00,0.00',
        'b,customer-b,USD,1,150.00,0.00,150.00,130.00,0.00,130.00,-20.00,-20.00,-13.33',
        'd,customer-d,USD,2,420.00,180.00,600.00,400.00,200.00,600.00,-20.00,0.00,0.00',
        'TOTAL,3 contract(s),USD,,1090.00,180.00,1270.00,1050.00,200.00,1250.00,-40.00,-20.00,-1.57',
        '',
      ].join('\r\n'),
    );
    const json = serializeSimulation(result);
    expect(json.totals[0]).toMatchObject({ currency: 'USD', contracts: 3, current: '127000', proposed: '125000', chargesDifference: '-4000', difference: '-2000', differencePercent: '-1.57' });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});

describe('simulatePlanChange with contract caps', () => {
  it('caps both the current and the proposed rating, as the invoice would', () => {
    // 300 resolutions capped at 200, spend capped at 250.00.
    // Current: 100 + 200 × 1.00 + 10 = 310.00 -> 250.00; proposed: 80 + 200 × 1.20 = 320.00 -> 250.00.
    const capped = contract('capped', { caps: [{ metric: 'resolutions', quantity: '200' }, { spend: '250.00' }] });
    const [row] = simulatePlanChange({ contracts: [replay(capped, current, [300])], proposedPlan: proposed, now: '2027-05-01T00:00:00Z' }).contracts;
    expect(row).toMatchObject({ currentCharges: 25_000n, proposedCharges: 25_000n, difference: 0n });
    // 150 resolutions stay within the metric cap; the spend cap alone takes 260.00 -> 250.00 on both sides.
    const [spendOnly] = simulatePlanChange({ contracts: [replay(capped, current, [150])], proposedPlan: proposed, now: '2027-05-01T00:00:00Z' }).contracts;
    expect(spendOnly).toMatchObject({ currentCharges: 25_000n, proposedCharges: 25_000n });
    // 100 resolutions: under both caps, 210.00 against 200.00.
    const [uncapped] = simulatePlanChange({ contracts: [replay(capped, current, [100])], proposedPlan: proposed, now: '2027-05-01T00:00:00Z' }).contracts;
    expect(uncapped).toMatchObject({ currentCharges: 21_000n, proposedCharges: 20_000n, difference: -1_000n });
  });
});

import { describe, expect, it } from 'vitest';
import {
  ContractPlanMismatchError,
  ContractSchema,
  PlanSchema,
  PlanVersionNotEffectiveError,
  PlanVersionNotFoundError,
  PlanVersionNotYetEffectiveError,
  PriceOverrideInvalidError,
  checkContractAgainstPlan,
  billingScheduleForContract,
  contractCharges,
  newestPlanVersion,
  planVersionForContract,
  selectPlanVersion,
  type ContractInput,
} from '../../../../../lambdas/domain/plans';

const plan = PlanSchema.parse({
  kind: 'plan',
  code: 'support',
  name: 'Support',
  currency: 'USD',
  versions: [
    { version: 1, effectiveFrom: '2026-01-01', charges: [{ id: 'fee', name: 'Fee', model: 'flat', amount: '100.00' }] },
    {
      version: 2,
      effectiveFrom: '2026-07-01',
      metrics: [{ code: 'r', ledgerMetric: 'ticket.resolved', aggregation: 'count' }],
      charges: [
        { id: 'fee', name: 'Fee', model: 'flat', amount: '120.00' },
        { id: 'r', name: 'Resolutions', model: 'per_unit', metric: 'r', unitPrice: '1.00' },
      ],
    },
  ],
});

const contractInput: ContractInput = {
  kind: 'contract',
  contractId: 'c-1',
  customerId: 'acme',
  plan: { code: 'support', version: 'latest' },
  termStart: '2026-03-10',
  termEnd: '2027-03-10',
  billingPeriod: { cadence: 'monthly' },
  timeZone: 'Europe/Paris',
  currency: 'USD',
};

describe('plan versions', () => {
  it('follows the latest version in effect at the period start', () => {
    expect(selectPlanVersion(plan, 'latest', '2026-06-30').version).toBe(1);
    expect(selectPlanVersion(plan, 'latest', '2026-07-01').version).toBe(2);
    expect(selectPlanVersion(plan, 1, '2027-01-01').version).toBe(1);
    expect(newestPlanVersion(plan)).toMatchObject({ version: 2, planCode: 'support', currency: 'USD' });
  });

  it('says why no version applies', () => {
    expect(() => selectPlanVersion(plan, 3, '2026-07-01')).toThrow(PlanVersionNotFoundError);
    expect(() => selectPlanVersion(plan, 'latest', '2025-12-31')).toThrow(
      'plan "support" has no version in effect on 2025-12-31 (the first takes effect 2026-01-01)',
    );
    expect(() => selectPlanVersion(plan, 'latest', '2025-12-31')).toThrow(PlanVersionNotEffectiveError);
  });

  it('resolves a contract: pinned versions stay, plan and currency must match', () => {
    const contract = ContractSchema.parse(contractInput);
    expect(planVersionForContract(plan, contract, '2026-08-10').version).toBe(2);
    const pinned = ContractSchema.parse({ ...contractInput, plan: { code: 'support', version: 1 } });
    expect(planVersionForContract(plan, pinned, '2026-08-10').version).toBe(1);
    const euro = ContractSchema.parse({ ...contractInput, currency: 'EUR' });
    expect(() => planVersionForContract(plan, euro, '2026-08-10')).toThrow(ContractPlanMismatchError);
  });

  it('never lets a pinned version price a period before its own effective date', () => {
    // Pinned to v1 (effective 2026-01-01) with a term that starts 2025-01-15.
    const early = ContractSchema.parse({ ...contractInput, plan: { code: 'support', version: 1 }, termStart: '2025-01-15', termEnd: '2027-01-15' });
    expect(checkContractAgainstPlan(early, plan)).toEqual([
      {
        path: ['plan', 'version'],
        code: 'plan_version_not_yet_effective',
        message:
          'version 1 of plan "support" takes effect on 2026-01-01, after termStart 2025-01-15, so it cannot price the term\'s first periods; pin a version in effect on 2025-01-15 or start the term on or after 2026-01-01',
      },
    ]);
    expect(() => planVersionForContract(plan, early, '2025-12-15')).toThrow(PlanVersionNotYetEffectiveError);
    expect(() => planVersionForContract(plan, early, '2025-12-15')).toThrow(
      'contract "c-1" is pinned to plan "support" version 1, which takes effect on 2026-01-01, so it cannot price the period starting 2025-12-15',
    );
    // From its effective date on, the pinned version prices as before.
    expect(planVersionForContract(plan, early, '2026-01-15').version).toBe(1);
    // Pinned to v2 (effective 2026-07-01) with a term from 2026-03-10: the same refusal, however far into the term.
    const pinnedLater = ContractSchema.parse({ ...contractInput, plan: { code: 'support', version: 2 } });
    expect(checkContractAgainstPlan(pinnedLater, plan).map((issue) => issue.code)).toEqual(['plan_version_not_yet_effective']);
    expect(() => planVersionForContract(plan, pinnedLater, '2026-06-10')).toThrow(PlanVersionNotYetEffectiveError);
    // Pinned to a version in effect at termStart: no issue.
    expect(checkContractAgainstPlan(ContractSchema.parse({ ...contractInput, plan: { code: 'support', version: 1 } }), plan)).toEqual([]);
  });

  it('derives the billing schedule, defaulting the anchor to the term start', () => {
    expect(billingScheduleForContract(ContractSchema.parse(contractInput))).toEqual({
      timeZone: 'Europe/Paris',
      cadence: 'monthly',
      anchorDay: 10,
      anchorMonth: 3,
      termStart: '2026-03-10',
      termEnd: '2027-03-10',
    });
  });
});

describe('contract price overrides', () => {
  const version = selectPlanVersion(plan, 2, '2026-07-01');

  it('merges an override over the plan charge and marks it', () => {
    const contract = ContractSchema.parse({
      ...contractInput,
      priceOverrides: [{ chargeId: 'r', unitPrice: '0.80', minimum: '50.00' }],
    });
    const { charges } = contractCharges(contract, version);
    expect(charges).toEqual([
      { charge: version.charges[0], overridden: false },
      {
        charge: { id: 'r', name: 'Resolutions', model: 'per_unit', metric: 'r', unitPrice: '0.80', minimum: '50.00' },
        overridden: true,
      },
    ]);
  });

  it('rejects an override that does not fit the charge model, or names no charge', () => {
    const tiers = ContractSchema.parse({ ...contractInput, priceOverrides: [{ chargeId: 'fee', unitPrice: '1' }] });
    expect(() => contractCharges(tiers, version)).toThrow(PriceOverrideInvalidError);
    expect(() => contractCharges(tiers, version)).toThrow('contract "c-1": price override of charge "fee": unitPrice: unknown field');
    const ghost = ContractSchema.parse({ ...contractInput, priceOverrides: [{ chargeId: 'ghost', amount: '1.00' }] });
    expect(() => contractCharges(ghost, version)).toThrow(/has no charge "ghost"/);
    expect(contractCharges(ghost, version, { unmatched: 'skip' }).skippedOverrides).toEqual(['ghost']);
  });
});

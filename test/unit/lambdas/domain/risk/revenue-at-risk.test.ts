// Revenue at risk (task priority = revenue at risk x risk): the renewal value,
// else the commitment, else, for a contract without either, its billed run
// rate over the term, each explained in the task.
import { describe, expect, it } from 'vitest';
import { assessRenewalRisk, buildTaskContent } from '../../../../../lambdas/domain/risk';
import { baseInput } from '../../../../support/risk-fixtures';

const { committedAmountMinor: _commitment, ...payAsYouGo } = baseInput().contract;

describe('revenue at risk', () => {
  it('comes from the billed run rate when the contract has no commitment', () => {
    // $45,000.00 billed for January 1 to October 1 (273 days), extended to 365 days:
    // 4,500,000 x 365 / 273 = 6,016,483.52 -> 6,016,484 minor units.
    const assessment = assessRenewalRisk(baseInput({ contract: payAsYouGo, spendThroughDate: '2026-10-01' }));
    expect(assessment.revenueAtRisk).toEqual({
      minor: '6016484',
      basis: 'billed_run_rate',
      explanation: "revenue at risk $60,164.84: no commitment, so the billed run rate: $45,000.00 billed for the 273 days invoiced so far, extended to the term's 365 days",
    });
    const task = buildTaskContent(assessment, 90);
    const expected = (6_016_484n * BigInt(assessment.score) * 2n + 100n) / 200n; // half up
    expect(task.priority).toMatchObject({
      revenueAtRiskMinor: '6016484',
      expectedRevenueAtRiskMinor: expected.toString(),
      revenueAtRiskBasis: 'billed_run_rate',
      revenueAtRiskExplanation: assessment.revenueAtRisk?.explanation,
    });
    // Commitment burn has nothing to measure against, so it stays out of the score.
    expect(assessment.signals.find((signal) => signal.code === 'commitment_burn')?.applicable).toBe(false);
  });

  it('measures the run rate up to now when the spend covers up to now', () => {
    // 2026-10-15T12:00Z is 08:00 in New York: 287 days and 8 of 24 hours.
    const assessment = assessRenewalRisk(baseInput({ contract: payAsYouGo }));
    expect(assessment.revenueAtRisk?.explanation).toContain('billed for the 287.3 days invoiced so far');
  });

  it('is the commitment, or the renewal value, when the contract states one', () => {
    expect(assessRenewalRisk(baseInput()).revenueAtRisk).toEqual({
      minor: '6000000',
      basis: 'commitment',
      explanation: 'revenue at risk $60,000.00: the amount committed for the term',
    });
    const withValue = assessRenewalRisk(baseInput({ contract: { ...payAsYouGo, renewalValueMinor: '9000000' } }));
    expect(withValue.revenueAtRisk).toMatchObject({ minor: '9000000', basis: 'renewal_value', explanation: "revenue at risk $90,000.00: the contract's renewal value" });
  });

  it('is unknown without a commitment and with nothing billed yet', () => {
    const { spendToDateMinor: _spend, ...noSpend } = baseInput({ contract: payAsYouGo });
    for (const input of [noSpend, baseInput({ contract: payAsYouGo, spendThroughDate: '2026-01-01' })]) {
      const assessment = assessRenewalRisk(input);
      expect(assessment.revenueAtRisk).toBeUndefined();
      expect(buildTaskContent(assessment, 90).priority).not.toHaveProperty('revenueAtRiskMinor');
    }
  });
});

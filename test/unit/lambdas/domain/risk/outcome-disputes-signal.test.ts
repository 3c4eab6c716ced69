import { describe, expect, it } from 'vitest';
import { assessRenewalRisk, type RenewalRiskAssessment, type SignalCode } from '../../../../../lambdas/domain/risk';
import { baseInput } from '../../../../support/risk-fixtures';

function signal(assessment: RenewalRiskAssessment, code: SignalCode) {
  const found = assessment.signals.find((candidate) => candidate.code === code);
  if (!found) throw new Error(`no signal ${code}`);
  return found;
}

describe('signal 7: outcome disputes', () => {
  it('names the dispute rate with the numbers and the metric’s display name', () => {
    const assessment = assessRenewalRisk(baseInput({ disputes: [{ metric: 'ticket.resolved', billed: 1200, disputed: 41, upheld: 30 }] }));
    expect(signal(assessment, 'outcome_disputes')).toMatchObject({
      applicable: true,
      unit: 'ratio',
      details: { billed: 1200, disputed: 41, upheld: 30, disputedShare: '0.0342', upheldShare: '0.025' },
    });
    // 41 / 1200 = 3.42%: (0.0342 - 0.01) / (0.1 - 0.01) of full risk.
    expect(signal(assessment, 'outcome_disputes').risk).toBe('0.2685');
    expect(assessment.reasons.filter((reason) => reason.signal === 'outcome_disputes')).toEqual([
      { code: 'outcomes_disputed', signal: 'outcome_disputes', message: '41 of 1,200 resolutions disputed this term, 30 upheld' },
    ]);
  });

  it('raises no reason below the reason threshold, and no risk at or below the healthy share', () => {
    const assessment = assessRenewalRisk(baseInput({ disputes: [{ metric: 'ticket.resolved', billed: 1000, disputed: 10, upheld: 2 }] }));
    expect(signal(assessment, 'outcome_disputes')).toMatchObject({ applicable: true, risk: '0' });
    expect(assessment.reasons.filter((reason) => reason.signal === 'outcome_disputes')).toEqual([]);
  });

  it('does not apply when disputes were not read, nothing was billed yet, or nothing was disputed (the score is as without it)', () => {
    const undisputed = assessRenewalRisk(baseInput({ disputes: [{ metric: 'ticket.resolved', billed: 900, disputed: 0, upheld: 0 }] }));
    expect(signal(undisputed, 'outcome_disputes')).toMatchObject({ applicable: false, notApplicableReason: 'no outcome of the term has been disputed' });
    expect(undisputed.score).toBe(assessRenewalRisk(baseInput()).score);
    expect(signal(assessRenewalRisk(baseInput()), 'outcome_disputes')).toMatchObject({ applicable: false, notApplicableReason: 'disputes were not read for this contract' });
    expect(signal(assessRenewalRisk(baseInput({ disputes: [{ metric: 'ticket.resolved', billed: 0, disputed: 0, upheld: 0 }] })), 'outcome_disputes')).toMatchObject({
      applicable: false,
      notApplicableReason: 'no outcomes billed in the term yet',
    });
  });
});

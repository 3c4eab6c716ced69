import { describe, expect, it } from 'vitest';
import { RiskInputError, backtestRiskTiers, type BacktestRecord } from '../../../lambdas/domain/risk';

const records: BacktestRecord[] = [
  // flagged and lost: first at_risk 90 days before term end
  { contractId: 'a', termEnd: '2026-07-01', renewalResult: 'churned', assessments: [{ at: '2026-03-03T00:00:00Z', tier: 'watch' }, { at: '2026-04-02T00:00:00Z', tier: 'at_risk' }, { at: '2026-06-01T00:00:00Z', tier: 'critical' }] },
  // flagged and lost: 30 days
  { contractId: 'b', termEnd: '2026-07-01', renewalResult: 'downsized', assessments: [{ at: '2026-06-01T00:00:00Z', tier: 'at_risk' }] },
  // flagged, renewed (false positive)
  { contractId: 'c', termEnd: '2026-07-01', renewalResult: 'renewed', assessments: [{ at: '2026-05-02T00:00:00Z', tier: 'at_risk' }] },
  // missed: lost while watch
  { contractId: 'd', termEnd: '2026-07-01', renewalResult: 'churned', assessments: [{ at: '2026-05-02T00:00:00Z', tier: 'watch' }] },
  // healthy renewals; an assessment after term end does not count
  { contractId: 'e', termEnd: '2026-07-01', renewalResult: 'renewed', assessments: [{ at: '2026-05-02T00:00:00Z', tier: 'healthy' }, { at: '2026-07-02T00:00:00Z', tier: 'critical' }] },
  { contractId: 'f', termEnd: '2026-07-01', renewalResult: 'renewed', assessments: [] },
];

describe('backtestRiskTiers', () => {
  const report = backtestRiskTiers(records);

  it('reports precision and recall of at_risk+critical predicting churned or downsized', () => {
    expect(report.atRiskOrCritical).toEqual({ flagged: 3, truePositives: 2, precision: '0.67', recall: '0.67' });
    expect(report).toMatchObject({ contracts: 6, lost: 3 });
  });

  it('reports each tier: exact-tier loss rate and at-or-above precision and recall', () => {
    expect(report.rows).toEqual([
      { tier: 'healthy', contracts: 2, lost: 0, lossRate: '0.00', precisionAtOrAbove: '0.50', recallAtOrAbove: '1.00' },
      { tier: 'watch', contracts: 1, lost: 1, lossRate: '1.00', precisionAtOrAbove: '0.75', recallAtOrAbove: '1.00' },
      { tier: 'at_risk', contracts: 2, lost: 1, lossRate: '0.50', precisionAtOrAbove: '0.67', recallAtOrAbove: '0.67' },
      { tier: 'critical', contracts: 1, lost: 1, lossRate: '1.00', precisionAtOrAbove: '1.00', recallAtOrAbove: '0.33' },
    ]);
  });

  it('reports the median lead time from the first at-risk flag to term end over caught losses', () => {
    expect(report).toMatchObject({ medianLeadTimeDays: '60', leadTimeSamples: 2 });
  });

  it('prints a table', () => {
    expect(report.table.split('\n')).toEqual([
      'tier         contracts    lost   loss rate   precision (>=)   recall (>=)',
      'healthy              2       0        0.00             0.50          1.00',
      'watch                1       1        1.00             0.75          1.00',
      'at_risk              2       1        0.50             0.67          0.67',
      'critical             1       1        1.00             1.00          0.33',
      '',
      'at_risk+critical predicting churned/downsized: precision 0.67, recall 0.67 (2 of 3 flagged were lost; 3 lost in all)',
      'median lead time: 60 days from the first at_risk-or-worse assessment to term end (2 lost contracts flagged)',
    ]);
  });

  it('says n/a where nothing can be measured', () => {
    const empty = backtestRiskTiers([]);
    expect(empty.atRiskOrCritical).toEqual({ flagged: 0, truePositives: 0 });
    expect(empty.medianLeadTimeDays).toBeUndefined();
    expect(empty.table).toContain('precision n/a, recall n/a');
  });

  it('rejects an unknown renewal result', () => {
    expect(() => backtestRiskTiers([{ ...records[0]!, renewalResult: 'lost' as never }])).toThrow(RiskInputError);
  });
});

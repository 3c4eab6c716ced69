// The backtest over every recorded renewal result, healthy and watch terms
// included. Every figure below is worked out by hand in the comments.
import { describe, expect, it } from 'vitest';
import { RiskInputError, backtestRiskTiers, type BacktestRecord } from '../../../../../lambdas/domain/risk';

const END = '2026-07-01';
const records: BacktestRecord[] = [
  // a: lost, worst critical; task at at_risk on 04-02 -> 90 days before 07-01
  { contractId: 'a', termEnd: END, renewalResult: 'churned', firstAtRiskTaskAt: '2026-04-02T00:00:00Z', assessments: [{ at: '2026-03-03T00:00:00Z', tier: 'watch' }, { at: '2026-04-02T00:00:00Z', tier: 'at_risk' }, { at: '2026-06-01T00:00:00Z', tier: 'critical' }] },
  // b: lost, worst at_risk, New York: term end is 2026-07-01T04:00Z, task 30 days before
  { contractId: 'b', termEnd: END, timeZone: 'America/New_York', renewalResult: 'downsized', firstAtRiskTaskAt: '2026-06-01T04:00:00Z', assessments: [{ at: '2026-06-01T04:00:00Z', tier: 'at_risk' }] },
  // c: renewed, worst at_risk (a false alarm); its task does not count towards lead time
  { contractId: 'c', termEnd: END, renewalResult: 'renewed', firstAtRiskTaskAt: '2026-05-02T00:00:00Z', assessments: [{ at: '2026-05-02T00:00:00Z', tier: 'at_risk' }] },
  // d: lost while only ever watch: a miss, no task
  { contractId: 'd', termEnd: END, renewalResult: 'churned', assessments: [{ at: '2026-05-02T00:00:00Z', tier: 'watch' }] },
  // e: renewed, healthy; an assessment after term end is ignored
  { contractId: 'e', termEnd: END, renewalResult: 'renewed', assessments: [{ at: '2026-05-02T00:00:00Z', tier: 'healthy' }, { at: '2026-07-02T00:00:00Z', tier: 'critical' }] },
  // f: renewed, never assessed: counts as healthy
  { contractId: 'f', termEnd: END, renewalResult: 'renewed', assessments: [] },
  // g: lost while healthy: the miss that only a result recorded without a task can show
  { contractId: 'g', termEnd: END, renewalResult: 'churned', assessments: [{ at: '2026-03-03T00:00:00Z', tier: 'healthy' }] },
  // h: renewed, watch
  { contractId: 'h', termEnd: END, renewalResult: 'renewed', assessments: [{ at: '2026-04-02T00:00:00Z', tier: 'watch' }] },
  // i: lost, worst critical; task on 03-03 -> 29 + 30 + 31 + 30 = 120 days
  { contractId: 'i', termEnd: END, renewalResult: 'downsized', firstAtRiskTaskAt: '2026-03-03T00:00:00Z', assessments: [{ at: '2026-03-03T00:00:00Z', tier: 'at_risk' }, { at: '2026-04-02T00:00:00Z', tier: 'critical' }] },
];

// Worst tiers: healthy e f g | watch d h | at_risk b c | critical a i. Lost: a b d g i (5 of 9).
describe('backtestRiskTiers', () => {
  const report = backtestRiskTiers(records);

  it('reports precision and recall of at_risk+critical predicting churned or downsized', () => {
    // flagged a b c i; lost among them a b i: precision 3/4, recall 3/5
    expect(report.atRiskOrCritical).toEqual({ flagged: 4, truePositives: 3, precision: '0.75', recall: '0.60' });
    expect(report).toMatchObject({ contracts: 9, lost: 5 });
  });

  it('reports each tier, healthy and watch included', () => {
    expect(report.rows).toEqual([
      // exact: e f g, 1 lost; >= healthy: all 9, 5 lost -> 5/9, recall 5/5
      { tier: 'healthy', contracts: 3, lost: 1, lossRate: '0.33', precisionAtOrAbove: '0.56', recallAtOrAbove: '1.00' },
      // exact: d h, 1 lost; >= watch: a b c d h i, lost a b d i -> 4/6, recall 4/5
      { tier: 'watch', contracts: 2, lost: 1, lossRate: '0.50', precisionAtOrAbove: '0.67', recallAtOrAbove: '0.80' },
      // exact: b c, 1 lost; >= at_risk: a b c i, lost a b i -> 3/4, recall 3/5
      { tier: 'at_risk', contracts: 2, lost: 1, lossRate: '0.50', precisionAtOrAbove: '0.75', recallAtOrAbove: '0.60' },
      // exact: a i, both lost -> 2/2, recall 2/5
      { tier: 'critical', contracts: 2, lost: 2, lossRate: '1.00', precisionAtOrAbove: '1.00', recallAtOrAbove: '0.40' },
    ]);
  });

  it('reports the median lead time from the first at-risk task to term end over lost contracts', () => {
    // a 90, b 30, i 120 (c renewed, d and g never had a task): median 90
    expect(report).toMatchObject({ medianLeadTimeDays: '90', leadTimeSamples: 3 });
  });

  it('averages the two middle lead times of an even count, and ignores a task made on or after term end', () => {
    const even = backtestRiskTiers([
      ...records.filter((r) => r.contractId !== 'i'),
      { contractId: 'late', termEnd: END, renewalResult: 'churned', firstAtRiskTaskAt: '2026-07-01T00:00:00Z', assessments: [] },
    ]);
    // a 90, b 30 -> (30 + 90) / 2 = 60; "late" gave no warning
    expect(even).toMatchObject({ medianLeadTimeDays: '60', leadTimeSamples: 2 });
  });

  it('prints a table', () => {
    expect(report.table.split('\n')).toEqual([
      'tier         contracts    lost   loss rate   precision (>=)   recall (>=)',
      'healthy              3       1        0.33             0.56          1.00',
      'watch                2       1        0.50             0.67          0.80',
      'at_risk              2       1        0.50             0.75          0.60',
      'critical             2       2        1.00             1.00          0.40',
      '',
      'at_risk+critical predicting churned/downsized: precision 0.75, recall 0.60 (3 of 4 flagged were lost; 5 lost in all)',
      'median lead time: 90 days from the first at-risk task to term end (3 lost contracts had one)',
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

describe('backtestRiskTiers: lead time per checkpoint', () => {
  // Term end 2026-07-01 (UTC). Lost: p first caught at 180 days (01-02), q at 90 (04-02), r at 90 (04-02, after a
  // watch at 180), s never caught (a miss, not counted here). t renewed: a false alarm at 180 is not a catch.
  const at = (date: string, tier: 'healthy' | 'watch' | 'at_risk' | 'critical', checkpointDays: number) => ({ at: `${date}T09:00:00Z`, tier, checkpointDays });
  const perCheckpoint: BacktestRecord[] = [
    { contractId: 'p', termEnd: END, renewalResult: 'churned', assessments: [at('2026-01-02', 'at_risk', 180), at('2026-04-02', 'critical', 90)] },
    { contractId: 'q', termEnd: END, renewalResult: 'downsized', assessments: [at('2026-01-02', 'healthy', 180), at('2026-04-02', 'at_risk', 90)] },
    { contractId: 'r', termEnd: END, renewalResult: 'churned', assessments: [at('2026-01-02', 'watch', 180), at('2026-04-02', 'critical', 90)] },
    { contractId: 's', termEnd: END, renewalResult: 'churned', assessments: [at('2026-01-02', 'watch', 180)] },
    { contractId: 't', termEnd: END, renewalResult: 'renewed', assessments: [at('2026-01-02', 'at_risk', 180)] },
  ];

  it('says which checkpoint first caught each loss, and the median lead time from it', () => {
    const report = backtestRiskTiers(perCheckpoint);
    // 01-02 09:00 to 07-01 00:00 = 179 days 15 h = 179.625 -> 179.6; 04-02 09:00 to 07-01 = 89.625 -> 89.6.
    expect(report.byCheckpoint).toEqual([
      { checkpointDays: 180, firstCaught: 1, medianLeadTimeDays: '179.6' },
      { checkpointDays: 90, firstCaught: 2, medianLeadTimeDays: '89.6' },
    ]);
    expect(report.table).toContain('first caught at the 180-day checkpoint: 1 lost contract, median lead time 179.6 days');
    expect(report.table).toContain('first caught at the 90-day checkpoint: 2 lost contracts, median lead time 89.6 days');
  });

  it('counts a checkpoint re-run after a contract change from the task its first run opened', () => {
    // The 90-day check opened a task on 04-02; a contract change on 04-09 re-ran it, and the stored assessment is that re-run.
    const rerun: BacktestRecord[] = [
      { contractId: 'u', termEnd: END, renewalResult: 'churned', assessments: [at('2026-04-09', 'at_risk', 90)], firstAtRiskTaskAt: '2026-04-02T09:00:00Z' },
    ];
    expect(backtestRiskTiers(rerun).byCheckpoint).toEqual([{ checkpointDays: 90, firstCaught: 1, medianLeadTimeDays: '89.6' }]);
  });
});

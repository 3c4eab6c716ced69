import { describe, expect, it } from 'vitest';
import {
  assessRenewalRisk,
  buildTaskContent,
  decideTaskAction,
  renewalTaskKey,
  type RenewalRiskAssessment,
  type RiskTier,
} from '../../../../../lambdas/domain/risk';
import { baseInput } from '../../../../support/risk-fixtures';

/** The worked example (score 26, watch) with its tier and score replaced. */
function assessedAs(tier: RiskTier, score: number, overrides: Partial<RenewalRiskAssessment> = {}): RenewalRiskAssessment {
  return { ...assessRenewalRisk(baseInput()), tier, score, ...overrides };
}

const KEY_90 = 'acme#2026#90d';

describe('renewal task keys', () => {
  it('is one key per contract, term and checkpoint', () => {
    expect(renewalTaskKey({ contractId: 'acme', termId: '2026', checkpointDays: 90 })).toBe(KEY_90);
    expect(renewalTaskKey({ contractId: 'acme', termId: '2027', checkpointDays: 90 })).not.toBe(KEY_90);
  });
});

describe('decideTaskAction', () => {
  it('creates a task at or above the minimum tier', () => {
    const decision = decideTaskAction({ assessment: assessedAs('at_risk', 52), minimumTier: 'at_risk' });
    expect(decision).toMatchObject({ action: 'create', key: KEY_90, task: { key: KEY_90, tier: 'at_risk', score: 52 } });
  });

  it('does nothing below the minimum tier', () => {
    expect(decideTaskAction({ assessment: assessedAs('watch', 30), minimumTier: 'at_risk' })).toEqual({
      action: 'none',
      key: KEY_90,
      why: 'below_minimum_tier',
    });
  });

  it('never duplicates: a re-run of the same checkpoint after the task was closed does nothing', () => {
    expect(
      decideTaskAction({ assessment: assessedAs('critical', 80), minimumTier: 'at_risk', taskExistsForCheckpoint: true }),
    ).toEqual({ action: 'none', key: KEY_90, why: 'task_exists_for_checkpoint' });
  });

  it('leaves an open task alone when the risk is unchanged (re-runs are idempotent)', () => {
    const open = { key: KEY_90, checkpointDays: 90, tier: 'at_risk' as const, score: 52 };
    const decision = decideTaskAction({ assessment: assessedAs('at_risk', 58), minimumTier: 'at_risk', existingOpenTask: open });
    expect(decision).toEqual({ action: 'none', key: KEY_90, why: 'open_task_current' });
  });

  it('escalates the open task when risk is worse than at the previous checkpoint', () => {
    const open = { key: KEY_90, checkpointDays: 90, tier: 'at_risk' as const, score: 52 };
    const assessment = assessedAs('critical', 71, { checkpointDays: 60 });
    const decision = decideTaskAction({
      assessment,
      minimumTier: 'at_risk',
      existingOpenTask: open,
      previousAssessment: { tier: 'at_risk', score: 52, checkpointDays: 90 },
    });
    expect(decision).toMatchObject({
      action: 'escalate',
      key: KEY_90,
      fromTier: 'at_risk',
      toTier: 'critical',
      reason: { code: 'risk_escalated', message: 'risk rose from at_risk (score 52) to critical (score 71) at the 60-day checkpoint' },
      task: { key: KEY_90, tier: 'critical', priority: { rank: 'P1' } },
    });
    // Re-running the same check after the escalation was recorded on the task: nothing more.
    const again = decideTaskAction({
      assessment,
      minimumTier: 'at_risk',
      existingOpenTask: { ...open, tier: 'critical', score: 71, assessedCheckpoints: [90, 60] },
      previousAssessment: { tier: 'at_risk', score: 52, checkpointDays: 90 },
    });
    expect(again).toMatchObject({ action: 'none', why: 'open_task_current' });
  });

  it('does not escalate when the previous checkpoint was already as bad', () => {
    const open = { key: KEY_90, checkpointDays: 90, tier: 'at_risk' as const, score: 52 };
    const decision = decideTaskAction({
      assessment: assessedAs('critical', 70, { checkpointDays: 30 }),
      minimumTier: 'at_risk',
      existingOpenTask: open,
      previousAssessment: { tier: 'critical', score: 75, checkpointDays: 60 },
    });
    // Not an escalation: the task only takes the 30-day assessment as its latest.
    expect(decision).toMatchObject({ action: 'reassess', task: { tier: 'critical', score: 70 } });
  });

  it('resolves the open task with the reason when the risk clears', () => {
    const open = { key: KEY_90, checkpointDays: 90, tier: 'at_risk' as const, score: 52 };
    const decision = decideTaskAction({ assessment: assessedAs('healthy', 18, { checkpointDays: 60 }), minimumTier: 'at_risk', existingOpenTask: open });
    expect(decision).toEqual({
      action: 'resolve',
      key: KEY_90,
      reason: {
        code: 'risk_cleared',
        message: 'risk cleared at the 60-day checkpoint: healthy (score 18) is below at_risk; the task was at_risk (score 52)',
      },
    });
  });

  it('never resolves on stale data', () => {
    const open = { key: KEY_90, checkpointDays: 90, tier: 'at_risk' as const, score: 52 };
    const decision = decideTaskAction({ assessment: assessedAs('healthy', 10, { staleData: true }), minimumTier: 'at_risk', existingOpenTask: open });
    expect(decision).toEqual({ action: 'none', key: KEY_90, why: 'stale_data_no_resolve' });
  });

  it('creates no task for an ad-hoc check', () => {
    const { checkpointDays: _omitted, ...adHoc } = assessedAs('critical', 90);
    expect(decideTaskAction({ assessment: adHoc, minimumTier: 'at_risk' })).toEqual({ action: 'none', why: 'ad_hoc_check' });
  });
});

describe('task content', () => {
  it('carries owner, due date, priority, reasons, play and value summary', () => {
    const task = buildTaskContent(assessedAs('at_risk', 52), 90);
    expect(task).toMatchObject({
      key: KEY_90,
      owner: 'dana@vendor.example',
      ownerIsFallback: false,
      // assessed 2026-10-15 (New York) + 5 days for at_risk
      dueDate: '2026-10-20',
      priority: { rank: 'P2', currency: 'USD', revenueAtRiskMinor: '6000000', expectedRevenueAtRiskMinor: '3120000', riskScore: 52 },
      recommendedPlay: { signal: 'outcome_trend', code: 'usage_drop_investigation' },
      staleData: false,
    });
    expect(task.reasons.map((r) => r.code)).toEqual(['outcome_trend_down', 'outcome_attainment_below_target']);
    expect(task.valueSummary.valuePerUnitOfPrice).toBe('2.37');
  });

  it('falls back to the queue, caps the due date at the term end and promotes big at-risk renewals to P1', () => {
    const base = assessedAs('at_risk', 50);
    const { csmOwner: _none, ...noOwner } = { ...base, assessedAt: '2026-12-29T15:00:00.000Z' };
    const task = buildTaskContent(noOwner, 30, {
      fallbackOwner: 'cs-emea-queue',
      dueInDays: { critical: 2, at_risk: 5, watch: 10, healthy: 15 },
      p1ExpectedRevenueAtRiskMinor: { USD: '3000000' },
    });
    expect(task).toMatchObject({ owner: 'cs-emea-queue', ownerIsFallback: true, dueDate: '2026-12-31', priority: { rank: 'P1', expectedRevenueAtRiskMinor: '3000000' } });
  });

  it('promotes an at-risk task to P1 by default from 50,000 of expected revenue at risk', () => {
    // 9,615,385 x 52 / 100 = 5,000,000.2 -> 5,000,000 minor units: exactly the USD threshold
    expect(buildTaskContent(assessedAs('at_risk', 52, { renewalValueMinor: '9615385' }), 90).priority).toMatchObject({ rank: 'P1', expectedRevenueAtRiskMinor: '5000000' });
    expect(buildTaskContent(assessedAs('at_risk', 52, { renewalValueMinor: '9615383' }), 90).priority).toMatchObject({ rank: 'P2', expectedRevenueAtRiskMinor: '4999999' });
  });

  it('rounds expected revenue at risk half up in integer minor units', () => {
    const task = buildTaskContent(assessedAs('watch', 33, { renewalValueMinor: '1001' }), 90);
    // 1001 x 33 / 100 = 330.33 -> 330
    expect(task.priority).toMatchObject({ rank: 'P3', expectedRevenueAtRiskMinor: '330' });
    const half = buildTaskContent(assessedAs('watch', 50, { renewalValueMinor: '1001' }), 90);
    expect(half.priority.expectedRevenueAtRiskMinor).toBe('501');
  });
});

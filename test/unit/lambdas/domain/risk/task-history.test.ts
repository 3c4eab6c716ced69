import { describe, expect, it } from 'vitest';
import {
  assessRenewalRisk,
  assessedCheckpoints,
  decideTaskAction,
  latestAssessment,
  reassignmentFor,
  taskHistoryOf,
  worstAssessment,
  type RenewalRiskAssessment,
  type RiskTier,
  type TaskHistoryEntry,
} from '../../../../../lambdas/domain/risk';
import { baseInput } from '../../../../support/risk-fixtures';

function assessedAs(tier: RiskTier, score: number, overrides: Partial<RenewalRiskAssessment> = {}): RenewalRiskAssessment {
  return { ...assessRenewalRisk(baseInput()), tier, score, ...overrides };
}

const KEY_90 = 'acme#2026#90d';
const escalatedReason = { code: 'risk_escalated' as const, message: 'risk rose from at_risk (score 51) to critical (score 74) at the 60-day checkpoint' };

const walk: TaskHistoryEntry[] = [
  { kind: 'created', at: '2026-10-02T09:00:00.000Z', checkpointDays: 90, tier: 'at_risk', score: 51 },
  { kind: 'escalated', at: '2026-11-01T09:00:00.000Z', checkpointDays: 60, fromTier: 'at_risk', tier: 'critical', score: 74, reason: escalatedReason },
  { kind: 'reassessed', at: '2026-12-01T09:00:00.000Z', checkpointDays: 30, tier: 'at_risk', score: 41 },
];

describe('task history', () => {
  it('keeps the worst assessment while the latest is what the task shows', () => {
    expect(worstAssessment(walk)).toMatchObject({ tier: 'critical', score: 74, checkpointDays: 60 });
    expect(latestAssessment(walk)).toMatchObject({ tier: 'at_risk', score: 41, checkpointDays: 30 });
    expect([...assessedCheckpoints(walk)]).toEqual([90, 60, 30]);
    expect(worstAssessment([])).toBeUndefined();
  });

  it('ignores reassignments and resolutions when looking for assessments', () => {
    const withMore: TaskHistoryEntry[] = [
      ...walk,
      { kind: 'reassigned', at: '2026-12-02T00:00:00.000Z', fromOwner: 'ana@acme.test', toOwner: 'bo@acme.test' },
      { kind: 'resolved', at: '2026-12-20T00:00:00.000Z', result: 'churned' },
    ];
    expect(latestAssessment(withMore)).toMatchObject({ kind: 'reassessed', score: 41 });
    expect(worstAssessment(withMore)).toMatchObject({ kind: 'escalated', score: 74 });
  });

  it('rebuilds the history of a task stored before histories were kept', () => {
    const legacy = {
      createdAt: '2026-10-02T09:00:00.000Z',
      checkpointDays: 90,
      tier: 'critical' as const,
      score: 74,
      escalations: [{ at: '2026-11-01T09:00:00.000Z', fromTier: 'at_risk' as const, toTier: 'critical' as const, checkpointDays: 60, reason: escalatedReason }],
    };
    expect(taskHistoryOf(legacy).map((e) => [e.kind, 'tier' in e ? e.tier : undefined])).toEqual([
      ['created', 'at_risk'],
      ['escalated', 'critical'],
    ]);
    expect(taskHistoryOf({ ...legacy, history: walk })).toBe(walk);
  });
});

describe('re-assessing an open task at later checkpoints', () => {
  const open = { key: KEY_90, checkpointDays: 90, tier: 'critical' as const, score: 74, assessedCheckpoints: [90, 60] };

  it('shows a later checkpoint\'s calmer assessment on the task without resolving it', () => {
    const decision = decideTaskAction({ assessment: assessedAs('at_risk', 41, { checkpointDays: 30 }), minimumTier: 'at_risk', existingOpenTask: open });
    expect(decision).toMatchObject({ action: 'reassess', key: KEY_90, task: { key: KEY_90, tier: 'at_risk', score: 41, checkpointDays: 90 } });
  });

  it('does not re-assess twice for a checkpoint that already assessed the task', () => {
    const decision = decideTaskAction({
      assessment: assessedAs('at_risk', 41, { checkpointDays: 30 }),
      minimumTier: 'at_risk',
      existingOpenTask: { ...open, assessedCheckpoints: [90, 60, 30] },
    });
    expect(decision).toEqual({ action: 'none', key: KEY_90, why: 'open_task_current' });
  });

  it('escalates only past the worst tier the task reached', () => {
    const decision = decideTaskAction({
      assessment: assessedAs('critical', 80, { checkpointDays: 30 }),
      minimumTier: 'at_risk',
      existingOpenTask: open,
      previousAssessment: { tier: 'at_risk', score: 41, checkpointDays: 60 },
    });
    expect(decision.action).toBe('reassess');
  });
});

describe('reassignment', () => {
  it('moves an open or acknowledged task to the new CSM', () => {
    expect(reassignmentFor({ owner: 'ana@acme.test', status: 'open' }, 'bo@acme.test', 'renewals-queue')).toEqual({
      fromOwner: 'ana@acme.test',
      toOwner: 'bo@acme.test',
      ownerIsFallback: false,
    });
    expect(reassignmentFor({ owner: 'ana@acme.test', status: 'acknowledged' }, 'bo@acme.test', 'renewals-queue')?.toOwner).toBe('bo@acme.test');
  });

  it('sends the task to the fallback queue when the contract no longer names a CSM', () => {
    expect(reassignmentFor({ owner: 'ana@acme.test', status: 'open' }, undefined, 'renewals-queue')).toEqual({
      fromOwner: 'ana@acme.test',
      toOwner: 'renewals-queue',
      ownerIsFallback: true,
    });
  });

  it('leaves a task that already has its owner, and a resolved one, alone', () => {
    expect(reassignmentFor({ owner: 'bo@acme.test', status: 'open' }, 'bo@acme.test', 'renewals-queue')).toBeUndefined();
    expect(reassignmentFor({ owner: 'ana@acme.test', status: 'resolved' }, 'bo@acme.test', 'renewals-queue')).toBeUndefined();
  });
});

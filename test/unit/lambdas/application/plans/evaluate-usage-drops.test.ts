import { describe, expect, it } from 'vitest';
import { InfrastructureError } from '../../../../../lambdas/application/errors';
import { evaluateUsageDrops, type EvaluateUsageDropsDeps } from '../../../../../lambdas/application/plans/evaluate-usage-drops';
import type { FiredAlert, FiredAlertStore } from '../../../../../lambdas/application/plans/ports';
import type { UsageWindowRequest } from '../../../../../lambdas/application/usage/ports';
import type { PeriodUsage } from '../../../../../lambdas/domain/rating/usage';
import { FakeContracts, RecordingPublisher, monthlyContract, perUnitPlan } from '../../../../support/billing-fakes';

class MemoryFiredAlerts implements FiredAlertStore {
  readonly alerts = new Map<string, FiredAlert>();
  private key(alert: Pick<FiredAlert, 'contractId' | 'periodId' | 'thresholdId'>): string {
    return `${alert.contractId}|${alert.periodId}|${alert.thresholdId}`;
  }
  async claim(alert: FiredAlert): Promise<boolean> {
    if (this.alerts.has(this.key(alert))) return false;
    this.alerts.set(this.key(alert), alert);
    return true;
  }
  async listUnpublished(contractId: string, periodId: string): Promise<FiredAlert[]> {
    return (await this.listFired(contractId, periodId)).filter((alert) => !alert.published);
  }
  async listFired(contractId: string, periodId: string): Promise<FiredAlert[]> {
    return [...this.alerts.values()].filter((alert) => alert.contractId === contractId && alert.periodId === periodId);
  }
  async markPublished(alert: Pick<FiredAlert, 'contractId' | 'periodId' | 'thresholdId'>): Promise<void> {
    const stored = this.alerts.get(this.key(alert));
    if (stored) this.alerts.set(this.key(alert), { ...stored, published: true });
  }
}

/** Daily counts per customer, keyed by the window's start. */
function dailyUsage(byDayStart: Record<string, Record<string, number>>) {
  const reads: UsageWindowRequest[] = [];
  return {
    reads,
    readUsage: async (request: UsageWindowRequest): Promise<PeriodUsage> => {
      reads.push(request);
      const count = byDayStart[request.customerId]?.[request.from] ?? 0;
      return {
        customerId: request.customerId,
        from: request.from,
        to: request.to,
        asOf: request.asOf,
        metrics: request.requirements.map((requirement) => ({ ledgerMetric: requirement.ledgerMetric, eligibility: requirement.eligibility, count, sumQuantity: String(count) })),
      };
    },
  };
}

const NOW = new Date('2026-11-20T12:00:00Z');
const days = (counts: number[]) => Object.fromEntries(counts.map((count, index) => [`2026-11-${String(20 - counts.length + index).padStart(2, '0')}T00:00:00.000Z`, count]));

function setUp(options: { planRule?: boolean; contractRule?: { metric: string; belowPercentOfBaseline: string; baselineDays: number } } = {}) {
  const contracts = new FakeContracts();
  const plan = perUnitPlan('usd-plan', 'USD', '1.00', '0.00') as { versions: Record<string, unknown>[] };
  if (options.planRule) plan.versions[0] = { ...plan.versions[0], alerts: { usageDrop: { metric: 'resolutions', belowPercentOfBaseline: '50', baselineDays: 3 } } };
  contracts.addPlan(plan);
  const dropping = contracts.addContract({ ...monthlyContract('c-drop', 'usd-plan', 'USD'), customerId: 'drop', ...(options.contractRule ? { alerts: { usageDrop: options.contractRule } } : {}) });
  const steady = contracts.addContract({ ...monthlyContract('c-steady', 'usd-plan', 'USD'), customerId: 'steady' });
  const usage = dailyUsage({ drop: days([10, 10, 10, 4]), steady: days([10, 10, 10, 10]) });
  const fired = new MemoryFiredAlerts();
  const events = new RecordingPublisher();
  const deps: EvaluateUsageDropsDeps = {
    contracts: { listContracts: async () => [dropping, steady].map((contract) => ({ contract, revision: 1, updatedAt: '2026-01-01T00:00:00Z' })), getPlan: (code) => contracts.getPlan(code) },
    usage,
    fired,
    events,
    now: () => NOW,
  };
  return { deps, usage, fired, events };
}

describe('evaluateUsageDrops', () => {
  it('evaluates a plan version\'s rule on every contract of the plan, the last complete day against the days before it', async () => {
    const { deps, usage, events } = setUp({ planRule: true });
    expect(await evaluateUsageDrops(deps)).toEqual({ evaluated: 2, dropped: 1, published: 1, notEvaluated: [] });
    expect(events.published.map((event) => event.detail)).toEqual([
      expect.objectContaining({ contractId: 'c-drop', thresholdId: 'usage-drop:resolutions:2026-11-19', day: '2026-11-19', dayQuantity: '4', baselineDailyAverage: '10' }),
    ]);
    // Four UTC days per contract (3 baseline + the measured one), only the rule's ledger metric.
    expect(usage.reads.filter((read) => read.customerId === 'drop').map((read) => read.from).sort()).toEqual(Object.keys(days([0, 0, 0, 0])));
    expect(new Set(usage.reads.flatMap((read) => read.requirements.map((requirement) => requirement.ledgerMetric)))).toEqual(new Set(['ticket.resolved']));
  });

  it('takes a contract\'s rule over the plan\'s, and evaluates nothing without one', async () => {
    const strict = setUp({ planRule: true, contractRule: { metric: 'resolutions', belowPercentOfBaseline: '30', baselineDays: 3 } });
    // 4 is not below 30 % of 10.
    expect(await evaluateUsageDrops(strict.deps)).toMatchObject({ evaluated: 2, dropped: 0, published: 0 });
    const none = setUp();
    expect(await evaluateUsageDrops(none.deps)).toEqual({ evaluated: 0, dropped: 0, published: 0, notEvaluated: [] });
    expect(none.usage.reads).toEqual([]);
  });

  it('fires once per contract, metric and day: a second run the same day publishes nothing', async () => {
    const { deps, events } = setUp({ planRule: true });
    await evaluateUsageDrops(deps);
    expect(await evaluateUsageDrops(deps)).toMatchObject({ dropped: 1, published: 0 });
    expect(events.ofType('Usage Dropped')).toHaveLength(1);
  });

  it('throws when the bus fails after claiming the marker, and the next run publishes what it owes', async () => {
    const { deps, events, fired } = setUp({ planRule: true });
    await expect(evaluateUsageDrops({ ...deps, events: { publish: () => Promise.reject(new InfrastructureError('throttled', { operation: 'EventBridge PutEvents' })) } })).rejects.toThrow('throttled');
    expect([...fired.alerts.values()].map((alert) => alert.published)).toEqual([false]);
    expect(await evaluateUsageDrops(deps)).toMatchObject({ published: 1 });
    expect(events.ofType('Usage Dropped')).toHaveLength(1);
  });

  it('leaves the spend alerts\' own unpublished markers to them', async () => {
    const { deps, fired, events } = setUp({ planRule: true });
    await fired.claim({ contractId: 'c-drop', periodId: '2026-11', thresholdId: 'usage:resolutions:5', detailType: 'Usage Threshold Reached', detail: {}, firedAt: NOW.toISOString(), published: false });
    await evaluateUsageDrops(deps);
    expect(events.published.map((event) => event.detailType)).toEqual(['Usage Dropped']);
  });
});

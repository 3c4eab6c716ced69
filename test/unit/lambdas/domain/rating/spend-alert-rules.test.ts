import { describe, expect, it } from 'vitest';
import { alertsInForce, reachedThresholds, usageDropped } from '../../../../../lambdas/domain/rating/spend-alert-rules';
import type { SpendAlerts } from '../../../../../lambdas/domain/plans/spend-alerts-schema';

type Spend = Parameters<typeof reachedThresholds>[0]['spend'];

function spendOf(options: { resolutions?: string; subtotal?: bigint; committed?: bigint; burned?: bigint; creditsLeft?: bigint | null }): Spend {
  return {
    usage: options.resolutions === undefined ? [] : [{ chargeId: 'resolutions', metric: 'resolutions', quantity: options.resolutions }],
    commitment:
      options.committed === undefined
        ? null
        : { trueUp: 'per_period', committed: options.committed, burned: options.burned ?? options.subtotal ?? 0n, remaining: 0n, burnedPercent: null },
    creditsLeft: options.creditsLeft ?? null,
    draft: { subtotal: options.subtotal ?? 0n, currency: 'USD' },
  };
}

const ids = (alerts: SpendAlerts, spend: Spend, caps: Parameters<typeof reachedThresholds>[0]['caps'] = []) =>
  reachedThresholds({ alerts, caps, spend }).map((threshold) => threshold.thresholdId);

describe('reachedThresholds', () => {
  const usage: SpendAlerts = { usage: [{ metric: 'resolutions', levels: ['500', '1000', '2000'] }] };

  it('fires a usage level exactly at the level, not below it', () => {
    expect(ids(usage, spendOf({ resolutions: '499' }))).toEqual([]);
    expect(ids(usage, spendOf({ resolutions: '500' }))).toEqual(['usage:resolutions:500']);
  });

  it('lists every level crossed in one batch, each with its own id', () => {
    const reached = reachedThresholds({ alerts: usage, caps: [], spend: spendOf({ resolutions: '1500.5' }) });
    expect(reached.map((threshold) => [threshold.thresholdId, threshold.detailType, threshold.figures])).toEqual([
      ['usage:resolutions:500', 'Usage Threshold Reached', { metric: 'resolutions', level: '500', quantity: '1500.5' }],
      ['usage:resolutions:1000', 'Usage Threshold Reached', { metric: 'resolutions', level: '1000', quantity: '1500.5' }],
    ]);
  });

  it('names a level the same however it is written, so a marker matches after a reversal and a second crossing', () => {
    const written = ids({ usage: [{ metric: 'resolutions', levels: ['500.00'] }] }, spendOf({ resolutions: '500' }));
    expect(written).toEqual(['usage:resolutions:500']);
    // Dropped back below by a reversal: nothing reached (the marker, not this rule, keeps it from firing again).
    expect(ids(usage, spendOf({ resolutions: '499' }))).toEqual([]);
    expect(ids(usage, spendOf({ resolutions: '500' }))).toEqual(written);
  });

  it('fires spend amounts on the rated subtotal, to the cent', () => {
    const alerts: SpendAlerts = { spend: [{ amount: '1500.00' }] };
    expect(ids(alerts, spendOf({ subtotal: 149_999n }))).toEqual([]);
    const [reached] = reachedThresholds({ alerts, caps: [], spend: spendOf({ subtotal: 150_000n }) });
    expect(reached).toEqual({
      thresholdId: 'spend:amount:1500.00',
      detailType: 'Spend Threshold Reached',
      figures: { currency: 'USD', level: '1500.00', percentOfCommitment: null, amount: '1500.00' },
    });
  });

  it('resolves a percentage against the commitment, and never fires on a zero or missing commitment', () => {
    const alerts: SpendAlerts = { spend: [{ percentOfCommitment: '80' }, { percentOfCommitment: '120' }] };
    expect(ids(alerts, spendOf({ subtotal: 159_999n, committed: 200_000n }))).toEqual([]);
    expect(ids(alerts, spendOf({ subtotal: 160_000n, committed: 200_000n }))).toEqual(['spend:percent:80']);
    expect(ids(alerts, spendOf({ subtotal: 240_000n, committed: 200_000n }))).toEqual(['spend:percent:80', 'spend:percent:120']);
    expect(ids(alerts, spendOf({ subtotal: 0n, committed: 0n }))).toEqual([]);
    expect(ids(alerts, spendOf({ subtotal: 500_000n }))).toEqual([]);
  });

  it('fires credit balance low strictly below the level, and not without prepaid credits', () => {
    const alerts: SpendAlerts = { creditBalanceBelow: '200.00' };
    expect(ids(alerts, spendOf({ creditsLeft: 20_000n }))).toEqual([]);
    expect(ids(alerts, spendOf({ creditsLeft: 19_999n }))).toEqual(['credits:200.00']);
    expect(ids(alerts, spendOf({ creditsLeft: null }))).toEqual([]);
  });

  it('reports a metric cap and a spend cap once reached', () => {
    const caps = [{ metric: 'resolutions', quantity: '1000' }, { spend: '5000.00' }];
    expect(ids({}, spendOf({ resolutions: '999', subtotal: 499_999n }), caps)).toEqual([]);
    expect(ids({}, spendOf({ resolutions: '1000', subtotal: 500_000n }), caps)).toEqual(['cap:metric:resolutions', 'cap:spend']);
  });

  it('reports the charges before a spend cap as reached (rating holds the subtotal at the cap)', () => {
    const capped = spendOf({ subtotal: 500_000n });
    const spend = { ...capped, draft: { ...capped.draft, spendCap: { cap: 500_000n, subtotalBefore: 512_345n, reduction: 12_345n } } };
    const [reached] = reachedThresholds({ alerts: {}, caps: [{ spend: '5000.00' }], spend });
    expect(reached?.figures).toEqual({ metric: null, cap: '5000.00', reached: '5123.45', currency: 'USD' });
  });
});

describe('alertsInForce', () => {
  it('lets each key the contract sets replace the plan version’s, and keeps the others', () => {
    const plan: SpendAlerts = { usage: [{ metric: 'resolutions', levels: ['500'] }], creditBalanceBelow: '100.00' };
    const contract: SpendAlerts = { usage: [{ metric: 'resolutions', levels: ['50'] }] };
    expect(alertsInForce(plan, contract)).toEqual({ usage: [{ metric: 'resolutions', levels: ['50'] }], creditBalanceBelow: '100.00' });
    expect(alertsInForce(undefined, undefined)).toEqual({});
  });
});

describe('usageDropped', () => {
  it('compares the last day with the trailing baseline average', () => {
    const days = ['100', '100', '100', '49'];
    expect(usageDropped({ dailyQuantities: days, baselineDays: 3, belowPercentOfBaseline: '50' })).toEqual({ dropped: true, dayQuantity: '49', baselineDailyAverage: '100' });
    expect(usageDropped({ dailyQuantities: ['100', '100', '100', '50'], baselineDays: 3, belowPercentOfBaseline: '50' }).dropped).toBe(false);
  });

  it('gives no verdict without enough history or without any baseline usage', () => {
    expect(usageDropped({ dailyQuantities: ['100', '0'], baselineDays: 3, belowPercentOfBaseline: '50' }).dropped).toBe(false);
    expect(usageDropped({ dailyQuantities: ['0', '0', '0', '0'], baselineDays: 3, belowPercentOfBaseline: '50' }).dropped).toBe(false);
  });
});

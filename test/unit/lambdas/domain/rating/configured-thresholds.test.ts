// Configured levels are named by the very ids reachedThresholds gives (and
// the fired markers keep), however the level is written in the plan.
import { describe, expect, it } from 'vitest';
import { configuredThresholds } from '../../../../../lambdas/domain/rating/configured-thresholds';
import { reachedThresholds } from '../../../../../lambdas/domain/rating/spend-alert-rules';

describe('configuredThresholds', () => {
  const alerts = {
    usage: [{ metric: 'resolutions', levels: ['500', '1000.0'] }],
    spend: [{ amount: '1500' }, { percentOfCommitment: '80.00' }],
    creditBalanceBelow: '200',
  };
  const caps = [{ metric: 'resolutions', quantity: '10000.00' }, { spend: '5000' }];

  it('lists every level with the id it fires under', () => {
    expect(configuredThresholds({ alerts, caps, currency: 'USD' })).toEqual([
      { thresholdId: 'usage:resolutions:500', kind: 'usage', description: 'resolutions at 500' },
      { thresholdId: 'usage:resolutions:1000', kind: 'usage', description: 'resolutions at 1000' },
      { thresholdId: 'spend:amount:1500.00', kind: 'spend', description: 'spend at 1500.00 USD' },
      { thresholdId: 'spend:percent:80', kind: 'spend', description: 'spend at 80% of the commitment' },
      { thresholdId: 'credits:200.00', kind: 'credits', description: 'prepaid credits below 200.00 USD' },
      { thresholdId: 'cap:metric:resolutions', kind: 'cap', description: 'resolutions capped at 10000' },
      { thresholdId: 'cap:spend', kind: 'cap', description: 'spend capped at 5000.00 USD' },
    ]);
  });

  it('names each level exactly as reachedThresholds does when all are reached', () => {
    const spend = {
      usage: [{ chargeId: 'resolutions', metric: 'resolutions', quantity: '20000' }],
      commitment: { trueUp: 'per_period' as const, committed: 100_000n, burned: 900_000n, remaining: 0n, burnedPercent: '900.00' },
      creditsLeft: 0n,
      draft: { subtotal: 900_000n, currency: 'USD' as const },
    };
    const reached = reachedThresholds({ alerts, caps, spend }).map((threshold) => threshold.thresholdId);
    expect(reached).toHaveLength(7);
    expect(configuredThresholds({ alerts, caps, currency: 'USD' }).map((threshold) => threshold.thresholdId)).toEqual(reached);
  });
});

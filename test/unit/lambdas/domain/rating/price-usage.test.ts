import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPlanSource, PlanVersionNotEffectiveError } from '../../../../../lambdas/domain/plans';
import { UsageFileSchema, UsageInputError, priceUsage } from '../../../../../lambdas/domain/rating';

const plan = loadPlanSource({
  path: 'support-automation.yaml',
  text: readFileSync('docs/examples/plans/support-automation.yaml', 'utf8'),
});

describe('priceUsage (outcome-engine price --plan FILE --usage FILE --json)', () => {
  it('prices aggregated usage and raw outcomes from a usage file, with notes', () => {
    const usage = UsageFileSchema.parse({
      period: { start: '2026-11-01', end: '2026-12-01' },
      metrics: [{ ledgerMetric: 'ticket.resolved', count: 1100, sumQuantity: '1100', uniqueCounts: { agentId: 3 } }],
      outcomes: [
        { outcomeId: 'r1', metric: 'order.recovered', occurredAt: '2026-11-03T09:00:00+01:00', value: { amount: '100.00', currency: 'USD' } },
        { outcomeId: 'r2', metric: 'order.recovered', occurredAt: '2026-11-04T09:00:00Z', value: { amount: '2000.00', currency: 'USD' } },
        { outcomeId: 'r3', metric: 'order.recovered', occurredAt: '2026-12-01T00:00:00Z', value: { amount: '50.00', currency: 'USD' } },
        { outcomeId: 'r4', metric: 'order.recovered', occurredAt: '2026-11-05T09:00:00Z', value: { amount: '10.00', currency: 'USD' }, billable: false },
      ],
    });
    const result = priceUsage({ plan, usage });
    expect(result.planVersion).toBe(1);
    expect(result.lines.map((line) => [line.chargeId, line.amount.decimal])).toEqual([
      ['platform', '500.00'],
      ['resolutions', '1500.00'], // 1100 - 100 included = 1000 at 1.50
      ['recovery-success-fee', '27.60'], // 100 -> 2.60; 2000 -> 50.10 capped at 25.00
      ['agent-seats', '40.00'],
    ]);
    expect(result.total).toEqual({ minor: '206760', decimal: '2067.60' });
    expect(result.notes).toEqual(['1 outcome(s) occurred outside 2026-11-01T00:00:00.000Z .. 2026-12-01T00:00:00.000Z and were not counted']);
    expect(result.ratedAt).toBeNull();
    expect(JSON.parse(JSON.stringify(result)).lines[2].breakdown[0]).toMatchObject({ outcomes: 2, cappedAtMaximum: 1 });
  });

  it('prices the documented example usage file as the documentation says', () => {
    const usage = UsageFileSchema.parse(JSON.parse(readFileSync('docs/examples/plans/usage-2026-11.json', 'utf8')));
    const result = priceUsage({ plan, usage });
    expect(result.lines.map((line) => [line.chargeId, line.amount.decimal])).toEqual([
      ['platform', '500.00'],
      ['resolutions', '1660.80'],
      ['recovery-success-fee', '30.61'],
      ['agent-seats', '80.00'],
    ]);
    expect(result.total).toEqual({ minor: '227141', decimal: '2271.41' });
    expect(result.notes).toEqual([]);
  });

  it('prices metrics the file does not mention as zero and says so', () => {
    const usage = UsageFileSchema.parse({ period: { start: '2027-02-01', end: '2027-03-01' } });
    const result = priceUsage({ plan, usage, now: '2027-03-01T08:00:00Z' });
    expect(result.planVersion).toBe(2);
    expect(result.total.decimal).toBe('500.00');
    expect(result.notes).toEqual([
      'no usage given for "ticket.resolved" (billable): plan metric "resolutions" priced as zero',
      'no usage given for "order.recovered" (billable): plan metric "recovered-order-value" priced as zero',
    ]);
    expect(result.ratedAt).toBe('2027-03-01T08:00:00.000Z');
  });

  it('lets the caller choose the version and the period', () => {
    const usage = UsageFileSchema.parse({ metrics: [{ ledgerMetric: 'ticket.resolved', count: 6100, sumQuantity: '6100', uniqueCounts: { agentId: 4 } }] });
    const v1 = priceUsage({ plan, usage, version: 1, period: { start: '2027-02-01T00:00:00-05:00', end: '2027-03-01T00:00:00-05:00' } });
    const v2 = priceUsage({ plan, usage, version: 2, period: { start: '2027-02-01', end: '2027-03-01' } });
    // 6100 - 100 included = 6000. v1: 1000 × 1.50 + 4000 × 1.20 + 1000 × 0.90 = 7200.00
    expect(v1.lines.find((line) => line.chargeId === 'resolutions')?.amount.decimal).toBe('7200.00');
    // v2: 1000 × 1.50 + 4000 × 1.10 + 1000 × 0.75 = 6650.00
    expect(v2.lines.find((line) => line.chargeId === 'resolutions')?.amount.decimal).toBe('6650.00');
    expect(v1.period.start).toBe('2027-02-01T05:00:00.000Z');
  });

  it('explains missing or impossible periods and versions', () => {
    expect(() => priceUsage({ plan, usage: UsageFileSchema.parse({}) })).toThrow(UsageInputError);
    // A usage file's own period is checked by its schema (so the error has a path and a line); --period by priceUsage.
    expect(UsageFileSchema.safeParse({ period: { start: '2026-12-01', end: '2026-11-01' } }).error?.issues).toEqual([
      expect.objectContaining({ path: ['period', 'end'], message: 'the period must end after it starts: 2026-11-01 is not after 2026-12-01' }),
    ]);
    expect(() =>
      priceUsage({ plan, usage: UsageFileSchema.parse({}), period: { start: '2026-12-01', end: '2026-11-01' } }),
    ).toThrow('period end 2026-11-01 must be after its start 2026-12-01');
    expect(() => priceUsage({ plan, usage: UsageFileSchema.parse({ period: { start: '2025-01-01', end: '2025-02-01' } }) })).toThrow(
      PlanVersionNotEffectiveError,
    );
    expect(UsageFileSchema.safeParse({ outcomes: [{ outcomeId: 'x', metric: 'm', occurredAt: '2026-11-01T00:00:00' }] }).success).toBe(false);
  });
});

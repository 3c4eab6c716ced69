import { describe, expect, it } from 'vitest';
import { PlanVersionSchema } from '../../../../../lambdas/domain/plans';
import {
  UsageAccumulator,
  UsageInputError,
  summarizeOutcomes,
  usageRequirementsFor,
  type RatableOutcome,
  type UsageRequirement,
} from '../../../../../lambdas/domain/rating';

const outcome = (overrides: Partial<RatableOutcome>): RatableOutcome => ({
  outcomeId: 'o',
  metric: 'ticket.resolved',
  quantity: '1',
  value: undefined,
  occurredAtMs: Date.parse('2026-11-05T10:00:00Z'),
  billable: true,
  verified: true,
  attributes: undefined,
  ...overrides,
});

const requirement = (overrides: Partial<UsageRequirement>): UsageRequirement => ({
  ledgerMetric: 'ticket.resolved',
  eligibility: 'billable',
  needsValue: false,
  needsMax: false,
  needsLatest: false,
  uniqueAttributes: [],
  needsOutcomeValues: false,
  ...overrides,
});

describe('usageRequirementsFor', () => {
  it('asks the ledger for one query per ledger metric and eligibility, with what each needs', () => {
    const version = PlanVersionSchema.parse({
      version: 1,
      effectiveFrom: '2026-01-01',
      metrics: [
        { code: 'count', ledgerMetric: 'ticket.resolved', aggregation: 'count' },
        { code: 'agents', ledgerMetric: 'ticket.resolved', aggregation: 'unique_count', attribute: 'agentId' },
        { code: 'peak', ledgerMetric: 'ticket.resolved', aggregation: 'max', eligibility: 'all' },
        { code: 'value', ledgerMetric: 'order.recovered', aggregation: 'sum_value' },
      ],
      charges: [
        { id: 'a', name: 'A', model: 'per_unit', metric: 'count', unitPrice: '1' },
        { id: 'b', name: 'B', model: 'percentage', metric: 'value', percent: '1' },
      ],
    });
    expect(usageRequirementsFor(version)).toEqual([
      requirement({ uniqueAttributes: ['agentId'] }),
      requirement({ eligibility: 'all', needsMax: true }),
      requirement({ ledgerMetric: 'order.recovered', needsValue: true, needsOutcomeValues: true }),
    ]);
  });
});

describe('UsageAccumulator', () => {
  it('counts, sums exactly, and takes max, latest and unique counts', () => {
    const usages = summarizeOutcomes(
      [
        outcome({ outcomeId: 'a', quantity: '1', attributes: { agentId: 'x' } }),
        outcome({ outcomeId: 'b', quantity: '2.25', attributes: { agentId: 'y' }, occurredAtMs: Date.parse('2026-11-07T00:00:00Z') }),
        outcome({ outcomeId: 'c', quantity: '0.000000000000000001', attributes: { agentId: 'x' }, occurredAtMs: Date.parse('2026-11-07T00:00:00Z') }),
        outcome({ outcomeId: 'd', metric: 'other' }),
      ],
      [requirement({ needsMax: true, needsLatest: true, uniqueAttributes: ['agentId'] })],
    );
    expect(usages).toEqual([
      {
        ledgerMetric: 'ticket.resolved',
        eligibility: 'billable',
        count: 3,
        sumQuantity: '3.250000000000000001',
        maxQuantity: '2.25',
        // Two outcomes share the latest instant: the larger outcome id wins, whatever the input order.
        latestQuantity: '0.000000000000000001',
        uniqueCounts: { agentId: 2 },
      },
    ]);
  });

  it('reads billable, verified or all outcomes as each metric asks', () => {
    const outcomes = [
      outcome({ outcomeId: 'a', billable: true, verified: true }),
      outcome({ outcomeId: 'b', billable: false, verified: true }),
      outcome({ outcomeId: 'c', billable: false, verified: false }),
    ];
    const usages = summarizeOutcomes(outcomes, [
      requirement({ eligibility: 'billable' }),
      requirement({ eligibility: 'verified' }),
      requirement({ eligibility: 'all' }),
    ]);
    expect(usages.map((usage) => [usage.eligibility, usage.count])).toEqual([
      ['billable', 1],
      ['verified', 2],
      ['all', 3],
    ]);
  });

  it('counts only outcomes that occurred inside the period window', () => {
    const window = { fromMs: Date.parse('2026-11-01T04:00:00Z'), toMs: Date.parse('2026-12-01T05:00:00Z') };
    const accumulator = new UsageAccumulator([requirement({})], window);
    accumulator.add(outcome({ outcomeId: 'early', occurredAtMs: window.fromMs - 1 }));
    accumulator.add(outcome({ outcomeId: 'first', occurredAtMs: window.fromMs }));
    accumulator.add(outcome({ outcomeId: 'last', occurredAtMs: window.toMs - 1 }));
    accumulator.add(outcome({ outcomeId: 'late', occurredAtMs: window.toMs }));
    expect(accumulator.toMetricUsages()[0]?.count).toBe(2);
  });

  it('sums values and lists each outcome value in occurredAt order', () => {
    const usages = summarizeOutcomes(
      [
        outcome({ outcomeId: 'b', metric: 'order.recovered', value: { amount: '20.10', currency: 'USD' }, occurredAtMs: 2 }),
        outcome({ outcomeId: 'a', metric: 'order.recovered', value: { amount: '5', currency: 'USD' }, occurredAtMs: 1 }),
        outcome({ outcomeId: 'c', metric: 'order.recovered', occurredAtMs: 3 }),
      ],
      [requirement({ ledgerMetric: 'order.recovered', needsValue: true, needsOutcomeValues: true })],
    );
    expect(usages[0]).toMatchObject({ count: 3, sumValue: '25.1', valueCurrency: 'USD', outcomeValues: ['5', '20.10', '0'] });
  });

  it('refuses values in two currencies and malformed quantities', () => {
    const mixed = [
      outcome({ outcomeId: 'a', value: { amount: '1', currency: 'USD' } }),
      outcome({ outcomeId: 'b', value: { amount: '1', currency: 'EUR' } }),
    ];
    expect(() => summarizeOutcomes(mixed, [requirement({ needsValue: true })])).toThrow(
      expect.objectContaining({ name: 'UsageInputError', code: 'mixed_value_currencies' }),
    );
    for (const quantity of ['-1', '1e3', 'NaN', '', '1.2.3', '0.0000000000000000001']) {
      expect(() => summarizeOutcomes([outcome({ quantity })], [requirement({})]), quantity).toThrow(UsageInputError);
    }
  });
});

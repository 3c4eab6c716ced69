import { describe, expect, it } from 'vitest';
import { closeScheduleName, periodCloseFor, periodClosesForTerm, schedulePeriodCloses } from '../../../../../lambdas/application/billing/schedule-period-closes';
import { InMemoryPeriodCloseScheduler } from '../../../../../lib/local/in-memory-period-close-scheduler';
import { periodCloseScheduleDefinition } from '../../../../../lambdas/adapters/scheduler/eventbridge-period-close-scheduler';
import { ContractSchema, type Contract } from '../../../../../lambdas/domain/plans/contract-schema';

function contract(overrides: Partial<Record<string, unknown>> = {}): Contract {
  return ContractSchema.parse({
    kind: 'contract',
    contractId: 'acme-2026',
    customerId: 'acme',
    plan: { code: 'support', version: 1 },
    termStart: '2026-01-01',
    termEnd: '2027-01-01',
    billingPeriod: { cadence: 'monthly', anchorDay: 1 },
    timeZone: 'UTC',
    currency: 'USD',
    ...overrides,
  });
}

describe('close time: period end in the contract time zone + grace', () => {
  it('closes a UTC month 24 h after its end by default', () => {
    const close = periodCloseFor(contract(), '2026-11');
    expect(close.periodEnd).toBe('2026-12-01T00:00:00.000Z');
    expect(close.closeAt).toBe('2026-12-02T00:00:00.000Z');
    expect(close.graceHours).toBe(24);
  });

  it('uses local midnight in the contract zone (Tokyo is UTC+9)', () => {
    const close = periodCloseFor(contract({ timeZone: 'Asia/Tokyo' }), '2026-11');
    expect(close.periodEnd).toBe('2026-11-30T15:00:00.000Z');
    expect(close.closeAt).toBe('2026-12-01T15:00:00.000Z');
    expect(close.localCloseAt).toBe('2026-12-02T00:00:00+09:00');
  });

  it('counts grace as elapsed hours across a DST change (New York, March 2026)', () => {
    // February ends at local midnight EST (UTC-5); 24 h later is still before the 8 March switch.
    const feb = periodCloseFor(contract({ timeZone: 'America/New_York' }), '2026-02');
    expect(feb.periodEnd).toBe('2026-03-01T05:00:00.000Z');
    expect(feb.closeAt).toBe('2026-03-02T05:00:00.000Z');
    // A 10-day grace crosses the switch: 240 elapsed hours land at 01:00 EDT, not midnight.
    const late = periodCloseFor(contract({ timeZone: 'America/New_York' }), '2026-02', 240);
    expect(late.closeAt).toBe('2026-03-11T05:00:00.000Z');
    expect(late.localCloseAt).toBe('2026-03-11T01:00:00-04:00');
  });

  it('takes a grace of 0 and fractional hours, and refuses a negative one', () => {
    expect(periodCloseFor(contract(), '2026-11', 0).closeAt).toBe('2026-12-01T00:00:00.000Z');
    expect(periodCloseFor(contract(), '2026-11', 1.5).closeAt).toBe('2026-12-01T01:30:00.000Z');
    expect(() => periodCloseFor(contract(), '2026-11', -1)).toThrow(RangeError);
  });

  it('clips the last period to the term and closes quarterly periods at their quarter end', () => {
    const clipped = periodCloseFor(contract({ termEnd: '2026-11-16' }), '2026-11');
    expect(clipped.periodEnd).toBe('2026-11-16T00:00:00.000Z');
    const quarterly = periodCloseFor(contract({ billingPeriod: { cadence: 'quarterly', anchorDay: 1 }, timeZone: 'Europe/Berlin' }), '2026-Q4');
    expect(quarterly.periodEnd).toBe('2026-12-31T23:00:00.000Z');
    expect(quarterly.closeAt).toBe('2027-01-01T23:00:00.000Z');
  });

  it('lists one close per period of the term, in order', () => {
    const closes = periodClosesForTerm(contract());
    expect(closes.map((close) => close.periodId)).toEqual(Array.from({ length: 12 }, (_, i) => `2026-${String(i + 1).padStart(2, '0')}`));
    expect(new Set(closes.map((close) => close.scheduleName)).size).toBe(12);
  });

  it('refuses a period outside the term', () => {
    expect(() => periodCloseFor(contract(), '2027-01')).toThrow(/outside|term/i);
  });
});

describe('schedule names and definitions', () => {
  it('derives the same valid Scheduler name from contract and period every time', () => {
    const name = closeScheduleName('acme/β:2026 contract with a very long id that goes on and on', '2026-11');
    expect(name).toBe(closeScheduleName('acme/β:2026 contract with a very long id that goes on and on', '2026-11'));
    expect(name).toMatch(/^[0-9A-Za-z_.-]{1,64}$/);
    expect(closeScheduleName('a', '2026-11')).not.toBe(closeScheduleName('a', '2026-12'));
    // Contract ids that sanitize alike still get distinct names.
    expect(closeScheduleName('a/b', '2026-11')).not.toBe(closeScheduleName('a:b', '2026-11'));
  });

  it('writes a one-time UTC at() schedule that invokes the close with {contractId, periodId} and dead-letters', () => {
    const close = periodCloseFor(contract({ timeZone: 'Asia/Tokyo' }), '2026-11');
    const definition = periodCloseScheduleDefinition(close, {
      groupName: 'closes',
      functionArn: 'arn:aws:lambda:us-east-1:1:function:close',
      roleArn: 'arn:aws:iam::1:role/s',
      deadLetterQueueArn: 'arn:aws:sqs:us-east-1:1:dlq',
    });
    expect(definition.ScheduleExpression).toBe('at(2026-12-01T15:00:00)');
    expect(definition.ScheduleExpressionTimezone).toBe('UTC');
    expect(definition.ActionAfterCompletion).toBe('DELETE');
    expect(JSON.parse(definition.Target?.Input ?? '')).toEqual({ contractId: 'acme-2026', periodId: '2026-11' });
    expect(definition.Target?.DeadLetterConfig?.Arn).toBe('arn:aws:sqs:us-east-1:1:dlq');
  });
});

describe('schedulePeriodCloses with the in-memory scheduler', () => {
  it('schedules only future closes, idempotently, and fires each once when due', async () => {
    const scheduler = new InMemoryPeriodCloseScheduler();
    const clock = () => new Date('2026-11-15T00:00:00Z');
    const first = await schedulePeriodCloses({ scheduler, clock }, { contract: contract() });
    expect(first.past.map((close) => close.periodId)).toContain('2026-10');
    expect(first.scheduled.map((entry) => entry.close.periodId)).toEqual(['2026-11', '2026-12']);
    expect(first.scheduled.every((entry) => entry.outcome === 'created')).toBe(true);
    const again = await schedulePeriodCloses({ scheduler, clock }, { contract: contract() });
    expect(again.scheduled.every((entry) => entry.outcome === 'unchanged')).toBe(true);

    expect(scheduler.due(new Date('2026-12-01T23:59:59Z'))).toEqual([]);
    const due = scheduler.due(new Date('2026-12-02T00:00:00Z'));
    expect(due.map((close) => close.periodId)).toEqual(['2026-11']);
    scheduler.complete(due[0]!.scheduleName);
    await schedulePeriodCloses({ scheduler, clock }, { contract: contract() });
    expect(scheduler.due(new Date('2026-12-02T00:00:00Z'))).toEqual([]);
  });
});

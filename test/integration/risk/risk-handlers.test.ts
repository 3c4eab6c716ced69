// The two thin handlers: zod at the edge, one use case, failures thrown so
// Scheduler (or the rule's retry policy) retries and dead-letters.
import { describe, expect, it } from 'vitest';
import { CheckpointPayloadError, createCheckRenewalRiskHandler } from '../../../lambdas/handlers/check-renewal-risk';
import { ContractChangeInputError, createScheduleRenewalChecksHandler } from '../../../lambdas/handlers/schedule-renewal-checks';
import { InfrastructureError } from '../../../lambdas/application/errors';
import type { ContractChange } from '../../../lambdas/application/risk/schedule-renewal-checks';
import { payload } from './risk-test-kit';

describe('check-renewal-risk handler', () => {
  it('rejects a payload that is not a checkpoint, naming the field', async () => {
    const handler = createCheckRenewalRiskHandler(async () => async () => {
      throw new Error('not reached');
    });
    const failure = handler({ ...payload(90), schemaVersion: 2 });
    await expect(failure).rejects.toBeInstanceOf(CheckpointPayloadError);
    await expect(failure).rejects.toThrow(/schemaVersion/);
  });

  it('maps a skipped check and rethrows infrastructure failures for a retry', async () => {
    const skipped = createCheckRenewalRiskHandler(async () => async () => ({ outcome: 'skipped', why: 'term_changed', message: 'moved' }));
    expect(await skipped(payload(90))).toEqual({ outcome: 'skipped', why: 'term_changed', contractId: 'ctr-risk', termId: '2026-01-01', checkpointDays: 90 });

    const failing = createCheckRenewalRiskHandler(async () => async () => {
      throw new InfrastructureError('DynamoDB Query failed', { operation: 'DynamoDB Query' });
    });
    await expect(failing(payload(90))).rejects.toBeInstanceOf(InfrastructureError);
  });
});

describe('schedule-renewal-checks handler', () => {
  it('takes the change from an EventBridge envelope or as it is', async () => {
    const seen: ContractChange[] = [];
    const handler = createScheduleRenewalChecksHandler(async () => async (change) => {
      seen.push(change);
      return { change: 'cancelled', deleted: [{ scheduleName: 'rr.c.t.90d', outcome: 'absent' }] };
    });
    const change = { change: 'cancelled', contractId: 'c', termId: 't' } as const;
    await handler({ 'detail-type': 'Contract Changed', source: 'outcome-engine', detail: change });
    const response = await handler(change);
    expect(seen).toEqual([change, change]);
    expect(response).toEqual({ contractId: 'c', change: 'cancelled', scheduled: [], removed: [{ scheduleName: 'rr.c.t.90d', outcome: 'absent' }] });
  });

  it('rejects an unknown change', async () => {
    const handler = createScheduleRenewalChecksHandler(async () => async () => {
      throw new Error('not reached');
    });
    await expect(handler({ change: 'paused', contractId: 'c' })).rejects.toBeInstanceOf(ContractChangeInputError);
  });
});

// The two thin handlers: zod at the edge, one use case, failures thrown so
// Scheduler (or the rule's retry policy) retries and dead-letters.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CheckpointPayloadError, createCheckRenewalRiskHandler, handler as checkHandler } from '../../../../../lambdas/handlers/check-renewal-risk';
import { ContractChangeInputError, createScheduleRenewalChecksHandler, handler as scheduleHandler } from '../../../../../lambdas/handlers/schedule-renewal-checks';
import { RenewalRiskSettingsError } from '../../../../../lambdas/application/risk/risk-settings';
import { createLambdaContext } from '../../../../../lib/local/lambda-context';
import { InfrastructureError } from '../../../../../lambdas/application/errors';
import type { ContractChange } from '../../../../../lambdas/application/risk/schedule-renewal-checks';
import { payload } from '../../../../support/risk-test-kit';

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

describe('deployed handlers and RENEWAL_RISK_SETTINGS', () => {
  afterEach(() => vi.unstubAllEnvs());
  const context = () => createLambdaContext({ functionName: 'risk', timeoutMs: 30_000, region: 'us-east-1', accountId: '000000000000' });

  it('fail their first event loudly on bad settings, before touching AWS', async () => {
    for (const [name, value] of Object.entries({
      ENGINE_TABLE_NAME: 'engine',
      LEDGER_TABLE_NAME: 'ledger',
      EVENT_BUS_NAME: 'bus',
      SCHEDULE_GROUP_NAME: 'group',
      CHECK_FUNCTION_ARN: 'arn:aws:lambda:us-east-1:000000000000:function:check',
      SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/scheduler',
      SCHEDULER_DEAD_LETTER_ARN: 'arn:aws:sqs:us-east-1:000000000000:dlq',
    })) {
      vi.stubEnv(name, value);
    }
    vi.stubEnv('RENEWAL_RISK_SETTINGS', JSON.stringify({ minimumTier: 'amber' }));
    await expect(checkHandler(payload(90), context())).rejects.toThrow(/RENEWAL_RISK_SETTINGS:[\s\S]*minimumTier/);
    await expect(scheduleHandler({ change: 'created', contractId: 'c' }, context())).rejects.toBeInstanceOf(RenewalRiskSettingsError);
    vi.stubEnv('RENEWAL_RISK_SETTINGS', '{"minimumTier":');
    await expect(checkHandler(payload(90), context())).rejects.toThrow(/RENEWAL_RISK_SETTINGS is not JSON/);
  });
});

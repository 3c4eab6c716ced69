// The schedule-period-closes Lambda with EventBridge Scheduler mocked: a
// contract change creates its future close schedules (named from contract and
// period, at period end + grace), a cancellation deletes the closes after the
// final billed period, bad input is refused before anything is touched, and a
// close schedule left from an old billing setup is skipped when it fires.
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ThrottlingException,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  closeScheduleName,
  reschedulePeriodCloses,
  type ReschedulePeriodClosesDeps,
} from '../../../../../lambdas/application/billing/schedule-period-closes';
import type { ClosePeriodDeps } from '../../../../../lambdas/handlers/close-period';
import { createClosePeriodHandler } from '../../../../../lambdas/handlers/close-period';
import {
  PeriodCloseChangeInputError,
  createSchedulePeriodClosesHandler,
  periodCloseDepsFromEnv,
  SchedulePeriodClosesEnvironmentSchema,
} from '../../../../../lambdas/handlers/schedule-period-closes';
import { ContractSchema, type Contract } from '../../../../../lambdas/domain/plans/contract-schema';
import { createLambdaContext } from '../../../../../lib/local/lambda-context';

const scheduler = mockClient(SchedulerClient);
const ddb = mockClient(DynamoDBClient);

const ENV = {
  ENGINE_TABLE_NAME: 'engine',
  CLOSE_SCHEDULE_GROUP_NAME: 'closes',
  CLOSE_FUNCTION_ARN: 'arn:aws:lambda:eu-central-1:111111111111:function:close-period',
  CLOSE_SCHEDULER_ROLE_ARN: 'arn:aws:iam::111111111111:role/close-scheduler',
  CLOSE_SCHEDULER_DEAD_LETTER_ARN: 'arn:aws:sqs:eu-central-1:111111111111:close-dlq',
  CLOSE_GRACE_HOURS: '24',
};

function contract(overrides: Record<string, unknown> = {}): Contract {
  return ContractSchema.parse({
    kind: 'contract',
    contractId: 'ctr-berlin',
    customerId: 'acme',
    plan: { code: 'support', version: 'latest' },
    termStart: '2026-01-01',
    termEnd: '2027-01-01',
    billingPeriod: { cadence: 'monthly' },
    timeZone: 'Europe/Berlin',
    currency: 'EUR',
    ...overrides,
  });
}

/** The handler's real wiring (env → EventBridgePeriodCloseScheduler) with the clients mocked and the store faked. */
function handlerFor(stored: Contract | undefined, now = '2026-10-20T12:00:00Z') {
  const env = SchedulePeriodClosesEnvironmentSchema.parse(ENV);
  const deps: ReschedulePeriodClosesDeps = {
    ...periodCloseDepsFromEnv(env, { scheduler: new SchedulerClient({ region: 'eu-central-1' }), dynamoDb: new DynamoDBClient({ region: 'eu-central-1' }) }),
    contracts: { getContract: async (id) => (stored?.contractId === id ? stored : undefined) },
    clock: () => new Date(now),
  };
  return createSchedulePeriodClosesHandler(async () => deps);
}

const envelope = (detail: Record<string, unknown>) => ({
  version: '0',
  id: 'evt-1',
  'detail-type': 'Contract Changed',
  source: 'outcome-engine',
  account: '111111111111',
  time: '2026-10-20T12:00:00Z',
  region: 'eu-central-1',
  resources: [],
  detail,
});

describe('schedule-period-closes handler (Scheduler mocked)', () => {
  afterEach(() => {
    scheduler.reset();
    ddb.reset();
    vi.unstubAllEnvs();
  });

  it('creates one at() schedule per future close on a created contract, and a redelivery keeps them', async () => {
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    const response = await handlerFor(contract())(envelope({ schemaVersion: 1, change: 'created', contractId: 'ctr-berlin', termId: '2026-01-01' }));

    // October closes on 2026-11-01T23:00Z (Berlin midnight + 24 h): future; September's has passed.
    expect(response.scheduled.map((s) => [s.periodId, s.closeAt, s.outcome])).toEqual([
      ['2026-10', '2026-11-01T23:00:00.000Z', 'created'],
      ['2026-11', '2026-12-01T23:00:00.000Z', 'created'],
      ['2026-12', '2027-01-01T23:00:00.000Z', 'created'],
    ]);
    expect(response.past).toHaveLength(9);
    const inputs = scheduler.commandCalls(CreateScheduleCommand).map((call) => call.args[0].input);
    expect(inputs[0]).toMatchObject({
      Name: closeScheduleName('ctr-berlin', '2026-10'),
      GroupName: 'closes',
      ScheduleExpression: 'at(2026-11-01T23:00:00)',
      ScheduleExpressionTimezone: 'UTC',
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: ENV.CLOSE_FUNCTION_ARN,
        RoleArn: ENV.CLOSE_SCHEDULER_ROLE_ARN,
        Input: JSON.stringify({ contractId: 'ctr-berlin', periodId: '2026-10' }),
        DeadLetterConfig: { Arn: ENV.CLOSE_SCHEDULER_DEAD_LETTER_ARN },
      },
    });

    scheduler.reset();
    scheduler.on(CreateScheduleCommand).rejects(new ConflictException({ message: 'exists', Message: 'exists', $metadata: {} }));
    const again = await handlerFor(contract())(envelope({ change: 'created', contractId: 'ctr-berlin' }));
    expect(again.scheduled.map((s) => s.outcome)).toEqual(['unchanged', 'unchanged', 'unchanged']);
  });

  it('on cancellation keeps the close of the final billed period and deletes the later ones', async () => {
    scheduler.on(CreateScheduleCommand).rejects(new ConflictException({ message: 'exists', Message: 'exists', $metadata: {} }));
    scheduler
      .on(DeleteScheduleCommand, { Name: closeScheduleName('ctr-berlin', '2026-12') })
      .rejects(new ResourceNotFoundException({ message: 'gone', Message: 'gone', $metadata: {} }))
      .on(DeleteScheduleCommand, { Name: closeScheduleName('ctr-berlin', '2026-11') })
      .resolves({});
    const cancelled = contract({ cancelledOn: '2026-10-15' });
    const response = await handlerFor(cancelled)(
      envelope({ change: 'cancelled', contractId: 'ctr-berlin', termId: '2026-01-01', cancelledOn: '2026-10-15', checkpointsDays: [120, 90, 60, 30] }),
    );
    // October holds the cancellation day: it is still closed (billed); November and December are not.
    expect(response.scheduled.map((s) => s.periodId)).toEqual(['2026-10']);
    expect(response.removed).toEqual([
      { scheduleName: closeScheduleName('ctr-berlin', '2026-11'), periodId: '2026-11', outcome: 'deleted' },
      { scheduleName: closeScheduleName('ctr-berlin', '2026-12'), periodId: '2026-12', outcome: 'absent' },
    ]);
    expect(scheduler.commandCalls(DeleteScheduleCommand).map((call) => call.args[0].input.GroupName)).toEqual(['closes', 'closes']);
  });

  it('throws a retryable error when Scheduler throttles (EventBridge retries, then dead-letters)', async () => {
    scheduler.on(CreateScheduleCommand).rejects(new ThrottlingException({ message: 'slow down', Message: 'slow down', $metadata: {} }));
    const failure = await handlerFor(contract())({ change: 'created', contractId: 'ctr-berlin' }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: 'SchedulerUnavailableError', code: 'scheduler_unavailable', retryable: true });
  });

  it('throws for a contract the store does not hold (never a silent success)', async () => {
    await expect(handlerFor(undefined)({ change: 'created', contractId: 'ctr-berlin' })).rejects.toMatchObject({
      name: 'BillingNotFoundError',
      code: 'contract_not_found',
    });
  });

  it.each([
    [{ change: 'created' }, /contractId/],
    [{ change: 'deleted', contractId: 'ctr-berlin' }, /"created", "renewed", "term_changed", "updated" or "cancelled"/],
    [{ change: 'cancelled', contractId: 'ctr-berlin' }, /termId/],
    [{ change: 'updated', contractId: 'ctr-berlin', termId: '2026-01-01', fields: ['colour'] }, /fields/],
  ])('refuses %j with a specific error before touching Scheduler', async (event, message) => {
    const failure = await handlerFor(contract())(event).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PeriodCloseChangeInputError);
    expect((failure as PeriodCloseChangeInputError).code).toBe('invalid_contract_change');
    expect((failure as Error).message).toMatch(message);
    expect(scheduler.calls()).toHaveLength(0);
  });

  it('reads its settings from the environment the stack sets, and the contract from DynamoDB', async () => {
    for (const [name, value] of Object.entries(ENV)) vi.stubEnv(name, value);
    vi.stubEnv('AWS_REGION', 'eu-central-1');
    ddb.on(GetItemCommand).resolves({ Item: { body: { S: JSON.stringify(contract({ termEnd: '2026-02-01' })) }, revision: { N: '1' } } });
    vi.resetModules();
    const module = await import('../../../../../lambdas/handlers/schedule-period-closes');
    const context = createLambdaContext({ functionName: 'schedule-period-closes', timeoutMs: 30_000, region: 'eu-central-1', accountId: '111111111111' });
    // The term's only close (January) is long past: nothing to schedule, nothing to delete.
    const response = await module.handler({ change: 'created', contractId: 'ctr-berlin' }, context);
    expect(response).toEqual({ contractId: 'ctr-berlin', change: 'created', scheduled: [], past: ['2026-01'], removed: [] });
    expect(ddb.commandCalls(GetItemCommand)[0]?.args[0].input.TableName).toBe('engine');
  });
});

describe('a close schedule left from an old billing setup', () => {
  it('is skipped with its reason when it fires, touching nothing else', async () => {
    const quarterly = contract({ billingPeriod: { cadence: 'quarterly' } });
    const touched = vi.fn();
    const trap = new Proxy({}, { get: (_target, property) => (touched(property), () => Promise.reject(new Error(`touched ${String(property)}`))) });
    const deps = { contracts: { getContract: async () => quarterly, getPlan: async () => undefined }, invoices: trap, gateway: trap, ledger: trap, events: trap } as unknown as ClosePeriodDeps;
    const close = createClosePeriodHandler(async () => deps);

    // A monthly schedule from before the switch to quarterly billing.
    const response = await close({ contractId: 'ctr-berlin', periodId: '2026-11' });
    expect(response).toEqual({
      outcome: 'skipped',
      code: 'period_not_in_schedule',
      contractId: 'ctr-berlin',
      periodId: '2026-11',
      message:
        "skipped: period 2026-11 is no longer in contract ctr-berlin's schedule (term 2026-01-01..2027-01-01, quarterly billing in Europe/Berlin); " +
        'the schedule was left from an earlier version of the contract',
    });
    // A period after a cancellation is skipped the same way.
    const cancelled = contract({ cancelledOn: '2026-10-15' });
    const afterCancel = await createClosePeriodHandler(async () => ({ ...deps, contracts: { getContract: async () => cancelled, getPlan: async () => undefined } }) as unknown as ClosePeriodDeps)({
      contractId: 'ctr-berlin',
      periodId: '2026-11',
    });
    expect(afterCancel).toMatchObject({ outcome: 'skipped', message: expect.stringContaining('cancelled from 2026-10-15') });
    expect(touched).not.toHaveBeenCalled();
  });

  it('stays scheduled when the contract changes, locally as in AWS, and is skipped when it fires', async () => {
    const { InMemoryPeriodCloseScheduler } = await import('../../../../../lib/local/in-memory-period-close-scheduler');
    const memory = new InMemoryPeriodCloseScheduler();
    let stored = contract();
    const deps: ReschedulePeriodClosesDeps = { scheduler: memory, contracts: { getContract: async () => stored }, clock: () => new Date('2026-10-20T12:00:00Z') };
    await reschedulePeriodCloses(deps, { change: 'created', contractId: 'ctr-berlin' });
    expect(memory.list().map((c) => c.periodId)).toEqual(['2026-10', '2026-11', '2026-12']);

    stored = contract({ billingPeriod: { cadence: 'quarterly' } });
    const result = await reschedulePeriodCloses(deps, { change: 'updated', contractId: 'ctr-berlin', termId: '2026-01-01', fields: ['billingPeriod'] });
    expect(memory.list().map((c) => c.periodId)).toEqual(['2026-10', '2026-11', '2026-12', '2026-Q4']);
    expect(result.removed).toEqual([]);
  });
});

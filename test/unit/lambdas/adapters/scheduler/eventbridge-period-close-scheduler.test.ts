import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  InternalServerException,
  ResourceNotFoundException,
  SchedulerClient,
  ServiceQuotaExceededException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EventBridgePeriodCloseScheduler,
  periodCloseScheduleDefinition,
} from '../../../../../lambdas/adapters/scheduler/eventbridge-period-close-scheduler';
import { ScheduleRejectedError, SchedulerUnavailableError } from '../../../../../lambdas/adapters/scheduler/scheduler-errors';
import { ClosePeriodRequestSchema, periodCloseFor } from '../../../../../lambdas/application/billing/schedule-period-closes';
import { ContractSchema } from '../../../../../lambdas/domain/plans/contract-schema';

const schedulerMock = mockClient(SchedulerClient);
afterEach(() => schedulerMock.reset());

const settings = {
  groupName: 'outcome-engine-period-closes',
  functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:close-period',
  roleArn: 'arn:aws:iam::123456789012:role/period-close-scheduler',
  deadLetterQueueArn: 'arn:aws:sqs:eu-west-1:123456789012:period-close-dlq',
};

function scheduler() {
  return new EventBridgePeriodCloseScheduler(new SchedulerClient({ region: 'eu-west-1' }), settings);
}

const contract = ContractSchema.parse({
  kind: 'contract',
  contractId: 'ctr-acme-2026',
  customerId: 'acme',
  plan: { code: 'support-automation', version: 1 },
  termStart: '2026-01-01',
  termEnd: '2027-01-01',
  billingPeriod: { cadence: 'monthly', anchorDay: 1 },
  timeZone: 'America/New_York',
  currency: 'USD',
});

// October 2026 in New York ends at local midnight on 1 November, still EDT
// (UTC-4); the clocks go back that night, so 24 h of grace ends at 23:00 EST.
const october = periodCloseFor(contract, '2026-10', 24);

// Each exception class wants its own option fields; the adapter only looks at the class and message.
function awsError<C extends new (input: never) => Error>(Type: C, message: string): InstanceType<C> {
  return new Type({ message, $metadata: {} } as never) as InstanceType<C>;
}

describe('periodCloseScheduleDefinition / scheduleClose', () => {
  it('creates a one-time schedule at the close instant in UTC, deleted after it fires, with DLQ, retries and role', async () => {
    schedulerMock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:eu-west-1:123456789012:schedule/x' });

    await expect(scheduler().scheduleClose(october)).resolves.toBe('created');

    const calls = schedulerMock.commandCalls(CreateScheduleCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      Name: october.scheduleName,
      GroupName: 'outcome-engine-period-closes',
      Description: 'Close period 2026-10 of contract ctr-acme-2026 at 2026-11-01T23:00:00-05:00 (America/New_York, 24 h grace)',
      ScheduleExpression: 'at(2026-11-02T04:00:00)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: settings.functionArn,
        RoleArn: settings.roleArn,
        Input: JSON.stringify({ contractId: 'ctr-acme-2026', periodId: '2026-10' }),
        DeadLetterConfig: { Arn: settings.deadLetterQueueArn },
        RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 10 },
      },
    });
  });

  it('writes a target input the close-period handler accepts', () => {
    const input = periodCloseScheduleDefinition(october, settings).Target?.Input ?? '';
    expect(ClosePeriodRequestSchema.parse(JSON.parse(input))).toEqual({ contractId: 'ctr-acme-2026', periodId: '2026-10' });
  });

  it('takes the retry policy from the settings when given', () => {
    const definition = periodCloseScheduleDefinition(october, { ...settings, maximumEventAgeInSeconds: 3_600, maximumRetryAttempts: 3 });
    expect(definition.Target?.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 3_600, MaximumRetryAttempts: 3 });
  });

  it('names the schedule after contract and period, so a second schedule of the same close collides', () => {
    const again = periodCloseFor(contract, '2026-10', 24);
    const november = periodCloseFor(contract, '2026-11', 24);
    expect(again.scheduleName).toBe(october.scheduleName);
    expect(november.scheduleName).not.toBe(october.scheduleName);
    expect(october.scheduleName).toMatch(/^[0-9A-Za-z_.-]{1,64}$/);
  });

  it('keeps an existing schedule of the same close: ConflictException is "unchanged"', async () => {
    schedulerMock.on(CreateScheduleCommand).rejects(awsError(ConflictException, `Schedule ${october.scheduleName} already exists.`));
    await expect(scheduler().scheduleClose(october)).resolves.toBe('unchanged');
  });

  it.each([
    ['ThrottlingException', () => awsError(ThrottlingException, 'Rate exceeded')],
    ['InternalServerException', () => awsError(InternalServerException, 'Internal error')],
    ['ServiceQuotaExceededException', () => awsError(ServiceQuotaExceededException, 'Too many schedules')],
    ['TimeoutError', () => Object.assign(new Error('socket timed out'), { name: 'TimeoutError' })],
  ])('turns %s into a retryable SchedulerUnavailableError that keeps the cause', async (_name, makeError) => {
    const cause = makeError();
    schedulerMock.on(CreateScheduleCommand).rejects(cause);
    const error = await scheduler()
      .scheduleClose(october)
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    expect(error).toBeInstanceOf(SchedulerUnavailableError);
    expect(error).toMatchObject({ name: 'SchedulerUnavailableError', code: 'scheduler_unavailable', retryable: true, scheduleName: october.scheduleName, cause });
  });

  it('turns ValidationException into a non-retryable ScheduleRejectedError with the service message', async () => {
    schedulerMock.on(CreateScheduleCommand).rejects(awsError(ValidationException, 'Invalid Schedule Expression at(2026-13-01T00:00:00)'));
    const error = await scheduler()
      .scheduleClose(october)
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    expect(error).toBeInstanceOf(ScheduleRejectedError);
    expect(error).toMatchObject({ code: 'schedule_rejected', retryable: false, scheduleName: october.scheduleName });
    expect((error as Error).message).toContain('Invalid Schedule Expression');
  });

  it('lets an unexpected error through unchanged rather than mislabelling it', async () => {
    const unexpected = new TypeError('not a scheduler problem');
    schedulerMock.on(CreateScheduleCommand).rejects(unexpected);
    await expect(scheduler().scheduleClose(october)).rejects.toBe(unexpected);
  });
});

describe('deleteClose', () => {
  it('deletes the schedule by name in the group', async () => {
    schedulerMock.on(DeleteScheduleCommand).resolves({});
    await expect(scheduler().deleteClose(october)).resolves.toBe('deleted');
    expect(schedulerMock.commandCalls(DeleteScheduleCommand).map((call) => call.args[0].input)).toEqual([
      { Name: october.scheduleName, GroupName: 'outcome-engine-period-closes' },
    ]);
  });

  it('reports a schedule that already fired or was removed as "absent"', async () => {
    schedulerMock.on(DeleteScheduleCommand).rejects(awsError(ResourceNotFoundException, 'Schedule not found'));
    await expect(scheduler().deleteClose(october)).resolves.toBe('absent');
  });

  it('turns throttling into SchedulerUnavailableError', async () => {
    schedulerMock.on(DeleteScheduleCommand).rejects(awsError(ThrottlingException, 'Rate exceeded'));
    await expect(scheduler().deleteClose(october)).rejects.toBeInstanceOf(SchedulerUnavailableError);
  });
});

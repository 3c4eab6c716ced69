import {
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { deleteOneTimeSchedule, oneTimeScheduleDefinition, translateSchedulerError } from '../../../../../lambdas/adapters/scheduler/one-time-schedule';
import { ScheduleRejectedError, SchedulerUnavailableError } from '../../../../../lambdas/adapters/scheduler/scheduler-errors';

const settings = { groupName: 'group', functionArn: 'arn:fn', roleArn: 'arn:role', deadLetterQueueArn: 'arn:dlq' };

describe('one-time schedules', () => {
  const scheduler = mockClient(SchedulerClient);
  beforeEach(() => scheduler.reset());

  it('fires once at the wall-clock time in its zone, deletes itself, retries a day and dead-letters', () => {
    const definition = oneTimeScheduleDefinition(
      { name: 's-1', description: 'x'.repeat(600), at: '2027-03-01T09:00:00', timeZone: 'Europe/Paris', input: { a: 1 } },
      { ...settings, maximumRetryAttempts: 3 },
    );
    expect(definition).toEqual({
      Name: 's-1',
      GroupName: 'group',
      Description: 'x'.repeat(512),
      ScheduleExpression: 'at(2027-03-01T09:00:00)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      State: 'ENABLED',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: 'arn:fn',
        RoleArn: 'arn:role',
        Input: '{"a":1}',
        DeadLetterConfig: { Arn: 'arn:dlq' },
        RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 3 },
      },
    });
  });

  it('deletes by name, and a schedule already gone is absent', async () => {
    scheduler.on(DeleteScheduleCommand, { Name: 'here' }).resolves({});
    scheduler.on(DeleteScheduleCommand, { Name: 'gone' }).rejects(new ResourceNotFoundException({ message: 'no', Message: 'no', $metadata: {} }));
    const client = new SchedulerClient({});
    expect(await deleteOneTimeSchedule(client, 'group', 'here')).toBe('deleted');
    expect(await deleteOneTimeSchedule(client, 'group', 'gone')).toBe('absent');
    expect(scheduler.commandCalls(DeleteScheduleCommand)[0]?.args[0].input).toEqual({ Name: 'here', GroupName: 'group' });
  });

  it('maps throttling to a retryable unavailability and a rejected definition to an internal error', async () => {
    const throttled = translateSchedulerError(new ThrottlingException({ message: 'slow down', Message: 'slow down', $metadata: {} }), 's-1');
    expect(throttled).toBeInstanceOf(SchedulerUnavailableError);
    expect((throttled as SchedulerUnavailableError).retryable).toBe(true);
    const rejected = translateSchedulerError(new ValidationException({ message: 'bad expression', Message: 'bad expression', $metadata: {} }), 's-1');
    expect(rejected).toBeInstanceOf(ScheduleRejectedError);
    expect(rejected.message).toContain('bad expression');
    const other = new Error('boom');
    expect(translateSchedulerError(other, 's-1')).toBe(other);
    scheduler.on(DeleteScheduleCommand).rejects(new ThrottlingException({ message: 'slow down', Message: 'slow down', $metadata: {} }));
    await expect(deleteOneTimeSchedule(new SchedulerClient({}), 'group', 's-1')).rejects.toBeInstanceOf(SchedulerUnavailableError);
  });
});

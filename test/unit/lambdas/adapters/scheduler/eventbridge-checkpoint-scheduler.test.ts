import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ThrottlingException,
  UpdateScheduleCommand,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBridgeCheckpointScheduler, checkpointScheduleDefinition } from '../../../../../lambdas/adapters/scheduler/eventbridge-checkpoint-scheduler';
import { ScheduleRejectedError, SchedulerUnavailableError } from '../../../../../lambdas/adapters/scheduler/scheduler-errors';
import { planRenewalCheckpoints } from '../../../../../lambdas/domain/risk';

const schedulerMock = mockClient(SchedulerClient);
afterEach(() => schedulerMock.reset());

const settings = {
  groupName: 'outcome-engine-renewal-checks',
  functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:check-renewal-risk',
  roleArn: 'arn:aws:iam::123456789012:role/renewal-check-scheduler',
  deadLetterQueueArn: 'arn:aws:sqs:eu-west-1:123456789012:renewal-check-dlq',
};

function scheduler() {
  return new EventBridgeCheckpointScheduler(new SchedulerClient({ region: 'eu-west-1' }), settings);
}

const plan = planRenewalCheckpoints({
  contractId: 'acme',
  termId: '2026',
  termEnd: '2027-01-01',
  timeZone: 'America/New_York',
  checkpointsDays: [60, 30],
  now: '2026-06-01T00:00:00Z',
});

const conflict = () => new ConflictException({ message: 'Schedule rr.acme.2026.60d already exists.', Message: 'Schedule rr.acme.2026.60d already exists.', $metadata: {} });
const notFound = () => new ResourceNotFoundException({ message: 'Schedule not found', Message: 'Schedule not found', $metadata: {} });

describe('upsertCheckpointSchedules', () => {
  it('creates one-time at() schedules in the contract zone, deleted after they fire', async () => {
    schedulerMock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:::schedule/x' });
    const results = await scheduler().upsertCheckpointSchedules(plan);
    expect(results).toEqual([
      { scheduleName: 'rr.acme.2026.60d', checkpointDays: 60, outcome: 'created' },
      { scheduleName: 'rr.acme.2026.30d', checkpointDays: 30, outcome: 'created' },
    ]);
    const calls = schedulerMock.commandCalls(CreateScheduleCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]?.args[0].input).toEqual({
      Name: 'rr.acme.2026.60d',
      GroupName: 'outcome-engine-renewal-checks',
      Description: 'Renewal-risk check 60 days before term end: contract acme, term 2026',
      ScheduleExpression: 'at(2026-11-02T09:00:00)',
      ScheduleExpressionTimezone: 'America/New_York',
      State: 'ENABLED',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: settings.functionArn,
        RoleArn: settings.roleArn,
        Input: JSON.stringify({
          schemaVersion: 1,
          contractId: 'acme',
          termId: '2026',
          checkpointDays: 60,
          scheduledFor: '2026-11-02T14:00:00.000Z',
          catchUp: false,
        }),
        DeadLetterConfig: { Arn: settings.deadLetterQueueArn },
        RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 10 },
      },
    });
    expect(calls[1]?.args[0].input).toMatchObject({ Name: 'rr.acme.2026.30d', ScheduleExpression: 'at(2026-12-02T09:00:00)' });
  });

  it('leaves an identical existing schedule alone (repeated runs are no-ops)', async () => {
    const first = plan.checkpoints[0]!;
    const existing = checkpointScheduleDefinition(plan, first, settings);
    schedulerMock.on(CreateScheduleCommand).rejects(conflict());
    // Stored JSON with another key order is still the same input.
    const input = JSON.parse(existing.Target!.Input!) as Record<string, unknown>;
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(input).reverse()));
    schedulerMock.on(GetScheduleCommand).resolves({ ...existing, Target: { ...existing.Target!, Input: reordered }, Arn: 'arn' });
    const results = await scheduler().upsertCheckpointSchedules({ ...plan, checkpoints: [first] });
    expect(results).toEqual([{ scheduleName: 'rr.acme.2026.60d', checkpointDays: 60, outcome: 'unchanged' }]);
    expect(schedulerMock.commandCalls(GetScheduleCommand)[0]?.args[0].input).toEqual({
      Name: 'rr.acme.2026.60d',
      GroupName: 'outcome-engine-renewal-checks',
    });
    expect(schedulerMock.commandCalls(UpdateScheduleCommand)).toHaveLength(0);
  });

  it('updates an existing schedule that differs (e.g. the term end moved)', async () => {
    const first = plan.checkpoints[0]!;
    const stale = checkpointScheduleDefinition(plan, first, settings);
    schedulerMock.on(CreateScheduleCommand).rejects(conflict());
    schedulerMock.on(GetScheduleCommand).resolves({ ...stale, ScheduleExpression: 'at(2026-10-02T09:00:00)' });
    schedulerMock.on(UpdateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    const results = await scheduler().upsertCheckpointSchedules({ ...plan, checkpoints: [first] });
    expect(results[0]?.outcome).toBe('updated');
    const update = schedulerMock.commandCalls(UpdateScheduleCommand)[0]?.args[0].input;
    expect(update).toEqual(checkpointScheduleDefinition(plan, first, settings));
  });

  it('creates again when the schedule fired and deleted itself between conflict and read', async () => {
    schedulerMock.on(CreateScheduleCommand).rejectsOnce(conflict()).resolves({ ScheduleArn: 'arn' });
    schedulerMock.on(GetScheduleCommand).rejects(notFound());
    const results = await scheduler().upsertCheckpointSchedules({ ...plan, checkpoints: [plan.checkpoints[0]!] });
    expect(results[0]?.outcome).toBe('created');
    expect(schedulerMock.commandCalls(CreateScheduleCommand)).toHaveLength(2);
  });

  it('converges when two runs plan the same term at once: one creates, the other finds it identical', async () => {
    const first = plan.checkpoints[0]!;
    const single = { ...plan, checkpoints: [first] };
    schedulerMock.on(CreateScheduleCommand).resolvesOnce({ ScheduleArn: 'arn' }).rejects(conflict());
    schedulerMock.on(GetScheduleCommand).resolves(checkpointScheduleDefinition(plan, first, settings));
    const [a, b] = await Promise.all([scheduler().upsertCheckpointSchedules(single), scheduler().upsertCheckpointSchedules(single)]);
    expect([a[0]?.outcome, b[0]?.outcome].sort()).toEqual(['created', 'unchanged']);
    expect(schedulerMock.commandCalls(UpdateScheduleCommand)).toHaveLength(0);
  });

  it('turns throttling into a retryable error and validation into a rejection', async () => {
    schedulerMock.on(CreateScheduleCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: {} }));
    const throttled = scheduler().upsertCheckpointSchedules(plan);
    await expect(throttled).rejects.toBeInstanceOf(SchedulerUnavailableError);
    await expect(throttled).rejects.toMatchObject({ retryable: true, scheduleName: 'rr.acme.2026.60d' });

    schedulerMock.reset();
    schedulerMock.on(CreateScheduleCommand).rejects(new ValidationException({ message: 'at() is in the past', Message: 'at() is in the past', $metadata: {} }));
    await expect(scheduler().upsertCheckpointSchedules(plan)).rejects.toBeInstanceOf(ScheduleRejectedError);
  });
});

describe('deleteCheckpointSchedules', () => {
  it('deletes every checkpoint of the term and ignores ones already gone', async () => {
    schedulerMock
      .on(DeleteScheduleCommand)
      .resolves({})
      .on(DeleteScheduleCommand, { Name: 'rr.acme.2026.120d' })
      .rejects(notFound());
    const results = await scheduler().deleteCheckpointSchedules({ contractId: 'acme', termId: '2026' });
    expect(results).toEqual([
      { scheduleName: 'rr.acme.2026.180d', outcome: 'deleted' },
      { scheduleName: 'rr.acme.2026.120d', outcome: 'absent' },
      { scheduleName: 'rr.acme.2026.90d', outcome: 'deleted' },
      { scheduleName: 'rr.acme.2026.60d', outcome: 'deleted' },
      { scheduleName: 'rr.acme.2026.30d', outcome: 'deleted' },
    ]);
    expect(schedulerMock.commandCalls(DeleteScheduleCommand).map((c) => c.args[0].input)).toEqual(
      ['180d', '120d', '90d', '60d', '30d'].map((suffix) => ({ Name: `rr.acme.2026.${suffix}`, GroupName: 'outcome-engine-renewal-checks' })),
    );
  });

  it('fails loudly on anything but not-found', async () => {
    schedulerMock.on(DeleteScheduleCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: {} }));
    await expect(scheduler().deleteCheckpointSchedules({ contractId: 'acme', termId: '2026' })).rejects.toBeInstanceOf(
      SchedulerUnavailableError,
    );
  });
});

describe('moveCheckpointSchedules', () => {
  it('creates the new term schedules first, then deletes the old term', async () => {
    schedulerMock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    schedulerMock.on(DeleteScheduleCommand).resolves({});
    const next = planRenewalCheckpoints({
      contractId: 'acme',
      termId: '2027',
      termEnd: '2028-01-01',
      timeZone: 'America/New_York',
      checkpointsDays: [60, 30],
      now: '2026-06-01T00:00:00Z',
    });
    const result = await scheduler().moveCheckpointSchedules({ contractId: 'acme', termId: '2026', checkpointsDays: [60, 30] }, next);
    expect(result.upserted.map((u) => u.scheduleName)).toEqual(['rr.acme.2027.60d', 'rr.acme.2027.30d']);
    expect(result.deleted.map((d) => d.scheduleName)).toEqual(['rr.acme.2026.60d', 'rr.acme.2026.30d']);
    const order = schedulerMock.calls().map((c) => c.args[0].constructor.name);
    expect(order).toEqual(['CreateScheduleCommand', 'CreateScheduleCommand', 'DeleteScheduleCommand', 'DeleteScheduleCommand']);
  });

  it('keeps the schedules the new plan reuses when the same term changes its end date', async () => {
    schedulerMock.on(CreateScheduleCommand).rejects(conflict());
    schedulerMock.on(GetScheduleCommand).resolves({ ScheduleExpression: 'at(2026-01-01T09:00:00)' });
    schedulerMock.on(UpdateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    schedulerMock.on(DeleteScheduleCommand).resolves({});
    // Term end moved earlier: the 60-day checkpoint is now in the past, only 30 remains.
    const moved = planRenewalCheckpoints({
      contractId: 'acme',
      termId: '2026',
      termEnd: '2026-07-15',
      timeZone: 'America/New_York',
      checkpointsDays: [60, 30],
      now: '2026-06-01T00:00:00Z',
      catchUp: { enabled: false },
    });
    const result = await scheduler().moveCheckpointSchedules({ contractId: 'acme', termId: '2026', checkpointsDays: [60, 30] }, moved);
    expect(result.upserted).toEqual([{ scheduleName: 'rr.acme.2026.30d', checkpointDays: 30, outcome: 'updated' }]);
    expect(result.deleted).toEqual([{ scheduleName: 'rr.acme.2026.60d', outcome: 'deleted' }]);
  });
});

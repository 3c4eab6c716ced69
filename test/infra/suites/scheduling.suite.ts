// EventBridge Scheduler: the schedule groups (stateful, retained), the roles
// Scheduler assumes (one function each), the scheduling functions' narrow
// rights over their own group, and the dead letters of both halves.
import { afterAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { SCHEDULE_ACTIONS } from '../../../lib/config/handler-settings';
import { PLAN_LOAD_METRICS } from '../../../lib/config/observability';
import { SCHEDULE_GROUPS, SCHEDULED_HANDLERS, scheduleGroupName } from '../../../lib/config/schedule-groups';
import { parseStageConfig } from '../../../lib/config/stage-config';
import type { FunctionName, ScheduledHandlerName } from '../../../lib/routing/routing-table';
import { synthEngine } from '../support/synth-engine';

const engine = synthEngine({ stage: 'sched' });
afterAll(() => engine.cleanUp());
const stateful = engine.statefulTemplate;
const stateless = engine.statelessTemplate;

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}
interface PolicyResource {
  Properties: { PolicyDocument: { Statement: Statement[] }; Roles: { Ref: string }[] };
}
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const pascal = (kebab: string): string => kebab.replace(/(^|-)([a-z0-9])/g, (_m, _d: string, c: string) => c.toUpperCase());

/** The one logical id starting with `prefix` among resources of `type`. */
function logicalId(template: typeof stateless, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids, `${type} ${prefix}`).toHaveLength(1);
  return ids[0] ?? '';
}

function statementsOfRole(rolePrefix: string): Statement[] {
  return (Object.values(stateless.findResources('AWS::IAM::Policy')) as PolicyResource[])
    .filter((policy) => policy.Properties.Roles.some((role) => role.Ref.startsWith(rolePrefix)))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

function allStatements(): { role: string; statement: Statement }[] {
  return [stateful, stateless].flatMap((template) =>
    (Object.values(template.findResources('AWS::IAM::Policy')) as PolicyResource[]).flatMap((policy) =>
      policy.Properties.PolicyDocument.Statement.map((statement) => ({
        role: policy.Properties.Roles.map((role) => role.Ref).join(','),
        statement,
      })),
    ),
  );
}

function environmentOf(handler: FunctionName): Record<string, unknown> {
  const id = logicalId(stateless, 'AWS::Lambda::Function', `${pascal(handler)}Function`);
  const fn = stateless.toJSON().Resources[id] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
  return fn.Properties.Environment.Variables;
}

/** The functions that create the one-time schedules of a group; a group with a recurring schedule of the stack's own has none. */
const SCHEDULERS: Partial<Record<ScheduledHandlerName, { scheduler: FunctionName; env: Record<string, string> }>> = {
  'close-period': {
    scheduler: 'schedule-period-closes',
    env: {
      group: 'CLOSE_SCHEDULE_GROUP_NAME',
      fn: 'CLOSE_FUNCTION_ARN',
      role: 'CLOSE_SCHEDULER_ROLE_ARN',
      dlq: 'CLOSE_SCHEDULER_DEAD_LETTER_ARN',
    },
  },
  'check-renewal-risk': {
    scheduler: 'schedule-renewal-checks',
    env: {
      group: 'SCHEDULE_GROUP_NAME',
      fn: 'CHECK_FUNCTION_ARN',
      role: 'SCHEDULER_ROLE_ARN',
      dlq: 'SCHEDULER_DEAD_LETTER_ARN',
    },
  },
};

const scheduleArn = (group: string) => ({
  'Fn::Join': [
    '',
    ['arn:', { Ref: 'AWS::Partition' }, ':scheduler:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:schedule/${group}/*`],
  ],
});

describe.each(SCHEDULED_HANDLERS.map((handler) => [handler, SCHEDULE_GROUPS[handler].id] as const))(
  'scheduling %s',
  (target, id) => {
    const groupName = `outcome-engine-sched-${SCHEDULE_GROUPS[target].nameSuffix}`;
    const schedulerSettings = SCHEDULERS[target];
    const { scheduler, env }: { scheduler: FunctionName; env: Record<string, string> } = schedulerSettings ?? { scheduler: target, env: {} };
    /** Only for groups whose schedules a scheduling function creates; the others get the check below instead. */
    const itScheduling = schedulerSettings ? it : (() => undefined) as unknown as typeof it;
    if (!schedulerSettings) {
      it(`lets no function manage schedules in ${groupName}: its one schedule is the stack's own`, () => {
        const grants = allStatements().filter(({ statement }) => JSON.stringify(statement.Resource ?? null).includes(`:schedule/${groupName}/`));
        expect(grants).toEqual([]);
        const schedules = Object.values(stateless.findResources('AWS::Scheduler::Schedule')).filter((schedule) =>
          JSON.stringify(schedule).includes(groupName),
        );
        expect(schedules).toHaveLength(1);
      });
    }
    const targetFunctionId = logicalId(stateless, 'AWS::Lambda::Function', `${pascal(target)}Function`);
    const schedulerRoleId = logicalId(stateless, 'AWS::IAM::Role', `${id}SchedulerRole`);

    it('has its schedule group in the stateful stack, named for the stage, retained on delete and replace', () => {
      expect(stateful.findResources('AWS::Scheduler::ScheduleGroup', { Properties: { Name: groupName } })).toEqual({
        [logicalId(stateful, 'AWS::Scheduler::ScheduleGroup', `${id}ScheduleGroup`)]: expect.objectContaining({
          DeletionPolicy: 'Retain',
          UpdateReplacePolicy: 'Retain',
        }),
      });
      stateless.resourceCountIs('AWS::Scheduler::ScheduleGroup', 0);
      stateful.hasOutput(`${id}ScheduleGroupName`, { Value: groupName });
    });

    it('keeps both dead-letter queues (Scheduler\'s and the function\'s) in the stateful stack, retained', () => {
      for (const kind of ['SchedulerDlq', 'FailureDlq']) {
        const queueId = logicalId(stateful, 'AWS::SQS::Queue', `${id}${kind}`);
        expect(stateful.toJSON().Resources[queueId]).toMatchObject({
          DeletionPolicy: 'Retain',
          Properties: { SqsManagedSseEnabled: true },
        });
      }
    });

    it('gives Scheduler a role only Scheduler, for this account and this group, may assume', () => {
      stateless.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [
            {
              Action: 'sts:AssumeRole',
              Effect: 'Allow',
              Principal: { Service: 'scheduler.amazonaws.com' },
              Condition: {
                StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
                ArnEquals: {
                  'aws:SourceArn': {
                    'Fn::Join': [
                      '',
                      ['arn:', { Ref: 'AWS::Partition' }, ':scheduler:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:schedule-group/${groupName}`],
                    ],
                  },
                },
              },
            },
          ],
        },
      });
      const role = stateless.toJSON().Resources[schedulerRoleId] as { Properties: Record<string, unknown> };
      expect(role.Properties).not.toHaveProperty('ManagedPolicyArns');
    });

    it('lets that role invoke only its function (no wildcard, no version) and send only to its Scheduler DLQ', () => {
      const statements = statementsOfRole(schedulerRoleId);
      expect(statements.map(({ Action, Resource }) => ({ Action, Resource }))).toEqual([
        { Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [targetFunctionId, 'Arn'] } },
        { Action: 'sqs:SendMessage', Resource: { 'Fn::ImportValue': expect.stringMatching(new RegExp(`${id}SchedulerDlq`)) } },
      ]);
      expect(JSON.stringify(statements)).not.toContain('*');
    });

    itScheduling(`lets ${scheduler} manage schedules in its group only`, () => {
      const statements = statementsOfRole(`${pascal(scheduler)}Role`).filter((statement) =>
        asArray(statement.Action).some((action) => action.startsWith('scheduler:')),
      );
      expect(statements).toEqual([
        { Effect: 'Allow', Action: [...SCHEDULE_ACTIONS], Resource: scheduleArn(groupName) },
      ]);
      expect(SCHEDULE_ACTIONS).toEqual([
        'scheduler:CreateSchedule',
        'scheduler:GetSchedule',
        'scheduler:UpdateSchedule',
        'scheduler:DeleteSchedule',
      ]);
    });

    itScheduling(`lets ${scheduler} pass exactly its Scheduler role, and only to Scheduler`, () => {
      const passRole = statementsOfRole(`${pascal(scheduler)}Role`).filter((statement) =>
        asArray(statement.Action).includes('iam:PassRole'),
      );
      expect(passRole).toEqual([
        {
          Effect: 'Allow',
          Action: 'iam:PassRole',
          Resource: { 'Fn::GetAtt': [schedulerRoleId, 'Arn'] },
          Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
        },
      ]);
    });

    itScheduling(`tells ${scheduler} its group, target, role and DLQ under the names its handler reads`, () => {
      expect(environmentOf(scheduler)).toMatchObject({
        ENGINE_TABLE_NAME: { 'Fn::ImportValue': expect.stringMatching(/EngineTable/) },
        [env.group as string]: groupName,
        [env.fn as string]: { 'Fn::GetAtt': [targetFunctionId, 'Arn'] },
        [env.role as string]: { 'Fn::GetAtt': [schedulerRoleId, 'Arn'] },
        [env.dlq as string]: { 'Fn::ImportValue': expect.stringMatching(new RegExp(`${id}SchedulerDlq`)) },
      });
    });

    it(`sends ${target} failures, after Lambda's async retries, to its failure DLQ`, () => {
      stateless.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: targetFunctionId },
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::ImportValue': Match.stringLikeRegexp(`${id}FailureDlq`) } } },
      });
    });

    it('alarms on both DLQs and on invocations Scheduler lost', () => {
      for (const kind of ['SchedulerDlq', 'FailureDlq']) {
        stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
          AlarmName: `outcome-engine-sched-${id}${kind}`,
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Threshold: 1,
        });
      }
      const lost = Object.values(
        stateless.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: `outcome-engine-sched-${id}SchedulesLost` } }),
      );
      expect(lost).toHaveLength(1);
      const text = JSON.stringify(lost[0]);
      for (const metric of ['InvocationDroppedCount', 'InvocationsFailedToBeSentToDeadLetterCount']) expect(text).toContain(metric);
      expect(text).toContain(`"ScheduleGroup"`);
      expect(text).toContain(groupName);
    });
  },
);

describe('scheduling: group names', () => {
  it('fit Scheduler\'s limits for the longest stage name a configuration may have', () => {
    const longest = parseStageConfig({ stage: 'a234567890123456789z' });
    for (const handler of SCHEDULED_HANDLERS) {
      const name = scheduleGroupName(longest, handler);
      expect(name.length).toBeLessThanOrEqual(64);
      expect(name).toMatch(/^[0-9a-zA-Z._-]+$/);
    }
  });
});

describe('scheduling: least privilege across the stacks', () => {
  it('grants Scheduler actions and iam:PassRole to the two scheduling functions alone', () => {
    const holders = allStatements()
      .filter(({ statement }) => asArray(statement.Action).some((action) => action.startsWith('scheduler:') || action === 'iam:PassRole'))
      .map(({ role }) => role.replace(/[0-9A-F]{8}$/, ''));
    expect([...new Set(holders)].sort()).toEqual(['SchedulePeriodClosesRole', 'ScheduleRenewalChecksRole']);
  });

  it('lets no role invoke a function except the Scheduler roles, each its own', () => {
    const invokers = allStatements().filter(({ statement }) => asArray(statement.Action).some((action) => action.startsWith('lambda:')));
    expect(invokers.map(({ role }) => role.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'PeriodClosesSchedulerRole',
      'RenewalChecksSchedulerRole',
      'UsageDropsSchedulerRole',
    ]);
  });

  it('graphs each schedule group on the dashboard', () => {
    const body = JSON.stringify(stateless.findResources('AWS::CloudWatch::Dashboard'));
    for (const handler of SCHEDULED_HANDLERS) {
      expect(body).toContain(`Schedules: ${SCHEDULE_GROUPS[handler].id}`);
      expect(body).toContain(`outcome-engine-sched-${SCHEDULE_GROUPS[handler].nameSuffix}`);
    }
    expect(body).toContain('InvocationsSentToDeadLetterCount');
  });

  it('graphs plans and contracts loaded and refused (the metrics load-plans emits)', () => {
    const body = JSON.stringify(stateless.findResources('AWS::CloudWatch::Dashboard'));
    expect(body).toContain('Plans and contracts loaded');
    for (const metric of Object.values(PLAN_LOAD_METRICS)) expect(body).toContain(metric.metricName);
  });
});

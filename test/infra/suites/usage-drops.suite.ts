// The daily usage-drop evaluation: a recurring EventBridge Scheduler schedule
// of the stack's own in the UsageDrops group (whose role, DLQs and alarms the
// scheduling suite checks like every group's), invoking evaluate-usage-drops.
import { afterAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { HANDLER_SETTINGS, TABLE_ACTIONS } from '../../../lib/config/handler-settings';
import { SCHEDULE_GROUPS } from '../../../lib/config/schedule-groups';
import { synthEngine } from '../support/synth-engine';

const engine = synthEngine({ stage: 'drops' });
afterAll(() => engine.cleanUp());
const template = engine.statelessTemplate;

interface Statement {
  Action: string | string[];
  Resource: unknown;
}
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

function idOf(type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids, prefix).toHaveLength(1);
  return ids[0] ?? '';
}

describe('usage drops: the daily schedule', () => {
  it('runs evaluate-usage-drops every day at 06:00 UTC through the group\'s role, with Scheduler\'s retries and DLQ', () => {
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule')) as { Properties: Record<string, unknown> }[];
    expect(schedules.map((schedule) => schedule.Properties)).toEqual([
      {
        // The group's fixed name (schedule-groups.ts); the group itself is the stateful stack's.
        GroupName: 'outcome-engine-drops-usage-drops',
        Description: SCHEDULE_GROUPS['evaluate-usage-drops'].recurring?.description,
        ScheduleExpression: 'cron(0 6 * * ? *)',
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: { 'Fn::GetAtt': [idOf('AWS::Lambda::Function', 'EvaluateUsageDropsFunction'), 'Arn'] },
          RoleArn: { 'Fn::GetAtt': [idOf('AWS::IAM::Role', 'UsageDropsSchedulerRole'), 'Arn'] },
          Input: '{"source":"schedule"}',
          DeadLetterConfig: { Arn: { 'Fn::ImportValue': expect.stringMatching(/UsageDropsSchedulerDlq/) } },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
        },
      },
    ]);
  });

  it('gives the function the rollups\' settle lag, and lets it read the ledger, keep markers in the engine table and publish', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: HANDLER_SETTINGS['evaluate-usage-drops'].description,
      Environment: { Variables: Match.objectLike({ USAGE_ROLLUP_SETTLE_MINUTES: '15' }) },
    });
    const statements = (
      Object.values(
        template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^EvaluateUsageDropsRole') }] } }),
      ) as { Properties: { PolicyDocument: { Statement: Statement[] } } }[]
    ).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    const on = (table: string) =>
      new Set(statements.filter((statement) => JSON.stringify(statement.Resource).includes(table)).flatMap((statement) => asArray(statement.Action)));
    expect(on('LedgerTable')).toEqual(new Set(TABLE_ACTIONS.read));
    expect(on('EngineTable')).toEqual(new Set(TABLE_ACTIONS['read-write']));
    const actions = statements.flatMap((statement) => asArray(statement.Action));
    expect(actions).toContain('events:PutEvents');
    expect(actions.filter((action) => /^(secretsmanager|scheduler|lambda):/.test(action))).toEqual([]);
    // SQS only for the on-failure destination of Lambda's async retries.
    for (const statement of statements.filter((candidate) => asArray(candidate.Action).some((action) => action.startsWith('sqs:')))) {
      expect(JSON.stringify(statement.Resource)).toMatch(/UsageDropsFailureDlq/);
    }
  });
});

// Routes that target a function directly (no queue): the engine's own
// 'Contract Changed' events to the two scheduling functions.
import { afterAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { OUTBOUND_DETAIL_TYPES, ENGINE_EVENT_SOURCE } from '../../../lambdas/domain/events/detail-types';
import { nagPacks } from '../../../lib/stacks/engine-app';
import { ROUTES, type Route } from '../../../lib/routing/routing-table';
import { synthEngine } from '../support/synth-engine';

const engine = synthEngine({ stage: 'fnroute' });
afterAll(() => engine.cleanUp());

const functionRoutes = ROUTES.filter((route) => route.target.kind === 'function');
const pascal = (kebab: string): string => kebab.replace(/(^|-)([a-z0-9])/g, (_m, _d: string, c: string) => c.toUpperCase());

describe('function routes', () => {
  it('are the two scheduling routes on the engine\'s own contract changes', () => {
    expect(functionRoutes.map((route) => [route.id, route.target.handler]).sort()).toEqual([
      ['PeriodCloseSchedules', 'schedule-period-closes'],
      ['RenewalCheckSchedules', 'schedule-renewal-checks'],
    ]);
  });

  it('keep their rules with their functions, not in the stateful stack', () => {
    const statefulRules = JSON.stringify(engine.statefulTemplate.findResources('AWS::Events::Rule'));
    expect(statefulRules).not.toContain(OUTBOUND_DETAIL_TYPES.contractChanged);
  });

  it.each(functionRoutes.map((route) => [route.id, route] as const))(
    '%s: delivers with retries and a DLQ, and sends function failures to an on-failure queue',
    (routeId, route: Route) => {
      const fnPrefix = `^${pascal(route.target.handler)}Function`;
      engine.statelessTemplate.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: { source: [ENGINE_EVENT_SOURCE], 'detail-type': [OUTBOUND_DETAIL_TYPES.contractChanged] },
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp(fnPrefix), 'Arn'] },
            DeadLetterConfig: { Arn: { 'Fn::ImportValue': Match.stringLikeRegexp(`${routeId}DeliveryDlq`) } },
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
          }),
        ],
      });
      engine.statelessTemplate.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp(fnPrefix), 'Arn'] },
      });
      engine.statelessTemplate.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: Match.stringLikeRegexp(fnPrefix) },
        DestinationConfig: {
          OnFailure: { Destination: { 'Fn::ImportValue': Match.stringLikeRegexp(`${routeId}FailureDlq`) } },
        },
      });
    },
  );

  it('let rules on the engine bus, and nothing else, write to the delivery DLQs', () => {
    const policies = Object.values(engine.statefulTemplate.findResources('AWS::SQS::QueuePolicy', {
      Properties: {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Action: 'sqs:SendMessage',
              Principal: { Service: 'events.amazonaws.com' },
              Condition: { ArnLike: { 'aws:SourceArn': Match.anyValue() } },
            }),
          ]),
        },
      },
    }));
    expect(policies).toHaveLength(functionRoutes.length);
    const text = JSON.stringify(policies);
    expect(text).toContain(':rule/');
    expect(text).not.toContain('Fn::ImportValue');
  });

  it('alarm on both dead-letter queues of each route', () => {
    for (const route of functionRoutes) {
      for (const kind of ['DeliveryDlq', 'FailureDlq']) {
        engine.statelessTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
          AlarmName: `outcome-engine-fnroute-${route.id}${kind}`,
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::ImportValue': Match.stringLikeRegexp(`${route.id}${kind}`) } }],
        });
      }
    }
  });

  it('pass cdk-nag as well', () => {
    for (const pack of nagPacks(engine.app)) {
      expect(pack.validateScope(engine.app).violations.map((violation) => violation.ruleName)).toEqual([]);
    }
  });
});

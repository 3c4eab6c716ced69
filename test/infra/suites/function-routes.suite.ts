// Routes that target a function directly (no queue) are not in the routing
// table yet; these tests wire one in to prove the stacks are ready for them.
import { afterAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { nagPacks } from '../../../lib/stacks/engine-app';
import type { Route } from '../../../lib/routing/routing-table';
import { synthEngine } from '../support/synth-engine';

const contractsRoute: Route = {
  id: 'Contracts',
  description: 'Contract events, handled as they arrive',
  eventPattern: { source: [{ prefix: 'com.acme.' }], 'detail-type': ['Contract Signed'] },
  target: { kind: 'function', handler: 'ingest-outcomes' },
};

// Without alert routes, so every queue, rule and alarm counted below is the route's.
const engine = synthEngine({ stage: 'fnroute' }, { routes: [contractsRoute], alerts: [] });
afterAll(() => engine.cleanUp());

describe('function routes', () => {
  it('keep the dead-letter queues in the stateful stack and the rule with its function', () => {
    engine.statefulTemplate.resourceCountIs('AWS::SQS::Queue', 2);
    engine.statefulTemplate.resourceCountIs('AWS::Events::Rule', 0);
    engine.statelessTemplate.resourceCountIs('AWS::Events::Rule', 1);
    engine.statelessTemplate.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
  });

  it('deliver with retries and a DLQ, and send function failures to an on-failure queue', () => {
    engine.statelessTemplate.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: [{ prefix: 'com.acme.' }], 'detail-type': ['Contract Signed'] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^IngestOutcomesFunction'), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::ImportValue': Match.stringLikeRegexp('ContractsDeliveryDlq') } },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
        }),
      ],
    });
    engine.statelessTemplate.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
    });
    engine.statelessTemplate.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::ImportValue': Match.stringLikeRegexp('ContractsFailureDlq') } },
      },
    });
  });

  it('let rules on the engine bus, and nothing else, write to the delivery DLQ', () => {
    engine.statefulTemplate.hasResourceProperties('AWS::SQS::QueuePolicy', {
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
    });
    const policies = JSON.stringify(engine.statefulTemplate.findResources('AWS::SQS::QueuePolicy'));
    expect(policies).toContain(':rule/');
    expect(policies).not.toContain('Fn::ImportValue');
  });

  it('alarm on both dead-letter queues', () => {
    const alarms = engine.statelessTemplate.findResources('AWS::CloudWatch::Alarm', {
      Properties: { MetricName: 'ApproximateNumberOfMessagesVisible' },
    });
    expect(Object.keys(alarms)).toHaveLength(2);
  });

  it('pass cdk-nag as well', () => {
    for (const pack of nagPacks(engine.app)) {
      expect(pack.validateScope(engine.app).violations.map((violation) => violation.ruleName)).toEqual([]);
    }
  });
});

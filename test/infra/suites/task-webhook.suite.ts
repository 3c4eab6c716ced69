// The CSM task webhook exists only when the stage configures it, and then
// delivers the engine's own task events with an API key, a rate limit,
// retries, a dead-letter queue and an alarm.
import { afterAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { ENGINE_EVENT_SOURCE, OUTBOUND_DETAIL_TYPES } from '../../../lambdas/domain/events/detail-types';
import { TASK_WEBHOOK_PATTERN } from '../../../lib/constructs/task-webhook';
import { synthEngine } from '../support/synth-engine';

const withWebhook = synthEngine({
  stage: 'hook',
  taskWebhook: {
    url: 'https://hooks.example.com/csm-tasks',
    secretName: 'csm/task-webhook-key',
    headerName: 'X-Hook-Token',
    rateLimitPerSecond: 5,
  },
});
const without = synthEngine({ stage: 'nohook' });
afterAll(() => {
  withWebhook.cleanUp();
  without.cleanUp();
});

describe('task webhook: absent configuration', () => {
  it('creates no connection, API destination, rule or DLQ', () => {
    without.statelessTemplate.resourceCountIs('AWS::Events::Connection', 0);
    without.statelessTemplate.resourceCountIs('AWS::Events::ApiDestination', 0);
    expect(JSON.stringify(without.statelessTemplate.findResources('AWS::Events::Rule'))).not.toContain(
      OUTBOUND_DETAIL_TYPES.renewalRiskTaskCreated,
    );
    expect(Object.keys(without.statefulTemplate.findResources('AWS::SQS::Queue')).filter((id) => id.startsWith('TaskWebhook'))).toEqual([]);
    expect(JSON.stringify(without.statelessTemplate.findResources('AWS::CloudWatch::Alarm'))).not.toContain('TaskWebhook');
  });
});

describe('task webhook: configured', () => {
  const template = withWebhook.statelessTemplate;

  it('authenticates with the API key header from the named Secrets Manager secret', () => {
    template.resourceCountIs('AWS::Events::Connection', 1);
    template.hasResourceProperties('AWS::Events::Connection', {
      AuthorizationType: 'API_KEY',
      AuthParameters: {
        ApiKeyAuthParameters: {
          ApiKeyName: 'X-Hook-Token',
          ApiKeyValue: '{{resolve:secretsmanager:csm/task-webhook-key:SecretString:::}}',
        },
      },
    });
  });

  it('posts to the configured URL at no more than the configured rate', () => {
    template.resourceCountIs('AWS::Events::ApiDestination', 1);
    template.hasResourceProperties('AWS::Events::ApiDestination', {
      ConnectionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TaskWebhookConnection'), 'Arn'] },
      InvocationEndpoint: 'https://hooks.example.com/csm-tasks',
      HttpMethod: 'POST',
      InvocationRateLimitPerSecond: 5,
    });
  });

  it('routes only the engine\'s own task created / escalated / resolved events, with retries and a DLQ', () => {
    expect(TASK_WEBHOOK_PATTERN).toEqual({
      source: [ENGINE_EVENT_SOURCE],
      'detail-type': ['Renewal Risk Task Created', 'Renewal Risk Escalated', 'Renewal Risk Resolved', 'Renewal Risk Task Reassigned'],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { 'Fn::ImportValue': Match.stringLikeRegexp('EventBus') },
      EventPattern: {
        source: [ENGINE_EVENT_SOURCE],
        'detail-type': [
          OUTBOUND_DETAIL_TYPES.renewalRiskTaskCreated,
          OUTBOUND_DETAIL_TYPES.renewalRiskEscalated,
          OUTBOUND_DETAIL_TYPES.renewalRiskResolved,
          OUTBOUND_DETAIL_TYPES.renewalRiskTaskReassigned,
        ],
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TaskWebhookDestination'), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::ImportValue': Match.stringLikeRegexp('TaskWebhookDeliveryDlq') } },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
        }),
      ],
    });
  });

  it('lets the rule\'s role invoke that API destination only', () => {
    const statements = (
      Object.values(template.findResources('AWS::IAM::Policy')) as { Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } } }[]
    )
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
      .filter((statement) => JSON.stringify(statement.Action).includes('events:InvokeApiDestination'));
    expect(statements).toEqual([
      expect.objectContaining({
        Action: 'events:InvokeApiDestination',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^TaskWebhookDestination/), 'Arn'] },
      }),
    ]);
  });

  it('keeps the DLQ in the stateful stack, writable only by rules on the engine bus', () => {
    const queueIds = Object.keys(withWebhook.statefulTemplate.findResources('AWS::SQS::Queue')).filter((id) =>
      id.startsWith('TaskWebhookDeliveryDlq'),
    );
    expect(queueIds).toHaveLength(1);
    withWebhook.statefulTemplate.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueIds[0] }],
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
  });

  it('publishes the connection name (the key is updated there after a rotation)', () => {
    template.hasOutput('TaskWebhookConnectionName', { Value: { Ref: Match.stringLikeRegexp('^TaskWebhookConnection') } });
  });

  it('alarms on any undelivered task event', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'outcome-engine-hook-TaskWebhookDeliveryDlq',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::ImportValue': Match.stringLikeRegexp('TaskWebhookDeliveryDlq') } }],
    });
  });
});

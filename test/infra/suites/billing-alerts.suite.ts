import { afterAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { BILLING_DETAIL_TYPES } from '../../../lambdas/application/billing/ports';
import { ENGINE_EVENT_SOURCE } from '../../../lambdas/domain/events/detail-types';
import { matchesEventPattern } from '../../../lib/local/event-pattern';
import { ALERT_ROUTES } from '../../../lib/routing/routing-table';
import { synthEngine } from '../support/synth-engine';

const engine = synthEngine({ stage: 'alerts' });
afterAll(() => engine.cleanUp());

const reconciliation = ALERT_ROUTES.find((alert) => alert.id === 'ReconciliationFailures');

function ruleTargets(): Record<string, unknown>[] {
  const rules = Object.values(
    engine.statefulTemplate.findResources('AWS::Events::Rule', {
      Properties: { EventPattern: { 'detail-type': [BILLING_DETAIL_TYPES.invoiceReconciliationFailed] } },
    }),
  ) as { Properties: { Targets: Record<string, unknown>[] } }[];
  expect(rules).toHaveLength(1);
  return rules[0]?.Properties.Targets ?? [];
}

describe('reconciliation failures: route', () => {
  it('matches the event the close publishes, and nothing a producer could send', () => {
    expect(reconciliation).toBeDefined();
    const pattern = reconciliation?.eventPattern ?? {};
    const published = { source: ENGINE_EVENT_SOURCE, 'detail-type': BILLING_DETAIL_TYPES.invoiceReconciliationFailed, detail: {} };
    expect(matchesEventPattern(pattern, published)).toBe(true);
    expect(matchesEventPattern(pattern, { ...published, source: 'com.acme.tickets' })).toBe(false);
    expect(matchesEventPattern(pattern, { ...published, 'detail-type': BILLING_DETAIL_TYPES.invoiceIssued })).toBe(false);
  });

  it('is a rule on the engine bus in the stateful stack, into the alert queue, with retries and a delivery DLQ', () => {
    engine.statefulTemplate.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: Match.stringLikeRegexp('^EventBus') },
      EventPattern: { source: [ENGINE_EVENT_SOURCE], 'detail-type': [BILLING_DETAIL_TYPES.invoiceReconciliationFailed] },
    });
    expect(ruleTargets()).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [expect.stringMatching(/^ReconciliationFailuresQueue/), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^ReconciliationFailuresDeliveryDlq/), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
      }),
    ]);
  });

  it('keeps alerts in an encrypted, TLS-only, retained queue that only the rule may write to', () => {
    const queues = engine.statefulTemplate.findResources('AWS::SQS::Queue');
    const alertQueue = Object.entries(queues).find(([id]) => /^ReconciliationFailuresQueue/.test(id))?.[1];
    expect(alertQueue).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 },
    });
    expect((alertQueue as { Properties: Record<string, unknown> }).Properties).not.toHaveProperty('RedrivePolicy');
    engine.statefulTemplate.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: Match.stringLikeRegexp('^ReconciliationFailuresQueue') }],
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReconciliationFailuresRule'), 'Arn'] } } },
          }),
        ],
      },
    });
  });
});

describe('reconciliation failures: alarm and dashboard', () => {
  it('alarms from the first unhandled failure until the last is dealt with', () => {
    engine.statelessTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'outcome-engine-alerts-ReconciliationFailures',
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::ImportValue': Match.stringLikeRegexp('ReconciliationFailuresQueue') } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmsTopic') }],
      OKActions: [{ Ref: Match.stringLikeRegexp('^AlarmsTopic') }],
    });
  });

  it('alarms on the rule\'s delivery DLQ too', () => {
    engine.statelessTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'outcome-engine-alerts-ReconciliationFailuresDeliveryDlq',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::ImportValue': Match.stringLikeRegexp('ReconciliationFailuresDeliveryDlq') } }],
    });
  });

  it('graphs new and unhandled failures and the webhook responses on the dashboard', () => {
    const dashboard = Object.values(engine.statelessTemplate.findResources('AWS::CloudWatch::Dashboard'))[0];
    const body = JSON.stringify(dashboard);
    expect(body).toContain('Billing alerts: new (per 5 minutes) and unhandled');
    expect(body).toContain('ReconciliationFailures new');
    expect(body).toContain('ReconciliationFailures unhandled');
    expect(body).toContain('Webhook responses (per minute)');
    for (const metric of ['UrlRequestCount', 'Url4xxCount', 'Url5xxCount']) expect(body).toContain(metric);
    // The alarm status widget lists the alarm.
    expect(body).toMatch(/"AlarmsReconciliationFailures[0-9A-F]{8}","Arn"/);
  });
});

describe('credit note failures: route and alarm', () => {
  const creditNotes = ALERT_ROUTES.find((alert) => alert.id === 'CreditNoteFailures');

  it('matches refused and mismatched credit notes the engine publishes, and nothing a producer could send', () => {
    const pattern = creditNotes?.eventPattern ?? {};
    for (const detailType of [BILLING_DETAIL_TYPES.creditNoteFailed, BILLING_DETAIL_TYPES.creditNoteReconciliationFailed]) {
      const published = { source: ENGINE_EVENT_SOURCE, 'detail-type': detailType, detail: {} };
      expect(matchesEventPattern(pattern, published)).toBe(true);
      expect(matchesEventPattern(pattern, { ...published, source: 'com.acme.tickets' })).toBe(false);
    }
    expect(matchesEventPattern(pattern, { source: ENGINE_EVENT_SOURCE, 'detail-type': BILLING_DETAIL_TYPES.creditNoteIssued, detail: {} })).toBe(false);
  });

  it('keeps them in an alert queue that alarms from the first one', () => {
    engine.statelessTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'outcome-engine-alerts-CreditNoteFailures',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::ImportValue': Match.stringLikeRegexp('CreditNoteFailuresQueue') } }],
      Threshold: 1,
    });
  });
});

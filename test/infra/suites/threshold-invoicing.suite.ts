// Threshold invoicing in AWS: the ledger stream's function announces
// 'Threshold Invoicing Requested'; the ThresholdInvoicing route queues it for
// invoice-spend-thresholds, with a delivery DLQ, a processing DLQ and alarms.
import { afterAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { BILLING_DETAIL_TYPES } from '../../../lambdas/application/billing/ports';
import { ENGINE_EVENT_SOURCE } from '../../../lambdas/domain/events/detail-types';
import { HANDLER_SETTINGS, THRESHOLD_INVOICING_MAX_CONCURRENCY, THRESHOLD_INVOICING_STRIPE_RATE_PER_SECOND } from '../../../lib/config/handler-settings';
import { synthEngine } from '../support/synth-engine';

const engine = synthEngine({ stage: 'thresholds', stripeSecretName: 'payments/stripe-keys' });
afterAll(() => engine.cleanUp());
const settings = HANDLER_SETTINGS['invoice-spend-thresholds'];

interface Statement {
  Action: string | string[];
  Resource: unknown;
}
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

function roleStatements(rolePrefix: string): Statement[] {
  return (
    Object.values(
      engine.statelessTemplate.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp(`^${rolePrefix}`) }] } }),
    ) as { Properties: { PolicyDocument: { Statement: Statement[] } } }[]
  ).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

describe('threshold invoicing: route and queue', () => {
  it('queues only the engine\'s own requests, with a delivery DLQ', () => {
    engine.statefulTemplate.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: [ENGINE_EVENT_SOURCE], 'detail-type': [BILLING_DETAIL_TYPES.thresholdInvoicingRequested] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ThresholdInvoicingQueue'), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ThresholdInvoicingDeliveryDlq'), 'Arn'] } },
        }),
      ],
    });
  });

  it('moves a request that failed 5 times to its dead-letter queue, with the visibility six times the function timeout', () => {
    engine.statefulTemplate.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 6 * settings.timeoutSeconds,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ThresholdInvoicingQueueDlqQueue'), 'Arn'] }, maxReceiveCount: 5 },
    });
  });

  it('is drained by invoice-spend-thresholds in batches, at most two at once, with partial batch responses', () => {
    engine.statelessTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: Match.stringLikeRegexp('^InvoiceSpendThresholdsFunction') },
      BatchSize: 50,
      MaximumBatchingWindowInSeconds: 20,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: THRESHOLD_INVOICING_MAX_CONCURRENCY },
    });
  });

  it('alarms on both dead-letter queues and on the age of the oldest request', () => {
    const alarms = Object.keys(engine.statelessTemplate.findResources('AWS::CloudWatch::Alarm')).filter((id) => id.includes('ThresholdInvoicing'));
    expect(alarms.map((id) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(
      ['AlarmsThresholdInvoicingDeliveryDlq', 'AlarmsThresholdInvoicingDlq', 'AlarmsThresholdInvoicingQueueAge'].sort(),
    );
  });
});

describe('threshold invoicing: functions', () => {
  it('bills through Stripe at its own bounded rate, reading usage through the rollups as the close does', () => {
    engine.statelessTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Description: settings.description,
      Timeout: settings.timeoutSeconds,
      Environment: {
        Variables: Match.objectLike({
          STRIPE_RATE_PER_SECOND: String(THRESHOLD_INVOICING_STRIPE_RATE_PER_SECOND),
          STRIPE_SECRET_ARN: 'payments/stripe-keys',
          USAGE_ROLLUP_SETTLE_MINUTES: '15',
        }),
      },
    });
  });

  it('may read the ledger, read and write the engine table, publish, and read the Stripe secret; the stream function never reads it', () => {
    const actions = roleStatements('InvoiceSpendThresholdsRole').flatMap((statement) => asArray(statement.Action));
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:PutItem', 'events:PutEvents', 'secretsmanager:GetSecretValue']));
    const streamActions = roleStatements('ApplyLedgerChangesRole').flatMap((statement) => asArray(statement.Action));
    expect(streamActions).toContain('events:PutEvents');
    expect(streamActions).not.toContain('secretsmanager:GetSecretValue');
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { HANDLER_SETTINGS } from '../../../lib/config/handler-settings';
import type { CfnElement } from 'aws-cdk-lib';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  BILLING_METRICS,
  CORRECTION_METRICS,
  LEDGER_METRICS,
  PAYMENT_SIGNAL_METRICS,
  RISK_METRICS,
  SCHEDULE_METRICS,
} from '../../../lib/config/observability';
import { DeadLetterQueue } from '../../../lib/constructs/engine-queue';
import { INGEST_FAILURES_ALARM } from '../../../lib/stacks/stateless-stack';
import { SCHEDULED_HANDLERS } from '../../../lib/config/schedule-groups';
import { ALERT_ROUTES, ROUTES } from '../../../lib/routing/routing-table';
import { CONSOLE_LAMBDA_FUNCTION_COUNT } from '../../../lib/constructs/console-hosting';
import { synthEngine } from '../support/synth-engine';

const engine = synthEngine({ alarms: { email: 'billing-ops@example.com' }, logRetentionDays: 90 });
const template = engine.statelessTemplate;
afterAll(() => engine.cleanUp());

const handlerCount = Object.keys(HANDLER_SETTINGS).length;
/** The console's own functions (API, key rotation), alarmed like the handlers. */
const consoleFunctionCount = CONSOLE_LAMBDA_FUNCTION_COUNT - 1;
const functionRouteCount = ROUTES.filter((route) => route.target.kind === 'function').length;
const queueRouteCount = ROUTES.length - functionRouteCount;
const scheduleGroupCount = SCHEDULED_HANDLERS.length;
const throttledByDesignCount = Object.values(HANDLER_SETTINGS).filter((settings) => settings.throttledByDesign !== undefined).length;

describe('stateless stack: resources', () => {
  it('holds functions and monitoring, and no data', () => {
    template.resourceCountIs('AWS::Lambda::Function', handlerCount + CONSOLE_LAMBDA_FUNCTION_COUNT);
    // Plus the console API's access logs and the asset deployment's logs.
    template.resourceCountIs('AWS::Logs::LogGroup', handlerCount + CONSOLE_LAMBDA_FUNCTION_COUNT - 1 + 2);
    // One per queue route, and the ledger stream into the usage rollups.
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', queueRouteCount + 1);
    // The Stripe webhook (public) and the caps check (IAM auth).
    template.resourceCountIs('AWS::Lambda::Url', 2);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::SNS::Subscription', 1);
    for (const type of ['AWS::DynamoDB::Table', 'AWS::SQS::Queue', 'AWS::Events::EventBus', 'AWS::Events::Archive']) {
      template.resourceCountIs(type, 0);
    }
  });

  it('depends on the stateful stack, never the other way round', () => {
    expect(engine.stateless.dependencies).toContain(engine.stateful);
    expect(engine.stateful.dependencies).not.toContain(engine.stateless);
  });
});

describe('stateless stack: ingest function', () => {
  const settings = HANDLER_SETTINGS['ingest-outcomes'];

  it('runs Node 22 on arm64 with active tracing and its configured size', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: settings.description,
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      MemorySize: settings.memorySizeMb,
      Timeout: settings.timeoutSeconds,
      Handler: 'index.handler',
    });
  });

  it('gets table names, bus, backdating window and Powertools settings through its environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          LEDGER_TABLE_NAME: { 'Fn::ImportValue': Match.stringLikeRegexp('LedgerTable') },
          ENGINE_TABLE_NAME: { 'Fn::ImportValue': Match.stringLikeRegexp('EngineTable') },
          EVENT_BUS_NAME: { 'Fn::ImportValue': Match.stringLikeRegexp('EventBus') },
          BACKDATING_WINDOW_DAYS: '35',
          POWERTOOLS_SERVICE_NAME: 'outcome-engine',
          POWERTOOLS_METRICS_NAMESPACE: 'OutcomeEngine/test',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          POWERTOOLS_LOGGER_LOG_EVENT: 'false',
          POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
  });

  it('logs to its own log group with the configured retention', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^IngestOutcomesLogGroup') } },
    });
  });

  it('drains the ingest queue in batches with partial batch failure reporting and bounded concurrency', () => {
    const queue = settings.queue;
    expect(queue).toBeDefined();
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp('OutcomesQueue') },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: queue?.batchSize,
      MaximumBatchingWindowInSeconds: queue?.maxBatchingWindowSeconds,
      ScalingConfig: { MaximumConcurrency: 50 },
    });
  });

  it('takes the queue concurrency bound from the stage configuration', () => {
    const tuned = synthEngine({ stage: 'tuned', ingest: { maxConcurrency: 7 } });
    try {
      tuned.statelessTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        ScalingConfig: { MaximumConcurrency: 7 },
      });
    } finally {
      tuned.cleanUp();
    }
  });

  it('uses its own role without AWS managed policies', () => {
    const roles = Object.values(template.findResources('AWS::IAM::Role')) as { Properties: Record<string, unknown> }[];
    expect(roles.length).toBeGreaterThan(0);
    for (const role of roles) expect(role.Properties).not.toHaveProperty('ManagedPolicyArns');
  });
});

describe('stateless stack: alarms', () => {
  function alarmsOn(metricName: string): Record<string, unknown>[] {
    return Object.values(
      template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: metricName } }),
    ) as Record<string, unknown>[];
  }

  it('alarms on any message in each dead-letter queue and alert queue: one alarm per queue, matched by name', () => {
    const outputs = engine.statefulTemplate.toJSON().Outputs as Record<string, { Value: unknown; Export?: { Name: string } }>;
    /** The export the stateless stack imports a queue's name through, if any alarm (or anything) uses it. */
    const nameExportOf = (queue: sqs.IQueue): string | undefined => {
      const logicalId = engine.stateful.getLogicalId(queue.node.defaultChild as CfnElement);
      const output = Object.values(outputs).find(
        (candidate) => JSON.stringify(candidate.Value) === JSON.stringify({ 'Fn::GetAtt': [logicalId, 'QueueName'] }),
      );
      return output?.Export?.Name;
    };
    // Every dead-letter queue the stateful stack holds (work-queue DLQs,
    // delivery DLQs, failure DLQs, Scheduler DLQs) and every alert queue.
    const watched = [
      ...engine.stateful.node.findAll().filter((construct): construct is DeadLetterQueue => construct instanceof DeadLetterQueue),
      ...engine.stateful.alerts.map((alert) => ({ node: alert.queue.node, queue: alert.queue })),
    ];
    expect(watched.length).toBeGreaterThanOrEqual(4 + 2 * functionRouteCount + 2 * scheduleGroupCount);
    const visibleAlarms = alarmsOn('ApproximateNumberOfMessagesVisible');
    for (const { queue } of watched) {
      const exportName = nameExportOf(queue);
      expect(exportName, `${queue.node.path} has no alarm`).toBeDefined();
      const matching = visibleAlarms.filter(
        (alarm) =>
          JSON.stringify((alarm as { Properties: { Dimensions: unknown } }).Properties.Dimensions) ===
          JSON.stringify([{ Name: 'QueueName', Value: { 'Fn::ImportValue': exportName } }]),
      );
      expect(matching, `${queue.node.path}: exactly one alarm`).toHaveLength(1);
      expect(matching[0]).toMatchObject({
        Properties: {
          Namespace: 'AWS/SQS',
          Statistic: 'Maximum',
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          EvaluationPeriods: 1,
          TreatMissingData: 'notBreaching',
        },
      });
    }
    // No visible-messages alarm on anything else (a work queue's backlog is the age alarm's job).
    expect(visibleAlarms).toHaveLength(watched.length);
  });

  it('alarms on records that failed inside ingest batches (not Lambda errors) for 15 minutes', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'outcome-engine-test-IngestFailures',
      Namespace: 'OutcomeEngine/test',
      MetricName: LEDGER_METRICS.ingestFailures.metricName,
      Dimensions: [{ Name: 'service', Value: 'outcome-engine' }],
      Statistic: 'Sum',
      Period: INGEST_FAILURES_ALARM.period.toSeconds(),
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('alarms on the reconciliation-failure metric the close emits, besides the alert queue', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'outcome-engine-test-ReconciliationFailureReported',
      Namespace: 'OutcomeEngine/test',
      MetricName: BILLING_METRICS.reconciliationFailures.metricName,
      Dimensions: [{ Name: 'service', Value: 'outcome-engine' }],
      Statistic: 'Sum',
      Threshold: 1,
      EvaluationPeriods: 1,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'outcome-engine-test-ReconciliationFailures', Namespace: 'AWS/SQS' });
  });

  it('alarms on function errors and throttles, except throttles that are the design', () => {
    expect(alarmsOn('Errors')).toHaveLength(handlerCount + consoleFunctionCount);
    expect(alarmsOn('Throttles')).toHaveLength(handlerCount + consoleFunctionCount - throttledByDesignCount);
    expect(throttledByDesignCount).toBeGreaterThan(0);
  });

  it('alarms instead when an asynchronous close has waited an hour for its turn', () => {
    const ageAlarms = alarmsOn('AsyncEventAge');
    expect(ageAlarms).toHaveLength(throttledByDesignCount);
    expect(ageAlarms[0]).toMatchObject({
      Properties: {
        Namespace: 'AWS/Lambda',
        Statistic: 'Maximum',
        // Milliseconds.
        Threshold: 3_600_000,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: expect.stringMatching(/^ClosePeriodFunction/) } }],
      },
    });
  });

  it('alarms when the oldest message on the ingest queue is older than the configured age', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Namespace: 'AWS/SQS',
      Threshold: 300,
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::ImportValue': Match.stringLikeRegexp('OutcomesQueue') } }],
    });
  });

  it('sends every alarm, and its recovery, to the alarm topic', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as {
      Properties: { AlarmActions: unknown[]; OKActions: unknown[] };
    }[];
    // Errors and throttles (or async event age) per function (the console's
    // included), 2 DLQs and the
    // queue age per queue route, 2 per alert route (queue and delivery DLQ),
    // rejected webhook requests, 2 DLQs per function route, 2 DLQs and lost
    // invocations per schedule group, the two Powertools metric alarms
    // (ingest failures, reconciliation failures), and the ledger stream's
    // on-failure queue and iterator age.
    expect(alarms.length).toBe(
      2 * (handlerCount + consoleFunctionCount) + 3 * queueRouteCount + 2 * ALERT_ROUTES.length + 1 + 2 * functionRouteCount + 3 * scheduleGroupCount + 2 + 2,
    );
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmsTopic/) }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: expect.stringMatching(/^AlarmsTopic/) }]);
    }
  });

  it('subscribes the configured email and lets only this account\'s CloudWatch alarms publish, over TLS', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'billing-ops@example.com',
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          }),
        ]),
      },
    });
  });

  it('notifies an existing topic instead of creating one when configured', () => {
    const topicArn = 'arn:aws:sns:eu-west-1:123456789012:platform-alarms';
    const existing = synthEngine({ stage: 'existing', alarms: { topicArn } });
    try {
      existing.statelessTemplate.resourceCountIs('AWS::SNS::Topic', 0);
      existing.statelessTemplate.resourceCountIs('AWS::SNS::Subscription', 0);
      existing.statelessTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [topicArn] });
    } finally {
      existing.cleanUp();
    }
  });
});

describe('stateless stack: dashboard', () => {
  function dashboardBody(): string {
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as {
      Properties: { DashboardBody: unknown; DashboardName: string };
    }[];
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0]?.Properties.DashboardName).toBe('outcome-engine-test');
    return JSON.stringify(dashboards[0]?.Properties.DashboardBody);
  }

  it('graphs arrivals, the ledger outcome metrics, queue depth and age, dead letters and function health', () => {
    const body = dashboardBody();

    for (const title of [
      'Events arriving (per minute)',
      'Ledger outcomes (per minute)',
      'Rejections by code (per minute)',
      'Queue depth',
      'Age of oldest message (s)',
      'Dead-letter queues (messages)',
      'Function errors and throttles',
      'Alarms',
    ]) {
      expect(body).toContain(title);
    }
    for (const metric of Object.values(LEDGER_METRICS)) {
      expect(body).toContain(`MetricName=\\\\\\"${metric.metricName}\\\\\\"`);
    }
    expect(body).toContain('{\\\\\\"OutcomeEngine/test\\\\\\",code,service}');
    expect(body).toContain('NumberOfMessagesSent');
  });

  it('graphs closes and invoices, reconciliation failures, credit notes, payment signals, tasks and schedules from the handlers\' metrics', () => {
    const body = dashboardBody();
    for (const title of [
      'Invoices and closes (per 5 minutes)',
      'Invoice reconciliation failures (per 5 minutes)',
      'Credit notes and corrections (per 5 minutes)',
      'Invoiced and paid by currency (minor units, per 5 minutes)',
      'Payment signals by type (per 5 minutes)',
      'Renewal-risk checks and tasks (per 5 minutes)',
      'Schedules created and deleted (per 5 minutes)',
      'Prompt corrections of invoiced periods (per 5 minutes)',
    ]) {
      expect(body).toContain(title);
    }
    for (const metric of [BILLING_METRICS, CORRECTION_METRICS, PAYMENT_SIGNAL_METRICS, RISK_METRICS, SCHEDULE_METRICS].flatMap((group) => Object.values(group))) {
      expect(body, metric.metricName).toContain(`MetricName=\\\\\\"${metric.metricName}\\\\\\"`);
    }
    // Payment signals per type and amounts per currency: one line per dimension value.
    expect(body).toContain('{\\\\\\"OutcomeEngine/test\\\\\\",service,type}');
    expect(body).toContain('{\\\\\\"OutcomeEngine/test\\\\\\",currency,service}');
  });
});

describe('stateless stack: prompt corrections on the dashboard, not on alarms', () => {
  interface Widget {
    readonly type: string;
    readonly properties: { readonly title?: string; readonly metrics?: readonly (readonly { readonly expression?: string; readonly label?: string; readonly yAxis?: string }[])[] };
  }

  /** The dashboard's widgets, with CloudFormation tokens (region, alarm ARNs) replaced by a placeholder. */
  function widgets(): Widget[] {
    const dashboard = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0] as {
      Properties: { DashboardBody: { 'Fn::Join': [string, unknown[]] } };
    };
    const [separator, parts] = dashboard.Properties.DashboardBody['Fn::Join'];
    const text = parts.map((part) => (typeof part === 'string' ? part : 'TOKEN')).join(separator);
    return (JSON.parse(text) as { widgets: Widget[] }).widgets;
  }

  it('graphs every metric correct-invoiced-period emits in one widget: corrections, credit notes and adjustment invoices left, refusals and retried changes right', () => {
    const widget = widgets().find((candidate) => candidate.properties.title === 'Prompt corrections of invoiced periods (per 5 minutes)');
    expect(widget, 'the corrections widget').toBeDefined();
    const lines = (widget?.properties.metrics ?? []).flat();
    const lineOf = (metricName: string) =>
      lines.find((line) => line.expression?.includes(`MetricName="${metricName}"`) && line.expression.includes('{"OutcomeEngine/test",service}'));
    for (const metric of Object.values(CORRECTION_METRICS)) {
      expect(lineOf(metric.metricName), metric.metricName).toMatchObject({ label: metric.label });
    }
    expect(lines).toHaveLength(Object.keys(CORRECTION_METRICS).length);
    for (const metric of [CORRECTION_METRICS.creditNotesFailed, CORRECTION_METRICS.failures]) {
      expect(lineOf(metric.metricName)?.yAxis, metric.metricName).toBe('right');
    }
    for (const metric of [CORRECTION_METRICS.corrections, CORRECTION_METRICS.creditNotesIssued, CORRECTION_METRICS.adjustmentInvoicesIssued]) {
      expect(lineOf(metric.metricName)?.yAxis, metric.metricName).toBeUndefined();
    }
  });

  it('alarms on none of those metrics: refused credit notes alarm through the CreditNoteFailures queue, failing changes through the corrections queue', () => {
    for (const metric of Object.values(CORRECTION_METRICS)) {
      expect(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: metric.metricName } }), metric.metricName).toEqual({});
    }
    for (const alarmName of [
      'outcome-engine-test-CreditNoteFailures',
      'outcome-engine-test-InvoicedPeriodCorrectionsDlq',
      'outcome-engine-test-InvoicedPeriodCorrectionsQueueAge',
    ]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: alarmName });
    }
  });
});

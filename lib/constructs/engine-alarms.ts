// Alarms and where they go. Every alarm notifies one SNS topic: the stage's
// own (optionally with an email subscription) or an existing one from config.
import { Aws, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeRules } from './acknowledge-rule';
import type { AlarmsConfig } from '../config/stage-config';

export interface EngineAlarmsProps {
  /** Prefix of every alarm name, e.g. "outcome-engine-prod". */
  readonly namePrefix: string;
  readonly alarms: AlarmsConfig;
}

export class EngineAlarms extends Construct {
  public readonly topic: sns.ITopic;
  private readonly namePrefix: string;
  private readonly created: cloudwatch.Alarm[] = [];

  public constructor(scope: Construct, id: string, props: EngineAlarmsProps) {
    super(scope, id);
    this.namePrefix = props.namePrefix;
    this.topic =
      props.alarms.topicArn === undefined
        ? this.createTopic()
        : sns.Topic.fromTopicArn(this, 'Topic', props.alarms.topicArn);
    if (props.alarms.email !== undefined) {
      const subscription = new sns.Subscription(this, 'EmailSubscription', {
        topic: this.topic,
        protocol: sns.SubscriptionProtocol.EMAIL,
        endpoint: props.alarms.email,
      });
      acknowledgeRules(subscription, [
        {
          id: 'Serverless-SNSRedrivePolicy',
          reason:
            'Email alarm notifications: an SNS subscription DLQ would need a KMS-keyed queue, and an undelivered email loses nothing because the alarm state stays in CloudWatch.',
        },
      ]);
    }
  }

  /** Every alarm created so far, for the dashboard's alarm status widget. */
  public get alarms(): readonly cloudwatch.Alarm[] {
    return this.created;
  }

  /** Any message in a dead-letter queue means something was not processed. */
  public onDeadLetters(id: string, queue: sqs.IQueue, what: string): cloudwatch.Alarm {
    return this.anyMessageIn(id, queue, `${what}: at least one message is in dead-letter queue. See docs/runbook.md "Redrive a dead-letter queue".`);
  }

  /**
   * An alert queue holds events an operator must act on: in alarm from the
   * first message until the operator has dealt with (and deleted) the last.
   */
  public onAlerts(id: string, queue: sqs.IQueue, what: string): cloudwatch.Alarm {
    return this.anyMessageIn(id, queue, `${what}: at least one alert waits in its queue until handled. See docs/runbook.md "${id}".`);
  }

  /** In alarm from the first visible message in the queue until the last is gone. */
  private anyMessageIn(id: string, queue: sqs.IQueue, alarmDescription: string): cloudwatch.Alarm {
    return this.add(id, {
      alarmDescription,
      metric: queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
  }

  /**
   * Requests a public endpoint answered with 4xx. Stripe only sends signed
   * events, so a run of rejections means the webhook secret no longer matches
   * (a rotation half done): Stripe keeps retrying silently, this alarm does not.
   */
  public onRejectedRequests(id: string, fn: lambda.IFunction, threshold: number, what: string): cloudwatch.Alarm {
    return this.add(id, {
      alarmDescription: `${what}: ${threshold} or more requests were rejected (HTTP 4xx) in 15 minutes; a webhook secret mismatch rejects every delivery.`,
      metric: new cloudwatch.Metric({
        namespace: 'AWS/Lambda',
        metricName: 'Url4xxCount',
        dimensionsMap: { FunctionName: fn.functionName },
        period: Duration.minutes(15),
        statistic: cloudwatch.Stats.SUM,
      }),
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
  }

  /** A stream consumer reading too far behind the newest record: failing, throttled or too slow. */
  public onStreamIteratorAge(id: string, fn: lambda.IFunction, maxAgeSeconds: number, what: string): cloudwatch.Alarm {
    return this.add(id, {
      alarmDescription: `${what}: records have waited more than ${maxAgeSeconds} s to be read for 3 minutes.`,
      metric: fn.metric('IteratorAge', { period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: maxAgeSeconds * 1000,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
  }

  /** Messages waiting too long: the consumer is down, throttled or too slow. */
  public onQueueAge(id: string, queue: sqs.IQueue, maxAgeSeconds: number, what: string): cloudwatch.Alarm {
    return this.add(id, {
      alarmDescription: `${what}: the oldest message has waited more than ${maxAgeSeconds} s for 3 minutes.`,
      metric: queue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: maxAgeSeconds,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
  }

  /**
   * Invocation errors (thrown, timed out, crashed) and throttles of a function.
   * `throttles: false` for a function whose reserved concurrency is meant to
   * hold work back; pair it with `onAsyncEventAge`.
   */
  public onFunctionFailures(id: string, fn: lambda.IFunction, what: string, options: { throttles?: boolean } = {}): cloudwatch.Alarm[] {
    const errors = this.add(`${id}Errors`, {
      alarmDescription: `${what}: invocations failed (errors, timeouts or crashes) in the last 5 minutes.`,
      metric: fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    if (options.throttles === false) return [errors];
    return [
      errors,
      this.add(`${id}Throttles`, {
        alarmDescription: `${what}: invocations were throttled in the last 5 minutes (account or reserved concurrency exhausted).`,
        metric: fn.metricThrottles({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      }),
    ];
  }

  /**
   * Asynchronous events (Scheduler, EventBridge) waiting in Lambda's internal
   * queue longer than `maxAgeSeconds`: the function is throttled for longer
   * than its work allows, or failing and retrying.
   */
  public onAsyncEventAge(id: string, fn: lambda.IFunction, maxAgeSeconds: number, what: string): cloudwatch.Alarm {
    return this.add(id, {
      alarmDescription: `${what}: an asynchronous invocation has waited more than ${maxAgeSeconds} s to run (throttled or retrying).`,
      metric: new cloudwatch.Metric({
        namespace: 'AWS/Lambda',
        metricName: 'AsyncEventAge',
        dimensionsMap: { FunctionName: fn.functionName },
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      // AsyncEventAge is reported in milliseconds.
      threshold: maxAgeSeconds * 1000,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
  }

  /**
   * Schedules Scheduler gave up on without a trace: dropped invocations, or
   * failed ones it could not even put in the group's DLQ. A dropped close is
   * an unbilled period, so any one is an alarm.
   */
  public onSchedulesLost(id: string, scheduleGroupName: string, what: string): cloudwatch.Alarm {
    const metric = (metricName: string): cloudwatch.Metric =>
      new cloudwatch.Metric({
        namespace: 'AWS/Scheduler',
        metricName,
        dimensionsMap: { ScheduleGroup: scheduleGroupName },
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.SUM,
      });
    return this.add(id, {
      alarmDescription: `${what}: Scheduler dropped an invocation or could not send it to the dead-letter queue. See docs/runbook.md "List a contract's schedules".`,
      metric: new cloudwatch.MathExpression({
        expression: 'FILL(dropped, 0) + FILL(undeliverable, 0)',
        usingMetrics: {
          dropped: metric('InvocationDroppedCount'),
          undeliverable: metric('InvocationsFailedToBeSentToDeadLetterCount'),
        },
        label: 'Schedule invocations lost',
        period: Duration.minutes(5),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
  }

  /**
   * A Powertools metric an engine handler emits (EMF), summed per period:
   * alarms when at least `threshold` in `datapointsToAlarm` of the last
   * `evaluationPeriods` periods. Exact dimensions only (an alarm cannot
   * SEARCH): the `service` Powertools adds to every metric.
   */
  public onEmittedMetric(
    id: string,
    metric: { readonly namespace: string; readonly metricName: string; readonly serviceName: string },
    options: { readonly threshold: number; readonly period: Duration; readonly evaluationPeriods: number; readonly datapointsToAlarm?: number },
    description: string,
  ): cloudwatch.Alarm {
    return this.add(id, {
      alarmDescription: description,
      metric: new cloudwatch.Metric({
        namespace: metric.namespace,
        metricName: metric.metricName,
        dimensionsMap: { service: metric.serviceName },
        period: options.period,
        statistic: cloudwatch.Stats.SUM,
      }),
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods,
      ...(options.datapointsToAlarm === undefined ? {} : { datapointsToAlarm: options.datapointsToAlarm }),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
  }

  private add(id: string, props: Omit<cloudwatch.AlarmProps, 'alarmName' | 'treatMissingData'>): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      ...props,
      alarmName: `${this.namePrefix}-${id}`,
      // No data means no messages, no invocations: nothing is wrong.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.created.push(alarm);
    return alarm;
  }

  private createTopic(): sns.Topic {
    const topic = new sns.Topic(this, 'Topic', {
      displayName: `${this.namePrefix} alarms`,
      enforceSSL: true,
    });
    // A topic policy replaces SNS's default one, so CloudWatch must be let in
    // explicitly, and only for alarms of this account.
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
        },
      }),
    );
    return topic;
  }
}

// One CloudWatch dashboard per stage: what arrives, what the ledger made of
// it, what is waiting or dead-lettered, and how the functions are doing.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  BILLING_METRICS,
  CORRECTION_METRICS,
  LEDGER_METRICS,
  PAYMENT_SIGNAL_METRICS,
  PLAN_LOAD_METRICS,
  RISK_METRICS,
  SCHEDULE_METRICS,
  type EmittedMetric,
} from '../config/observability';

const PERIOD = Duration.minutes(1);

export interface DashboardQueue {
  readonly label: string;
  readonly queue: sqs.IQueue;
}

export interface DashboardFunction {
  readonly label: string;
  readonly function: lambda.IFunction;
}

/** A public endpoint (Function URL) whose responses are graphed. */
export interface DashboardEndpoint {
  readonly label: string;
  readonly function: lambda.IFunction;
}

/** An EventBridge Scheduler schedule group whose invocations are graphed. */
export interface DashboardScheduleGroup {
  readonly label: string;
  readonly scheduleGroupName: string;
}

export interface EngineDashboardProps {
  readonly dashboardName: string;
  readonly metricsNamespace: string;
  /** Queues drained by functions (arrivals, depth, age). */
  readonly workQueues: readonly DashboardQueue[];
  readonly deadLetterQueues: readonly DashboardQueue[];
  readonly functions: readonly DashboardFunction[];
  /** Queues of events an operator must act on (e.g. reconciliation failures). */
  readonly alertQueues: readonly DashboardQueue[];
  readonly endpoints: readonly DashboardEndpoint[];
  /** Period closes and renewal checks: schedules firing, target errors, dead letters. */
  readonly scheduleGroups?: readonly DashboardScheduleGroup[];
  readonly alarms: readonly cloudwatch.IAlarm[];
}

export class EngineDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;

  public constructor(scope: Construct, id: string, props: EngineDashboardProps) {
    super(scope, id);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });

    this.dashboard.addWidgets(
      queueGraph('Events arriving (per minute)', 12, props.workQueues, (queue, label) =>
        queue.metricNumberOfMessagesSent({ label, period: PERIOD, statistic: cloudwatch.Stats.SUM }),
      ),
      new cloudwatch.GraphWidget({
        title: 'Ledger outcomes (per minute)',
        width: 6,
        left: [LEDGER_METRICS.recorded, LEDGER_METRICS.duplicate, LEDGER_METRICS.conflict, LEDGER_METRICS.rejected].map(
          (metric) => summedMetric(props.metricsNamespace, metric),
        ),
        right: [summedMetric(props.metricsNamespace, LEDGER_METRICS.ingestFailures)],
      }),
      new cloudwatch.GraphWidget({
        title: 'Rejections by code (per minute)',
        width: 6,
        left: [
          new cloudwatch.SearchExpression({
            expression: searchOf(props.metricsNamespace, LEDGER_METRICS.rejected),
            label: '',
            period: PERIOD,
          }),
        ],
      }),
    );
    this.dashboard.addWidgets(
      queueGraph('Queue depth', 8, props.workQueues, (queue, label) =>
        queue.metricApproximateNumberOfMessagesVisible({ label, period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM }),
      ),
      queueGraph('Age of oldest message (s)', 8, props.workQueues, (queue, label) =>
        queue.metricApproximateAgeOfOldestMessage({ label, period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM }),
      ),
      queueGraph('Dead-letter queues (messages)', 8, props.deadLetterQueues, (queue, label) =>
        queue.metricApproximateNumberOfMessagesVisible({ label, period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM }),
      ),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Function errors and throttles',
        width: 8,
        left: props.functions.flatMap(({ label, function: fn }) => [
          fn.metricErrors({ label: `${label} errors`, period: PERIOD, statistic: cloudwatch.Stats.SUM }),
          fn.metricThrottles({ label: `${label} throttles`, period: PERIOD, statistic: cloudwatch.Stats.SUM }),
        ]),
      }),
      new cloudwatch.GraphWidget({
        title: 'Function duration p99 (ms)',
        width: 8,
        left: props.functions.map(({ label, function: fn }) =>
          fn.metricDuration({ label, period: PERIOD, statistic: cloudwatch.Stats.p(99) }),
        ),
      }),
      new cloudwatch.GraphWidget({
        title: 'Function invocations and concurrency',
        width: 8,
        left: props.functions.map(({ label, function: fn }) =>
          fn.metricInvocations({ label: `${label} invocations`, period: PERIOD, statistic: cloudwatch.Stats.SUM }),
        ),
        right: props.functions.map(
          ({ label, function: fn }) =>
            new cloudwatch.Metric({
              namespace: 'AWS/Lambda',
              metricName: 'ConcurrentExecutions',
              dimensionsMap: { FunctionName: fn.functionName },
              label: `${label} concurrency`,
              period: PERIOD,
              statistic: cloudwatch.Stats.MAXIMUM,
            }),
        ),
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Billing alerts: new (per 5 minutes) and unhandled',
        width: 12,
        left: props.alertQueues.map(({ label, queue }) =>
          queue.metricNumberOfMessagesSent({ label: `${label} new`, period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
        ),
        right: props.alertQueues.map(({ label, queue }) =>
          queue.metricApproximateNumberOfMessagesVisible({ label: `${label} unhandled`, period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM }),
        ),
      }),
      new cloudwatch.GraphWidget({
        title: 'Webhook responses (per minute)',
        width: 12,
        left: props.endpoints.flatMap(({ label, function: fn }) =>
          (
            [
              ['UrlRequestCount', 'requests'],
              ['Url4xxCount', '4xx (rejected)'],
              ['Url5xxCount', '5xx (failed, retried by the sender)'],
            ] as const
          ).map(
            ([metricName, what]) =>
              new cloudwatch.Metric({
                namespace: 'AWS/Lambda',
                metricName,
                dimensionsMap: { FunctionName: fn.functionName },
                label: `${label} ${what}`,
                period: PERIOD,
                statistic: cloudwatch.Stats.SUM,
              }),
          ),
        ),
      }),
    );
    const scheduleGroups = props.scheduleGroups ?? [];
    if (scheduleGroups.length > 0) {
      const width = 18 / scheduleGroups.length;
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: 'Plans and contracts loaded (per 5 minutes)',
          width: 6,
          left: [PLAN_LOAD_METRICS.loaded, PLAN_LOAD_METRICS.refused].map((metric) =>
            summedMetric(props.metricsNamespace, metric, Duration.minutes(5)),
          ),
        }),
        ...scheduleGroups.map(
          ({ label, scheduleGroupName }) =>
            new cloudwatch.GraphWidget({
              title: `Schedules: ${label} (per 5 minutes)`,
              width,
              left: (
                [
                  ['InvocationAttemptCount', 'invocations'],
                  ['TargetErrorCount', 'target errors (retried)'],
                  ['InvocationsSentToDeadLetterCount', 'dead-lettered'],
                  ['InvocationDroppedCount', 'dropped'],
                ] as const
              ).map(
                ([metricName, what]) =>
                  new cloudwatch.Metric({
                    namespace: 'AWS/Scheduler',
                    metricName,
                    dimensionsMap: { ScheduleGroup: scheduleGroupName },
                    label: what,
                    period: Duration.minutes(5),
                    statistic: cloudwatch.Stats.SUM,
                  }),
              ),
            }),
        ),
      );
    }
    this.addBillingAndRiskWidgets(props.metricsNamespace);
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 24, alarms: [...props.alarms] }),
    );
  }

  /**
   * What the period close, the prompt corrections, the Stripe webhook, the
   * renewal-risk checks and the schedulers report through Powertools (from
   * their use case results).
   * Five-minute sums: closes and checks come in bursts at period ends and at
   * 09:00 local time, which one-minute points would scatter.
   */
  private addBillingAndRiskWidgets(namespace: string): void {
    const fiveMinutes = Duration.minutes(5);
    const summed = (metric: EmittedMetric) => summedMetric(namespace, metric, fiveMinutes);
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Invoices and closes (per 5 minutes)',
        width: 8,
        left: [BILLING_METRICS.periodsClosed, BILLING_METRICS.invoicesIssued, BILLING_METRICS.periodClosesSkipped].map(summed),
        right: [summed(BILLING_METRICS.reconciliationFailures)],
      }),
      new cloudwatch.GraphWidget({
        title: 'Invoice reconciliation failures (per 5 minutes)',
        width: 4,
        left: [summed(BILLING_METRICS.reconciliationFailures)],
      }),
      new cloudwatch.GraphWidget({
        title: 'Credit notes and corrections (per 5 minutes)',
        width: 4,
        left: [BILLING_METRICS.creditNotesIssued, BILLING_METRICS.correctionsRecorded].map(summed),
      }),
      new cloudwatch.GraphWidget({
        title: 'Invoiced and paid by currency (minor units, per 5 minutes)',
        width: 8,
        left: [perDimensionValue(namespace, PAYMENT_SIGNAL_METRICS.invoicedAmount, fiveMinutes)],
        right: [perDimensionValue(namespace, PAYMENT_SIGNAL_METRICS.paidAmount, fiveMinutes)],
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Payment signals by type (per 5 minutes)',
        width: 8,
        left: [perDimensionValue(namespace, PAYMENT_SIGNAL_METRICS.recorded, fiveMinutes)],
        right: [PAYMENT_SIGNAL_METRICS.duplicate, PAYMENT_SIGNAL_METRICS.ignored, PAYMENT_SIGNAL_METRICS.rejected].map(summed),
      }),
      new cloudwatch.GraphWidget({
        title: 'Renewal-risk checks and tasks (per 5 minutes)',
        width: 8,
        left: [RISK_METRICS.tasksCreated, RISK_METRICS.tasksEscalated, RISK_METRICS.tasksResolved].map(summed),
        right: [RISK_METRICS.checks, RISK_METRICS.checksSkipped].map(summed),
      }),
      new cloudwatch.GraphWidget({
        title: 'Schedules created and deleted (per 5 minutes)',
        width: 8,
        left: Object.values(SCHEDULE_METRICS).map(summed),
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Prompt corrections of invoiced periods (per 5 minutes)',
        width: 24,
        left: [CORRECTION_METRICS.corrections, CORRECTION_METRICS.creditNotesIssued, CORRECTION_METRICS.adjustmentInvoicesIssued].map(summed),
        right: [CORRECTION_METRICS.creditNotesFailed, CORRECTION_METRICS.failures].map(summed),
      }),
    );
  }
}

/** One line per dimension value of `metric` (per currency, per type, per code). */
/** One line per queue, labelled with the queue's label. */
function queueGraph(
  title: string,
  width: number,
  queues: readonly DashboardQueue[],
  metricOf: (queue: DashboardQueue['queue'], label: string) => cloudwatch.IMetric,
): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({ title, width, left: queues.map(({ label, queue }) => metricOf(queue, label)) });
}

function perDimensionValue(namespace: string, metric: EmittedMetric, period: Duration): cloudwatch.IMetric {
  return new cloudwatch.SearchExpression({ expression: searchOf(namespace, metric, period), label: '', period });
}

/** All series of `metric` in the namespace, whatever their dimension values. */
function searchOf(namespace: string, metric: EmittedMetric, period: Duration = PERIOD): string {
  const schema = [`"${namespace}"`, ...metric.dimensions].join(',');
  return `SEARCH('{${schema}} MetricName="${metric.metricName}"', 'Sum', ${period.toSeconds()})`;
}

/**
 * One line for a Powertools metric summed over its dimension values (every
 * service, every rejection code), so a renamed service or a new code keeps
 * the graph whole.
 */
function summedMetric(namespace: string, metric: EmittedMetric, period: Duration = PERIOD): cloudwatch.IMetric {
  return new cloudwatch.MathExpression({
    expression: `SUM(${searchOf(namespace, metric, period)})`,
    label: metric.label,
    period,
    usingMetrics: {},
  });
}

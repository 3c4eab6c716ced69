// Functions and everything about watching them: event source mappings,
// rules that target functions directly, alarms and the dashboard. It holds no
// data, so it can be redeployed, or deleted and recreated, at any time; the
// stateful stack keeps accepting and queueing outcomes meanwhile.
import path from 'node:path';
import { CfnOutput, CrossStackReferences, Duration, ReferenceStrength, Stack, type StackProps } from 'aws-cdk-lib';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { TableDesign } from '../../lambdas/adapters/dynamodb/table-design';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { HANDLER_SETTINGS, LEDGER_STREAM_CONSUMER, STREAM_READ_ACTIONS, type HandlerSettings, type ScheduleAccess } from '../config/handler-settings';
import { SCHEDULE_GROUPS, SCHEDULED_HANDLERS } from '../config/schedule-groups';
import { BILLING_METRICS, LEDGER_METRICS, metricsNamespace, SERVICE_NAME } from '../config/observability';
import { engineRolePath } from '../config/engine-roles';
import type { StageConfig, TaskWebhookConfig } from '../config/stage-config';
import { ConsoleHosting } from '../constructs/console-hosting';
import { DesignedTable } from '../constructs/designed-table';
import { EngineAlarms } from '../constructs/engine-alarms';
import {
  EngineDashboard,
  type DashboardEndpoint,
  type DashboardFunction,
  type DashboardQueue,
  type DashboardScheduleGroup,
} from '../constructs/engine-dashboard';
import { EngineFunction, HANDLERS_DIR } from '../constructs/engine-function';
import { toRulePattern } from '../constructs/route-pattern';
import { SchedulerInvokeRole } from '../constructs/scheduler-invoke-role';
import { TaskWebhook } from '../constructs/task-webhook';
import type { FunctionName, Route, ScheduledHandlerName } from '../routing/routing-table';
import { RULE_RETRY, type AlertResources, type RouteResources, type ScheduleGroupResources } from './stateful-stack';

/**
 * Rejected webhook requests in 15 minutes that raise the alarm: a few stray
 * requests to the (unguessable) URL stay quiet, a secret mismatch does not.
 */
export const WEBHOOK_REJECTIONS_ALARM_THRESHOLD = 5;

/**
 * Records that failed inside an ingest batch. They are not Lambda errors (the
 * batch reports them as partial failures and SQS redelivers them), so only
 * this metric sees them. An adjustment that overtakes its outcome fails once
 * by design; failures in three consecutive 5-minute periods mean storage is
 * unavailable or throttled for longer than retries absorb, well before the
 * records reach the DLQ (5 receives x 180 s).
 */
export const INGEST_FAILURES_ALARM = { threshold: 1, period: Duration.minutes(5), evaluationPeriods: 3, datapointsToAlarm: 3 } as const;

/**
 * Any close that found Stripe's total different from the engine's. Alongside
 * the alert-queue alarm (on until an operator has handled every failure),
 * this one fires within the 5 minutes the failure happened in and clears by
 * itself; it counts closes run by the deployed function only (the CLI's do not
 * emit metrics), which is why the queue alarm stays the one to act on.
 */
export const RECONCILIATION_FAILURE_METRIC_ALARM = { threshold: 1, period: Duration.minutes(5), evaluationPeriods: 1 } as const;

/** A table handed over from the stateful stack together with its key design. */
export interface TableReference {
  readonly table: dynamodb.ITable;
  readonly design: TableDesign;
}

/** What the stateless stack needs from the stateful one (the StatefulStack satisfies it). */
export interface StatefulReferences {
  readonly ledger: TableReference;
  readonly engine: TableReference;
  readonly eventBus: events.IEventBus;
  /** Alert queues (e.g. reconciliation failures) to alarm on. */
  readonly alerts: readonly AlertResources[];
  resourcesOf(routeId: string): RouteResources;
  /** The schedule group, Scheduler DLQ and failure DLQ of a scheduled handler. */
  scheduleGroupOf(handler: ScheduledHandlerName): ScheduleGroupResources;
  /** Present exactly when the stage configures `taskWebhook`. */
  readonly taskWebhookDlq: sqs.IQueue | undefined;
  /** The on-failure destination of the ledger stream's consumer. */
  readonly ledgerStreamFailureDlq: sqs.IQueue;
  /** The console's staff user pool and the secret holding the portal link keys. */
  readonly console: { readonly staffUserPool: cognito.IUserPool; readonly portalLinkSecret: secretsmanager.ISecret };
}

export interface StatelessStackProps extends StackProps {
  readonly config: StageConfig;
  readonly routes: readonly Route[];
  readonly stateful: StatefulReferences;
  /**
   * Entry file of each handler.
   * @default lambdas/handlers/<handler>.ts
   */
  readonly handlerEntry?: (handler: FunctionName) => string;
  /**
   * The built console (index.html and its assets).
   * @default dist/console (CONSOLE_ASSETS_DIR), written by `npm run build`
   */
  readonly consoleAssetsDir?: string;
}

export class StatelessStack extends Stack {
  public readonly functions: ReadonlyMap<FunctionName, EngineFunction>;
  /** Public endpoints (Function URLs) by function. */
  public readonly functionUrls: ReadonlyMap<FunctionName, lambda.FunctionUrl>;
  /** The role Scheduler assumes for each scheduled handler's schedules. */
  public readonly schedulerRoles: ReadonlyMap<ScheduledHandlerName, SchedulerInvokeRole>;
  /** Only with `taskWebhook` configured. */
  public readonly taskWebhook: TaskWebhook | undefined;
  /** The web console, customer portal and their API. */
  public readonly console: ConsoleHosting;
  public readonly alarms: EngineAlarms;
  public readonly dashboard: EngineDashboard;
  private readonly eventBus: events.IEventBus;
  private readonly config: StageConfig;

  public constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    // Strong references (CloudFormation exports): the stateful stack cannot drop
    // a table, bus or queue that deployed functions still use. Removing one is a
    // deliberate two-step change (docs/runbook.md, "Remove a stateful resource").
    CrossStackReferences.of(this).consume(ReferenceStrength.STRONG);
    const { config, stateful } = props;
    const entryOf = props.handlerEntry ?? ((handler) => path.join(HANDLERS_DIR, `${handler}.ts`));
    const namePrefix = `outcome-engine-${config.stage}`;
    this.eventBus = stateful.eventBus;
    this.config = config;

    this.alarms = new EngineAlarms(this, 'Alarms', { namePrefix, alarms: config.alarms });

    const functions = new Map<FunctionName, EngineFunction>();
    const functionUrls = new Map<FunctionName, lambda.FunctionUrl>();
    const endpoints: DashboardEndpoint[] = [];
    for (const [handler, settings] of Object.entries(HANDLER_SETTINGS) as [FunctionName, HandlerSettings][]) {
      const fn = this.createFunction(handler, settings, entryOf(handler), props);
      functions.set(handler, fn);
      const id = toPascalCase(handler);
      this.alarms.onFunctionFailures(id, fn.function, `Function ${handler}`, {
        throttles: settings.throttledByDesign === undefined,
      });
      if (settings.throttledByDesign !== undefined) {
        const { maxAsyncEventAgeSeconds } = settings.throttledByDesign;
        const alarmAgeSeconds = typeof maxAsyncEventAgeSeconds === 'number' ? maxAsyncEventAgeSeconds : maxAsyncEventAgeSeconds(config);
        this.alarms.onAsyncEventAge(`${id}AsyncEventAge`, fn.function, alarmAgeSeconds, `Function ${handler}`);
      }
      if (settings.invokedSynchronouslyBy !== undefined) fn.invokedSynchronouslyOnly(settings.invokedSynchronouslyBy);
      new CfnOutput(this, `${id}FunctionName`, { value: fn.function.functionName });
      new CfnOutput(this, `${id}LogGroupName`, { value: fn.logGroup.logGroupName });
      if (settings.functionUrl !== undefined) {
        const url = fn.addPublicUrl(settings.functionUrl.authenticatedBy);
        functionUrls.set(handler, url);
        endpoints.push({ label: handler, function: fn.function });
        this.alarms.onRejectedRequests(`${id}Rejected`, fn.function, WEBHOOK_REJECTIONS_ALARM_THRESHOLD, `Function URL of ${handler}`);
        new CfnOutput(this, `${id}Url`, { value: url.url, description: `Public endpoint of ${handler}` });
      }
      if (settings.iamFunctionUrl !== undefined) {
        const { url, invokePolicy } = fn.addIamUrl(settings.iamFunctionUrl.calledBy);
        functionUrls.set(handler, url);
        endpoints.push({ label: handler, function: fn.function });
        new CfnOutput(this, `${id}Url`, { value: url.url, description: `Endpoint of ${handler} (IAM auth: sign with SigV4)` });
        new CfnOutput(this, `${id}InvokePolicyArn`, {
          value: invokePolicy.managedPolicyArn,
          description: `Managed policy to attach to the roles that call ${handler}`,
        });
      }
    }
    this.functions = functions;
    this.functionUrls = functionUrls;
    const functionOf = (handler: FunctionName): EngineFunction => {
      const fn = functions.get(handler);
      if (fn === undefined) throw new Error(`No function for handler ${handler}`);
      return fn;
    };

    const deadLetterQueues: DashboardQueue[] = [];
    const scheduleGroups: DashboardScheduleGroup[] = [];
    this.schedulerRoles = new Map(
      SCHEDULED_HANDLERS.map((target) => [target, this.addScheduledTarget(target, functionOf(target), stateful, deadLetterQueues, scheduleGroups)]),
    );
    for (const target of SCHEDULED_HANDLERS) {
      const recurring = SCHEDULE_GROUPS[target].recurring;
      const role = this.schedulerRoles.get(target);
      if (recurring !== undefined && role !== undefined) this.addRecurringSchedule(target, recurring, functionOf(target), role, stateful);
    }
    for (const [handler, settings] of Object.entries(HANDLER_SETTINGS) as [FunctionName, HandlerSettings][]) {
      const schedules = settings.access.schedules;
      if (schedules !== undefined) this.letManageSchedules(functionOf(handler), schedules, functionOf(schedules.target), stateful);
    }

    this.taskWebhook =
      config.taskWebhook === undefined ? undefined : this.addTaskWebhook(config.taskWebhook, stateful, deadLetterQueues);
    this.addLedgerStreamConsumer(functionOf('apply-ledger-changes'), stateful, deadLetterQueues);

    const emitted = (metricName: string) => ({ namespace: metricsNamespace(config), metricName, serviceName: SERVICE_NAME });
    this.alarms.onEmittedMetric(
      'IngestFailures',
      emitted(LEDGER_METRICS.ingestFailures.metricName),
      INGEST_FAILURES_ALARM,
      'Ingest: records failed inside their batch (storage unavailable or throttled) in 3 consecutive 5-minute periods; SQS redelivers them, the DLQ alarm follows if it persists. See docs/runbook.md.',
    );
    this.alarms.onEmittedMetric(
      'ReconciliationFailureReported',
      emitted(BILLING_METRICS.reconciliationFailures.metricName),
      RECONCILIATION_FAILURE_METRIC_ALARM,
      'Period close: a Stripe invoice total or currency differs from the engine\'s rating. Handle it from ReconciliationFailuresQueue (docs/runbook.md "Handle a reconciliation failure").',
    );
    // The prompt corrections' metrics (CORRECTION_METRICS) are graphed, not
    // alarmed: refused credit notes already hold the CreditNoteFailures alert
    // alarm on, and changes that keep failing reach the corrections queue's
    // age and DLQ alarms.

    this.console = new ConsoleHosting(this, 'Console', {
      config,
      ...(props.consoleAssetsDir === undefined ? {} : { assetsDir: props.consoleAssetsDir }),
      ledger: stateful.ledger,
      engine: stateful.engine,
      eventBus: stateful.eventBus,
      staffUserPool: stateful.console.staffUserPool,
      portalLinkSecret: stateful.console.portalLinkSecret,
      powertools: { serviceName: SERVICE_NAME, metricsNamespace: metricsNamespace(config), logLevel: config.logLevel },
      rolePath: engineRolePath(config),
    });
    const consoleFunctions = [
      ['console-api', this.console.apiFunction],
      ['rotate-portal-link-keys', this.console.rotationFunction],
    ] as const;
    for (const [label, fn] of consoleFunctions) {
      this.alarms.onFunctionFailures(toPascalCase(label), fn.function, `Function ${label}`);
      new CfnOutput(this, `${toPascalCase(label)}LogGroupName`, { value: fn.logGroup.logGroupName });
    }

    const alertQueues: DashboardQueue[] = [];
    for (const { alert, queue, deliveryDlq } of stateful.alerts) {
      this.alarms.onAlerts(alert.id, queue, alert.description);
      this.alarms.onDeadLetters(`${alert.id}DeliveryDlq`, deliveryDlq, `Alert ${alert.id}: events the rule could not deliver`);
      alertQueues.push({ label: alert.id, queue });
    }

    const workQueues: DashboardQueue[] = [];
    for (const route of props.routes) {
      const resources = stateful.resourcesOf(route.id);
      const fn = functions.get(route.target.handler);
      if (fn === undefined) throw new Error(`Route ${route.id} targets unknown handler ${route.target.handler}`);
      this.alarms.onDeadLetters(`${route.id}DeliveryDlq`, resources.deliveryDlq, `Route ${route.id}: events the rule could not deliver`);
      deadLetterQueues.push({ label: `${route.id} delivery`, queue: resources.deliveryDlq });

      if (route.target.kind === 'queue') {
        const { workQueue } = resources;
        const consumer = HANDLER_SETTINGS[route.target.handler].queue;
        if (workQueue === undefined || consumer === undefined) {
          throw new Error(`Route ${route.id} is a queue route without a queue or queue settings`);
        }
        const maxConcurrency = consumer.maxConcurrency?.(config);
        fn.consumeQueue(workQueue.queue, {
          batchSize: consumer.batchSize,
          maxBatchingWindow: Duration.seconds(consumer.maxBatchingWindowSeconds),
          ...(maxConcurrency === undefined ? {} : { maxConcurrency }),
        });
        this.alarms.onDeadLetters(`${route.id}Dlq`, workQueue.deadLetterQueue, `Route ${route.id}: messages ${route.target.handler} failed ${consumer.maxReceiveCount} times`);
        this.alarms.onQueueAge(`${route.id}QueueAge`, workQueue.queue, consumer.maxMessageAgeSeconds(config), `Route ${route.id}`);
        workQueues.push({ label: route.id, queue: workQueue.queue });
        deadLetterQueues.push({ label: `${route.id} processing`, queue: workQueue.deadLetterQueue });
      } else {
        this.addFunctionRoute(route, fn, resources);
        if (resources.failureDlq !== undefined) {
          this.alarms.onDeadLetters(`${route.id}FailureDlq`, resources.failureDlq, `Route ${route.id}: events ${route.target.handler} failed after retries`);
          deadLetterQueues.push({ label: `${route.id} failures`, queue: resources.failureDlq });
        }
      }
    }

    this.dashboard = new EngineDashboard(this, 'Dashboard', {
      dashboardName: namePrefix,
      metricsNamespace: metricsNamespace(config),
      workQueues,
      deadLetterQueues,
      functions: [...functions, ...consoleFunctions].map(([label, fn]): DashboardFunction => ({ label, function: fn.function })),
      alertQueues,
      endpoints,
      scheduleGroups,
      alarms: this.alarms.alarms,
    });

    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: namePrefix });
  }

  /**
   * The ledger table's stream into the usage rollups: big batches gathered
   * for a few seconds (one write per cell and batch), partial batch
   * responses, bisect on error, then the batch's coordinates to an on-failure
   * queue. Alarms on that queue and on the stream read falling behind.
   */
  private addLedgerStreamConsumer(fn: EngineFunction, stateful: StatefulReferences, deadLetterQueues: DashboardQueue[]): void {
    const streamArn = stateful.ledger.table.tableStreamArn;
    if (streamArn === undefined) throw new Error('The ledger table has no stream; its design must declare one (LEDGER_TABLE.stream)');
    // A mapping of our own rather than DynamoEventSource, which would also grant ListStreams on "*".
    fn.function.addEventSourceMapping('LedgerStream', {
      eventSourceArn: streamArn,
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: LEDGER_STREAM_CONSUMER.batchSize,
      maxBatchingWindow: Duration.seconds(LEDGER_STREAM_CONSUMER.maxBatchingWindowSeconds),
      bisectBatchOnError: true,
      retryAttempts: LEDGER_STREAM_CONSUMER.retryAttempts,
      reportBatchItemFailures: true,
      onFailure: new SqsDlq(stateful.ledgerStreamFailureDlq),
    });
    fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...STREAM_READ_ACTIONS], resources: [streamArn] }));
    fn.streamFailuresGoTo('the ledger stream mapping sends a batch that still fails after retries and bisection to its on-failure queue, with the batch coordinates');
    this.alarms.onDeadLetters('ApplyLedgerChangesFailureDlq', stateful.ledgerStreamFailureDlq, 'Usage rollups: ledger stream batches that failed after retries');
    this.alarms.onStreamIteratorAge('ApplyLedgerChangesIteratorAge', fn.function, LEDGER_STREAM_CONSUMER.maxIteratorAgeSeconds, 'Usage rollups (ledger stream)');
    deadLetterQueues.push({ label: 'ledger stream → usage rollups', queue: stateful.ledgerStreamFailureDlq });
  }

  private createFunction(
    handler: FunctionName,
    settings: HandlerSettings,
    entry: string,
    props: StatelessStackProps,
  ): EngineFunction {
    const { config, stateful } = props;
    const { access } = settings;
    const stripeSecret =
      access.stripeSecret === true
        ? secretsmanager.Secret.fromSecretNameV2(this, `${toPascalCase(handler)}StripeSecret`, config.stripeSecretName)
        : undefined;
    const reservedConcurrency = settings.reservedConcurrency?.(config);
    const fn = new EngineFunction(this, toPascalCase(handler), {
      entry,
      description: settings.description,
      memorySizeMb: settings.memorySizeMb,
      timeoutSeconds: settings.timeoutSeconds,
      logRetention: config.logRetentionDays as logs.RetentionDays,
      ...(reservedConcurrency === undefined ? {} : { reservedConcurrency }),
      // The path the bus policy trusts to publish the engine's own events.
      rolePath: engineRolePath(config),
      powertools: {
        serviceName: SERVICE_NAME,
        metricsNamespace: metricsNamespace(config),
        logLevel: config.logLevel,
      },
      environment: {
        ...(access.ledger === undefined ? {} : { LEDGER_TABLE_NAME: stateful.ledger.table.tableName }),
        ...(access.engine === undefined ? {} : { ENGINE_TABLE_NAME: stateful.engine.table.tableName }),
        ...(access.publishesEvents === true ? { EVENT_BUS_NAME: stateful.eventBus.eventBusName } : {}),
        // The name, not the partial ARN fromSecretNameV2 knows: GetSecretValue
        // resolves a name exactly, while a partial ARN is ambiguous for names
        // ending in a hyphen and six characters. The handler passes it as SecretId.
        ...(stripeSecret === undefined ? {} : { STRIPE_SECRET_ARN: config.stripeSecretName }),
        ...settings.environment?.(config),
      },
    });
    if (access.ledger !== undefined) {
      DesignedTable.grantAccessTo(stateful.ledger.table, stateful.ledger.design, fn, access.ledger);
    }
    if (access.engine !== undefined) {
      DesignedTable.grantAccessTo(stateful.engine.table, stateful.engine.design, fn, access.engine);
    }
    if (access.publishesEvents === true) stateful.eventBus.grantPutEventsTo(fn.role);
    if (stripeSecret !== undefined) grantSecretValue(stripeSecret, fn.role);
    return fn;
  }

  /**
   * A function EventBridge Scheduler invokes: the role its schedules use, the
   * on-failure destination for Lambda's async retries, and alarms on both
   * dead-letter queues and on invocations Scheduler lost.
   */
  private addScheduledTarget(
    target: ScheduledHandlerName,
    fn: EngineFunction,
    stateful: StatefulReferences,
    deadLetterQueues: DashboardQueue[],
    scheduleGroups: DashboardScheduleGroup[],
  ): SchedulerInvokeRole {
    const resources = stateful.scheduleGroupOf(target);
    const { id } = SCHEDULE_GROUPS[target];
    const group = resources.groupName;
    // Scheduler invokes asynchronously: a function error is retried by
    // Lambda, then lands in the failure DLQ with the error and the payload.
    const maxEventAgeSeconds = HANDLER_SETTINGS[target].throttledByDesign?.maxEventAgeSeconds?.(this.config);
    fn.sendAsyncFailuresTo(resources.failureDlq, maxEventAgeSeconds === undefined ? {} : { maxEventAge: Duration.seconds(maxEventAgeSeconds) });
    const role = new SchedulerInvokeRole(this, `${id}SchedulerRole`, {
      groupName: group,
      target: fn.function,
      deadLetterQueue: resources.schedulerDlq,
    });
    this.alarms.onDeadLetters(`${id}SchedulerDlq`, resources.schedulerDlq, `Schedules ${group}: invocations of ${target} Scheduler could not make`);
    this.alarms.onDeadLetters(`${id}FailureDlq`, resources.failureDlq, `Schedules ${group}: ${target} failed after Lambda's retries`);
    this.alarms.onSchedulesLost(`${id}SchedulesLost`, group, `Schedules ${group}`);
    scheduleGroups.push({ label: `${id} (${target})`, scheduleGroupName: group });
    deadLetterQueues.push(
      { label: `${id} scheduler`, queue: resources.schedulerDlq },
      { label: `${id} failures`, queue: resources.failureDlq },
    );
    return role;
  }

  /**
   * A recurring schedule of the stack's own (the daily usage-drop
   * evaluation) in the target's group: the group's role, Scheduler's
   * retries and DLQ, as every schedule in the group has.
   */
  private addRecurringSchedule(
    target: ScheduledHandlerName,
    recurring: { readonly expression: string; readonly description: string },
    fn: EngineFunction,
    role: SchedulerInvokeRole,
    stateful: StatefulReferences,
  ): void {
    new scheduler.CfnSchedule(this, `${SCHEDULE_GROUPS[target].id}Schedule`, {
      groupName: role.groupName,
      description: recurring.description,
      scheduleExpression: recurring.expression,
      scheduleExpressionTimezone: 'UTC',
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: fn.function.functionArn,
        roleArn: role.role.roleArn,
        input: JSON.stringify({ source: 'schedule' }),
        deadLetterConfig: { arn: stateful.scheduleGroupOf(target).schedulerDlq.queueArn },
        retryPolicy: { maximumRetryAttempts: 185, maximumEventAgeInSeconds: 86_400 },
      },
    });
  }

  /**
   * A scheduling function: its group's schedules, its group's role to pass,
   * and the environment through which it learns both (under the names its
   * handler reads).
   */
  private letManageSchedules(fn: EngineFunction, schedules: ScheduleAccess, target: EngineFunction, stateful: StatefulReferences): void {
    const role = this.schedulerRoles.get(schedules.target);
    if (role === undefined) throw new Error(`${fn.node.id} schedules ${schedules.target}, which has no schedule group`);
    const names = schedules.environmentNames;
    fn.function.addEnvironment(names.groupName, role.groupName);
    fn.function.addEnvironment(names.functionArn, target.function.functionArn);
    fn.function.addEnvironment(names.roleArn, role.role.roleArn);
    fn.function.addEnvironment(names.deadLetterArn, stateful.scheduleGroupOf(schedules.target).schedulerDlq.queueArn);
    role.grantManageSchedules(fn.role);
  }

  /** Renewal-risk task events to the configured webhook, with its DLQ alarmed. */
  private addTaskWebhook(webhook: TaskWebhookConfig, stateful: StatefulReferences, deadLetterQueues: DashboardQueue[]): TaskWebhook {
    const dlq = stateful.taskWebhookDlq;
    if (dlq === undefined) throw new Error('taskWebhook is configured but the stateful stack has no TaskWebhookDeliveryDlq');
    const taskWebhook = new TaskWebhook(this, 'TaskWebhook', {
      eventBus: this.eventBus,
      webhook,
      // By ARN: the stateful stack already lets rules on the engine bus send to it.
      deadLetterQueue: sqs.Queue.fromQueueArn(this, 'TaskWebhookDeliveryDlqRef', dlq.queueArn),
      retry: RULE_RETRY,
    });
    this.alarms.onDeadLetters(
      'TaskWebhookDeliveryDlq',
      dlq,
      'Task webhook: renewal-risk task events not delivered after 24 h of retries (or refused by the endpoint with a 4xx)',
    );
    deadLetterQueues.push({ label: 'TaskWebhook delivery', queue: dlq });
    new CfnOutput(this, 'TaskWebhookApiDestinationArn', { value: taskWebhook.destination.apiDestinationArn });
    new CfnOutput(this, 'TaskWebhookConnectionName', {
      value: taskWebhook.connection.connectionName,
      description: 'Connection holding the task webhook API key (update it after rotating the key)',
    });
    return taskWebhook;
  }

  /**
   * A rule straight to a function (no queue). The rule's DLQ is referenced by
   * ARN: the stateful stack already lets rules on the engine bus write to it,
   * and a resource-policy edit from here would make the stacks depend on each
   * other.
   */
  private addFunctionRoute(route: Route, fn: EngineFunction, resources: RouteResources): void {
    const deliveryDlq = sqs.Queue.fromQueueArn(this, `${route.id}DeliveryDlqRef`, resources.deliveryDlq.queueArn);
    new events.Rule(this, `${route.id}Rule`, {
      eventBus: this.eventBus,
      description: route.description,
      eventPattern: toRulePattern(route.eventPattern),
      targets: [new targets.LambdaFunction(fn.function, { deadLetterQueue: deliveryDlq, ...RULE_RETRY })],
    });
    if (resources.failureDlq !== undefined) fn.sendAsyncFailuresTo(resources.failureDlq);
  }
}

/**
 * GetSecretValue on one secret known by name. Its full ARN ends in a random
 * six-character suffix that is unknown at synth time, so the grant names
 * `<name>-??????`: exactly this secret, never `<name>*` (which would also
 * match `<name>-other` and its like). No DescribeSecret: the handler only
 * reads the value. A secret encrypted with a customer-managed KMS key would
 * also need kms:Decrypt on that key (docs/production-stack.md).
 */
export function grantSecretValue(secret: secretsmanager.ISecret, grantee: iam.IGrantable): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['secretsmanager:GetSecretValue'],
    resourceArns: [`${secret.secretArn}-??????`],
  });
}

function toPascalCase(kebab: string): string {
  return kebab.replace(/(^|-)([a-z0-9])/g, (_match, _dash: string, char: string) => char.toUpperCase());
}

// Functions and everything about watching them: event source mappings,
// rules that target functions directly, alarms and the dashboard. It holds no
// data, so it can be redeployed, or deleted and recreated, at any time; the
// stateful stack keeps accepting and queueing outcomes meanwhile.
import path from 'node:path';
import { CfnOutput, CrossStackReferences, Duration, ReferenceStrength, Stack, type StackProps } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { TableDesign } from '../../lambdas/adapters/dynamodb/table-design';
import { HANDLER_SETTINGS, type HandlerSettings } from '../config/handler-settings';
import { metricsNamespace, SERVICE_NAME } from '../config/observability';
import type { StageConfig } from '../config/stage-config';
import { DesignedTable } from '../constructs/designed-table';
import { EngineAlarms } from '../constructs/engine-alarms';
import {
  EngineDashboard,
  type DashboardEndpoint,
  type DashboardFunction,
  type DashboardQueue,
} from '../constructs/engine-dashboard';
import { EngineFunction, HANDLERS_DIR } from '../constructs/engine-function';
import { toRulePattern } from '../constructs/route-pattern';
import type { FunctionName, Route } from '../routing/routing-table';
import { RULE_RETRY, type AlertResources, type RouteResources } from './stateful-stack';

/**
 * Rejected webhook requests in 15 minutes that raise the alarm: a few stray
 * requests to the (unguessable) URL stay quiet, a secret mismatch does not.
 */
export const WEBHOOK_REJECTIONS_ALARM_THRESHOLD = 5;

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
}

export class StatelessStack extends Stack {
  public readonly functions: ReadonlyMap<FunctionName, EngineFunction>;
  /** Public endpoints (Function URLs) by function. */
  public readonly functionUrls: ReadonlyMap<FunctionName, lambda.FunctionUrl>;
  public readonly alarms: EngineAlarms;
  public readonly dashboard: EngineDashboard;
  private readonly eventBus: events.IEventBus;

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

    this.alarms = new EngineAlarms(this, 'Alarms', { namePrefix, alarms: config.alarms });

    const functions = new Map<FunctionName, EngineFunction>();
    const functionUrls = new Map<FunctionName, lambda.FunctionUrl>();
    const endpoints: DashboardEndpoint[] = [];
    for (const [handler, settings] of Object.entries(HANDLER_SETTINGS) as [FunctionName, HandlerSettings][]) {
      const fn = this.createFunction(handler, settings, entryOf(handler), props);
      functions.set(handler, fn);
      const id = toPascalCase(handler);
      this.alarms.onFunctionFailures(id, fn.function, `Function ${handler}`);
      new CfnOutput(this, `${id}FunctionName`, { value: fn.function.functionName });
      new CfnOutput(this, `${id}LogGroupName`, { value: fn.logGroup.logGroupName });
      if (settings.functionUrl !== undefined) {
        const url = fn.addPublicUrl(settings.functionUrl.authenticatedBy);
        functionUrls.set(handler, url);
        endpoints.push({ label: handler, function: fn.function });
        this.alarms.onRejectedRequests(`${id}Rejected`, fn.function, WEBHOOK_REJECTIONS_ALARM_THRESHOLD, `Function URL of ${handler}`);
        new CfnOutput(this, `${id}Url`, { value: url.url, description: `Public endpoint of ${handler}` });
      }
    }
    this.functions = functions;
    this.functionUrls = functionUrls;

    const alertQueues: DashboardQueue[] = [];
    for (const { alert, queue, deliveryDlq } of stateful.alerts) {
      this.alarms.onAlerts(alert.id, queue, alert.description);
      this.alarms.onDeadLetters(`${alert.id}DeliveryDlq`, deliveryDlq, `Alert ${alert.id}: events the rule could not deliver`);
      alertQueues.push({ label: alert.id, queue });
    }

    const workQueues: DashboardQueue[] = [];
    const deadLetterQueues: DashboardQueue[] = [];
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
      functions: [...functions].map(([label, fn]): DashboardFunction => ({ label, function: fn.function })),
      alertQueues,
      endpoints,
      alarms: this.alarms.alarms,
    });

    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: namePrefix });
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

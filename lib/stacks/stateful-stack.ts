// Everything that holds data or must keep accepting it while functions are
// redeployed: both tables, the event bus with its archive, and for every route
// the queues and dead-letter queues. Rules that deliver into queues live here
// too, so the durable path producer -> bus -> queue never depends on the
// stateless stack: while it is being replaced (or is broken), outcomes wait in
// the queue instead of being lost. The EventBridge Scheduler schedule groups
// are here as well: their schedules are data, and deleting a group deletes
// every schedule in it. So are the console's staff user pool and the secret
// holding the portal link keys: staff accounts and live links are data.
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ENGINE_TABLE, LEDGER_TABLE } from '../../lambdas/adapters/dynamodb/table-design';
import { ENGINE_EVENT_SOURCE } from '../../lambdas/domain/events/detail-types';
import {
  HANDLER_SETTINGS,
  queueVisibilityTimeoutSeconds,
} from '../config/handler-settings';
import { SCHEDULE_GROUPS, SCHEDULED_HANDLERS, scheduleGroupName } from '../config/schedule-groups';
import { engineRoleArnPattern } from '../config/engine-roles';
import type { StageConfig } from '../config/stage-config';
import { ConsoleIdentity } from '../constructs/console-identity';
import { DesignedTable } from '../constructs/designed-table';
import { AlertQueue, DeadLetterQueue, WorkQueue } from '../constructs/engine-queue';
import { toRulePattern } from '../constructs/route-pattern';
import { ALERT_ROUTES, type AlertRoute, type Route, type ScheduledHandlerName } from '../routing/routing-table';

/** EventBridge retries delivery for the longest it allows before dead-lettering. */
export const RULE_RETRY = { retryAttempts: 185, maxEventAge: Duration.hours(24) } as const;

/** What the stateful stack holds for one route. */
export interface RouteResources {
  readonly route: Route;
  /** Events the rule could not deliver to its target. */
  readonly deliveryDlq: sqs.Queue;
  /** Queue routes: the queue the handler drains, with its DLQ. */
  readonly workQueue?: WorkQueue;
  /** Function routes: events the function still failed after Lambda's async retries. */
  readonly failureDlq?: sqs.Queue;
}

/** What the stateful stack holds for one alert route: the queue an operator works from. */
export interface AlertResources {
  readonly alert: AlertRoute;
  readonly queue: sqs.Queue;
  /** Events the rule could not deliver to the alert queue. */
  readonly deliveryDlq: sqs.Queue;
}

/** What the stateful stack holds for one scheduled handler. */
export interface ScheduleGroupResources {
  readonly target: ScheduledHandlerName;
  readonly group: scheduler.ScheduleGroup;
  /** The group's fixed name (also known at synth time, for IAM statements). */
  readonly groupName: string;
  /** Invocations Scheduler itself could not make after its retries (its DeadLetterConfig). */
  readonly schedulerDlq: sqs.Queue;
  /** Invocations the function still failed after Lambda's asynchronous retries (on-failure destination). */
  readonly failureDlq: sqs.Queue;
}

export interface StatefulStackProps extends StackProps {
  readonly config: StageConfig;
  readonly routes: readonly Route[];
  /** @default ALERT_ROUTES */
  readonly alerts?: readonly AlertRoute[];
}

export class StatefulStack extends Stack {
  public readonly ledger: DesignedTable;
  public readonly engine: DesignedTable;
  public readonly eventBus: events.EventBus;
  public readonly archive: events.Archive;
  public readonly routeResources: ReadonlyMap<string, RouteResources>;
  public readonly alerts: readonly AlertResources[];
  public readonly scheduleGroups: ReadonlyMap<ScheduledHandlerName, ScheduleGroupResources>;
  /** Task events the webhook rule could not deliver; only with `taskWebhook` configured. */
  public readonly taskWebhookDlq: sqs.Queue | undefined;
  /** Ledger stream batches the usage rollups still failed after retries (their shard and sequence range). */
  public readonly ledgerStreamFailureDlq: sqs.Queue;
  /** The console's staff user pool and the portal link keys. */
  public readonly console: ConsoleIdentity;
  private readonly config: StageConfig;

  public constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.config = config;

    // Neither table expires anything: the ledger is kept forever, and the
    // engine table holds invoice records, corrections, payment signals and
    // tasks, which are billing history. DesignedTable refuses a TTL on both,
    // so one cannot be switched on by adding it to a design.
    this.ledger = new DesignedTable(this, 'Ledger', { design: LEDGER_TABLE, allowTimeToLive: false });
    this.engine = new DesignedTable(this, 'Engine', { design: ENGINE_TABLE, allowTimeToLive: false });

    // A fixed name: producers in other accounts address the bus by ARN.
    this.eventBus = new events.EventBus(this, 'EventBus', {
      eventBusName: `outcome-engine-${config.stage}`,
      description: `Outcome engine (${config.stage}): producers put outcome events here`,
    });
    // Deleting the stack (or replacing the bus) must not take the bus, its
    // policy's producers or the archive's replay data with it, on any stage.
    this.eventBus.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.allowProducers(config);
    this.denyForgedEngineEvents(config);

    // Everything producers send is archived, so outcomes can be replayed
    // after a fix (see docs/runbook.md). The engine's own events are left out:
    // replaying them would announce old rejections again.
    this.archive = this.eventBus.archive('Archive', {
      description: `Producer events on outcome-engine-${config.stage}, for replay`,
      eventPattern: toRulePattern({ source: [{ 'anything-but': ENGINE_EVENT_SOURCE }] }),
      retention: Duration.days(config.archiveRetentionDays),
    });
    this.archive.applyRemovalPolicy(RemovalPolicy.RETAIN);

    const resources = new Map<string, RouteResources>();
    for (const route of props.routes) {
      resources.set(route.id, this.addRoute(route));
    }
    this.routeResources = resources;
    this.alerts = (props.alerts ?? ALERT_ROUTES).map((alert) => this.addAlert(alert));
    this.scheduleGroups = new Map(SCHEDULED_HANDLERS.map((handler) => [handler, this.addScheduleGroup(handler)]));
    this.taskWebhookDlq = config.taskWebhook === undefined ? undefined : this.addTaskWebhookDlq();
    this.ledgerStreamFailureDlq = new DeadLetterQueue(this, 'LedgerStreamFailureDlq', {
      purpose: 'ledger stream batches the usage rollups failed after retries; rebuild the rollups (docs/runbook.md)',
    }).queue;
    new CfnOutput(this, 'LedgerStreamFailureDlqUrl', { value: this.ledgerStreamFailureDlq.queueUrl });
    this.console = new ConsoleIdentity(this, 'Console', { config });

    new CfnOutput(this, 'LedgerTableName', { value: this.ledger.table.tableName });
    new CfnOutput(this, 'EngineTableName', { value: this.engine.table.tableName });
    new CfnOutput(this, 'EventBusName', { value: this.eventBus.eventBusName });
    new CfnOutput(this, 'EventBusArn', { value: this.eventBus.eventBusArn });
    new CfnOutput(this, 'ArchiveName', { value: this.archive.archiveName });
  }

  /** The RouteResources of `routeId`; throws for an unknown route. */
  public resourcesOf(routeId: string): RouteResources {
    const found = this.routeResources.get(routeId);
    if (found === undefined) throw new Error(`No route "${routeId}" in ${this.stackName}`);
    return found;
  }

  /** The ScheduleGroupResources of a scheduled handler. */
  public scheduleGroupOf(handler: ScheduledHandlerName): ScheduleGroupResources {
    const found = this.scheduleGroups.get(handler);
    if (found === undefined) throw new Error(`No schedule group for ${handler} in ${this.stackName}`);
    return found;
  }

  private addScheduleGroup(target: ScheduledHandlerName): ScheduleGroupResources {
    const { id, description } = SCHEDULE_GROUPS[target];
    const groupName = scheduleGroupName(this.config, target);
    const group = new scheduler.ScheduleGroup(this, `${id}ScheduleGroup`, {
      scheduleGroupName: groupName,
      // Pending closes and checkpoints exist only here; a stack deletion or a
      // replacement must not take them along.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Scheduler delivers to its DLQ with the schedule's execution role (same
    // account), so the queue needs no resource policy beyond TLS-only.
    const schedulerDlq = new DeadLetterQueue(this, `${id}SchedulerDlq`, {
      purpose: `${target} invocations Scheduler could not make (${description})`,
    }).queue;
    const failureDlq = new DeadLetterQueue(this, `${id}FailureDlq`, {
      purpose: `${target} invocations that failed after Lambda's async retries`,
    }).queue;
    new CfnOutput(this, `${id}ScheduleGroupName`, { value: groupName, description: `Schedule group: ${description}` });
    new CfnOutput(this, `${id}SchedulerDlqUrl`, { value: schedulerDlq.queueUrl });
    new CfnOutput(this, `${id}FailureDlqUrl`, { value: failureDlq.queueUrl });
    return { target, group, groupName, schedulerDlq, failureDlq };
  }

  /**
   * Renewal-risk task events the webhook rule (stateless stack, with its API
   * destination) could not deliver after its retries: kept for redrive.
   */
  private addTaskWebhookDlq(): sqs.Queue {
    const dlq = new DeadLetterQueue(this, 'TaskWebhookDeliveryDlq', {
      purpose: 'renewal-risk task events the task webhook rule could not deliver',
    }).queue;
    this.allowRulesOnEngineBus(dlq);
    new CfnOutput(this, 'TaskWebhookDeliveryDlqUrl', { value: dlq.queueUrl });
    return dlq;
  }

  /**
   * Lets rules on the engine bus (and nothing else) send to `queue`. Rules in
   * the stateless stack are matched by pattern instead of by name, which keeps
   * the dependency one-way (stateless -> stateful).
   */
  private allowRulesOnEngineBus(queue: sqs.Queue): void {
    queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowRulesOnEngineBus',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [queue.queueArn],
        conditions: {
          ArnLike: {
            'aws:SourceArn': `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:rule/${this.eventBus.eventBusName}/*`,
          },
        },
      }),
    );
  }

  /**
   * Cross-account producers may PutEvents only with the configured sources
   * (or any source but the engine's own). Principals of this account need no
   * Allow: their IAM policies decide (the engine's functions hold
   * events:PutEvents on this bus alone), bounded by denyForgedEngineEvents.
   */
  private allowProducers(config: StageConfig): void {
    const { accounts, organizationId, sources } = config.producers;
    const conditionsWith = (stringEquals: Record<string, unknown>): Record<string, unknown> =>
      sources.length > 0
        ? { StringEquals: { ...stringEquals, 'events:source': sources } }
        : {
            ...(Object.keys(stringEquals).length > 0 ? { StringEquals: stringEquals } : {}),
            StringNotEquals: { 'events:source': ENGINE_EVENT_SOURCE },
          };
    if (accounts.length > 0) {
      this.eventBus.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowProducerAccounts',
          principals: accounts.map((account) => new iam.AccountPrincipal(account)),
          actions: ['events:PutEvents'],
          resources: [this.eventBus.eventBusArn],
          conditions: conditionsWith({}),
        }),
      );
    }
    if (organizationId !== undefined) {
      this.eventBus.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowProducerOrganization',
          principals: [new iam.AnyPrincipal()],
          actions: ['events:PutEvents'],
          resources: [this.eventBus.eventBusArn],
          conditions: conditionsWith({ 'aws:PrincipalOrgID': organizationId }),
        }),
      );
    }
  }

  /**
   * Only the engine's own function roles (and the ARNs the stage lists in
   * `engineEventPublisherArns`) may put events with the engine's source. The
   * Allow statements above only bound other accounts; without this Deny any
   * principal of this account holding events:PutEvents (a producer's role,
   * say) could announce a Contract Changed that moves closes, raise or fake a
   * reconciliation failure, or create tasks. An explicit Deny in the resource
   * policy applies to same-account principals too. The roles live in the
   * stateless stack, so they are matched by their IAM path (known at synth
   * time), not by reference: the dependency stays one-way.
   */
  private denyForgedEngineEvents(config: StageConfig): void {
    this.eventBus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyEngineSourceToOthers',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [this.eventBus.eventBusArn],
        conditions: {
          StringEquals: { 'events:source': ENGINE_EVENT_SOURCE },
          ArnNotLike: { 'aws:PrincipalArn': [engineRoleArnPattern(config, Aws.PARTITION, Aws.ACCOUNT_ID), ...config.engineEventPublisherArns] },
        },
      }),
    );
  }

  /**
   * An alert route: a rule on the engine's own events into a queue that the
   * stateless stack alarms on. Queue and rule live here for the same reason as
   * queue routes: unhandled alerts are data, kept while functions change.
   */
  private addAlert(alert: AlertRoute): AlertResources {
    const queue = new AlertQueue(this, `${alert.id}Queue`, { purpose: alert.description }).queue;
    const deliveryDlq = new DeadLetterQueue(this, `${alert.id}DeliveryDlq`, {
      purpose: `events the ${alert.id} rule could not deliver`,
    }).queue;
    new events.Rule(this, `${alert.id}Rule`, {
      eventBus: this.eventBus,
      description: alert.description,
      eventPattern: toRulePattern(alert.eventPattern),
      targets: [new targets.SqsQueue(queue, { deadLetterQueue: deliveryDlq, ...RULE_RETRY })],
    });
    new CfnOutput(this, `${alert.id}QueueUrl`, { value: queue.queueUrl });
    new CfnOutput(this, `${alert.id}DeliveryDlqUrl`, { value: deliveryDlq.queueUrl });
    return { alert, queue, deliveryDlq };
  }

  private addRoute(route: Route): RouteResources {
    const deliveryDlq = new DeadLetterQueue(this, `${route.id}DeliveryDlq`, {
      purpose: `events the ${route.id} rule could not deliver`,
    }).queue;
    new CfnOutput(this, `${route.id}DeliveryDlqUrl`, { value: deliveryDlq.queueUrl });

    if (route.target.kind === 'function') {
      // The rule lives in the stateless stack with its function.
      this.allowRulesOnEngineBus(deliveryDlq);
      const failureDlq = new DeadLetterQueue(this, `${route.id}FailureDlq`, {
        purpose: `events ${route.target.handler} failed after Lambda's async retries`,
      }).queue;
      new CfnOutput(this, `${route.id}FailureDlqUrl`, { value: failureDlq.queueUrl });
      return { route, deliveryDlq, failureDlq };
    }

    const consumer = HANDLER_SETTINGS[route.target.handler].queue;
    if (consumer === undefined) {
      throw new Error(
        `Route ${route.id} queues events for ${route.target.handler}, whose HANDLER_SETTINGS entry has no queue settings`,
      );
    }
    const workQueue = new WorkQueue(this, `${route.id}Queue`, {
      visibilityTimeout: Duration.seconds(queueVisibilityTimeoutSeconds(route.target.handler)),
      maxReceiveCount: consumer.maxReceiveCount,
      purpose: `the ${route.id} route`,
    });
    const rule = new events.Rule(this, `${route.id}Rule`, {
      eventBus: this.eventBus,
      description: route.description,
      eventPattern: toRulePattern(route.eventPattern),
      targets: [
        new targets.SqsQueue(workQueue.queue, { deadLetterQueue: deliveryDlq, ...RULE_RETRY }),
      ],
    });
    new CfnOutput(this, `${route.id}RuleArn`, { value: rule.ruleArn });
    new CfnOutput(this, `${route.id}QueueUrl`, { value: workQueue.queue.queueUrl });
    new CfnOutput(this, `${route.id}DlqUrl`, { value: workQueue.deadLetterQueue.queueUrl });
    return { route, deliveryDlq, workQueue };
  }
}

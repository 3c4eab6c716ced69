// Delivers renewal-risk task events to a CSM tool (Slack workflow, CRM) over
// HTTPS: a rule on the engine's own task events, an EventBridge API
// destination with a rate limit, and a connection that authenticates with an
// API key header taken from Secrets Manager at deploy time.
import { SecretValue, type Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENGINE_EVENT_SOURCE, OUTBOUND_DETAIL_TYPES } from '../../lambdas/domain/events/detail-types';
import type { EventPattern } from '../routing/routing-table';
import type { TaskWebhookConfig } from '../config/stage-config';
import { toRulePattern } from './route-pattern';

/**
 * The task lifecycle a CSM acts on. Only the engine's own source: the bus
 * policy keeps producers from forging it, so nobody can post fake tasks.
 */
export const TASK_WEBHOOK_PATTERN: EventPattern = {
  source: [ENGINE_EVENT_SOURCE],
  'detail-type': [
    OUTBOUND_DETAIL_TYPES.renewalRiskTaskCreated,
    OUTBOUND_DETAIL_TYPES.renewalRiskEscalated,
    OUTBOUND_DETAIL_TYPES.renewalRiskResolved,
    OUTBOUND_DETAIL_TYPES.renewalRiskTaskReassigned,
  ],
};

export interface TaskWebhookProps {
  readonly eventBus: events.IEventBus;
  readonly webhook: TaskWebhookConfig;
  /** Events still undelivered after the retries. */
  readonly deadLetterQueue: sqs.IQueue;
  readonly retry: { readonly retryAttempts: number; readonly maxEventAge: Duration };
}

export class TaskWebhook extends Construct {
  public readonly connection: events.Connection;
  public readonly destination: events.ApiDestination;
  public readonly rule: events.Rule;

  public constructor(scope: Construct, id: string, props: TaskWebhookProps) {
    super(scope, id);
    const { webhook } = props;
    this.connection = new events.Connection(this, 'Connection', {
      description: `API key for the CSM task webhook (${webhook.headerName} header)`,
      // The whole SecretString is the key. EventBridge copies it into a secret
      // of its own when the connection is created: after rotating the source
      // secret, redeploy (docs/runbook.md).
      authorization: events.Authorization.apiKey(webhook.headerName, SecretValue.secretsManager(webhook.secretName)),
    });
    this.destination = new events.ApiDestination(this, 'Destination', {
      description: 'CSM task webhook: renewal-risk tasks created, escalated and resolved',
      connection: this.connection,
      endpoint: webhook.url,
      httpMethod: events.HttpMethod.POST,
      // EventBridge holds back what exceeds the rate and keeps retrying it
      // within the retry policy, so a burst of checks cannot flood the tool.
      rateLimitPerSecond: webhook.rateLimitPerSecond,
    });
    this.rule = new events.Rule(this, 'Rule', {
      eventBus: props.eventBus,
      description: 'Renewal-risk task events to the CSM task webhook',
      eventPattern: toRulePattern(TASK_WEBHOOK_PATTERN),
      targets: [
        new targets.ApiDestination(this.destination, {
          deadLetterQueue: props.deadLetterQueue,
          retryAttempts: props.retry.retryAttempts,
          maxEventAge: props.retry.maxEventAge,
        }),
      ],
    });
  }
}

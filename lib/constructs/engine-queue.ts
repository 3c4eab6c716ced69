// SQS queues with the engine's guardrails: encrypted, TLS only, 14 days of
// retention, and either a dead-letter queue behind them or a dead-letter
// queue themselves.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeRules } from './acknowledge-rule';

/**
 * The longest SQS retention. A message only expires from the work queue if
 * nothing consumes it (function broken or being replaced) for this long; the
 * age-of-oldest-message alarm fires within minutes.
 */
export const QUEUE_RETENTION = Duration.days(14);

// SSE-SQS rather than a KMS key: EventBridge can deliver to it without a key
// policy, there is no per-request KMS charge in the cost per outcome, and
// messages are encrypted at rest all the same.
const GUARDRAILS = {
  encryption: sqs.QueueEncryption.SQS_MANAGED,
  enforceSSL: true,
  retentionPeriod: QUEUE_RETENTION,
  // Failed outcomes and in-flight work are data: never dropped with the stack.
  removalPolicy: RemovalPolicy.RETAIN,
} as const;

export interface DeadLetterQueueProps {
  /** What ends up here, for the nag suppression reason and the console. */
  readonly purpose: string;
}

/** A queue that only ever holds messages that could not be processed or delivered. */
export class DeadLetterQueue extends Construct {
  public readonly queue: sqs.Queue;

  public constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', GUARDRAILS);
    acknowledgeRules(this.queue, [
      {
        id: 'AwsSolutions-SQS3',
        reason: `Dead-letter queue itself (${props.purpose}); messages end here, are alarmed on and redriven by hand.`,
      },
      {
        id: 'Serverless-SQSRedrivePolicy',
        reason: `Dead-letter queue itself (${props.purpose}); a redrive policy would only move failures further away from the alarm.`,
      },
    ]);
  }
}

export interface WorkQueueProps {
  /** Six times the consuming function's timeout. */
  readonly visibilityTimeout: Duration;
  /** Receives before a message moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
  readonly purpose: string;
}

/** A queue drained by a function, with its dead-letter queue. */
export class WorkQueue extends Construct {
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;

  public constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    this.deadLetterQueue = new DeadLetterQueue(this, 'Dlq', {
      purpose: `messages of ${props.purpose} that failed ${props.maxReceiveCount} times`,
    }).queue;
    this.queue = new sqs.Queue(this, 'Queue', {
      ...GUARDRAILS,
      visibilityTimeout: props.visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });
  }
}

export interface AlertQueueProps {
  /** What the queue holds, for the nag acknowledgement and the console. */
  readonly purpose: string;
}

/**
 * Holds engine events an operator must act on (e.g. Invoice Reconciliation
 * Failed). No function consumes it: its alarm stays on while it holds any
 * message, so the operator deletes each message once it has been dealt with.
 */
export class AlertQueue extends Construct {
  public readonly queue: sqs.Queue;

  public constructor(scope: Construct, id: string, props: AlertQueueProps) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', GUARDRAILS);
    acknowledgeRules(this.queue, [
      {
        id: 'AwsSolutions-SQS3',
        reason: `Alert queue (${props.purpose}): read and deleted by an operator, never by a function, so no receive can fail and nothing needs a dead-letter queue.`,
      },
      {
        id: 'Serverless-SQSRedrivePolicy',
        reason: `Alert queue (${props.purpose}): a redrive policy would move unhandled alerts away from the alarm that watches this queue.`,
      },
    ]);
  }
}

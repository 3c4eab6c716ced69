// How each Lambda handler is deployed: size, time budget, what data it may
// touch, how it is invoked (a queue, or a public URL) and how much it may run
// at once. Keyed by FunctionName (route targets and HTTP endpoints), so adding
// a handler to the routing table does not compile until its deployment is
// decided here. Both stacks read it: the stateful stack sizes queue
// visibility timeouts from the function timeout, the stateless stack builds
// the function and its grants.
import type { FunctionName, HandlerName } from '../routing/routing-table';
import type { StageConfig } from './stage-config';

/**
 * Access to a table, by intent rather than by action list.
 * - `append`: write new items and read; no UpdateItem, no DeleteItem, so IAM
 *   itself keeps the ledger append-only.
 * - `read`: GetItem, BatchGetItem, Query.
 * - `read-write`: read plus PutItem, UpdateItem, DeleteItem, ConditionCheckItem.
 * - `record-once`: PutItem and UpdateItem only: claim an item by a conditional
 *   put, then update that item. No read, no delete (the Stripe webhook).
 */
export type TableAccess = 'append' | 'read' | 'read-write' | 'record-once';

export const TABLE_ACTIONS: Readonly<Record<TableAccess, readonly string[]>> = {
  read: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
  append: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:PutItem',
    'dynamodb:ConditionCheckItem',
  ],
  // A conditional put with ReturnValuesOnConditionCheckFailure=ALL_OLD returns
  // the existing item without dynamodb:GetItem.
  'record-once': ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
  'read-write': [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:ConditionCheckItem',
  ],
};

export interface QueueConsumerSettings {
  /** Messages per invocation; above 10 needs a batching window of at least 1 s. */
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  /** Receives before a message moves to the DLQ. */
  readonly maxReceiveCount: number;
  /** Caps concurrent functions driven by the queue (protects downstreams); none if undefined. */
  readonly maxConcurrency?: (config: StageConfig) => number;
  /** Alarm when the oldest waiting message is older than this. */
  readonly maxMessageAgeSeconds: (config: StageConfig) => number;
}

/** A public HTTPS endpoint (Lambda Function URL) in front of the function. */
export interface FunctionUrlSettings {
  /**
   * How requests are authenticated when the URL itself has no IAM auth
   * (AuthType NONE). Required, so a public URL never exists without a stated
   * reason; it becomes the cdk-nag acknowledgement.
   */
  readonly authenticatedBy: string;
}

export interface HandlerSettings {
  readonly description: string;
  readonly memorySizeMb: number;
  readonly timeoutSeconds: number;
  readonly access: {
    readonly ledger?: TableAccess;
    readonly engine?: TableAccess;
    /** Publishes events (e.g. Outcome Rejected) on the engine's bus. */
    readonly publishesEvents?: boolean;
    /**
     * Reads the stage's Stripe secret (`stripeSecretName`): GetSecretValue on
     * that secret only, its name in STRIPE_SECRET_ARN.
     */
    readonly stripeSecret?: boolean;
  };
  /** Invoked through a public Function URL, for endpoints that are not behind a route. */
  readonly functionUrl?: FunctionUrlSettings;
  /**
   * Reserved concurrency: guaranteed to the function and its upper bound.
   * For public endpoints, so a flood cannot take the account's concurrency.
   */
  readonly reservedConcurrency?: (config: StageConfig) => number;
  /** How the handler's queue is drained, for handlers behind a queue route. */
  readonly queue?: QueueConsumerSettings;
  /** Handler-specific environment derived from the stage configuration. */
  readonly environment?: (config: StageConfig) => Record<string, string>;
}

export const HANDLER_SETTINGS: Readonly<Record<FunctionName, HandlerSettings>> = {
  'ingest-outcomes': {
    description: 'Meters outcome events from the ingest queue into the ledger exactly once',
    // 256 MB on arm64: a batch of 100 conditional writes is network-bound, and
    // this size keeps the cold start short without paying for idle memory.
    memorySizeMb: 256,
    // A batch normally takes well under a second; the headroom covers SDK
    // retries with back-off while DynamoDB throttles, which must be retried
    // rather than reported as bad input.
    timeoutSeconds: 30,
    access: { ledger: 'append', engine: 'read', publishesEvents: true },
    queue: {
      // Bigger batches cut Lambda and SQS requests per outcome (the cost model
      // assumes >= 10); partial batch responses mean one bad outcome never
      // replays the other 99.
      batchSize: 100,
      maxBatchingWindowSeconds: 1,
      maxReceiveCount: 5,
      maxConcurrency: (config) => config.ingest.maxConcurrency,
      maxMessageAgeSeconds: (config) => config.ingest.maxMessageAgeSeconds,
    },
    environment: (config) => ({ BACKDATING_WINDOW_DAYS: String(config.backdatingWindowDays) }),
  },
  'stripe-webhook': {
    description: 'Verifies Stripe webhook signatures and records payment signals once, republished on the bus',
    // One conditional put, one PutEvents and one update per event; the secret
    // is fetched once per container. 256 MB keeps the cold start (Stripe SDK
    // plus AWS clients) short.
    memorySizeMb: 256,
    // Stripe expects a quick 2xx and retries a delivery that times out; 10 s
    // covers a cold start plus SDK retries on a throttled table, and a timed
    // out delivery is simply retried (the signal is recorded once).
    timeoutSeconds: 10,
    access: { engine: 'record-once', publishesEvents: true, stripeSecret: true },
    functionUrl: {
      authenticatedBy:
        'Stripe cannot sign requests with AWS SigV4, so the URL has no IAM auth; every request is authenticated by its Stripe-Signature (HMAC-SHA256 of the raw body with the webhook secret, at most 300 s old) before anything is read or stored, and an unsigned or stale request gets a 400.',
    },
    reservedConcurrency: (config) => config.stripeWebhook.reservedConcurrency,
  },
};

/**
 * Visibility timeout for a queue drained by `handler`: six times the function
 * timeout (AWS guidance for SQS event sources), so a batch retried after a
 * throttle is not redelivered while still being processed.
 */
export function queueVisibilityTimeoutSeconds(handler: HandlerName): number {
  return 6 * HANDLER_SETTINGS[handler].timeoutSeconds;
}

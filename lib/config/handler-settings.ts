// How each Lambda handler is deployed: size, time budget, what data it may
// touch and how its queue is drained. Keyed by HandlerName, so adding a
// handler to the routing table does not compile until its deployment is
// decided here. Both stacks read it: the stateful stack sizes queue
// visibility timeouts from the function timeout, the stateless stack builds
// the function and its grants.
import type { HandlerName } from '../routing/routing-table';
import type { StageConfig } from './stage-config';

/**
 * Access to a table, by intent rather than by action list.
 * - `append`: write new items and read; no UpdateItem, no DeleteItem, so IAM
 *   itself keeps the ledger append-only.
 * - `read`: GetItem, BatchGetItem, Query.
 * - `read-write`: read plus PutItem, UpdateItem, DeleteItem, ConditionCheckItem.
 */
export type TableAccess = 'append' | 'read' | 'read-write';

export const TABLE_ACTIONS: Readonly<Record<TableAccess, readonly string[]>> = {
  read: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
  append: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:PutItem',
    'dynamodb:ConditionCheckItem',
  ],
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

export interface HandlerSettings {
  readonly description: string;
  readonly memorySizeMb: number;
  readonly timeoutSeconds: number;
  readonly access: {
    readonly ledger?: TableAccess;
    readonly engine?: TableAccess;
    /** Publishes events (e.g. Outcome Rejected) on the engine's bus. */
    readonly publishesEvents?: boolean;
  };
  /** How the handler's queue is drained, for handlers behind a queue route. */
  readonly queue?: QueueConsumerSettings;
  /** Handler-specific environment derived from the stage configuration. */
  readonly environment?: (config: StageConfig) => Record<string, string>;
}

export const HANDLER_SETTINGS: Readonly<Record<HandlerName, HandlerSettings>> = {
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
};

/**
 * Visibility timeout for a queue drained by `handler`: six times the function
 * timeout (AWS guidance for SQS event sources), so a batch retried after a
 * throttle is not redelivered while still being processed.
 */
export function queueVisibilityTimeoutSeconds(handler: HandlerName): number {
  return 6 * HANDLER_SETTINGS[handler].timeoutSeconds;
}

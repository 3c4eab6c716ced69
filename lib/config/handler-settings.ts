// How each Lambda handler is deployed: size, time budget, what data it may
// touch, how it is invoked (a queue, a public URL, a schedule or an operator)
// and how much it may run at once. Keyed by FunctionName (route targets, HTTP
// endpoints, schedule targets, operator entry points), so adding a handler to
// the routing table does not compile until its deployment is decided here.
// Both stacks read it: the stateful stack sizes queue visibility timeouts from
// the function timeout, the stateless stack builds the function and its grants.
import type { FunctionName, HandlerName, ScheduledHandlerName } from '../routing/routing-table';
import {
  CORRECTION_MAX_CONCURRENCY,
  CORRECTION_STRIPE_RATE_PER_SECOND,
  CORRECTIONS_STRIPE_BUDGET,
  THRESHOLD_INVOICING_MAX_CONCURRENCY,
  THRESHOLD_INVOICING_STRIPE_RATE_PER_SECOND,
  type StageConfig,
} from './stage-config';
import { RENEWAL_RISK_SETTINGS_ENV } from '../../lambdas/application/risk/risk-settings';

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

/**
 * Names of the environment variables through which a scheduling function
 * learns where its schedules go. Each handler reads its own names (see its
 * env schema), so the stack sets exactly those.
 */
export interface ScheduleEnvironmentNames {
  /** The schedule group its schedules live in. */
  readonly groupName: string;
  /** ARN of the function the schedules invoke. */
  readonly functionArn: string;
  /** The role Scheduler assumes to invoke it (passed with iam:PassRole). */
  readonly roleArn: string;
  /** The queue Scheduler sends invocations it could not make. */
  readonly deadLetterArn: string;
}

/** Creates, updates and deletes one-time schedules that invoke `target`. */
export interface ScheduleAccess {
  readonly target: ScheduledHandlerName;
  readonly environmentNames: ScheduleEnvironmentNames;
}

/** Scheduler actions a scheduling function needs: exactly the calls of lambdas/adapters/scheduler/. */
export const SCHEDULE_ACTIONS: readonly string[] = [
  'scheduler:CreateSchedule',
  'scheduler:GetSchedule',
  'scheduler:UpdateSchedule',
  'scheduler:DeleteSchedule',
];

/**
 * For functions whose reserved concurrency is meant to hold work back (the
 * period close, in front of Stripe's rate limit): a throttle is then the
 * design, not a fault. Lambda keeps throttled asynchronous events and retries
 * them for up to 6 hours, so the stack alarms on how long the oldest event has
 * waited instead of on throttles.
 */
export interface ThrottledByDesign {
  readonly reason: string;
  /** Alarm threshold: the oldest waiting asynchronous event is older than this. */
  readonly maxAsyncEventAgeSeconds: number | ((config: StageConfig) => number);
  /** How long Lambda keeps a waiting event before the on-failure destination. @default 6 h (Lambda's maximum) */
  readonly maxEventAgeSeconds?: (config: StageConfig) => number;
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

/** A Function URL only principals of the account with the stack's invoke policy may call. */
export interface IamFunctionUrlSettings {
  /** Who calls it and why synchronously: the reason the function needs no dead-letter queue. */
  readonly calledBy: string;
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
    /** Manages the one-time schedules of a scheduled handler (its group only). */
    readonly schedules?: ScheduleAccess;
  };
  /** Invoked through a public Function URL, for endpoints that are not behind a route. */
  readonly functionUrl?: FunctionUrlSettings;
  /**
   * Invoked through a Function URL with IAM auth (AuthType AWS_IAM): callers
   * sign with SigV4 and need the managed policy the stack creates for it.
   */
  readonly iamFunctionUrl?: IamFunctionUrlSettings;
  /**
   * Reserved concurrency: guaranteed to the function and its upper bound.
   * For public endpoints, so a flood cannot take the account's concurrency.
   */
  readonly reservedConcurrency?: (config: StageConfig) => number;
  /** How the handler's queue is drained, for handlers behind a queue route. */
  readonly queue?: QueueConsumerSettings;
  /** Handler-specific environment derived from the stage configuration. */
  readonly environment?: (config: StageConfig) => Record<string, string>;
  /**
   * Invoked only synchronously (Lambda Invoke with IAM, by operators or a
   * pipeline): who calls it and how a failure reaches them. Recorded as the
   * reason the function needs no dead-letter queue.
   */
  readonly invokedSynchronouslyBy?: string;
  readonly throttledByDesign?: ThrottledByDesign;
}

/**
 * Stripe requests per second one close process may make (STRIPE_RATE_PER_SECOND):
 * the stage budget less the corrections' share, shared evenly by the most
 * closes that can run at once (reserved concurrency), rounded down, so
 * maxConcurrency x perProcess + CORRECTIONS_STRIPE_BUDGET <= stripeRequestsPerSecond <= 100 (Stripe live).
 */
export function stripeRatePerCloseProcess(config: Pick<StageConfig, 'periodClose'>): number {
  const { stripeRequestsPerSecond, maxConcurrency } = config.periodClose;
  // Two decimals, rounded down: the token bucket takes fractions, and rounding
  // up could push the fleet over its budget.
  return Math.floor(((stripeRequestsPerSecond - CORRECTIONS_STRIPE_BUDGET) / maxConcurrency) * 100) / 100;
}

export {
  CORRECTION_MAX_CONCURRENCY,
  CORRECTION_STRIPE_RATE_PER_SECOND,
  CORRECTIONS_STRIPE_BUDGET,
  THRESHOLD_INVOICING_MAX_CONCURRENCY,
  THRESHOLD_INVOICING_STRIPE_RATE_PER_SECOND,
};

/** The stage's renewal-risk settings for the functions that check and schedule (read by renewalRiskSettingsFromEnv). */
function renewalRiskEnvironment(config: StageConfig): Record<string, string> {
  return config.renewalRisk === undefined ? {} : { [RENEWAL_RISK_SETTINGS_ENV]: JSON.stringify(config.renewalRisk) };
}

/**
 * Usage rollup cells are trusted up to this long before now; the ledger
 * stream's iterator-age alarm fires at a third of it, long before a cell
 * could be trusted while still missing entries.
 */
export const USAGE_ROLLUP_SETTLE_MINUTES = 15;

/** What a stream consumer needs on the stream (Lambda's event source mapping reads it with the function's role). */
export const STREAM_READ_ACTIONS: readonly string[] = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'];

/** How the ledger table's stream is read into the usage rollups. */
export const LEDGER_STREAM_CONSUMER = {
  /** Records per invocation: one write per touched cell, so bigger batches cost fewer writes per outcome. */
  batchSize: 1000,
  /** Gathering for up to 5 s turns a busy customer's outcomes into one write per cell every few seconds. */
  maxBatchingWindowSeconds: 5,
  /** A batch that keeps failing is retried, halved, then its coordinates go to the on-failure queue. */
  retryAttempts: 10,
  /** Alarm when the stream is read this far behind: a third of the settle lag. */
  maxIteratorAgeSeconds: (USAGE_ROLLUP_SETTLE_MINUTES * 60) / 3,
} as const;

export const HANDLER_SETTINGS: Readonly<Record<FunctionName, HandlerSettings>> = {
  'apply-ledger-changes': {
    description: "Folds the ledger table's stream into the usage rollups (one write per cell and batch), then fires spend alerts",
    // Batches of up to 1,000 small records; adjustments read their outcome.
    memorySizeMb: 256,
    timeoutSeconds: 60,
    // Publishes the spend alerts (Usage/Spend Threshold Reached, Credit Balance Low, Cap Reached).
    access: { ledger: 'read', engine: 'read-write', publishesEvents: true },
  },
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
    environment: (config) => ({
      BACKDATING_WINDOW_DAYS: String(config.backdatingWindowDays),
      // Entries recorded later than the close grace after their outcome are announced for correction.
      CLOSE_GRACE_HOURS: String(config.periodClose.graceHours),
    }),
  },
  'open-disputes': {
    description: 'Opens disputes of billed outcomes in the ledger (Outcome Disputed), once per dispute id',
    // One read and one conditional put per disputed outcome, eight at a time.
    memorySizeMb: 256,
    // A dispute names up to 1,000 outcomes; with SDK retries under throttling that takes a while.
    timeoutSeconds: 60,
    access: { ledger: 'append', engine: 'read', publishesEvents: true },
    queue: {
      batchSize: 10,
      maxBatchingWindowSeconds: 0,
      maxReceiveCount: 5,
      maxMessageAgeSeconds: () => 900,
    },
    environment: (config) => ({
      CLOSE_GRACE_HOURS: String(config.periodClose.graceHours),
    }),
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
  'check-caps': {
    description: 'Answers whether a contract may consume N more of a metric now (its caps), for producers, behind an IAM-authenticated Function URL',
    // Rates the open period to date like `spend`: one contract read, the
    // rollup cells of the period and the unsealed ledger tail.
    memorySizeMb: 512,
    // A producer waits on the answer: a check normally takes well under a
    // second; 10 s covers a cold start plus SDK retries on a throttled table.
    timeoutSeconds: 10,
    // Read-only: the answer changes nothing.
    access: { ledger: 'read', engine: 'read' },
    iamFunctionUrl: {
      calledBy:
        'Producers call it synchronously through its Function URL with SigV4 (AuthType AWS_IAM) and get every failure back as the HTTP answer (5xx: retry); it is never invoked asynchronously, so there is nothing to dead-letter.',
    },
    environment: () => ({
      // Usage through the rollups the ledger stream keeps, as `spend` and the close read it (docs/rollups.md).
      USAGE_ROLLUP_SETTLE_MINUTES: String(USAGE_ROLLUP_SETTLE_MINUTES),
    }),
  },
  'load-plans': {
    description: 'Validates and stores plans and contracts, announcing each contract change on the bus',
    // Up to 200 items per request, each parsed with zod and stored with a
    // conditional write; more memory buys CPU for the parsing, and the
    // function runs a few times a month.
    memorySizeMb: 512,
    // Matches the AWS CLI's default 60 s read timeout, so a caller never gives
    // up on a load that is still running (a repeat would be harmless anyway:
    // every write is idempotent).
    timeoutSeconds: 60,
    access: { engine: 'read-write', publishesEvents: true },
    invokedSynchronouslyBy:
      'Operators and deployment pipelines call it with `aws lambda invoke` (IAM-authenticated, synchronous, RequestResponse): every item\'s result or error is returned to the caller, who retries; it is never invoked asynchronously, so there is nothing to dead-letter.',
  },
  'close-period': {
    description: "Closes one contract's billing period: rates the ledger as of the cutoff, stores the invoice, bills it through Stripe and reconciles",
    // The Stripe SDK, decimal.js rating and the ledger read of a whole period;
    // 512 MB also shortens each close's CPU-bound rating.
    memorySizeMb: 512,
    // A close makes a few dozen Stripe calls at the per-process rate, plus
    // back-off on 429 and 5xx. Five minutes lets a Stripe hiccup pass inside
    // one attempt; an interrupted close resumes on the retry without duplicates.
    timeoutSeconds: 300,
    access: { ledger: 'read', engine: 'read-write', publishesEvents: true, stripeSecret: true },
    // Bounded so maxConcurrency processes x STRIPE_RATE_PER_SECOND each stays
    // within stripeRequestsPerSecond (<= Stripe's 100 req/s live limit).
    reservedConcurrency: (config) => config.periodClose.maxConcurrency,
    throttledByDesign: {
      reason:
        'Reserved concurrency is the Stripe rate limit: at a month end every contract closes at once and the excess waits in Lambda\'s asynchronous queue.',
      // A month end of 2,000 contracts at 5 closes at once drains in minutes;
      // an hour of waiting (the default) means closes are failing or hanging,
      // or the month end outgrows the fleet (capacity: docs/production-stack.md).
      maxAsyncEventAgeSeconds: (config) => config.periodClose.waitAlarmMinutes * 60,
      maxEventAgeSeconds: (config) => config.periodClose.maxWaitHours * 3600,
    },
    environment: (config) => ({
      FINALIZE_INVOICES: String(config.periodClose.finalizeInvoices),
      CLOSE_GRACE_HOURS: String(config.periodClose.graceHours),
      STRIPE_RATE_PER_SECOND: String(stripeRatePerCloseProcess(config)),
      // Usage through the rollups the ledger stream keeps (docs/rollups.md).
      USAGE_ROLLUP_SETTLE_MINUTES: String(USAGE_ROLLUP_SETTLE_MINUTES),
    }),
  },
  'correct-invoiced-period': {
    description: 'Corrects invoiced periods as soon as the ledger changes them: credit notes on the original invoice, adjustment invoices for a final period',
    // The same work as a close for one period (re-rating, a few Stripe calls).
    memorySizeMb: 512,
    // A batch corrects each period it touches once, a few Stripe calls each at
    // CORRECTION_STRIPE_RATE_PER_SECOND, plus back-off on 429 and 5xx.
    timeoutSeconds: 120,
    access: { ledger: 'read', engine: 'read-write', publishesEvents: true, stripeSecret: true },
    queue: {
      // A burst of late outcomes or reversals for one period arrives within
      // seconds: a long batching window lets one invocation correct it once.
      batchSize: 50,
      maxBatchingWindowSeconds: 30,
      maxReceiveCount: 5,
      // SQS's lowest bound: corrections share Stripe's account limit with the closes.
      maxConcurrency: () => CORRECTION_MAX_CONCURRENCY,
      // A period whose close is due but unfinished is retried; an hour means closes are stuck.
      maxMessageAgeSeconds: () => 3600,
    },
    environment: (config) => ({
      FINALIZE_INVOICES: String(config.periodClose.finalizeInvoices),
      CLOSE_GRACE_HOURS: String(config.periodClose.graceHours),
      STRIPE_RATE_PER_SECOND: String(CORRECTION_STRIPE_RATE_PER_SECOND),
    }),
  },
  'invoice-spend-thresholds': {
    description: "Threshold invoicing: rates the open period of a customer's contracts to date and issues a threshold invoice through Stripe once the unbilled spend reaches it",
    // The close's work for one period to date (rating, a few Stripe calls).
    memorySizeMb: 512,
    // A few customers per batch, each a rating and at most one invoice at
    // THRESHOLD_INVOICING_STRIPE_RATE_PER_SECOND, plus back-off on 429 and 5xx.
    timeoutSeconds: 120,
    access: { ledger: 'read', engine: 'read-write', publishesEvents: true, stripeSecret: true },
    queue: {
      // A busy customer is announced after every stream batch (every few
      // seconds): a 20 s window evaluates it once for all of them.
      batchSize: 50,
      maxBatchingWindowSeconds: 20,
      maxReceiveCount: 5,
      maxConcurrency: () => THRESHOLD_INVOICING_MAX_CONCURRENCY,
      // Requests normally wait seconds; 15 minutes means evaluations keep failing.
      maxMessageAgeSeconds: () => 900,
    },
    environment: (config) => ({
      FINALIZE_INVOICES: String(config.periodClose.finalizeInvoices),
      CLOSE_GRACE_HOURS: String(config.periodClose.graceHours),
      STRIPE_RATE_PER_SECOND: String(THRESHOLD_INVOICING_STRIPE_RATE_PER_SECOND),
      // Usage through the rollups the ledger stream keeps, as the close reads it (docs/rollups.md).
      USAGE_ROLLUP_SETTLE_MINUTES: String(USAGE_ROLLUP_SETTLE_MINUTES),
    }),
  },
  'check-renewal-risk': {
    description: "Assesses a contract's renewal risk at a checkpoint and opens, escalates or resolves its CSM task",
    // Reads the ledger's usage over the term (several periods) and scores it.
    memorySizeMb: 256,
    timeoutSeconds: 60,
    access: { ledger: 'read', engine: 'read-write', publishesEvents: true },
    environment: (config) => ({
      ...renewalRiskEnvironment(config),
      // Usage through the rollups the ledger stream keeps, as the close reads it (docs/rollups.md).
      USAGE_ROLLUP_SETTLE_MINUTES: String(USAGE_ROLLUP_SETTLE_MINUTES),
    }),
  },
  'evaluate-usage-drops': {
    description: "Evaluates every contract's usage-drop rule once a day and publishes Usage Dropped once per contract, metric and day",
    // Per contract with a rule: baselineDays + 1 daily reads through the rollups.
    memorySizeMb: 256,
    // Every contract in one run; a failed run is retried by Lambda (async) and then dead-lettered.
    timeoutSeconds: 300,
    // Engine read-write: the fired-alert markers (claim, then mark published).
    access: { ledger: 'read', engine: 'read-write', publishesEvents: true },
    environment: () => ({
      // Usage through the rollups the ledger stream keeps, as the close reads it (docs/rollups.md).
      USAGE_ROLLUP_SETTLE_MINUTES: String(USAGE_ROLLUP_SETTLE_MINUTES),
    }),
  },
  'schedule-renewal-checks': {
    description: "Keeps a contract's renewal-risk checkpoint schedules in step with its term, and its open tasks with its CSM",
    // A handful of Scheduler calls per contract change.
    memorySizeMb: 256,
    timeoutSeconds: 30,
    access: {
      // A CSM change moves the contract's open tasks to the new owner (a task
      // update) and announces it ('Renewal Risk Task Reassigned').
      engine: 'read-write',
      publishesEvents: true,
      schedules: {
        target: 'check-renewal-risk',
        environmentNames: {
          groupName: 'SCHEDULE_GROUP_NAME',
          functionArn: 'CHECK_FUNCTION_ARN',
          roleArn: 'SCHEDULER_ROLE_ARN',
          deadLetterArn: 'SCHEDULER_DEAD_LETTER_ARN',
        },
      },
    },
    // Default checkpoint days and the local check time come from the same settings.
    environment: renewalRiskEnvironment,
  },
  'schedule-period-closes': {
    description: "Keeps a contract's period-close schedules in step with its billing periods",
    memorySizeMb: 256,
    timeoutSeconds: 30,
    access: {
      engine: 'read',
      schedules: {
        target: 'close-period',
        environmentNames: {
          groupName: 'CLOSE_SCHEDULE_GROUP_NAME',
          functionArn: 'CLOSE_FUNCTION_ARN',
          roleArn: 'CLOSE_SCHEDULER_ROLE_ARN',
          deadLetterArn: 'CLOSE_SCHEDULER_DEAD_LETTER_ARN',
        },
      },
    },
    // The close instant is period end + grace: the same grace as the close function.
    environment: (config) => ({ CLOSE_GRACE_HOURS: String(config.periodClose.graceHours) }),
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

// Stage configuration for the CDK app, read once from CDK context and
// validated with zod so a typo fails `cdk synth` with a precise message
// instead of deploying a half-configured engine.
//
// Context keys:
//   stage   the stage to synthesize (e.g. `-c stage=prod`); default "dev"
//   stages  an object keyed by stage name holding that stage's settings
//           (everything below except `stage`); a stage without an entry
//           runs on the defaults.
import { z } from 'zod';
import { ENGINE_EVENT_SOURCE } from '../../lambdas/domain/events/detail-types';
import { RenewalRiskSettingsInputSchema } from '../../lambdas/application/risk/risk-settings';
import { EngineError } from '../../lambdas/domain/errors/engine-error';

/** CDK context key naming the stage to synthesize. */
export const STAGE_CONTEXT_KEY = 'stage';
/** CDK context key holding per-stage settings keyed by stage name. */
export const STAGES_CONTEXT_KEY = 'stages';
export const DEFAULT_STAGE = 'dev';

/** Values CloudWatch Logs accepts as a retention period (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

const accountIdSchema = z.string().regex(/^\d{12}$/, 'an AWS account id is 12 digits');

export const stageNameSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,19}$/,
    'a stage name is 1-20 lower-case letters, digits or hyphens, starting with a letter',
  );

const producerSourceSchema = z
  .string()
  .min(1)
  .max(256)
  .refine((source) => source !== ENGINE_EVENT_SOURCE, {
    message: `"${ENGINE_EVENT_SOURCE}" is the engine's own source; producers may not use it`,
  })
  .refine((source) => !source.startsWith('aws.'), {
    message: 'sources starting with "aws." are reserved for AWS services',
  });

export const producersSchema = z
  .object({
    /** Accounts whose principals may put events on the engine's bus. */
    accounts: z.array(accountIdSchema).default([]),
    /** An AWS Organization whose member accounts may put events. */
    organizationId: z
      .string()
      .regex(/^o-[a-z0-9]{10,32}$/, 'an organization id looks like o-abcdefghij')
      .optional(),
    /**
     * `source` values producers may use. Empty means any source except the
     * engine's own, so no producer can forge events the engine publishes.
     */
    sources: z.array(producerSourceSchema).default([]),
  })
  .strict();
export type ProducersConfig = z.infer<typeof producersSchema>;

export const alarmsSchema = z
  .object({
    /** Email address subscribed to the alarm topic (confirm the subscription mail once). */
    email: z.email().optional(),
    /** An existing SNS topic to notify instead of creating one. */
    topicArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'expected an SNS topic ARN')
      .optional(),
  })
  .strict();
export type AlarmsConfig = z.infer<typeof alarmsSchema>;

export const ingestTuningSchema = z
  .object({
    /** Upper bound of concurrent ingest functions the queue may drive (SQS ESM MaximumConcurrency). */
    maxConcurrency: z.number().int().min(2).max(1000).default(50),
    /** Alarm when the oldest message waiting for ingest is older than this. */
    maxMessageAgeSeconds: z.number().int().min(60).max(86_400).default(300),
  })
  .strict();

export const stripeWebhookTuningSchema = z
  .object({
    /**
     * Concurrency reserved for (and capping) the public webhook function: a
     * flood of requests, signed or not, can neither exhaust the account's
     * Lambda concurrency nor run up cost. Stripe retries throttled deliveries
     * (HTTP 429) with back-off for up to three days, so nothing is lost.
     */
    reservedConcurrency: z.number().int().min(1).max(1000).default(10),
  })
  .strict();

/**
 * Stripe's documented rate limits (requests per second per account). A stage
 * on a live key must stay under `live`; test-mode keys get `test`.
 */
export const STRIPE_ACCOUNT_RATE_LIMITS = { live: 100, test: 25 } as const;

/** Correction functions at once (the SQS event source's lowest MaximumConcurrency). */
export const CORRECTION_MAX_CONCURRENCY = 2;
/** Stripe requests per second of one correction process. */
export const CORRECTION_STRIPE_RATE_PER_SECOND = 2;
/**
 * Stripe requests per second the prompt corrections of invoiced periods take
 * out of the stage's budget (periodClose.stripeRequestsPerSecond), so closes
 * and corrections together stay within it.
 */
export const CORRECTIONS_STRIPE_BUDGET = CORRECTION_MAX_CONCURRENCY * CORRECTION_STRIPE_RATE_PER_SECOND;

/** Threshold invoicing functions at once (the SQS event source's lowest MaximumConcurrency). */
export const THRESHOLD_INVOICING_MAX_CONCURRENCY = 2;
/**
 * Stripe requests per second of one threshold invoicing process. Not part of
 * the close budget above: a threshold invoice is a handful of requests when a
 * customer crosses its threshold, so the 2/s at most come out of the headroom
 * stripeRequestsPerSecond leaves below Stripe's limit (docs/production-stack.md).
 */
export const THRESHOLD_INVOICING_STRIPE_RATE_PER_SECOND = 1;

export const periodCloseTuningSchema = z
  .object({
    /** Hours after a period ends (in the contract's zone) before it closes, so late outcomes make it in. */
    graceHours: z.number().min(0).max(24 * 31).default(24),
    /** false leaves Stripe invoices as drafts for review in the Stripe Dashboard. */
    finalizeInvoices: z.boolean().default(true),
    /**
     * Closes running at once: reserved concurrency of the close function, so
     * it is both guaranteed and the ceiling. Closes beyond it wait in Lambda's
     * asynchronous queue (throttles are retried for up to 6 hours).
     */
    maxConcurrency: z.number().int().min(1).max(100).default(5),
    /**
     * Stripe requests per second the engine may make on this stage's account:
     * the prompt corrections take CORRECTIONS_STRIPE_BUDGET of it, and the
     * close fleet shares the rest evenly: each close process gets
     * (stripeRequestsPerSecond - CORRECTIONS_STRIPE_BUDGET) / maxConcurrency
     * (STRIPE_RATE_PER_SECOND). 80 keeps 20 % of the live limit free for the
     * Dashboard, the CLI and other integrations on the same Stripe account;
     * set at most 25 for a stage on a test-mode key.
     */
    stripeRequestsPerSecond: z.number().int().min(1).max(STRIPE_ACCOUNT_RATE_LIMITS.live).default(80),
    /**
     * How long a scheduled close may wait in Lambda's asynchronous queue
     * (throttled behind maxConcurrency, or between retries) before Lambda
     * gives up and sends it to the failure DLQ. 6 h is Lambda's maximum; it
     * bounds how many contracts one month end can close (docs/production-stack.md).
     */
    maxWaitHours: z.number().int().min(1).max(6).default(6),
    /** Alarm when the oldest waiting close has waited this long: closes are failing, hanging, or the month end is larger than the fleet. */
    waitAlarmMinutes: z.number().int().min(5).max(359).default(60),
  })
  .strict()
  .refine((tuning) => tuning.waitAlarmMinutes < tuning.maxWaitHours * 60, {
    message: 'waitAlarmMinutes must be below maxWaitHours, or closes are dropped to the failure DLQ before the alarm warns',
    path: ['waitAlarmMinutes'],
  })
  // Below one request per second per process a close of a few dozen lines
  // would outlast the function's timeout.
  .refine((tuning) => tuning.stripeRequestsPerSecond - CORRECTIONS_STRIPE_BUDGET >= tuning.maxConcurrency, {
    message:
      `stripeRequestsPerSecond must be at least maxConcurrency + ${CORRECTIONS_STRIPE_BUDGET} ` +
      `(one Stripe request per second for each concurrent close, plus the corrections' ${CORRECTIONS_STRIPE_BUDGET})`,
    path: ['stripeRequestsPerSecond'],
  });
export type PeriodCloseTuning = z.infer<typeof periodCloseTuningSchema>;

/**
 * Where CSM tasks (renewal risk) are delivered: an HTTPS endpoint called by an
 * EventBridge API destination with an API key header.
 */
export const taskWebhookSchema = z
  .object({
    url: z.url({ protocol: /^https$/, hostname: z.regexes.domain }),
    /**
     * Secrets Manager secret whose SecretString is the API key sent in
     * `headerName`. Read once at deploy time by EventBridge, which keeps its
     * own copy in the connection.
     */
    secretName: z.string().min(1).max(512),
    headerName: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,128}$/, 'a header name is letters, digits and hyphens')
      .default('x-api-key'),
    /** Most deliveries per second to the endpoint (EventBridge queues the rest and retries). */
    rateLimitPerSecond: z.number().int().min(1).max(300).default(10),
  })
  .strict();
export type TaskWebhookConfig = z.infer<typeof taskWebhookSchema>;

/**
 * A web origin allowed to embed the customer portal in an iframe (CSP
 * `frame-ancestors`): https, a host (optionally `*.` for its subdomains) and
 * an optional port; no path, since browsers match origins only.
 */
export const portalOriginSchema = z
  .string()
  .regex(
    /^https:\/\/(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d{1,5})?$/,
    'an origin is https://host[:port] in lower case, optionally https://*.host, with no path',
  );

/** The web console for staff and the customer portal (docs/production-stack.md, "Console"). */
export const consoleSettingsSchema = z
  .object({
    /** Origins allowed to embed the customer portal (`/portal/`); none: it cannot be framed by other sites. */
    portalOrigins: z.array(portalOriginSchema).max(20).default([]),
    /** Days between automatic rotations of the portal link signing key (the previous key keeps verifying until the next). */
    portalLinkKeyRotationDays: z.number().int().min(1).max(365).default(30),
    /** MFA for staff: `required` (TOTP at every sign-in) or `optional` (each user chooses). */
    staffMfa: z.enum(['required', 'optional']).default('required'),
    /**
     * Prefix of the Cognito hosted sign-in domain (https://<prefix>.auth.<region>.amazoncognito.com);
     * unique within the region. Default: outcome-engine-<stage>-<account id>.
     */
    staffSignInDomainPrefix: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'a domain prefix is 1-63 lower-case letters, digits and hyphens')
      .refine((prefix) => !/aws|amazon|cognito/.test(prefix), { message: 'Cognito refuses domain prefixes containing aws, amazon or cognito' })
      .optional(),
    /** Requests per second (steady, burst) the console API accepts before answering 429. */
    apiRateLimitPerSecond: z.number().int().min(1).max(10_000).default(50),
    apiBurstLimit: z.number().int().min(1).max(5_000).default(100),
  })
  .strict();
export type ConsoleSettings = z.infer<typeof consoleSettingsSchema>;

/** What a stage entry under the `stages` context key may contain. */
export const stageSettingsSchema = z
  .object({
    /** Deploy to this account; default: the CLI's current account. */
    account: accountIdSchema.optional(),
    /** Deploy to this region; default: the CLI's current region. */
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected a region such as eu-west-1')
      .optional(),
    /**
     * Name of the Secrets Manager secret holding the Stripe keys as JSON
     * {"apiKey","webhookSecret"} (lambdas/adapters/stripe/stripe-secrets.ts).
     */
    stripeSecretName: z.string().min(1).max(512).optional(),
    producers: producersSchema.default({ accounts: [], sources: [] }),
    /**
     * IAM role ARNs (ArnLike patterns allowed) that may put events with the
     * engine's own source besides the engine's functions, e.g. the role
     * operators run `outcome-engine period close` or `contracts load` with
     * against this stage. Everyone else, in any account, is denied.
     */
    engineEventPublisherArns: z
      .array(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@*?/-]+$/, 'expected an IAM role ARN, e.g. arn:aws:iam::123456789012:role/billing-operator'))
      .default([]),
    alarms: alarmsSchema.default({}),
    /** Renewal-risk task events (created, escalated, resolved) posted to a webhook; none if absent. */
    taskWebhook: taskWebhookSchema.optional(),
    /**
     * Renewal-risk settings over the engine's defaults (docs/renewal-risk-cli.md,
     * "Settings"): checkpoint days, local check time, task tier, fallback owner,
     * due days, P1 thresholds, score weights and thresholds. Passed to the check
     * and scheduling functions as RENEWAL_RISK_SETTINGS.
     */
    renewalRisk: RenewalRiskSettingsInputSchema.refine((settings) => JSON.stringify(settings).length <= 2048, {
      message: 'renewalRisk must fit in 2048 characters of JSON (it travels in a Lambda environment, 4 KB in all)',
    }).optional(),
    /** The web console and customer portal: portal origins, key rotation, staff MFA. */
    console: consoleSettingsSchema.default({
      portalOrigins: [],
      portalLinkKeyRotationDays: 30,
      staffMfa: 'required',
      apiRateLimitPerSecond: 50,
      apiBurstLimit: 100,
    }),
    /** How far back `occurredAt` may lie; older outcomes are rejected. */
    backdatingWindowDays: z.number().int().min(1).max(3650).default(35),
    logRetentionDays: z
      .number()
      .int()
      .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
        message: `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
      })
      .default(30),
    logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
    /** How long the bus archive keeps events for replay; 0 keeps them indefinitely. */
    archiveRetentionDays: z.number().int().min(0).max(36_500).default(365),
    ingest: ingestTuningSchema.default({ maxConcurrency: 50, maxMessageAgeSeconds: 300 }),
    stripeWebhook: stripeWebhookTuningSchema.default({ reservedConcurrency: 10 }),
    periodClose: periodCloseTuningSchema.default({
      graceHours: 24,
      finalizeInvoices: true,
      maxConcurrency: 5,
      stripeRequestsPerSecond: 80,
      maxWaitHours: 6,
      waitAlarmMinutes: 60,
    }),
  })
  .strict();
export type StageSettings = z.input<typeof stageSettingsSchema>;

export const stageConfigSchema = stageSettingsSchema
  .extend({ stage: stageNameSchema })
  .transform((settings) => ({
    ...settings,
    stripeSecretName: settings.stripeSecretName ?? `outcome-engine/${settings.stage}/stripe`,
  }));
/** A validated stage configuration with every default filled in. */
export type StageConfig = z.infer<typeof stageConfigSchema>;

export class StageConfigError extends EngineError {
  readonly category = 'invalid_input';
  readonly code = 'stage_config_invalid';
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StageConfigError';
  }
}

/** Reads context values by key; `App.node.tryGetContext` fits. */
export type ContextReader = (key: string) => unknown;

/**
 * Builds the stage configuration from CDK context.
 *
 * @example
 *   const app = new App();
 *   const config = loadStageConfig((key) => app.node.tryGetContext(key));
 */
export function loadStageConfig(readContext: ContextReader): StageConfig {
  const stage = readContext(STAGE_CONTEXT_KEY) ?? DEFAULT_STAGE;
  const stages = readContext(STAGES_CONTEXT_KEY) ?? {};
  if (typeof stages !== 'object' || stages === null || Array.isArray(stages)) {
    throw new StageConfigError(
      `CDK context "${STAGES_CONTEXT_KEY}" must be an object keyed by stage name`,
    );
  }
  const settings = typeof stage === 'string' ? (stages as Record<string, unknown>)[stage] : undefined;
  if (settings !== undefined && !isRecord(settings)) {
    throw new StageConfigError(
      `CDK context "${STAGES_CONTEXT_KEY}.${String(stage)}" must be an object of stage settings`,
    );
  }
  return parseStageConfig({ ...settings, stage });
}

/** Validates one stage's settings (plus its name); throws StageConfigError listing every problem. */
export function parseStageConfig(input: unknown): StageConfig {
  const parsed = stageConfigSchema.safeParse(input);
  if (!parsed.success) {
    const stage = isRecord(input) ? String(input.stage) : '?';
    throw new StageConfigError(
      `Invalid configuration for stage "${stage}" (CDK context "${STAGES_CONTEXT_KEY}.${stage}"):\n` +
        z.prettifyError(parsed.error),
      { cause: parsed.error },
    );
  }
  return parsed.data;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

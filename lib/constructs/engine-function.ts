// The one way the engine deploys a Lambda handler. Defaults it forces:
// - Node.js 22 on arm64 (about 20 % cheaper per GB-second than x86);
// - bundled locally by esbuild (no Docker): minified ESM with source maps,
//   every dependency bundled, including the AWS SDK, so the code runs with the
//   exact SDK versions the tests ran rather than whatever the runtime ships;
// - an explicit log group with retention, written through a role that may
//   write to that log group only (no AWSLambdaBasicExecutionRole);
// - X-Ray active tracing;
// - Powertools settings (service, metrics namespace, log level), with event
//   and response capture off so no payload lands in logs or traces;
// - caller environment merged over those defaults, never replacing them.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeRules } from './acknowledge-rule';

/** Repository root: the esbuild project root and the home of package-lock.json. */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Where handler entry files live: lambdas/handlers/<name>.ts. */
export const HANDLERS_DIR = path.join(PROJECT_ROOT, 'lambdas', 'handlers');

/**
 * Lets ESM bundles load CommonJS dependencies that call `require` (several
 * AWS SDK and Powertools transitive dependencies still do).
 */
const ESM_REQUIRE_SHIM =
  "import { createRequire as __engineCreateRequire } from 'node:module'; const require = __engineCreateRequire(import.meta.url);";

export interface PowertoolsSettings {
  readonly serviceName: string;
  readonly metricsNamespace: string;
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

export interface EngineFunctionProps {
  /** Absolute path of the handler's entry file; it must export `handler`. */
  readonly entry: string;
  readonly description: string;
  /** @default 256 */
  readonly memorySizeMb?: number;
  /** @default 30 */
  readonly timeoutSeconds?: number;
  readonly logRetention: logs.RetentionDays;
  readonly powertools: PowertoolsSettings;
  /** Added to (and overriding) the defaults above. */
  readonly environment?: Readonly<Record<string, string>>;
  /** Reserved concurrency (guaranteed and maximum); none if undefined. */
  readonly reservedConcurrency?: number;
  /**
   * IAM path of the execution role (`/.../`). The stack puts every engine
   * role under one path, which the bus policy trusts to publish the
   * engine's own events (lib/config/engine-roles.ts).
   * @default '/'
   */
  readonly rolePath?: string;
}

export interface QueueConsumerProps {
  readonly batchSize: number;
  readonly maxBatchingWindow: Duration;
  /** Caps the functions this queue may run at once (2..1000). */
  readonly maxConcurrency?: number;
}

export class EngineFunction extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;

  public constructor(scope: Construct, id: string, props: EngineFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'LogGroup', { retention: props.logRetention });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${id}`,
      ...(props.rolePath === undefined ? {} : { path: props.rolePath }),
    });
    this.logGroup.grantWrite(this.role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySizeMb ?? 256,
      timeout: Duration.seconds(props.timeoutSeconds ?? 30),
      ...(props.reservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: props.reservedConcurrency }),
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.powertools.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: props.powertools.metricsNamespace,
        POWERTOOLS_LOG_LEVEL: props.powertools.logLevel,
        POWERTOOLS_LOGGER_LOG_EVENT: 'false',
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
        ...props.environment,
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node22',
        platform: 'node',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        // Maps without embedded sources: stack traces still point at the
        // TypeScript lines, and the zip stays small.
        sourcesContent: false,
        externalModules: [],
        banner: ESM_REQUIRE_SHIM,
        forceDockerBundling: false,
      },
    });

    acknowledgeRules(
      this.role,
      [
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions; Resource "*" is the only valid value.',
        },
      ],
    );
    acknowledgeRules(this.function, [
      {
        id: 'AwsSolutions-L1',
        reason:
          'Pinned to nodejs22.x on purpose: the code is tested on Node 22 (package.json engines) and depends on @middy/core 7; move to the next LTS runtime together with the local toolchain.',
      },
      {
        id: 'Serverless-LambdaLatestVersion',
        reason:
          'Pinned to nodejs22.x on purpose: the code is tested on Node 22 (package.json engines) and depends on @middy/core 7; move to the next LTS runtime together with the local toolchain.',
      },
      {
        id: 'Serverless-LambdaStarPermissions',
        reason:
          'The only "*" resource in the role is X-Ray tracing (PutTraceSegments/PutTelemetryRecords), which has no resource-level permissions.',
      },
    ]);
  }

  /** The function's role, for grants. */
  public get grantPrincipal(): iam.IPrincipal {
    return this.role;
  }

  /**
   * Drains `queue` with partial batch responses, so only the failed messages
   * of a batch are retried and, after maxReceiveCount, dead-lettered.
   */
  public consumeQueue(queue: sqs.IQueue, props: QueueConsumerProps): void {
    this.function.addEventSource(
      new SqsEventSource(queue, {
        batchSize: props.batchSize,
        maxBatchingWindow: props.maxBatchingWindow,
        reportBatchItemFailures: true,
        ...(props.maxConcurrency === undefined ? {} : { maxConcurrency: props.maxConcurrency }),
      }),
    );
    acknowledgeRules(
      this.function,
      [
        {
          id: 'Serverless-LambdaDLQ',
          reason:
            'Invoked only by an SQS event source mapping, never asynchronously; failed messages go to the source queue\'s dead-letter queue through its redrive policy.',
        },
        {
          id: 'Serverless-LambdaEventSourceMappingDestination',
          reason:
            'SQS event source mappings take no on-failure destination; the source queue\'s redrive policy (maxReceiveCount) moves failed messages to its dead-letter queue.',
        },
      ],
    );
  }

  /**
   * A public HTTPS endpoint without IAM auth (AuthType NONE), for callers that
   * cannot sign with SigV4 (Stripe's webhooks). `authenticatedBy` says how the
   * function authenticates each request instead; it is the reason recorded
   * against the nag rule. Buffered responses, no CORS: server-to-server only.
   */
  public addPublicUrl(authenticatedBy: string): lambda.FunctionUrl {
    const url = this.function.addFunctionUrl({
      authType: lambda.FunctionUrlAuthType.NONE,
      invokeMode: lambda.InvokeMode.BUFFERED,
    });
    acknowledgeRules(url, [{ id: 'OutcomeEngine-LambdaFunctionUrlAuth', reason: authenticatedBy }]);
    acknowledgeRules(this.function, [
      {
        id: 'Serverless-LambdaDLQ',
        reason:
          'Invoked synchronously through its Function URL only, never asynchronously: a failed request is answered with an error and retried by the caller (Stripe retries deliveries for up to three days).',
      },
    ]);
    return url;
  }

  /**
   * An HTTPS endpoint with IAM auth (AuthType AWS_IAM): only principals of
   * the account whose policies allow it may call, signing with SigV4. Returns
   * the URL and a managed policy granting exactly that call, for callers to
   * attach. Lambda checks two actions on a URL call: InvokeFunctionUrl (for
   * AWS_IAM URLs) and InvokeFunction (only when it comes through the URL), so
   * the policy allows both and nothing else. `calledBy` is the reason
   * recorded for having no dead-letter queue.
   */
  public addIamUrl(calledBy: string): { readonly url: lambda.FunctionUrl; readonly invokePolicy: iam.ManagedPolicy } {
    const url = this.function.addFunctionUrl({
      authType: lambda.FunctionUrlAuthType.AWS_IAM,
      invokeMode: lambda.InvokeMode.BUFFERED,
    });
    const invokePolicy = new iam.ManagedPolicy(this, 'UrlInvokePolicy', {
      description: `Calls the Function URL of ${this.node.id} (SigV4, AuthType AWS_IAM)`,
      statements: [
        new iam.PolicyStatement({
          actions: ['lambda:InvokeFunctionUrl'],
          resources: [this.function.functionArn],
          conditions: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } },
        }),
        new iam.PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: [this.function.functionArn],
          conditions: { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } },
        }),
      ],
    });
    this.invokedSynchronouslyOnly(calledBy);
    return { url, invokePolicy };
  }

  /**
   * For functions only ever invoked synchronously (operators with Lambda
   * Invoke): the caller gets every failure back, so there is nothing to
   * dead-letter. `invokedBy` says who calls it and how; it is the reason
   * recorded against the nag rule.
   */
  /** For stream consumers: failed batches go to the event source mapping's on-failure destination. */
  public streamFailuresGoTo(destination: string): void {
    acknowledgeRules(this.function, [{ id: 'Serverless-LambdaDLQ', reason: `Stream consumer: ${destination}.` }]);
  }

  public invokedSynchronouslyOnly(invokedBy: string): void {
    acknowledgeRules(this.function, [{ id: 'Serverless-LambdaDLQ', reason: invokedBy }]);
  }

  /**
   * For handlers invoked asynchronously (EventBridge rule targets, Scheduler
   * schedules): after
   * Lambda's own retries, failed events go to `onFailure` with the error.
   */
  public sendAsyncFailuresTo(onFailure: sqs.IQueue, options: { readonly maxEventAge?: Duration } = {}): void {
    this.function.configureAsyncInvoke({
      retryAttempts: 2,
      // Lambda's maximum by default: a throttled event waits as long as Lambda allows.
      maxEventAge: options.maxEventAge ?? Duration.hours(6),
      onFailure: new SqsDestination(onFailure),
    });
    acknowledgeRules(this.function, [
      {
        id: 'Serverless-LambdaDLQ',
        reason:
          'Async failures go to an on-failure destination (an SQS queue), which also records the error and request context, unlike a function DLQ.',
      },
    ]);
  }
}

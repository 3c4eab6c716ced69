// The web console and customer portal in AWS:
// - the built app (dist/console/) in a private S3 bucket, read by CloudFront
//   through origin access control only;
// - CloudFront serving it over HTTPS with security headers (CSP with
//   frame-ancestors: none for the console, the stage's portal origins for
//   /portal), a viewer-request function sending the app's routes to its
//   index.html, and /api/* to the console API, never cached;
// - the console API: one Lambda (lambdas/handlers/console-api.ts) behind an
//   API Gateway HTTP API (payload v2), throttled per stage. An HTTP API
//   rather than a Function URL with origin access control, because OAC signs
//   the origin request with SigV4 in the Authorization header, which would
//   replace the staff member's Cognito token; the API authenticates every
//   request itself (staff token or portal link);
// - the staff sign-in: an app client and hosted-UI domain on the staff user
//   pool, with the CloudFront URL as callback;
// - the rotation of the portal link keys on the stage's schedule;
// - the statements bucket: a statement's CSV, of any length, is written here
//   by the API and downloaded by presigned link (a Lambda answer is at most
//   6 MB); private, TLS only, objects expire after a day.
// Access logs of the buckets, CloudFront and the HTTP API are kept.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Aws, CfnOutput, DefaultStackSynthesizer, Duration, Fn, IgnoreMode, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { CfnRotationSchedule } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { RENEWAL_PARTITION_PREFIX, type TableDesign } from '../../lambdas/adapters/dynamodb/table-design';
import { EngineError } from '../../lambdas/domain/errors/engine-error';
import { USAGE_ROLLUP_SETTLE_MINUTES } from '../config/handler-settings';
import type { StageConfig } from '../config/stage-config';
import { acknowledgeRules } from './acknowledge-rule';
import { DesignedTable } from './designed-table';
import { EngineFunction, HANDLERS_DIR, PROJECT_ROOT, type PowertoolsSettings } from './engine-function';

/** Where `npm run build` writes the console (scripts/build-console.mjs). */
export const CONSOLE_ASSETS_DIR = path.join(PROJECT_ROOT, 'dist', 'console');
/** The console API's entry, all routes under /api/. */
export const CONSOLE_API_ENTRY = path.join(HANDLERS_DIR, 'console-api.ts');
export const PORTAL_KEY_ROTATION_ENTRY = path.join(HANDLERS_DIR, 'rotate-portal-link-keys.ts');
/** Deployed next to the app: how the browser finds the API and the staff sign-in. */
export const CONSOLE_CONFIG_FILE = 'console-config.json';

/**
 * Lambda functions the console adds to the stateless stack: the API, the key
 * rotation, and aws-cdk-lib's BucketDeployment handler.
 */
export const CONSOLE_LAMBDA_FUNCTION_COUNT = 3;

/** Where the API writes statement CSVs in the statements bucket (lambdas/adapters/s3/s3-statement-file-store.ts). */
export const STATEMENT_OBJECT_PREFIX = 'statements/';
/** Statement objects are read once, within minutes of being written: a day is ample, and nothing accumulates. */
export const STATEMENT_OBJECT_EXPIRY_DAYS = 1;
/** What the API does with statement objects: write them (multipart, abortable) and sign links to read them. */
export const CONSOLE_STATEMENT_ACTIONS: readonly string[] = ['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetObject'];

/** Actions the console API may take on the engine table, only in renewal partitions (task actions, renewal results). */
export const CONSOLE_TASK_WRITE_ACTIONS: readonly string[] = ['dynamodb:PutItem', 'dynamodb:UpdateItem'];

export class ConsoleAssetsMissingError extends EngineError {
  readonly category = 'internal';
  readonly code = 'console_assets_missing';
  /** `indexFile`: the console's index.html that was looked for. */
  public constructor(indexFile: string, options?: ErrorOptions) {
    super(
      `The console is not built: ${indexFile} does not exist. Run \`npm run build\` ` +
        '(it builds the console into dist/console/), then synthesize or deploy again.',
      options,
    );
    this.name = 'ConsoleAssetsMissingError';
  }
}

export interface TableGrantTarget {
  readonly table: dynamodb.ITable;
  readonly design: TableDesign;
}

export interface ConsoleHostingProps {
  readonly config: StageConfig;
  /** @default CONSOLE_ASSETS_DIR */
  readonly assetsDir?: string;
  /** @default CONSOLE_API_ENTRY */
  readonly apiEntry?: string;
  /** @default PORTAL_KEY_ROTATION_ENTRY */
  readonly rotationEntry?: string;
  readonly ledger: TableGrantTarget;
  readonly engine: TableGrantTarget;
  /** Task actions announce task events on the engine's bus. */
  readonly eventBus: events.IEventBus;
  readonly staffUserPool: cognito.IUserPool;
  readonly portalLinkSecret: secretsmanager.ISecret;
  readonly powertools: PowertoolsSettings;
  /** IAM path of the function roles (the bus trusts it to publish the engine's events). */
  readonly rolePath: string;
}

/** The parts of a Content-Security-Policy the console and the portal differ in. */
export interface ContentSecurityPolicyParts {
  /** Extra sources for fetch/XHR besides 'self' (the staff sign-in's token endpoint). */
  readonly connectSources?: readonly string[];
  /** Who may frame the page: `'none'`, or `'self'` and origins. */
  readonly frameAncestors: readonly string[];
}

/**
 * A CSP for the app: its own scripts only (bundled at build time, no CDN, no
 * inline script); inline styles allowed because charts set element styles;
 * images from itself or data: URLs; no plugins; forms and base URI to itself.
 */
export function contentSecurityPolicy(parts: ContentSecurityPolicyParts): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    ["connect-src 'self'", ...(parts.connectSources ?? [])].join(' '),
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    `frame-ancestors ${parts.frameAncestors.join(' ')}`,
    'upgrade-insecure-requests',
  ].join('; ');
}

/** frame-ancestors of the portal: the console itself and the stage's allowed origins. */
export function portalFrameAncestors(config: Pick<StageConfig, 'console'>): string[] {
  return ["'self'", ...config.console.portalOrigins];
}

/** The API answers JSON only: nothing may load from it or frame it. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

/**
 * CloudFront Function (viewer request) giving the single-page app its routes:
 * a path without a file extension is the app's own route and gets the
 * index.html of its part (console or portal); files are served as they are.
 */
export function spaFallbackCode(portalIndex: string): string {
  return `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (/\\.[A-Za-z0-9]+$/.test(uri)) return request;
  request.uri = (uri === '/portal' || uri.indexOf('/portal/') === 0) ? '${portalIndex}' : '/index.html';
  return request;
}`;
}

export class ConsoleHosting extends Construct {
  public readonly assetsBucket: s3.Bucket;
  public readonly accessLogsBucket: s3.Bucket;
  /** Statement CSVs, each downloaded by presigned link and expired after a day. */
  public readonly statementsBucket: s3.Bucket;
  public readonly distribution: cloudfront.Distribution;
  public readonly api: apigwv2.HttpApi;
  public readonly apiFunction: EngineFunction;
  public readonly rotationFunction: EngineFunction;
  public readonly staffClient: cognito.UserPoolClient;
  public readonly staffDomain: cognito.UserPoolDomain;
  public readonly consoleHeaders: cloudfront.ResponseHeadersPolicy;
  public readonly portalHeaders: cloudfront.ResponseHeadersPolicy;
  /** https://<distribution domain> */
  public readonly consoleUrl: string;

  public constructor(scope: Construct, id: string, props: ConsoleHostingProps) {
    super(scope, id);
    const { config } = props;
    const assetsDir = props.assetsDir ?? CONSOLE_ASSETS_DIR;
    const indexFile = path.join(assetsDir, 'index.html');
    if (!existsSync(indexFile)) throw new ConsoleAssetsMissingError(indexFile);
    const prefix = `outcome-engine-${config.stage}`;
    const logRetention = config.logRetentionDays as logs.RetentionDays;

    // One bucket for the access logs of the assets bucket and of CloudFront.
    // CloudFront's standard logs are delivered with an ACL grant, hence
    // object-writer ownership; nothing in it is public.
    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(config.logRetentionDays) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledgeRules(this.accessLogsBucket, [
      {
        id: 'AwsSolutions-S1',
        reason: 'This is the access-log bucket of the console bucket and distribution; logging its own access would log the log writes themselves.',
      },
    ]);

    this.assetsBucket = new s3.Bucket(this, 'Assets', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 's3/console-assets/',
      // Rebuilt from the repository on every deploy; retained only so a stack
      // deletion never fails on a non-empty bucket.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.statementsBucket = new s3.Bucket(this, 'Statements', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 's3/console-statements/',
      lifecycleRules: [
        { id: 'ExpireStatements', expiration: Duration.days(STATEMENT_OBJECT_EXPIRY_DAYS), abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      // Holds only copies of what the ledger can produce again; emptied by the lifecycle rule within a day.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.apiFunction = new EngineFunction(this, 'ConsoleApi', {
      entry: props.apiEntry ?? CONSOLE_API_ENTRY,
      description: 'The web console and customer portal API (/api/*): staff views and task actions, portal views by signed link',
      // Views read a contract's term of usage and plan simulations rate whole
      // periods: more memory buys CPU for a view within a second.
      memorySizeMb: 1024,
      // Below the HTTP API's 30 s integration limit, so the API answers 504 only when the function did time out.
      timeoutSeconds: 29,
      logRetention,
      powertools: props.powertools,
      rolePath: props.rolePath,
    });
    const apiFn = this.apiFunction;
    DesignedTable.grantAccessTo(props.ledger.table, props.ledger.design, apiFn, 'read');
    DesignedTable.grantAccessTo(props.engine.table, props.engine.design, apiFn, 'read');
    apiFn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'TaskActionsInRenewalPartitionsOnly',
        actions: [...CONSOLE_TASK_WRITE_ACTIONS],
        resources: [props.engine.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${RENEWAL_PARTITION_PREFIX}*`] } },
      }),
    );
    apiFn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'StatementFilesOnly',
        actions: [...CONSOLE_STATEMENT_ACTIONS],
        resources: [this.statementsBucket.arnForObjects(`${STATEMENT_OBJECT_PREFIX}*`)],
      }),
    );
    acknowledgeRules(apiFn.role, [
      {
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.statementsBucket.node.defaultChild as s3.CfnBucket)}.Arn>/${STATEMENT_OBJECT_PREFIX}*]`,
        reason:
          'Each statement download is a new object with a random name under statements/ of the statements bucket; the function may write and read objects there only, in that one bucket, and nothing else in S3.',
      },
    ]);
    props.eventBus.grantPutEventsTo(apiFn.role);
    apiFn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [props.portalLinkSecret.secretArn] }),
    );
    apiFn.invokedSynchronouslyOnly(
      'Invoked synchronously by API Gateway for each console request; a failure is answered to the browser (5xx), which retries or shows the error. Never invoked asynchronously, so there is nothing to dead-letter.',
    );

    this.api = new apigwv2.HttpApi(this, 'Api', {
      apiName: `${prefix}-console`,
      description: `Outcome engine (${config.stage}): console and portal API, reached through CloudFront at /api/*`,
      createDefaultStage: false,
    });
    this.api.addRoutes({
      path: '/api/{proxy+}',
      methods: [apigwv2.HttpMethod.ANY],
      integration: new HttpLambdaIntegration('ConsoleApiIntegration', apiFn.function, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
    });
    const apiAccessLogs = new logs.LogGroup(this, 'ApiAccessLogs', { retention: logRetention });
    new apigwv2.HttpStage(this, 'ApiStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: config.console.apiRateLimitPerSecond, burstLimit: config.console.apiBurstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(apiAccessLogs),
        // JSON, without the query string: portal links carry their token in it.
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            sourceIp: '$context.identity.sourceIp',
            method: '$context.httpMethod',
            path: '$context.path',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    acknowledgeRules(this.api, [
      {
        id: 'AwsSolutions-APIG4',
        reason:
          'The API authenticates every request itself: staff routes verify a Cognito token of the staff pool (aws-jwt-verify), portal routes an HMAC-signed, expiring link scoped to one customer; a route refuses a request without the credential it requires.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason:
          'Staff routes verify the Cognito token in the function (aws-jwt-verify) because portal routes on the same API are authenticated by signed links, which an API Gateway JWT authorizer cannot verify.',
      },
    ]);

    // Staff sign-in: the hosted UI on the staff pool, returning to the console.
    const domainPrefix = config.console.staffSignInDomainPrefix ?? `${prefix}-${Aws.ACCOUNT_ID}`;
    this.staffDomain = new cognito.UserPoolDomain(this, 'StaffSignInDomain', {
      userPool: props.staffUserPool,
      cognitoDomain: { domainPrefix },
    });
    const signInOrigin = `https://${domainPrefix}.auth.${Aws.REGION}.amazoncognito.com`;
    const cognitoIdp = `https://cognito-idp.${Aws.REGION}.amazonaws.com`;
    const userPoolIssuer = `${cognitoIdp}/${props.staffUserPool.userPoolId}`;

    this.consoleHeaders = this.headersPolicy('ConsoleHeaders', `${prefix}-console`, {
      csp: contentSecurityPolicy({ frameAncestors: ["'none'"], connectSources: [signInOrigin, cognitoIdp] }),
      frameOptions: cloudfront.HeadersFrameOption.DENY,
    });
    this.portalHeaders = this.headersPolicy('PortalHeaders', `${prefix}-portal`, {
      csp: contentSecurityPolicy({ frameAncestors: portalFrameAncestors(config) }),
    });
    const apiHeaders = this.headersPolicy('ApiHeaders', `${prefix}-console-api`, {
      csp: API_CONTENT_SECURITY_POLICY,
      frameOptions: cloudfront.HeadersFrameOption.DENY,
    });

    const portalIndex = existsSync(path.join(assetsDir, 'portal', 'index.html')) ? '/portal/index.html' : '/index.html';
    const spaFallback = new cloudfront.Function(this, 'SpaFallback', {
      comment: 'Routes of the console and portal to their index.html',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(spaFallbackCode(portalIndex)),
    });
    const assetsOrigin = origins.S3BucketOrigin.withOriginAccessControl(this.assetsBucket);
    const appBehaviour = (responseHeadersPolicy: cloudfront.IResponseHeadersPolicy): cloudfront.BehaviorOptions => ({
      origin: assetsOrigin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
      cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
      responseHeadersPolicy,
      compress: true,
      functionAssociations: [{ function: spaFallback, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
    });
    const apiOrigin = new origins.HttpOrigin(Fn.select(2, Fn.split('/', this.api.apiEndpoint)), {
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
    });
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `Outcome engine (${config.stage}): web console and customer portal`,
      defaultRootObject: 'index.html',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      defaultBehavior: appBehaviour(this.consoleHeaders),
      additionalBehaviors: {
        // Matches /portal and everything under /portal/.
        '/portal*': appBehaviour(this.portalHeaders),
        '/api/*': {
          origin: apiOrigin,
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          // Never cached: answers depend on who asks. With caching disabled,
          // the all-viewer policy forwards the Authorization header too.
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: apiHeaders,
          compress: true,
        },
      },
      enableLogging: true,
      logBucket: this.accessLogsBucket,
      logFilePrefix: 'cloudfront/',
    });
    acknowledgeRules(this.distribution, [
      {
        id: 'AwsSolutions-CFR1',
        reason: 'Staff and customers of the seller may be anywhere; access is controlled by staff sign-in and signed portal links, not by geography.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'No WAF web ACL (it must live in us-east-1 and costs per rule): the API is throttled per stage, authenticates every request, and the static assets are public by design. Add one with a custom domain if a stage needs IP rules.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'Served on the default *.cloudfront.net certificate, which fixes the minimum viewer TLS policy; browsers negotiate TLS 1.2 or 1.3. A stage with its own domain and certificate would set TLSv1.2_2021.',
      },
    ]);
    this.consoleUrl = `https://${this.distribution.distributionDomainName}`;

    this.staffClient = new cognito.UserPoolClient(this, 'StaffConsoleClient', {
      userPool: props.staffUserPool,
      userPoolClientName: `${prefix}-console`,
      // A browser app: authorization code with PKCE, no client secret.
      generateSecret: false,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: [`${this.consoleUrl}/`],
        logoutUrls: [`${this.consoleUrl}/`],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });
    apiFn.function.addEnvironment('LEDGER_TABLE_NAME', props.ledger.table.tableName);
    apiFn.function.addEnvironment('ENGINE_TABLE_NAME', props.engine.table.tableName);
    apiFn.function.addEnvironment('EVENT_BUS_NAME', props.eventBus.eventBusName);
    apiFn.function.addEnvironment('PORTAL_LINK_SECRET_ARN', props.portalLinkSecret.secretArn);
    apiFn.function.addEnvironment('STAFF_USER_POOL_ID', props.staffUserPool.userPoolId);
    apiFn.function.addEnvironment('STAFF_USER_POOL_CLIENT_ID', this.staffClient.userPoolClientId);
    apiFn.function.addEnvironment('CONSOLE_URL', this.consoleUrl);
    // Progress charts and live spend read usage through the rollups, trusted as far as the close trusts them.
    apiFn.function.addEnvironment('USAGE_ROLLUP_SETTLE_MINUTES', String(USAGE_ROLLUP_SETTLE_MINUTES));
    // Statement CSVs are written here and answered as a download link: a Lambda answer is at most 6 MB.
    apiFn.function.addEnvironment('STATEMENT_BUCKET_NAME', this.statementsBucket.bucketName);

    // Hashed assets are immutable (a new build has new names); the HTML pages
    // (at any depth) and the config are revalidated on every load. Old assets are kept (no
    // prune), so a tab opened before a deploy still loads its chunks.
    const consoleConfig = {
      stage: config.stage,
      apiBase: '/api',
      staffSignIn: {
        domain: signInOrigin,
        issuer: userPoolIssuer,
        clientId: this.staffClient.userPoolClientId,
        redirectUri: `${this.consoleUrl}/`,
        scopes: ['openid', 'email', 'profile'],
      },
    };
    // CDK's deployment handler (one per stack) runs with a role of ours: no
    // AWS managed policy, logs to its own group only.
    const deployLogs = new logs.LogGroup(this, 'DeployLogs', { retention: logRetention });
    const deployRole = new iam.Role(this, 'DeployRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Execution role of the BucketDeployment handler that copies the console build into its bucket',
      path: props.rolePath,
    });
    deployLogs.grantWrite(deployRole);
    const deployment = { destinationBucket: this.assetsBucket, prune: false, memoryLimit: 512, role: deployRole, logGroup: deployLogs } as const;
    const assets = new s3deploy.BucketDeployment(this, 'DeployAssets', {
      ...deployment,
      sources: [s3deploy.Source.asset(assetsDir, { ignoreMode: IgnoreMode.GIT, exclude: ['*.html', `/${CONSOLE_CONFIG_FILE}`] })],
      cacheControl: [s3deploy.CacheControl.fromString('public, max-age=31536000, immutable')],
    });
    const pages = new s3deploy.BucketDeployment(this, 'DeployPages', {
      ...deployment,
      sources: [
        s3deploy.Source.asset(assetsDir, { ignoreMode: IgnoreMode.GIT, exclude: ['*', '!*/', '!*.html'] }),
        s3deploy.Source.jsonData(CONSOLE_CONFIG_FILE, consoleConfig),
      ],
      cacheControl: [s3deploy.CacheControl.fromString('no-cache')],
      distribution: this.distribution,
      distributionPaths: ['/*'],
    });
    pages.node.addDependency(assets);
    this.acknowledgeDeploymentHandler();

    this.rotationFunction = this.addKeyRotation(props);

    new CfnOutput(scope, 'ConsoleUrl', { value: `${this.consoleUrl}/`, description: 'Web console for staff (sign in with the staff user pool)' });
    new CfnOutput(scope, 'PortalBaseUrl', { value: `${this.consoleUrl}/portal/`, description: 'Customer portal; open it through a signed link' });
    new CfnOutput(scope, 'ConsoleDistributionId', { value: this.distribution.distributionId });
    new CfnOutput(scope, 'ConsoleAssetsBucketName', { value: this.assetsBucket.bucketName });
    new CfnOutput(scope, 'StaffSignInUrl', { value: signInOrigin, description: 'Cognito hosted sign-in domain of the staff user pool' });
    new CfnOutput(scope, 'StaffConsoleClientId', { value: this.staffClient.userPoolClientId });
    new CfnOutput(scope, 'ConsoleApiFunctionName', { value: apiFn.function.functionName });
    new CfnOutput(scope, 'RotatePortalLinkKeysFunctionName', { value: this.rotationFunction.function.functionName });
  }

  /**
   * BucketDeployment's handler (one per stack, CDK-managed): a CloudFormation
   * custom resource that copies the build into the bucket at deploy time. Its
   * role and runtime are CDK's; these findings are acknowledged on it alone.
   */
  private acknowledgeDeploymentHandler(): void {
    const stack = Stack.of(this);
    const handlers = stack.node.children.filter((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (handlers.length === 0) throw new Error('BucketDeployment created no handler to acknowledge findings on');
    const managedBy = 'the BucketDeployment handler of aws-cdk-lib, which copies the console build from the CDK asset bucket into the console bucket during a deployment';
    for (const handler of [...handlers, this.node.findChild('DeployRole')]) {
      acknowledgeRules(handler, [
        ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map((action) => ({
          id: `AwsSolutions-IAM5[Action::${action}]`,
          reason: `Granted by ${managedBy}: read the asset and write the console bucket, on those two buckets only.`,
        })),
        {
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-${DefaultStackSynthesizer.DEFAULT_QUALIFIER}-assets-${nagValue(stack.account, '<AWS::AccountId>')}-${nagValue(stack.region, '<AWS::Region>')}/*]`,
          reason: `Granted by ${managedBy}: it reads the uploaded build from the CDK bootstrap asset bucket.`,
        },
        {
          id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(this.assetsBucket.node.defaultChild as import('aws-cdk-lib').CfnElement)}.Arn>/*]`,
          reason: `Granted by ${managedBy}: it writes the build's objects into the console bucket.`,
        },
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: `Granted by ${managedBy}: cloudfront:CreateInvalidation and GetInvalidation after the copy (so the new index.html is served at once).`,
        },
        { id: 'AwsSolutions-L1', reason: `Runtime chosen by aws-cdk-lib for ${managedBy}; it moves with aws-cdk-lib upgrades.` },
        { id: 'Serverless-LambdaLatestVersion', reason: `Runtime chosen by aws-cdk-lib for ${managedBy}; it moves with aws-cdk-lib upgrades.` },
        { id: 'Serverless-LambdaDLQ', reason: `${managedBy}: CloudFormation waits for its response, and a failure fails and rolls back the deployment.` },
        { id: 'Serverless-LambdaTracing', reason: `${managedBy}: it runs once per deployment and its outcome is in the CloudFormation events and its log group.` },
      ]);
    }
  }

  /** Every behaviour: HSTS (two years, subdomains), nosniff, no referrer (portal links carry their token in the URL). */
  private headersPolicy(
    id: string,
    name: string,
    options: { readonly csp: string; readonly frameOptions?: cloudfront.HeadersFrameOption },
  ): cloudfront.ResponseHeadersPolicy {
    return new cloudfront.ResponseHeadersPolicy(this, id, {
      responseHeadersPolicyName: name,
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: options.csp, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(730), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        ...(options.frameOptions === undefined ? {} : { frameOptions: { frameOption: options.frameOptions, override: true } }),
      },
    });
  }

  /**
   * The rotation function and its schedule. An L1 schedule with explicit
   * grants instead of RotationSchedule, which would also grant
   * secretsmanager:GetRandomPassword on "*" (the function makes its keys with
   * node:crypto). Secrets Manager may invoke the function for this secret only.
   */
  private addKeyRotation(props: ConsoleHostingProps): EngineFunction {
    const { config, portalLinkSecret } = props;
    const fn = new EngineFunction(this, 'RotatePortalLinkKeys', {
      entry: props.rotationEntry ?? PORTAL_KEY_ROTATION_ENTRY,
      description: 'Rotates the portal link signing keys: a new current key, the old one kept for verification',
      memorySizeMb: 256,
      timeoutSeconds: 30,
      logRetention: config.logRetentionDays as logs.RetentionDays,
      powertools: props.powertools,
      rolePath: props.rolePath,
    });
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
        ],
        resources: [portalLinkSecret.secretArn],
      }),
    );
    fn.function.addPermission('SecretsManagerRotation', {
      principal: new iam.ServicePrincipal('secretsmanager.amazonaws.com'),
      action: 'lambda:InvokeFunction',
      sourceArn: portalLinkSecret.secretArn,
      sourceAccount: Stack.of(this).account,
    });
    fn.invokedSynchronouslyOnly(
      'Invoked synchronously by Secrets Manager, once per rotation step; a failed step is reported to Secrets Manager, which marks the rotation failed and retries it with the same token.',
    );
    const schedule = new CfnRotationSchedule(this, 'PortalLinkKeyRotation', {
      secretId: portalLinkSecret.secretArn,
      rotationLambdaArn: fn.function.functionArn,
      rotationRules: { scheduleExpression: `rate(${config.console.portalLinkKeyRotationDays} days)` },
      // The secret starts as a placeholder: the first rotation writes the keyring.
      rotateImmediatelyOnUpdate: true,
    });
    const permission = fn.function.node.tryFindChild('SecretsManagerRotation');
    if (permission !== undefined) schedule.node.addDependency(permission);
    schedule.node.addDependency(fn.role);
    return fn;
  }
}

/** How cdk-nag spells a stack's account or region in a finding: the value, or its pseudo parameter when not fixed at synth. */
function nagValue(value: string, pseudo: string): string {
  return Token.isUnresolved(value) ? pseudo : value;
}

// The web console and customer portal in AWS: a private bucket read by
// CloudFront alone, security headers with the portal's frame-ancestors from
// the stage, /api/* never cached, staff in a Cognito pool without sign-up,
// the API function's least privilege, and the rotated portal link secret.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { TABLE_ACTIONS, USAGE_ROLLUP_SETTLE_MINUTES } from '../../../lib/config/handler-settings';
import {
  API_CONTENT_SECURITY_POLICY,
  CONSOLE_CONFIG_FILE,
  CONSOLE_STATEMENT_ACTIONS,
  CONSOLE_TASK_WRITE_ACTIONS,
  ConsoleAssetsMissingError,
  spaFallbackCode,
} from '../../../lib/constructs/console-hosting';
import { portalLinkSecretName } from '../../../lib/constructs/console-identity';
import { synthEngine } from '../support/synth-engine';

const PORTAL_ORIGINS = ['https://app.acme.com', 'https://*.acme-customers.io'];
const engine = synthEngine({ stage: 'console', console: { portalOrigins: PORTAL_ORIGINS, portalLinkKeyRotationDays: 7 } });
afterAll(() => engine.cleanUp());
const stateless = engine.statelessTemplate;
const stateful = engine.statefulTemplate;

type Resource = { Properties: Record<string, unknown> };
const resourcesOf = (template: typeof stateless, type: string): [string, Resource][] =>
  Object.entries(template.findResources(type)) as [string, Resource][];
const only = (template: typeof stateless, type: string, idPrefix: string): [string, Resource] => {
  const found = resourcesOf(template, type).filter(([id]) => id.startsWith(idPrefix));
  expect(found, `${type} ${idPrefix}`).toHaveLength(1);
  return found[0] as [string, Resource];
};
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

interface Behaviour {
  PathPattern?: string;
  CachePolicyId: string;
  OriginRequestPolicyId?: string;
  ResponseHeadersPolicyId: { Ref: string };
  AllowedMethods: string[];
  TargetOriginId: string;
  ViewerProtocolPolicy: string;
  FunctionAssociations?: unknown[];
}
interface DistributionConfig {
  DefaultRootObject: string;
  DefaultCacheBehavior: Behaviour;
  CacheBehaviors: Behaviour[];
  Origins: { Id: string; DomainName: unknown; OriginAccessControlId?: unknown; S3OriginConfig?: { OriginAccessIdentity: string }; CustomOriginConfig?: { OriginProtocolPolicy: string; OriginSSLProtocols: string[] } }[];
  Logging?: { Bucket: unknown; Prefix: string };
}
const distribution = (): DistributionConfig =>
  (only(stateless, 'AWS::CloudFront::Distribution', 'ConsoleDistribution')[1].Properties as { DistributionConfig: DistributionConfig }).DistributionConfig;
const behaviour = (pattern: string): Behaviour => {
  const found = distribution().CacheBehaviors.find((candidate) => candidate.PathPattern === pattern);
  expect(found, pattern).toBeDefined();
  return found as Behaviour;
};
const cspOf = (policyRef: { Ref: string }): unknown => {
  const [, policy] = only(stateless, 'AWS::CloudFront::ResponseHeadersPolicy', policyRef.Ref);
  return (policy.Properties as { ResponseHeadersPolicyConfig: { SecurityHeadersConfig: { ContentSecurityPolicy: { ContentSecurityPolicy: unknown } } } })
    .ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy;
};

/** AWS managed CloudFront policies, by their fixed ids. */
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

describe('console: static assets', () => {
  it('keeps the app in a private bucket: public access blocked, TLS only, access logs kept', () => {
    const [, bucket] = only(stateless, 'AWS::S3::Bucket', 'ConsoleAssets');
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LoggingConfiguration: { DestinationBucketName: { Ref: expect.stringMatching(/^ConsoleAccessLogs/) } },
    });
    expect(bucket.Properties).not.toHaveProperty('WebsiteConfiguration');
  });

  it('lets CloudFront (this distribution, through origin access control) read it, and nobody else', () => {
    const [, policy] = only(stateless, 'AWS::S3::BucketPolicy', 'ConsoleAssetsPolicy');
    const statements = (policy.Properties as { PolicyDocument: { Statement: { Effect: string; Principal: unknown; Action: unknown; Condition?: unknown }[] } })
      .PolicyDocument.Statement;
    const allows = statements.filter((statement) => statement.Effect === 'Allow');
    expect(allows).toEqual([
      expect.objectContaining({
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: 's3:GetObject',
        Condition: {
          StringEquals: {
            'AWS:SourceArn': { 'Fn::Join': ['', expect.arrayContaining([':distribution/', { Ref: expect.stringMatching(/^ConsoleDistribution/) }])] },
          },
        },
      }),
    ]);
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    const s3Origins = distribution().Origins.filter((origin) => origin.S3OriginConfig !== undefined);
    expect(s3Origins).toHaveLength(1);
    expect(s3Origins[0]?.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/OriginAccessControl/), 'Id'] });
    expect(s3Origins[0]?.S3OriginConfig?.OriginAccessIdentity).toBe('');
    stateless.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' },
    });
  });

  it('deploys the HTML pages and the config revalidated on every load, the hashed assets as immutable', () => {
    const deployments = resourcesOf(stateless, 'Custom::CDKBucketDeployment').map(([, resource]) => resource.Properties);
    const cacheControls = deployments.map((props) => (props.SystemMetadata as Record<string, string>)['cache-control']).sort();
    expect(cacheControls).toEqual(['no-cache', 'public, max-age=31536000, immutable']);
    for (const props of deployments) expect(props.Prune).toBe(false);

    const filesOf = (props: Record<string, unknown>): string[] =>
      (props.SourceObjectKeys as string[]).flatMap((key) => listFiles(path.join(engine.outdir, `asset.${key.replace(/\.zip$/, '')}`)));
    const pages = deployments.find((props) => (props.SystemMetadata as Record<string, string>)['cache-control'] === 'no-cache');
    const assets = deployments.find((props) => props !== pages);
    expect(filesOf(pages ?? {}).sort()).toEqual([CONSOLE_CONFIG_FILE, 'index.html', 'portal/index.html']);
    expect(filesOf(assets ?? {})).toEqual(['assets/app-stand-in.js']);
    expect(pages?.DistributionPaths).toEqual(['/*']);
  });

  it('fails synthesis with a clear message when the console is not built', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'console-unbuilt-'));
    try {
      expect(() => synthEngine({ stage: 'unbuilt' }, { consoleAssetsDir: empty })).toThrow(ConsoleAssetsMissingError);
      expect(() => synthEngine({ stage: 'unbuilt' }, { consoleAssetsDir: empty })).toThrow(/Run `npm run build`/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('console: CloudFront', () => {
  it('serves index.html at the root and the app\'s routes through the fallback function', () => {
    const config = distribution();
    expect(config.DefaultRootObject).toBe('index.html');
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(config.DefaultCacheBehavior.FunctionAssociations).toEqual([
      { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [expect.stringMatching(/^ConsoleSpaFallback/), 'FunctionARN'] } },
    ]);
    expect(behaviour('/portal*').FunctionAssociations).toEqual(config.DefaultCacheBehavior.FunctionAssociations);
    expect(config.Logging?.Prefix).toBe('cloudfront/');
  });

  it('routes paths without an extension to their part\'s index.html and leaves files alone', () => {
    const route = (uri: string): string => {
      const run = new Function(`${spaFallbackCode('/portal/index.html')}; return handler;`)() as (event: { request: { uri: string } }) => { uri: string };
      return run({ request: { uri } }).uri;
    };
    expect(route('/')).toBe('/index.html');
    expect(route('/renewals/ctr-1')).toBe('/index.html');
    expect(route('/portal')).toBe('/portal/index.html');
    expect(route('/portal/invoices/inv-7')).toBe('/portal/index.html');
    expect(route('/assets/app-3f9a.js')).toBe('/assets/app-3f9a.js');
    expect(route('/portal/assets/portal-1c2d.css')).toBe('/portal/assets/portal-1c2d.css');
  });

  it('lets the configured origins, and only them, frame the portal', () => {
    const portalCsp = cspOf(behaviour('/portal*').ResponseHeadersPolicyId);
    expect(portalCsp).toContain(`frame-ancestors 'self' ${PORTAL_ORIGINS.join(' ')};`);
    expect(portalCsp).toContain("script-src 'self';");
    const consoleCsp = JSON.stringify(cspOf(distribution().DefaultCacheBehavior.ResponseHeadersPolicyId));
    expect(consoleCsp).toContain("frame-ancestors 'none'");
    expect(consoleCsp).not.toContain('acme');
    expect(cspOf(behaviour('/api/*').ResponseHeadersPolicyId)).toBe(API_CONTENT_SECURITY_POLICY);
  });

  it('sends HSTS, nosniff and no referrer on every behaviour, and forbids framing the console', () => {
    for (const [, policy] of resourcesOf(stateless, 'AWS::CloudFront::ResponseHeadersPolicy')) {
      expect(policy.Properties).toMatchObject({
        ResponseHeadersPolicyConfig: {
          SecurityHeadersConfig: {
            StrictTransportSecurity: { AccessControlMaxAgeSec: 63_072_000, IncludeSubdomains: true, Override: true },
            ContentTypeOptions: { Override: true },
            ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
          },
        },
      });
    }
    stateless.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: { Name: 'outcome-engine-console-console', SecurityHeadersConfig: { FrameOptions: { FrameOption: 'DENY', Override: true } } },
    });
  });

  it('never caches /api/*, forwards every method and the viewer\'s headers (Authorization included) over HTTPS', () => {
    const api = behaviour('/api/*');
    expect(api.CachePolicyId).toBe(CACHING_DISABLED);
    expect(api.OriginRequestPolicyId).toBe(ALL_VIEWER_EXCEPT_HOST_HEADER);
    expect(api.AllowedMethods).toEqual(expect.arrayContaining(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']));
    expect(api.ViewerProtocolPolicy).toBe('https-only');
    const origin = distribution().Origins.find((candidate) => candidate.Id === api.TargetOriginId);
    expect(origin?.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
    expect(JSON.stringify(origin?.DomainName)).toMatch(/ConsoleApi.*ApiEndpoint/);
    // The app's own behaviours are the only cached ones.
    for (const cached of [distribution().DefaultCacheBehavior, behaviour('/portal*')]) expect(cached.CachePolicyId).not.toBe(CACHING_DISABLED);
  });
});

describe('console: API', () => {
  it('sends /api/* to the console function as payload v2 events, throttled per stage, with access logs', () => {
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'ANY /api/{proxy+}' });
    stateless.resourceCountIs('AWS::ApiGatewayV2::Route', 1);
    stateless.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ConsoleConsoleApiFunction'), 'Arn'] },
    });
    const [, stage] = only(stateless, 'AWS::ApiGatewayV2::Stage', 'ConsoleApiStage');
    expect(stage.Properties).toMatchObject({
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [expect.stringMatching(/^ConsoleApiAccessLogs/), 'Arn'] } },
    });
    // Portal links carry their token in the URL: the access log records the path, never the query string.
    const format = JSON.parse((stage.Properties.AccessLogSettings as { Format: string }).Format) as Record<string, string>;
    expect(Object.values(format)).not.toContain('$context.requestOverride.querystring');
    expect(JSON.stringify(format)).not.toMatch(/querystring|rawQueryString/i);
  });

  it('gives the function the tables, bus, portal link secret, staff pool and rollup settle lag through its environment', () => {
    const [, fn] = only(stateless, 'AWS::Lambda::Function', 'ConsoleConsoleApiFunction');
    const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(variables)).toEqual(
      expect.arrayContaining(['LEDGER_TABLE_NAME', 'ENGINE_TABLE_NAME', 'EVENT_BUS_NAME', 'PORTAL_LINK_SECRET_ARN', 'STAFF_USER_POOL_ID', 'STAFF_USER_POOL_CLIENT_ID']),
    );
    expect(variables.PORTAL_LINK_SECRET_ARN).toEqual({ 'Fn::ImportValue': expect.stringMatching(/ConsolePortalLinkKeys/) });
    expect(variables.STAFF_USER_POOL_ID).toEqual({ 'Fn::ImportValue': expect.stringMatching(/ConsoleStaffUserPool/) });
    expect(variables.STAFF_USER_POOL_CLIENT_ID).toEqual({ Ref: expect.stringMatching(/^ConsoleStaffConsoleClient/) });
    // Progress charts and live spend read usage through the rollups, trusted as far as the close trusts them.
    expect(variables.USAGE_ROLLUP_SETTLE_MINUTES).toBe(String(USAGE_ROLLUP_SETTLE_MINUTES));
    // Statement CSVs are written to the statements bucket and answered as a download link.
    expect(variables.STATEMENT_BUCKET_NAME).toEqual({ Ref: only(stateless, 'AWS::S3::Bucket', 'ConsoleStatements')[0] });
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } });
  });

  it('lets the function read both tables, write only renewal partitions of the engine table, publish on the bus and read its secret', () => {
    const [, policy] = only(stateless, 'AWS::IAM::Policy', 'ConsoleConsoleApiRoleDefaultPolicy');
    const statements = (policy.Properties as { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown; Condition?: unknown }[] } })
      .PolicyDocument.Statement;
    const actions = statements.flatMap((statement) => asArray(statement.Action));
    expect(new Set(actions)).toEqual(
      new Set([
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'xray:PutTraceSegments',
        'xray:PutTelemetryRecords',
        ...TABLE_ACTIONS.read,
        ...CONSOLE_TASK_WRITE_ACTIONS,
        'events:PutEvents',
        'secretsmanager:GetSecretValue',
        ...CONSOLE_STATEMENT_ACTIONS,
      ]),
    );
    expect(actions).not.toContain('dynamodb:DeleteItem');
    const writes = statements.filter((statement) => asArray(statement.Action).some((action) => CONSOLE_TASK_WRITE_ACTIONS.includes(action)));
    expect(writes).toEqual([
      expect.objectContaining({
        Action: [...CONSOLE_TASK_WRITE_ACTIONS],
        Resource: { 'Fn::ImportValue': expect.stringMatching(/EngineTable.*Arn/) },
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RENEWAL#*'] } },
      }),
    ]);
    const ledgerStatements = statements.filter((statement) => JSON.stringify(statement.Resource).includes('LedgerTable'));
    expect(ledgerStatements.flatMap((statement) => asArray(statement.Action)).sort()).toEqual([...TABLE_ACTIONS.read].sort());
    const secretRead = statements.find((statement) => asArray(statement.Action).includes('secretsmanager:GetSecretValue'));
    expect(secretRead?.Resource).toEqual({ 'Fn::ImportValue': expect.stringMatching(/ConsolePortalLinkKeys/) });
  });
});

describe('console: statement files', () => {
  it('keeps statements in a private bucket: public access blocked, TLS only, encrypted, access logs kept, objects expired after a day', () => {
    const [id, bucket] = only(stateless, 'AWS::S3::Bucket', 'ConsoleStatements');
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LoggingConfiguration: { DestinationBucketName: { Ref: expect.stringMatching(/^ConsoleAccessLogs/) }, LogFilePrefix: 's3/console-statements/' },
      LifecycleConfiguration: { Rules: [{ Status: 'Enabled', ExpirationInDays: 1, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }] },
    });
    expect(bucket.Properties).not.toHaveProperty('WebsiteConfiguration');
    const [, policy] = only(stateless, 'AWS::S3::BucketPolicy', 'ConsoleStatementsPolicy');
    const statements = (policy.Properties as { Bucket: unknown; PolicyDocument: { Statement: { Effect: string; Condition?: unknown }[] } }).PolicyDocument.Statement;
    expect((policy.Properties as { Bucket: unknown }).Bucket).toEqual({ Ref: id });
    expect(statements).toEqual([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]);
  });

  it('lets the API write, abort and read statement objects in that bucket only, and no other role touch it', () => {
    const [bucketId] = only(stateless, 'AWS::S3::Bucket', 'ConsoleStatements');
    const [, policy] = only(stateless, 'AWS::IAM::Policy', 'ConsoleConsoleApiRoleDefaultPolicy');
    const statements = (policy.Properties as { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } }).PolicyDocument.Statement;
    const s3Statements = statements.filter((statement) => asArray(statement.Action).some((action) => action.startsWith('s3:')));
    expect(s3Statements).toEqual([
      expect.objectContaining({
        Action: [...CONSOLE_STATEMENT_ACTIONS],
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/statements/*']] },
      }),
    ]);
    const others = resourcesOf(stateless, 'AWS::IAM::Policy').filter(([id]) => !id.startsWith('ConsoleConsoleApiRole'));
    expect(others.filter(([, other]) => JSON.stringify(other.Properties).includes(bucketId))).toEqual([]);
  });
});

describe('console: staff sign-in', () => {
  it('keeps staff in a user pool without self sign-up, with MFA, strong passwords and Plus threat protection', () => {
    stateful.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      UserPoolTier: 'PLUS',
      // Plus tier with full-function threat protection, which CloudFormation spells AdvancedSecurityMode ENFORCED.
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      DeletionProtection: 'ACTIVE',
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireSymbols: true }) },
    });
    const [, pool] = only(stateful, 'AWS::Cognito::UserPool', 'ConsoleStaffUserPool');
    expect(JSON.stringify(pool)).not.toMatch(/SelfSignUp|"AllowAdminCreateUserOnly":false/);
  });

  it('has the groups finance and csm', () => {
    const groups = resourcesOf(stateful, 'AWS::Cognito::UserPoolGroup').map(([, group]) => group.Properties.GroupName).sort();
    expect(groups).toEqual(['csm', 'finance']);
  });

  it('lets staff choose MFA on a stage that configures it optional', () => {
    const optional = synthEngine({ stage: 'mfaoptional', console: { staffMfa: 'optional' } });
    try {
      optional.statefulTemplate.hasResourceProperties('AWS::Cognito::UserPool', { MfaConfiguration: 'OPTIONAL' });
    } finally {
      optional.cleanUp();
    }
  });

  it('signs staff in through the hosted UI with a public client (code grant, no secret) returning to the console URL', () => {
    const [, client] = only(stateless, 'AWS::Cognito::UserPoolClient', 'ConsoleStaffConsoleClient');
    const console = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [expect.stringMatching(/^ConsoleDistribution/), 'DomainName'] }, '/']] };
    expect(client.Properties).toMatchObject({
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      CallbackURLs: [console],
      LogoutURLs: [console],
      SupportedIdentityProviders: ['COGNITO'],
      PreventUserExistenceErrors: 'ENABLED',
    });
    stateless.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: { 'Fn::Join': ['', ['outcome-engine-console-', { Ref: 'AWS::AccountId' }]] },
    });
  });
});

describe('console: portal link keys', () => {
  it('keeps the keys in a retained secret of the stateful stack', () => {
    stateful.hasResource('AWS::SecretsManager::Secret', {
      Properties: Match.objectLike({ Name: portalLinkSecretName(engine.config) }),
      DeletionPolicy: 'Retain',
    });
  });

  it('rotates the secret on the stage\'s schedule, at once on creation, with a function only Secrets Manager may invoke for it', () => {
    stateless.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { 'Fn::ImportValue': Match.stringLikeRegexp('ConsolePortalLinkKeys') },
      RotationLambdaARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ConsoleRotatePortalLinkKeysFunction'), 'Arn'] },
      RotationRules: { ScheduleExpression: 'rate(7 days)' },
      RotateImmediatelyOnUpdate: true,
    });
    stateless.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'secretsmanager.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ConsoleRotatePortalLinkKeysFunction'), 'Arn'] },
      SourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp('ConsolePortalLinkKeys') },
    });
    const [, policy] = only(stateless, 'AWS::IAM::Policy', 'ConsoleRotatePortalLinkKeysRoleDefaultPolicy');
    const secretStatements = (policy.Properties as { PolicyDocument: { Statement: { Action: string[]; Resource: unknown }[] } }).PolicyDocument.Statement.filter(
      (statement) => asArray(statement.Action).some((action) => action.startsWith('secretsmanager:')),
    );
    expect(secretStatements).toEqual([
      {
        Effect: 'Allow',
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
        Resource: { 'Fn::ImportValue': expect.stringMatching(/ConsolePortalLinkKeys/) },
      },
    ]);
  });
});

function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}

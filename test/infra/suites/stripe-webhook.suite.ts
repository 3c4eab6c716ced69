import { afterAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { HANDLER_SETTINGS } from '../../../lib/config/handler-settings';
import { synthEngine } from '../support/synth-engine';

const engine = synthEngine({ stage: 'billing', stripeSecretName: 'payments/stripe-keys', logRetentionDays: 60 });
const template = engine.statelessTemplate;
afterAll(() => engine.cleanUp());

const settings = HANDLER_SETTINGS['stripe-webhook'];

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

function webhookStatements(): Statement[] {
  const policies = Object.values(
    template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^StripeWebhookRole') }] },
    }),
  ) as { Properties: { PolicyDocument: { Statement: Statement[] } } }[];
  expect(policies).toHaveLength(1);
  return policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

function webhookFunctionId(): string {
  const ids = Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { Description: settings.description } }));
  expect(ids).toHaveLength(1);
  return ids[0] ?? '';
}

describe('stripe webhook: endpoint', () => {
  it('is a Function URL with AuthType NONE (the Stripe signature authenticates), buffered, without CORS', () => {
    // The only public URL (the caps check's has IAM auth; see check-caps.suite.ts).
    const urls = Object.values(template.findResources('AWS::Lambda::Url', { Properties: { AuthType: 'NONE' } })) as { Properties: Record<string, unknown> }[];
    expect(urls).toHaveLength(1);
    expect(urls[0]?.Properties).toEqual({
      AuthType: 'NONE',
      InvokeMode: 'BUFFERED',
      TargetFunctionArn: { 'Fn::GetAtt': [webhookFunctionId(), 'Arn'] },
    });
  });

  it('lets anyone invoke the function through its URL only, never directly', () => {
    const permissions = Object.values(
      template.findResources('AWS::Lambda::Permission', { Properties: { Principal: '*' } }),
    ) as { Properties: Record<string, unknown> }[];
    expect(permissions.map((permission) => permission.Properties).sort((a, b) => String(a.Action).localeCompare(String(b.Action)))).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [webhookFunctionId(), 'Arn'] },
        InvokedViaFunctionUrl: true,
        Principal: '*',
      },
      {
        Action: 'lambda:InvokeFunctionUrl',
        FunctionName: { 'Fn::GetAtt': [webhookFunctionId(), 'Arn'] },
        FunctionUrlAuthType: 'NONE',
        Principal: '*',
      },
    ]);
  });

  it('publishes the URL as a stack output, to register in the Stripe Dashboard', () => {
    template.hasOutput('StripeWebhookUrl', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StripeWebhookFunctionFunctionUrl'), 'FunctionUrl'] },
    });
  });
});

describe('stripe webhook: function', () => {
  it('runs Node 22 on arm64, traced, with bounded (reserved) concurrency and its own log group', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: settings.description,
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      MemorySize: settings.memorySizeMb,
      Timeout: settings.timeoutSeconds,
      ReservedConcurrentExecutions: 10,
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^StripeWebhookLogGroup') } },
    });
    const logGroups = template.findResources('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 60 } });
    expect(Object.keys(logGroups).some((id) => id.startsWith('StripeWebhookLogGroup'))).toBe(true);
  });

  it('takes its reserved concurrency from the stage configuration', () => {
    const tuned = synthEngine({ stage: 'tunedhook', stripeWebhook: { reservedConcurrency: 3 } });
    try {
      tuned.statelessTemplate.hasResourceProperties('AWS::Lambda::Function', {
        Description: settings.description,
        ReservedConcurrentExecutions: 3,
      });
    } finally {
      tuned.cleanUp();
    }
  });

  it('gets the engine table, the bus and the Stripe secret name, and nothing about the ledger', () => {
    const fn = template.findResources('AWS::Lambda::Function', { Properties: { Description: settings.description } });
    const variables = (Object.values(fn)[0] as { Properties: { Environment: { Variables: Record<string, unknown> } } })
      .Properties.Environment.Variables;
    expect(variables).toMatchObject({
      ENGINE_TABLE_NAME: { 'Fn::ImportValue': expect.stringMatching(/EngineTable/) },
      EVENT_BUS_NAME: { 'Fn::ImportValue': expect.stringMatching(/EventBus/) },
      STRIPE_SECRET_ARN: 'payments/stripe-keys',
      POWERTOOLS_LOGGER_LOG_EVENT: 'false',
    });
    expect(variables).not.toHaveProperty('LEDGER_TABLE_NAME');
    expect(variables).not.toHaveProperty('STRIPE_WEBHOOK_SECRET');
    expect(variables).not.toHaveProperty('STRIPE_SECRET_KEY');
  });
});

describe('stripe webhook: least privilege', () => {
  it('has exactly its grants: own logs, X-Ray, PutItem/UpdateItem on the engine table, PutEvents on the bus, the secret value', () => {
    const grants = webhookStatements().map((statement) => ({
      actions: asArray(statement.Action).sort(),
      resource: JSON.stringify(statement.Resource),
    }));
    expect(grants.map((grant) => grant.actions)).toEqual([
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
      ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
      ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
      ['events:PutEvents'],
      ['secretsmanager:GetSecretValue'],
    ]);
    expect(grants[0]?.resource).toMatch(/StripeWebhookLogGroup/);
    expect(grants[1]?.resource).toBe('"*"');
    expect(webhookStatements().every((statement) => statement.Effect === 'Allow')).toBe(true);
  });

  it('names no wildcard action, and no index, ledger or "*" resource outside X-Ray', () => {
    for (const statement of webhookStatements()) {
      const actions = asArray(statement.Action);
      expect(actions.filter((action) => action.includes('*'))).toEqual([]);
      const resource = JSON.stringify(statement.Resource);
      expect(resource).not.toMatch(/LedgerTable|\/index\//);
      if (!actions.every((action) => action.startsWith('xray:'))) expect(resource).not.toBe('"*"');
    }
  });

  it('writes to the engine table only, by its exported ARN', () => {
    const dynamo = webhookStatements().find((statement) => asArray(statement.Action).includes('dynamodb:PutItem'));
    expect(dynamo?.Resource).toEqual({ 'Fn::ImportValue': expect.stringMatching(/EngineTable.*Arn/) });
  });

  it('publishes on the engine bus only', () => {
    const publish = webhookStatements().find((statement) => asArray(statement.Action).includes('events:PutEvents'));
    expect(publish?.Resource).toEqual({ 'Fn::ImportValue': expect.stringMatching(/EventBus.*Arn/) });
  });

  it('reads exactly the configured secret: its name plus the six-character suffix Secrets Manager appends', () => {
    const read = webhookStatements().find((statement) => asArray(statement.Action).includes('secretsmanager:GetSecretValue'));
    expect(read?.Resource).toEqual({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':secretsmanager:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':secret:payments/stripe-keys-??????',
        ],
      ],
    });
  });

  it('shares the secret with the period close, the prompt corrections and threshold invoicing alone (their Stripe API key)', () => {
    const readers = [engine.statefulTemplate, engine.statelessTemplate].flatMap((stackTemplate) =>
      Object.values(stackTemplate.findResources('AWS::IAM::Policy')).filter((policy) => JSON.stringify(policy).includes(`:secret:${engine.config.stripeSecretName}`)),
    ) as { Properties: { Roles: { Ref: string }[] } }[];
    expect(readers.flatMap((policy) => policy.Properties.Roles.map((role) => role.Ref)).sort()).toEqual([
      expect.stringMatching(/^ClosePeriodRole/),
      expect.stringMatching(/^CorrectInvoicedPeriodRole/),
      expect.stringMatching(/^InvoiceSpendThresholdsRole/),
      expect.stringMatching(/^StripeWebhookRole/),
    ]);
  });
});

describe('stripe webhook: alarms', () => {
  it('alarms on errors, throttles and a run of rejected (4xx) requests', () => {
    for (const metricName of ['Errors', 'Throttles', 'Url4xxCount']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: Match.stringLikeRegexp('^outcome-engine-billing-StripeWebhook'),
        MetricName: metricName,
        Namespace: 'AWS/Lambda',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: webhookFunctionId() } }],
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmsTopic') }],
      });
    }
  });
});

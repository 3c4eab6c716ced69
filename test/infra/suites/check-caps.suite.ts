import { afterAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { HANDLER_SETTINGS, TABLE_ACTIONS } from '../../../lib/config/handler-settings';
import { synthEngine } from '../support/synth-engine';

const engine = synthEngine({ stage: 'caps' });
const template = engine.statelessTemplate;
afterAll(() => engine.cleanUp());

const settings = HANDLER_SETTINGS['check-caps'];

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

function functionId(): string {
  const ids = Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { Description: settings.description } }));
  expect(ids).toHaveLength(1);
  return ids[0] ?? '';
}

function roleStatements(): Statement[] {
  const policies = Object.values(
    template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^CheckCapsRole') }] } }),
  ) as { Properties: { PolicyDocument: { Statement: Statement[] } } }[];
  expect(policies).toHaveLength(1);
  return policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

describe('caps check: endpoint', () => {
  it('is a Function URL with AuthType AWS_IAM, buffered, without CORS', () => {
    const urls = Object.values(
      template.findResources('AWS::Lambda::Url', { Properties: { TargetFunctionArn: { 'Fn::GetAtt': [functionId(), 'Arn'] } } }),
    ) as { Properties: Record<string, unknown> }[];
    expect(urls.map((url) => url.Properties)).toEqual([
      { AuthType: 'AWS_IAM', InvokeMode: 'BUFFERED', TargetFunctionArn: { 'Fn::GetAtt': [functionId(), 'Arn'] } },
    ]);
  });

  it('gives no one a resource-policy permission on the function: callers need an identity policy', () => {
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')) as { Properties: { FunctionName: unknown } }[];
    const onCapsCheck = permissions.filter((permission) => JSON.stringify(permission.Properties.FunctionName).includes(functionId()));
    expect(onCapsCheck).toEqual([]);
  });

  it('offers a managed policy that allows exactly the call through the URL, on this function only', () => {
    const policies = Object.values(
      template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Description: Match.stringLikeRegexp('CheckCaps') } }),
    ) as { Properties: { PolicyDocument: { Statement: Statement[] }; Roles?: unknown; Users?: unknown; Groups?: unknown } }[];
    expect(policies).toHaveLength(1);
    const policy = policies[0]?.Properties;
    // Attached by whoever calls it, never by the stack.
    expect(policy?.Roles ?? policy?.Users ?? policy?.Groups).toBeUndefined();
    expect(policy?.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunctionUrl',
        Resource: { 'Fn::GetAtt': [functionId(), 'Arn'] },
        Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } },
      },
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: { 'Fn::GetAtt': [functionId(), 'Arn'] },
        Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } },
      },
    ]);
  });

  it('publishes the URL and the policy ARN as stack outputs', () => {
    template.hasOutput('CheckCapsUrl', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CheckCapsFunctionFunctionUrl'), 'FunctionUrl'] } });
    template.hasOutput('CheckCapsInvokePolicyArn', { Value: { Ref: Match.stringLikeRegexp('^CheckCapsUrlInvokePolicy') } });
  });
});

describe('caps check: function', () => {
  it('runs Node 22 on arm64, traced, with the rollup settle lag of the close', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: settings.description,
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Timeout: settings.timeoutSeconds,
      Environment: {
        Variables: Match.objectLike({
          LEDGER_TABLE_NAME: Match.anyValue(),
          ENGINE_TABLE_NAME: Match.anyValue(),
          USAGE_ROLLUP_SETTLE_MINUTES: '15',
        }),
      },
    });
  });

  it('only reads the two tables: no write, no bus, no secret', () => {
    const statements = roleStatements();
    const actions = statements.flatMap((statement) => asArray(statement.Action));
    const tableActions = actions.filter((action) => action.startsWith('dynamodb:'));
    expect(new Set(tableActions)).toEqual(new Set(TABLE_ACTIONS.read));
    for (const tableName of ['LedgerTable', 'EngineTable']) {
      const onTable = statements.filter((statement) => JSON.stringify(statement.Resource).includes(tableName));
      expect(onTable.length, tableName).toBeGreaterThan(0);
      expect(new Set(onTable.flatMap((statement) => asArray(statement.Action)))).toEqual(new Set(TABLE_ACTIONS.read));
    }
    expect(actions.filter((action) => /^(events|secretsmanager|sqs|lambda):/.test(action))).toEqual([]);
  });
});

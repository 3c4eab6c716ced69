import { afterAll, describe, expect, it } from 'vitest';
import { TABLE_ACTIONS, STREAM_READ_ACTIONS } from '../../../lib/config/handler-settings';
import { synthEngine } from '../support/synth-engine';

const engine = synthEngine({ producers: { accounts: ['111122223333'] } });
afterAll(() => engine.cleanUp());

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

interface PolicyResource {
  Properties: { PolicyDocument: { Statement: Statement[] }; Roles: { Ref: string }[] };
}

/**
 * The role of aws-cdk-lib's BucketDeployment handler, which copies the
 * console build at deploy time: CDK grants it wildcard S3 actions on the
 * asset and console buckets and CloudFront invalidations on "*". It is
 * checked on its own below; every other role is held to the rules here.
 */
const DEPLOY_ROLE_PREFIX = 'ConsoleDeployRole';

function identityStatements(rolePrefix?: string): Statement[] {
  return [engine.statefulTemplate, engine.statelessTemplate].flatMap((template) =>
    (Object.values(template.findResources('AWS::IAM::Policy')) as PolicyResource[])
      .filter((policy) =>
        rolePrefix === undefined
          ? !policy.Properties.Roles.some((role) => role.Ref.startsWith(DEPLOY_ROLE_PREFIX))
          : policy.Properties.Roles.some((role) => role.Ref.startsWith(rolePrefix)),
      )
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement),
  );
}

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const DATA_SERVICES = /^(dynamodb|sqs|events):/;

describe('IAM policies', () => {
  const statements = identityStatements();

  it('exist (the check below is not vacuous)', () => {
    expect(statements.length).toBeGreaterThan(0);
  });

  it('grant no wildcard action at all, and none on DynamoDB, SQS or EventBridge', () => {
    const actions = statements.flatMap((statement) => asArray(statement.Action));
    expect(actions.filter((action) => action === '*' || action.includes('*'))).toEqual([]);
    expect(actions.filter((action) => DATA_SERVICES.test(action))).not.toEqual([]);
  });

  it('scope every DynamoDB, SQS and EventBridge statement to named resources, never "*"', () => {
    for (const statement of statements) {
      if (!asArray(statement.Action).some((action) => DATA_SERVICES.test(action))) continue;
      const resources = asArray(statement.Resource);
      expect(resources).not.toContain('*');
      expect(JSON.stringify(resources)).not.toMatch(/index\/\*|:\*"/);
    }
  });

  it('keep the ledger append-only: the ingest role may not update or delete ledger items', () => {
    // Across every role: no function may update or delete ledger items.
    const ledgerStatements = statements.filter((statement) => JSON.stringify(statement.Resource).includes('LedgerTable'));
    const ledgerActions = new Set(ledgerStatements.flatMap((statement) => asArray(statement.Action)));

    // Append, plus reading the ledger's stream (the usage rollups).
    expect([...ledgerActions].sort()).toEqual([...TABLE_ACTIONS.append, ...STREAM_READ_ACTIONS].sort());
    expect(ledgerActions.has('dynamodb:UpdateItem')).toBe(false);
    expect(ledgerActions.has('dynamodb:DeleteItem')).toBe(false);
  });

  it('let the ingest role only read the engine table', () => {
    const engineStatements = identityStatements('IngestOutcomesRole').filter((statement) =>
      JSON.stringify(statement.Resource).includes('EngineTable'),
    );
    const engineActions = engineStatements.flatMap((statement) => asArray(statement.Action));

    expect(engineActions.sort()).toEqual([...TABLE_ACTIONS.read].sort());
  });

  it('use "*" resources only for X-Ray, which has no resource-level permissions', () => {
    const starStatements = statements.filter((statement) => asArray(statement.Resource).includes('*'));
    for (const statement of starStatements) {
      expect(asArray(statement.Action).every((action) => action.startsWith('xray:'))).toBe(true);
    }
  });

  it('let the console deployment handler touch S3 and CloudFront only, on the asset and console buckets and invalidations', () => {
    const deploy = identityStatements(DEPLOY_ROLE_PREFIX);
    expect(deploy.length).toBeGreaterThan(0);
    for (const statement of deploy) {
      const actions = asArray(statement.Action);
      expect(actions.every((action) => /^(s3|cloudfront|logs):/.test(action)), JSON.stringify(actions)).toBe(true);
      if (asArray(statement.Resource).includes('*')) {
        expect(actions.sort()).toEqual(['cloudfront:CreateInvalidation', 'cloudfront:GetInvalidation']);
      }
    }
  });
});

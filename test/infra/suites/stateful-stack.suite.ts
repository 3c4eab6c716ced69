import { afterAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { App, Stack } from 'aws-cdk-lib';
import { ENGINE_TABLE, LEDGER_TABLE } from '../../../lambdas/adapters/dynamodb/table-design';
import { ENGINE_EVENT_SOURCE } from '../../../lambdas/domain/events/detail-types';
import { HANDLER_SETTINGS, queueVisibilityTimeoutSeconds } from '../../../lib/config/handler-settings';
import { engineRolePath } from '../../../lib/config/engine-roles';
import { DesignedTable, DesignedTableError } from '../../../lib/constructs/designed-table';
import { SCHEDULED_HANDLERS } from '../../../lib/config/schedule-groups';
import { ALERT_ROUTES, ROUTES } from '../../../lib/routing/routing-table';
import { CONSOLE_LAMBDA_FUNCTION_COUNT } from '../../../lib/constructs/console-hosting';
import { synthEngine } from '../support/synth-engine';

const engine = synthEngine({
  producers: { accounts: ['111122223333', '444455556666'], sources: ['com.acme.tickets'] },
});
const template = engine.statefulTemplate;
afterAll(() => engine.cleanUp());

function tableWithIndexes(indexNames: readonly string[]): Record<string, unknown> {
  const found = template.findResources('AWS::DynamoDB::Table', {
    Properties: {
      GlobalSecondaryIndexes: indexNames.map((indexName) => Match.objectLike({ IndexName: indexName })),
    },
  });
  const entries = Object.values(found);
  expect(entries).toHaveLength(1);
  return entries[0] as Record<string, unknown>;
}

describe('stateful stack: resources', () => {
  it('holds exactly the data-bearing resources', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.resourceCountIs('AWS::Events::Archive', 1);
    const queueRoutes = ROUTES.filter((route) => route.target.kind === 'queue').length;
    const functionRoutes = ROUTES.length - queueRoutes;
    // Per queue route: work queue, its DLQ, and the rule's delivery DLQ;
    // per function route: the rule's delivery DLQ and the failure DLQ (the
    // rule itself lives with its function); per alert route: the alert queue
    // and the rule's delivery DLQ; per schedule group: Scheduler's DLQ and
    // the function's failure DLQ; and the ledger stream consumer's on-failure queue.
    template.resourceCountIs(
      'AWS::SQS::Queue',
      3 * queueRoutes + 2 * functionRoutes + 2 * ALERT_ROUTES.length + 2 * SCHEDULED_HANDLERS.length + 1,
    );
    template.resourceCountIs('AWS::Events::Rule', queueRoutes + ALERT_ROUTES.length);
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', SCHEDULED_HANDLERS.length);
    template.resourceCountIs('AWS::Lambda::Function', 0);
  });

  it('is protected against accidental deletion', () => {
    expect(engine.stateful.terminationProtection).toBe(true);
  });
});

describe('stateful stack: DynamoDB tables', () => {
  it.each([
    ['ledger', LEDGER_TABLE],
    ['engine', ENGINE_TABLE],
  ])('builds the %s table from its design: on demand, PITR, deletion protection, KMS, retained', (_name, design) => {
    const table = tableWithIndexes(design.indexes.map((index) => index.indexName));

    expect(table).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        DeletionProtectionEnabled: true,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        KeySchema: [
          { AttributeName: design.partitionKey, KeyType: 'HASH' },
          { AttributeName: design.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: design.indexes.map((index) => ({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
      },
    });
    // SSEType absent with SSEEnabled true means the AWS-managed KMS key (aws/dynamodb).
    expect((table.Properties as Record<string, unknown>).SSESpecification).not.toHaveProperty('KMSMasterKeyId');
  });

  it('gives neither table a TTL: the engine table holds invoices, corrections and tasks, which never expire', () => {
    const ledger = tableWithIndexes(LEDGER_TABLE.indexes.map((index) => index.indexName));
    const engineTable = tableWithIndexes(ENGINE_TABLE.indexes.map((index) => index.indexName));

    expect(ledger.Properties).not.toHaveProperty('TimeToLiveSpecification');
    expect(engineTable.Properties).not.toHaveProperty('TimeToLiveSpecification');
    expect(ENGINE_TABLE).not.toHaveProperty('timeToLiveAttribute');
  });

  it.each([
    ['Ledger', LEDGER_TABLE],
    ['Engine', ENGINE_TABLE],
  ])('refuses to build the %s table from a design that gains a TTL', (id, design) => {
    const stack = new Stack(new App(), 'Probe');

    expect(
      () => new DesignedTable(stack, id, { design: { ...design, timeToLiveAttribute: 'expiresAt' }, allowTimeToLive: false }),
    ).toThrow(DesignedTableError);
    expect(() => engine.stateful.node.findChild(id)).not.toThrow();
  });
});

describe('stateful stack: event bus', () => {
  it('has a fixed, stage-scoped name producers can address', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'outcome-engine-test' });
  });

  it('lets only the configured accounts put events, and only with the configured sources', () => {
    const policies = template.findResources('AWS::Events::EventBusPolicy');
    const statements = Object.values(policies)
      .map((policy) => (policy as { Properties: { Statement: Record<string, unknown> } }).Properties.Statement)
      .filter((statement) => statement['Effect'] === 'Allow');

    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({
      Effect: 'Allow',
      Action: 'events:PutEvents',
      Condition: { StringEquals: { 'events:source': ['com.acme.tickets'] } },
    });
    const principals = JSON.stringify(statements[0]?.Principal);
    expect(principals).toContain(':iam::111122223333:root');
    expect(principals).toContain(':iam::444455556666:root');
    expect(principals).not.toMatch(/"AWS":"\*"|"\*"/);
  });

  it('keeps producers from forging the engine\'s own events when no sources are listed', () => {
    const open = synthEngine({ stage: 'open', producers: { accounts: ['111122223333'] } });
    try {
      open.statefulTemplate.hasResourceProperties('AWS::Events::EventBusPolicy', {
        Statement: Match.objectLike({
          Condition: { StringNotEquals: { 'events:source': ENGINE_EVENT_SOURCE } },
        }),
      });
    } finally {
      open.cleanUp();
    }
  });

  it('admits an organization only through an aws:PrincipalOrgID condition', () => {
    const org = synthEngine({ stage: 'org', producers: { organizationId: 'o-abcdefghij' } });
    try {
      org.statefulTemplate.hasResourceProperties('AWS::Events::EventBusPolicy', {
        Statement: Match.objectLike({
          Principal: { AWS: '*' },
          Condition: {
            StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij' },
            StringNotEquals: { 'events:source': ENGINE_EVENT_SOURCE },
          },
        }),
      });
    } finally {
      org.cleanUp();
    }
  });

  it('allows no other account when no producers are configured: the only statement is the Deny', () => {
    const closed = synthEngine({ stage: 'closed' });
    try {
      closed.statefulTemplate.resourceCountIs('AWS::Events::EventBusPolicy', 1);
      closed.statefulTemplate.hasResourceProperties('AWS::Events::EventBusPolicy', {
        StatementId: 'cdk-DenyEngineSourceToOthers',
        Statement: Match.objectLike({ Effect: 'Deny' }),
      });
    } finally {
      closed.cleanUp();
    }
  });

  it('denies the engine\'s own source to every principal, this account\'s included, except roles under the engine\'s IAM path', () => {
    const deny = Object.values(template.findResources('AWS::Events::EventBusPolicy'))
      .map((policy) => (policy as { Properties: { Statement: Record<string, unknown> } }).Properties.Statement)
      .filter((statement) => statement['Effect'] === 'Deny');
    expect(deny).toHaveLength(1);
    expect(deny[0]).toMatchObject({
      Sid: 'cdk-DenyEngineSourceToOthers',
      Principal: { AWS: '*' },
      Action: 'events:PutEvents',
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^EventBus/), 'Arn'] },
      Condition: {
        StringEquals: { 'events:source': ENGINE_EVENT_SOURCE },
        ArnNotLike: {
          'aws:PrincipalArn': [
            { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, `:role${engineRolePath(engine.config)}*`]] },
          ],
        },
      },
    });
    // Every engine function's role lies under that path, so the functions stay allowed.
    const functionRoles = engine.statelessTemplate.findResources('AWS::IAM::Role', {
      Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })] } },
    }) as Record<string, { Properties: { Path?: string } }>;
    // The handlers, plus the console's API, key rotation and asset deployment handler.
    expect(Object.keys(functionRoles)).toHaveLength(Object.keys(HANDLER_SETTINGS).length + CONSOLE_LAMBDA_FUNCTION_COUNT);
    for (const role of Object.values(functionRoles)) expect(role.Properties.Path).toBe(engineRolePath(engine.config));
    // And every role that may PutEvents is one of them.
    const putEvents = Object.values(engine.statelessTemplate.findResources('AWS::IAM::Policy')).filter((policy) =>
      JSON.stringify(policy).includes('events:PutEvents'),
    ) as { Properties: { Roles: { Ref: string }[] } }[];
    expect(putEvents.length).toBeGreaterThan(0);
    for (const policy of putEvents) {
      for (const role of policy.Properties.Roles) expect(Object.keys(functionRoles)).toContain(role.Ref);
    }
  });

  it('also lets the operator roles the stage lists publish engine events (CLI closes and loads)', () => {
    const operator = 'arn:aws:iam::123456789012:role/billing-operator';
    const withOperator = synthEngine({ stage: 'ops', engineEventPublisherArns: [operator] });
    try {
      withOperator.statefulTemplate.hasResourceProperties('AWS::Events::EventBusPolicy', {
        Statement: Match.objectLike({
          Effect: 'Deny',
          Condition: Match.objectLike({ ArnNotLike: { 'aws:PrincipalArn': [Match.anyValue(), operator] } }),
        }),
      });
    } finally {
      withOperator.cleanUp();
    }
  });

  it('retains the bus and the archive (replay data) when the stack or resource is deleted', () => {
    for (const type of ['AWS::Events::EventBus', 'AWS::Events::Archive']) {
      const resources = Object.values(template.findResources(type));
      expect(resources).toHaveLength(1);
      expect(resources[0]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
  });

  it('archives every producer event (not the engine\'s own) for replay', () => {
    template.hasResourceProperties('AWS::Events::Archive', {
      EventPattern: { source: [{ 'anything-but': ENGINE_EVENT_SOURCE }] },
      RetentionDays: 365,
    });
  });
});

describe('stateful stack: routes, rules and queues', () => {
  const queueRoutes = ROUTES.filter((route) => route.target.kind === 'queue');

  it.each(queueRoutes.map((route) => [route.id, route] as const))(
    'turns route %s into a rule with exactly its routing-table pattern, delivering to its queue with retries and a DLQ',
    (routeId, route) => {
      const rules = template.findResources('AWS::Events::Rule');
      const rule = Object.values(rules).find(
        (candidate) => (candidate as { Properties: { Description?: string } }).Properties.Description === route.description,
      ) as { Properties: Record<string, unknown> } | undefined;
      expect(rule, `rule for ${routeId}`).toBeDefined();

      expect(rule?.Properties.EventPattern).toEqual({
        source: route.eventPattern.source,
        'detail-type': route.eventPattern['detail-type'],
      });
      expect(rule?.Properties).toMatchObject({
        EventBusName: { Ref: expect.stringMatching(/^EventBus/) },
        Targets: [
          {
            Arn: { 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^${routeId}Queue[0-9A-F]{8}$`)), 'Arn'] },
            DeadLetterConfig: {
              Arn: { 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^${routeId}DeliveryDlq`)), 'Arn'] },
            },
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
          },
        ],
      });
    },
  );

  it('sizes the ingest queue for its function and redrives to a DLQ after 5 receives', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: queueVisibilityTimeoutSeconds('ingest-outcomes'),
      MessageRetentionPeriod: 14 * 24 * 3600,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OutcomesQueueDlq'), 'Arn'] },
        maxReceiveCount: 5,
      },
    });
    expect(queueVisibilityTimeoutSeconds('ingest-outcomes')).toBe(6 * 30);
  });

  it('encrypts every queue, retains it for 14 days, and keeps it on stack deletion', () => {
    const queues = Object.values(template.findResources('AWS::SQS::Queue'));

    expect(queues.length).toBeGreaterThan(0);
    for (const queue of queues) {
      expect(queue).toMatchObject({
        DeletionPolicy: 'Retain',
        Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 },
      });
    }
  });

  it('denies every non-TLS request on every queue', () => {
    const queueIds = Object.keys(template.findResources('AWS::SQS::Queue'));
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy')) as {
      Properties: { Queues: { Ref: string }[]; PolicyDocument: { Statement: Record<string, unknown>[] } };
    }[];

    for (const queueId of queueIds) {
      const policy = policies.find((candidate) => candidate.Properties.Queues.some((ref) => ref.Ref === queueId));
      expect(policy, `policy of ${queueId}`).toBeDefined();
      expect(policy?.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'sqs:*',
          Principal: { AWS: '*' },
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('lets only its own rule write to a delivery DLQ', () => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: {
              ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [Match.stringLikeRegexp('^OutcomesRule'), 'Arn'] } },
            },
          }),
        ]),
      },
    });
  });
});

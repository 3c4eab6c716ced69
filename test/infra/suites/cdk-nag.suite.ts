import { afterAll, describe, expect, it } from 'vitest';
import { Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { nagPacks } from '../../../lib/stacks/engine-app';
import { synthEngine } from '../support/synth-engine';

// The widest configuration: every optional resource (bus policies for
// accounts and an organization, topic with email subscription, the task
// webhook's connection, API destination and rule) is present.
const engine = synthEngine({
  producers: { accounts: ['111122223333'], organizationId: 'o-abcdefghij', sources: ['com.acme.tickets'] },
  alarms: { email: 'billing-ops@example.com' },
  taskWebhook: { url: 'https://hooks.example.com/csm-tasks', secretName: 'csm/task-webhook-key' },
});
afterAll(() => engine.cleanUp());

function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

describe('cdk-nag', () => {
  it.each(nagPacks(engine.app).map((pack) => [pack.readPackName, pack] as const))(
    '%s pack: no unacknowledged finding, error or warning',
    (_name, pack) => {
      const report = pack.validateScope(engine.app);
      const findings = report.violations.flatMap((violation) =>
        violation.violatingResources.map((resource) => `${violation.severity} ${violation.ruleName} at ${resource.constructPath}`),
      );

      expect(findings).toEqual([]);
      expect(report.success).toBe(true);
    },
  );

  it('stays clean for a stage with a fixed account and region, whose asset bucket name nag spells out', () => {
    const pinned = synthEngine({ stage: 'pinned', account: '123456789012', region: 'eu-west-1', console: { staffMfa: 'optional' } });
    try {
      const findings = nagPacks(pinned.app).flatMap((pack) =>
        pack.validateScope(pinned.app).violations.flatMap((violation) =>
          violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`),
        ),
      );
      expect(findings).toEqual([]);
    } finally {
      pinned.cleanUp();
    }
  });

  it('detects findings at all (an unprotected queue added to the stack fails)', () => {
    const probe = synthEngine({ stage: 'probe' });
    try {
      new sqs.Queue(probe.stateful, 'ProbeQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });

      const rules = nagPacks(probe.app).flatMap((pack) =>
        pack.validateScope(probe.app).violations.map((violation) => violation.ruleName),
      );
      expect(rules).toEqual(
        expect.arrayContaining(['AwsSolutions-SQS2', 'AwsSolutions-SQS3', 'AwsSolutions-SQS4', 'Serverless-SQSRedrivePolicy']),
      );
    } finally {
      probe.cleanUp();
    }
  });

  it('flags a public Function URL that nobody acknowledged (the engine pack)', () => {
    const probe = synthEngine({ stage: 'urlprobe' });
    try {
      new lambda.CfnUrl(probe.stateless, 'ProbeUrl', {
        authType: 'NONE',
        targetFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:probe',
      });
      const findings = nagPacks(probe.app).flatMap((pack) =>
        pack.validateScope(probe.app).violations.flatMap((violation) =>
          violation.violatingResources.map((resource) => `${violation.ruleName} ${resource.constructPath}`),
        ),
      );
      expect(findings).toEqual([expect.stringMatching(/^OutcomeEngine-LambdaFunctionUrlAuth .*\/ProbeUrl$/)]);
    } finally {
      probe.cleanUp();
    }
  });

  it('acknowledges the webhook\'s public URL with how each request is authenticated', () => {
    const url = acknowledgements(engine.app).filter(({ id }) => id === 'OutcomeEngine-LambdaFunctionUrlAuth');
    expect(url).toHaveLength(1);
    expect(url[0]?.path).toMatch(/StripeWebhook\/Function\/FunctionUrl$/);
    expect(url[0]?.reason).toMatch(/Stripe-Signature/);
  });

  it('acknowledges every rule with a specific reason', () => {
    const found = acknowledgements(engine.app);

    expect(found.length).toBeGreaterThan(0);
    // aws-cdk-lib acknowledges a cfn-lint check on its own on the console's
    // access-log bucket (ACLs for CloudFront's log delivery): not ours to word.
    for (const { id, reason, path } of found.filter(({ id }) => !id.startsWith('CloudFormation-Validate::'))) {
      expect(id, path).toMatch(/^(AwsSolutions|Serverless|OutcomeEngine)-[A-Za-z0-9]+(\[.+\])?$/);
      expect(reason.length, `${id} at ${path}`).toBeGreaterThanOrEqual(60);
    }
  });

  it('acknowledges wildcard IAM findings only for X-Ray and for the schedules of one group, on its scheduling role', () => {
    // The console's deployment handler (aws-cdk-lib's BucketDeployment) is checked by the next test.
    const iamFindings = acknowledgements(engine.app).filter(
      ({ id, path }) => id.startsWith('AwsSolutions-IAM5') && !isConsoleDeployHandler(path),
    );
    const scheduleArn = (group: string): string =>
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${group}/*]`;

    expect(iamFindings.length).toBeGreaterThan(0);
    const statementObjects = /^AwsSolutions-IAM5\[Resource::<ConsoleStatements[0-9A-F]{8}\.Arn>\/statements\/\*\]$/;
    expect(new Set(iamFindings.map(({ id }) => (statementObjects.test(id) ? 'statement objects' : id)))).toEqual(
      new Set([
        'AwsSolutions-IAM5[Resource::*]',
        scheduleArn('outcome-engine-test-period-closes'),
        scheduleArn('outcome-engine-test-renewal-checks'),
        'statement objects',
      ]),
    );
    // The statement files' randomly named objects, on the console API's role only.
    expect(iamFindings.filter(({ id }) => statementObjects.test(id)).map(({ path }) => path.split('/').slice(1).join('/'))).toEqual(['Console/ConsoleApi/Role']);
    const scheduleFindings = iamFindings.filter(({ id }) => id !== 'AwsSolutions-IAM5[Resource::*]' && !statementObjects.test(id));
    expect(scheduleFindings.map(({ path, id }) => [path.split('/').slice(1).join('/'), id]).sort()).toEqual([
      ['SchedulePeriodCloses/Role', scheduleArn('outcome-engine-test-period-closes')],
      ['ScheduleRenewalChecks/Role', scheduleArn('outcome-engine-test-renewal-checks')],
    ]);
  });

  it('acknowledges the wildcard grants of the console\'s deployment handler on that handler and its role alone', () => {
    const deployFindings = acknowledgements(engine.app).filter(({ path }) => isConsoleDeployHandler(path));
    const roleFindings = deployFindings.filter(({ path }) => path.endsWith('/Console/DeployRole'));
    const ids = roleFindings.map(({ id }) => id.replace(/ConsoleAssets[0-9A-F]{8}/, 'ConsoleAssets<id>'));
    expect(ids.filter((id) => id.startsWith('AwsSolutions-IAM5')).sort()).toEqual(
      [
        'AwsSolutions-IAM5[Action::s3:Abort*]',
        'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
        'AwsSolutions-IAM5[Action::s3:GetBucket*]',
        'AwsSolutions-IAM5[Action::s3:GetObject*]',
        'AwsSolutions-IAM5[Action::s3:List*]',
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-IAM5[Resource::<ConsoleAssets<id>.Arn>/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
      ].sort(),
    );
    for (const { reason } of deployFindings) expect(reason).toMatch(/BucketDeployment handler/);
  });
});

function isConsoleDeployHandler(path: string): boolean {
  return path.endsWith('/Console/DeployRole') || /\/Custom::CDKBucketDeployment[0-9A-Fa-f]+/.test(path);
}

import { describe, expect, it } from 'vitest';
import {
  loadStageConfig,
  parseStageConfig,
  StageConfigError,
} from '../../lib/config/stage-config';

function contextOf(values: Record<string, unknown>): (key: string) => unknown {
  return (key) => values[key];
}

describe('loadStageConfig', () => {
  it('defaults to the dev stage with every default filled in', () => {
    const config = loadStageConfig(contextOf({}));

    expect(config).toEqual({
      stage: 'dev',
      stripeSecretName: 'outcome-engine/dev/stripe',
      producers: { accounts: [], sources: [] },
      alarms: {},
      backdatingWindowDays: 35,
      logRetentionDays: 30,
      logLevel: 'INFO',
      archiveRetentionDays: 365,
      ingest: { maxConcurrency: 50, maxMessageAgeSeconds: 300 },
      stripeWebhook: { reservedConcurrency: 10 },
      periodClose: { graceHours: 24, finalizeInvoices: true, maxConcurrency: 5, stripeRequestsPerSecond: 80, maxWaitHours: 6, waitAlarmMinutes: 60 },
      engineEventPublisherArns: [],
      console: { portalOrigins: [], portalLinkKeyRotationDays: 30, staffMfa: 'required', apiRateLimitPerSecond: 50, apiBurstLimit: 100 },
    });
  });

  it('reads the selected stage from the stages context', () => {
    const config = loadStageConfig(
      contextOf({
        stage: 'prod',
        stages: {
          dev: { backdatingWindowDays: 3 },
          prod: {
            account: '123456789012',
            region: 'eu-west-1',
            stripeSecretName: 'billing/stripe',
            producers: { accounts: ['111122223333'], sources: ['com.acme.tickets'] },
            alarms: { email: 'billing-ops@example.com' },
            taskWebhook: { url: 'https://hooks.example.com/csm-tasks', secretName: 'csm/webhook-key' },
            backdatingWindowDays: 60,
            ingest: { maxConcurrency: 20 },
            periodClose: { graceHours: 48, finalizeInvoices: false },
          },
        },
      }),
    );

    expect(config).toMatchObject({
      stage: 'prod',
      account: '123456789012',
      region: 'eu-west-1',
      stripeSecretName: 'billing/stripe',
      producers: { accounts: ['111122223333'], sources: ['com.acme.tickets'] },
      alarms: { email: 'billing-ops@example.com' },
      taskWebhook: {
        url: 'https://hooks.example.com/csm-tasks',
        secretName: 'csm/webhook-key',
        headerName: 'x-api-key',
        rateLimitPerSecond: 10,
      },
      backdatingWindowDays: 60,
      ingest: { maxConcurrency: 20, maxMessageAgeSeconds: 300 },
      periodClose: { graceHours: 48, finalizeInvoices: false, maxConcurrency: 5, stripeRequestsPerSecond: 80, maxWaitHours: 6, waitAlarmMinutes: 60 },
    });
  });

  it('rejects a stages context that is not an object', () => {
    expect(() => loadStageConfig(contextOf({ stages: 'prod' }))).toThrow(StageConfigError);
    expect(() => loadStageConfig(contextOf({ stage: 'prod', stages: { prod: 42 } }))).toThrow(
      /stages\.prod" must be an object/,
    );
  });
});

describe('parseStageConfig', () => {
  it.each([
    ['a stage name with upper case', { stage: 'Prod' }, /stage name/],
    ['a short account id', { stage: 'prod', producers: { accounts: ['1234'] } }, /12 digits/],
    ['the engine\'s own source for producers', { stage: 'prod', producers: { sources: ['outcome-engine'] } }, /engine's own source/],
    ['an AWS-reserved source', { stage: 'prod', producers: { sources: ['aws.s3'] } }, /reserved/],
    ['a malformed organization id', { stage: 'prod', producers: { organizationId: 'org-1' } }, /o-abcdefghij/],
    ['an invalid alarm email', { stage: 'prod', alarms: { email: 'not-an-email' } }, /alarms\.email/],
    ['a topic ARN of another service', { stage: 'prod', alarms: { topicArn: 'arn:aws:sqs:eu-west-1:123456789012:q' } }, /SNS topic ARN/],
    ['a plain-HTTP task webhook', { stage: 'prod', taskWebhook: { url: 'http://hooks.example.com/x', secretName: 's' } }, /taskWebhook\.url/],
    ['a task webhook without its key secret', { stage: 'prod', taskWebhook: { url: 'https://hooks.example.com/x' } }, /taskWebhook\.secretName/],
    ['a task webhook header with spaces', { stage: 'prod', taskWebhook: { url: 'https://hooks.example.com/x', secretName: 's', headerName: 'x api key' } }, /header name/],
    ['a task webhook rate above the API destination maximum', { stage: 'prod', taskWebhook: { url: 'https://hooks.example.com/x', secretName: 's', rateLimitPerSecond: 301 } }, /rateLimitPerSecond/],
    ['the former taskWebhookUrl key', { stage: 'prod', taskWebhookUrl: 'https://hooks.example.com/x' }, /taskWebhookUrl/],
    ['an engine publisher that is not a role ARN', { stage: 'prod', engineEventPublisherArns: ['arn:aws:iam::123456789012:user/alice'] }, /expected an IAM role ARN/],
    ['a close wait above Lambda\'s 6 h', { stage: 'prod', periodClose: { maxWaitHours: 7 } }, /maxWaitHours/],
    ['a wait alarm that fires only after closes are dropped', { stage: 'prod', periodClose: { maxWaitHours: 1, waitAlarmMinutes: 60 } }, /waitAlarmMinutes must be below maxWaitHours/],
    ['a Stripe budget above the live limit', { stage: 'prod', periodClose: { stripeRequestsPerSecond: 101 } }, /stripeRequestsPerSecond/],
    ['a close without any concurrency', { stage: 'prod', periodClose: { maxConcurrency: 0 } }, /maxConcurrency/],
    ['more concurrent closes than Stripe requests per second', { stage: 'prod', periodClose: { maxConcurrency: 30, stripeRequestsPerSecond: 20 } }, /at least maxConcurrency/],
    ['a negative grace period', { stage: 'prod', periodClose: { graceHours: -1 } }, /graceHours/],
    ['a zero backdating window', { stage: 'prod', backdatingWindowDays: 0 }, /backdatingWindowDays/],
    ['a retention CloudWatch does not offer', { stage: 'prod', logRetentionDays: 31 }, /must be one of/],
    ['an ingest concurrency below the SQS minimum', { stage: 'prod', ingest: { maxConcurrency: 1 } }, /maxConcurrency/],
    ['a webhook without any concurrency', { stage: 'prod', stripeWebhook: { reservedConcurrency: 0 } }, /reservedConcurrency/],
    ['an unknown key (typo)', { stage: 'prod', alarmEmail: 'ops@example.com' }, /alarmEmail/],
    ['a plain-HTTP portal origin', { stage: 'prod', console: { portalOrigins: ['http://app.acme.com'] } }, /console\.portalOrigins\[0\]/],
    ['a portal origin with a path', { stage: 'prod', console: { portalOrigins: ['https://app.acme.com/billing'] } }, /no path/],
    ['a portal origin that is a CSP keyword', { stage: 'prod', console: { portalOrigins: ["'self'"] } }, /an origin is https/],
    ['a key rotation longer than a year', { stage: 'prod', console: { portalLinkKeyRotationDays: 400 } }, /portalLinkKeyRotationDays/],
    ['staff MFA switched off', { stage: 'prod', console: { staffMfa: 'off' } }, /staffMfa/],
    ['a sign-in domain prefix Cognito refuses', { stage: 'prod', console: { staffSignInDomainPrefix: 'acme-aws-staff' } }, /aws, amazon or cognito/],
  ])('rejects %s with a message naming the problem', (_name, input, message) => {
    expect(() => parseStageConfig(input)).toThrow(StageConfigError);
    expect(() => parseStageConfig(input)).toThrow(message);
  });

  it('names the stage and the context key in the error', () => {
    expect(() => parseStageConfig({ stage: 'prod', backdatingWindowDays: -1 })).toThrow(
      /Invalid configuration for stage "prod" \(CDK context "stages\.prod"\)/,
    );
  });
});

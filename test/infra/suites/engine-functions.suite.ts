// Every deployed function gets exactly the environment its handler reads,
// and the shape of its invocation: load-plans by IAM only, close-period with
// concurrency bounded for Stripe.
import { afterAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { BillingEnvironmentSchema } from '../../../lambdas/composition/billing-service';
import { RiskEnvironmentSchema } from '../../../lambdas/handlers/check-renewal-risk';
import { CorrectInvoicedPeriodEnvironmentSchema } from '../../../lambdas/handlers/correct-invoiced-period';
import { CheckCapsEnvSchema } from '../../../lambdas/handlers/check-caps';
import { InvoiceSpendThresholdsEnvironmentSchema } from '../../../lambdas/handlers/invoice-spend-thresholds';
import { EvaluateUsageDropsEnvSchema } from '../../../lambdas/handlers/evaluate-usage-drops';
import { OpenDisputesEnvSchema } from '../../../lambdas/handlers/open-disputes';
import { LoadPlansEnvSchema } from '../../../lambdas/handlers/load-plans';
import { SchedulePeriodClosesEnvironmentSchema } from '../../../lambdas/handlers/schedule-period-closes';
import { ScheduleEnvironmentSchema } from '../../../lambdas/handlers/schedule-renewal-checks';
import { CORRECTION_MAX_CONCURRENCY, CORRECTIONS_STRIPE_BUDGET, HANDLER_SETTINGS, TABLE_ACTIONS, stripeRatePerCloseProcess } from '../../../lib/config/handler-settings';
import { STRIPE_ACCOUNT_RATE_LIMITS, parseStageConfig } from '../../../lib/config/stage-config';
import type { FunctionName } from '../../../lib/routing/routing-table';
import { synthEngine } from '../support/synth-engine';

const engine = synthEngine({ stage: 'fns' });
afterAll(() => engine.cleanUp());
const template = engine.statelessTemplate;

const pascal = (kebab: string): string => kebab.replace(/(^|-)([a-z0-9])/g, (_m, _d: string, c: string) => c.toUpperCase());

/** Set by EngineFunction for every handler (Powertools, source maps). */
const COMMON_VARIABLES = [
  'NODE_OPTIONS',
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_METRICS_NAMESPACE',
  'POWERTOOLS_LOG_LEVEL',
  'POWERTOOLS_LOGGER_LOG_EVENT',
  'POWERTOOLS_TRACER_CAPTURE_RESPONSE',
];

function functionOf(handler: FunctionName, from = template): { id: string; properties: Record<string, unknown> } {
  const found = Object.entries(from.findResources('AWS::Lambda::Function')).filter(([id]) => id.startsWith(`${pascal(handler)}Function`));
  expect(found, handler).toHaveLength(1);
  const [id, resource] = found[0] ?? ['', {}];
  return { id, properties: (resource as { Properties: Record<string, unknown> }).Properties };
}

function variablesOf(handler: FunctionName, from = template): Record<string, unknown> {
  return (functionOf(handler, from).properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

function handlerVariables(handler: FunctionName): string[] {
  return Object.keys(variablesOf(handler))
    .filter((name) => !COMMON_VARIABLES.includes(name))
    .sort();
}

describe('engine functions: environment', () => {
  it.each([
    ['load-plans', ['ENGINE_TABLE_NAME', 'EVENT_BUS_NAME']],
    [
      'close-period',
      ['CLOSE_GRACE_HOURS', 'ENGINE_TABLE_NAME', 'EVENT_BUS_NAME', 'FINALIZE_INVOICES', 'LEDGER_TABLE_NAME', 'STRIPE_RATE_PER_SECOND', 'STRIPE_SECRET_ARN', 'USAGE_ROLLUP_SETTLE_MINUTES'],
    ],
    ['check-renewal-risk', ['ENGINE_TABLE_NAME', 'EVENT_BUS_NAME', 'LEDGER_TABLE_NAME', 'USAGE_ROLLUP_SETTLE_MINUTES']],
    ['apply-ledger-changes', ['ENGINE_TABLE_NAME', 'EVENT_BUS_NAME', 'LEDGER_TABLE_NAME']],
    ['open-disputes', ['CLOSE_GRACE_HOURS', 'ENGINE_TABLE_NAME', 'EVENT_BUS_NAME', 'LEDGER_TABLE_NAME']],
    [
      'correct-invoiced-period',
      ['CLOSE_GRACE_HOURS', 'ENGINE_TABLE_NAME', 'EVENT_BUS_NAME', 'FINALIZE_INVOICES', 'LEDGER_TABLE_NAME', 'STRIPE_RATE_PER_SECOND', 'STRIPE_SECRET_ARN'],
    ],
    ['check-caps', ['ENGINE_TABLE_NAME', 'LEDGER_TABLE_NAME', 'USAGE_ROLLUP_SETTLE_MINUTES']],
    ['evaluate-usage-drops', ['ENGINE_TABLE_NAME', 'EVENT_BUS_NAME', 'LEDGER_TABLE_NAME', 'USAGE_ROLLUP_SETTLE_MINUTES']],
    [
      'invoice-spend-thresholds',
      ['CLOSE_GRACE_HOURS', 'ENGINE_TABLE_NAME', 'EVENT_BUS_NAME', 'FINALIZE_INVOICES', 'LEDGER_TABLE_NAME', 'STRIPE_RATE_PER_SECOND', 'STRIPE_SECRET_ARN', 'USAGE_ROLLUP_SETTLE_MINUTES'],
    ],
    [
      'schedule-renewal-checks',
      ['CHECK_FUNCTION_ARN', 'ENGINE_TABLE_NAME', 'EVENT_BUS_NAME', 'SCHEDULER_DEAD_LETTER_ARN', 'SCHEDULER_ROLE_ARN', 'SCHEDULE_GROUP_NAME'],
    ],
    [
      'schedule-period-closes',
      ['CLOSE_FUNCTION_ARN', 'CLOSE_GRACE_HOURS', 'CLOSE_SCHEDULER_DEAD_LETTER_ARN', 'CLOSE_SCHEDULER_ROLE_ARN', 'CLOSE_SCHEDULE_GROUP_NAME', 'ENGINE_TABLE_NAME'],
    ],
  ] as const)('%s gets exactly %j', (handler, expected) => {
    expect(handlerVariables(handler)).toEqual([...expected].sort());
  });

  it.each([
    ['load-plans', LoadPlansEnvSchema],
    ['close-period', BillingEnvironmentSchema],
    ['check-renewal-risk', RiskEnvironmentSchema],
    ['correct-invoiced-period', CorrectInvoicedPeriodEnvironmentSchema],
    ['open-disputes', OpenDisputesEnvSchema],
    ['schedule-renewal-checks', ScheduleEnvironmentSchema],
    ['schedule-period-closes', SchedulePeriodClosesEnvironmentSchema],
    ['check-caps', CheckCapsEnvSchema],
    ['invoice-spend-thresholds', InvoiceSpendThresholdsEnvironmentSchema],
    ['evaluate-usage-drops', EvaluateUsageDropsEnvSchema],
  ] as const)('%s: every variable its handler requires is set', (handler, schema) => {
    const required = Object.entries(schema.shape)
      .filter(([, field]) => !field.safeParse(undefined).success)
      .map(([name]) => name);
    expect(required.length).toBeGreaterThan(0);
    expect(Object.keys(variablesOf(handler))).toEqual(expect.arrayContaining(required));
  });

  it('close-period: the configuration as the billing service parses it (finalize, grace, Stripe rate, secret name)', () => {
    const variables = variablesOf('close-period');
    expect(variables).toMatchObject({
      LEDGER_TABLE_NAME: { 'Fn::ImportValue': expect.stringMatching(/LedgerTable/) },
      ENGINE_TABLE_NAME: { 'Fn::ImportValue': expect.stringMatching(/EngineTable/) },
      EVENT_BUS_NAME: { 'Fn::ImportValue': expect.stringMatching(/EventBus/) },
      FINALIZE_INVOICES: 'true',
      CLOSE_GRACE_HOURS: '24',
      // (80 - the corrections' 4) / 5 closes at once.
      STRIPE_RATE_PER_SECOND: '15.2',
      STRIPE_SECRET_ARN: 'outcome-engine/fns/stripe',
    });
    const parsed = BillingEnvironmentSchema.parse({ ...variables, ENGINE_TABLE_NAME: 'e', LEDGER_TABLE_NAME: 'l', EVENT_BUS_NAME: 'b' });
    expect(parsed).toMatchObject({ FINALIZE_INVOICES: 'true', CLOSE_GRACE_HOURS: 24, STRIPE_RATE_PER_SECOND: 15.2 });
  });

  it('takes grace, finalization and the Stripe budget from the stage configuration', () => {
    const tuned = synthEngine({
      stage: 'tunedclose',
      periodClose: { graceHours: 6, finalizeInvoices: false, maxConcurrency: 3, stripeRequestsPerSecond: 20 },
    });
    try {
      expect(variablesOf('close-period', tuned.statelessTemplate)).toMatchObject({
        FINALIZE_INVOICES: 'false',
        CLOSE_GRACE_HOURS: '6',
        // (20 - 4) / 3, rounded down.
        STRIPE_RATE_PER_SECOND: '5.33',
      });
      expect(variablesOf('schedule-period-closes', tuned.statelessTemplate)).toMatchObject({ CLOSE_GRACE_HOURS: '6' });
      expect(functionOf('close-period', tuned.statelessTemplate).properties.ReservedConcurrentExecutions).toBe(3);
    } finally {
      tuned.cleanUp();
    }
  });
});

describe('engine functions: month-end capacity of close-period', () => {
  const closeAge = (stateless: typeof template) => {
    const { id } = functionOf('close-period', stateless);
    const configs = Object.values(stateless.findResources('AWS::Lambda::EventInvokeConfig')) as { Properties: { FunctionName: { Ref: string }; MaximumEventAgeInSeconds: number } }[];
    const alarms = Object.values(stateless.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'AsyncEventAge' } })) as { Properties: { Threshold: number } }[];
    return { maxEventAge: configs.find((c) => c.Properties.FunctionName.Ref === id)?.Properties.MaximumEventAgeInSeconds, alarm: alarms.map((a) => a.Properties.Threshold) };
  };

  it('keeps a waiting close for Lambda\'s 6 h and alarms after an hour by default', () => {
    expect(closeAge(template)).toEqual({ maxEventAge: 6 * 3600, alarm: [3_600_000] });
  });

  it('takes both from the stage configuration', () => {
    const tuned = synthEngine({ stage: 'shortwait', periodClose: { maxWaitHours: 2, waitAlarmMinutes: 30 } });
    try {
      expect(closeAge(tuned.statelessTemplate)).toEqual({ maxEventAge: 2 * 3600, alarm: [1_800_000] });
    } finally {
      tuned.cleanUp();
    }
  });
});

describe('engine functions: load-plans', () => {
  it('has no Function URL and no public permission: only IAM principals may invoke it', () => {
    const { id } = functionOf('load-plans');
    const urls = JSON.stringify(template.findResources('AWS::Lambda::Url'));
    expect(urls).not.toContain(id);
    const permissions = JSON.stringify(template.findResources('AWS::Lambda::Permission'));
    expect(permissions).not.toContain(id);
  });

  it('publishes its function name for `aws lambda invoke`', () => {
    template.hasOutput('LoadPlansFunctionName', { Value: { Ref: functionOf('load-plans').id } });
  });

  it('may write the engine table and put events, but not touch the ledger', () => {
    const statements = JSON.stringify(
      template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^LoadPlansRole') }] } }),
    );
    expect(statements).toContain('dynamodb:PutItem');
    expect(statements).toContain('events:PutEvents');
    expect(statements).not.toContain('LedgerTable');
  });
});

describe('engine functions: close-period', () => {
  const settings = HANDLER_SETTINGS['close-period'];

  it('reserves, and is capped at, the configured concurrency', () => {
    expect(functionOf('close-period').properties).toMatchObject({
      ReservedConcurrentExecutions: 5,
      MemorySize: settings.memorySizeMb,
      Timeout: settings.timeoutSeconds,
    });
  });

  it('keeps closes and corrections together within the Stripe budget, and the budget within Stripe\'s live limit', () => {
    const corrections = CORRECTION_MAX_CONCURRENCY * Number(variablesOf('correct-invoiced-period').STRIPE_RATE_PER_SECOND);
    expect(corrections).toBe(CORRECTIONS_STRIPE_BUDGET);
    for (const [maxConcurrency, stripeRequestsPerSecond] of [
      [5, 80],
      [3, 20],
      [7, 100],
      [96, 100],
      [1, 5],
      [21, 25],
    ] as const) {
      const config = parseStageConfig({ stage: 'x', periodClose: { maxConcurrency, stripeRequestsPerSecond } });
      const perProcess = stripeRatePerCloseProcess(config);
      expect(perProcess).toBeGreaterThanOrEqual(1);
      expect(perProcess * maxConcurrency + corrections).toBeLessThanOrEqual(stripeRequestsPerSecond);
      expect(stripeRequestsPerSecond).toBeLessThanOrEqual(STRIPE_ACCOUNT_RATE_LIMITS.live);
    }
    // A budget the corrections would leave below one request per second per close is refused.
    expect(() => parseStageConfig({ stage: 'x', periodClose: { maxConcurrency: 100, stripeRequestsPerSecond: 100 } })).toThrow(/maxConcurrency \+ 4/);
  });

  it('runs after Scheduler with Node 22 on arm64, traced', () => {
    expect(functionOf('close-period').properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
    });
  });
});

describe('engine functions: correct-invoiced-period', () => {
  const settings = HANDLER_SETTINGS['correct-invoiced-period'];

  it('drains its queue in batches with partial failures, at most two at a time (it calls Stripe)', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionOf('correct-invoiced-period').id },
      EventSourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp('InvoicedPeriodCorrectionsQueue') },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: settings.queue?.batchSize,
      MaximumBatchingWindowInSeconds: settings.queue?.maxBatchingWindowSeconds,
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  it('gets its own small share of the Stripe rate, the stage grace and the Stripe secret', () => {
    expect(variablesOf('correct-invoiced-period')).toMatchObject({
      CLOSE_GRACE_HOURS: '24',
      STRIPE_RATE_PER_SECOND: '2',
      STRIPE_SECRET_ARN: 'outcome-engine/fns/stripe',
    });
    // The ingest announces late entries against the same grace.
    expect(variablesOf('ingest-outcomes')).toMatchObject({ CLOSE_GRACE_HOURS: '24' });
  });

  it('may only read the ledger, and may read the Stripe secret and put events', () => {
    const policies = Object.values(
      template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^CorrectInvoicedPeriodRole') }] } }),
    ) as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }[];
    const statements = policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    const actionsOn = (resource: string) =>
      statements.filter((statement) => JSON.stringify(statement.Resource).includes(resource)).flatMap((statement) => [statement.Action].flat());
    expect(actionsOn('LedgerTable').sort()).toEqual([...TABLE_ACTIONS.read].sort());
    expect(actionsOn('EngineTable')).toContain('dynamodb:UpdateItem');
    const all = statements.flatMap((statement) => [statement.Action].flat());
    expect(all).toContain('events:PutEvents');
    expect(all).toContain('secretsmanager:GetSecretValue');
  });
});

describe('engine functions: schedule-renewal-checks', () => {
  it('may update tasks on the engine table and put events on the bus, to move open tasks to a new CSM and announce it', () => {
    const policies = Object.values(
      template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^ScheduleRenewalChecksRole') }] } }),
    ) as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }[];
    const statements = policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    const actionsOn = (resource: string) =>
      statements.filter((statement) => JSON.stringify(statement.Resource).includes(resource)).flatMap((statement) => [statement.Action].flat());
    expect(actionsOn('EngineTable').sort()).toEqual([...TABLE_ACTIONS['read-write']].sort());
    expect(actionsOn('LedgerTable')).toEqual([]);
    const publish = statements.filter((statement) => [statement.Action].flat().includes('events:PutEvents'));
    expect(publish).toHaveLength(1);
    expect(JSON.stringify(publish[0]?.Resource)).toMatch(/EventBus/);
    expect(variablesOf('schedule-renewal-checks')).toMatchObject({ EVENT_BUS_NAME: { 'Fn::ImportValue': expect.stringMatching(/EventBus/) } });
  });
});

describe('engine functions: apply-ledger-changes', () => {
  it('reads the ledger stream in big batches with partial failures, bisection and an on-failure queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionOf('apply-ledger-changes').id },
      EventSourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp('LedgerTable') },
      StartingPosition: 'TRIM_HORIZON',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 1000,
      MaximumBatchingWindowInSeconds: 5,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::ImportValue': Match.stringLikeRegexp('LedgerStreamFailureDlq') } } },
    });
  });

  it('may put the spend alerts on the bus, and writes the engine table only', () => {
    const statements = JSON.stringify(
      template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^ApplyLedgerChangesRole') }] } }),
    );
    expect(statements).toContain('events:PutEvents');
    expect(statements).toContain('dynamodb:PutItem');
  });

  it('alarms when the stream is read more than five minutes behind', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'IteratorAge',
      Namespace: 'AWS/Lambda',
      Threshold: 300_000,
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionOf('apply-ledger-changes').id } }],
    });
  });
});

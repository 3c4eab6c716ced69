// Every Lambda runs under the shared observability (logs with the Lambda
// context, EMF metrics flushed per invocation, X-Ray subsegments), and each
// handler turns its use case's result into metrics. The first block scans
// lambdas/handlers, so a handler added later fails here until it is wrapped.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import Stripe from 'stripe';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isObservedHandler, withObservability } from '../../../../lambdas/shared/handler-middleware';
import { metrics, tracer, traced, tracingEnabled } from '../../../../lambdas/shared/powertools';
import { recordCloseOutcome } from '../../../../lambdas/handlers/close-period';
import { recordCheckOutcome } from '../../../../lambdas/handlers/check-renewal-risk';
import { recordCorrections } from '../../../../lambdas/handlers/correct-invoiced-period';
import { CORRECTION_METRIC_NAMES } from '../../../../lambdas/shared/metric-names';
import { CORRECTION_METRICS } from '../../../../lib/config/observability';
import type { CorrectChangedPeriodsResult } from '../../../../lambdas/application/billing/correct-changed-periods';
import { recordPeriodCloseScheduling } from '../../../../lambdas/handlers/schedule-period-closes';
import { recordRenewalCheckScheduling } from '../../../../lambdas/handlers/schedule-renewal-checks';
import { createStripeWebhookHandler } from '../../../../lambdas/handlers/stripe-webhook';
import type { ScheduledCloseOutcome } from '../../../../lambdas/application/billing/schedule-period-closes';
import type { CheckRenewalRiskResult } from '../../../../lambdas/application/risk/check-renewal-risk';
import type { PaymentSignal } from '../../../../lambdas/application/billing/ports';
import { createLambdaContext } from '../../../../lib/local/lambda-context';

const HANDLERS_DIR = fileURLToPath(new URL('../../../../lambdas/handlers/', import.meta.url));
const HANDLER_FILES = readdirSync(HANDLERS_DIR).filter((file) => file.endsWith('.ts'));

interface Captured {
  /** EMF documents, one per flush or single metric. */
  readonly emf: Record<string, unknown>[];
  /** Structured log lines. */
  readonly logs: Record<string, unknown>[];
  readonly raw: string;
}

/** Runs `work` with stdout and stderr captured: Powertools writes logs (WARN and ERROR to stderr) and EMF there. */
async function capture(work: () => Promise<unknown>): Promise<Captured> {
  const chunks: string[] = [];
  const collect = (chunk: string | Uint8Array): boolean => {
    chunks.push(`${typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')}\n`);
    return true;
  };
  const spies = [vi.spyOn(process.stdout, 'write').mockImplementation(collect), vi.spyOn(process.stderr, 'write').mockImplementation(collect)];
  try {
    await work();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  const raw = chunks.join('');
  const documents = raw
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { emf: documents.filter((doc) => '_aws' in doc), logs: documents.filter((doc) => 'level' in doc), raw };
}

/** Metric names and values of one EMF document. */
function valuesOf(document: Record<string, unknown>): Record<string, unknown> {
  const aws = document['_aws'] as { CloudWatchMetrics: { Metrics: { Name: string }[] }[] };
  const names = aws.CloudWatchMetrics.flatMap((entry) => entry.Metrics.map((metric) => metric.Name));
  return Object.fromEntries(names.map((name) => [name, document[name]]));
}

const context = () => createLambdaContext({ functionName: 'under-test', timeoutMs: 10_000, region: 'eu-central-1', accountId: '111111111111' });

/** Runs a result → metrics mapping inside the production middleware and returns what it flushed. */
async function flushed(record: () => void): Promise<Captured> {
  const handler = withObservability(async () => {
    record();
    return null;
  });
  return capture(() => handler({}, context()));
}

beforeEach(() => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
  metrics.clearMetrics();
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('every handler module in lambdas/handlers', () => {
  it('finds the handler files (the scan itself works)', () => {
    expect(HANDLER_FILES).toEqual(expect.arrayContaining(['ingest-outcomes.ts', 'stripe-webhook.ts', 'close-period.ts', 'load-plans.ts']));
  });

  it.each(HANDLER_FILES)('%s exports `handler` built by withObservability', async (file) => {
    const module = (await import(path.join(HANDLERS_DIR, file))) as { handler?: unknown };
    expect(module.handler, `${file} must export const handler = withObservability(...)`).toBeDefined();
    expect(isObservedHandler(module.handler)).toBe(true);
  });

  // The ledger's and plan loading's names are spelled out in their handlers
  // (and listed in LEDGER_METRICS / PLAN_LOAD_METRICS); every other handler
  // takes its names from lambdas/shared/metric-names.ts, which the dashboard
  // reads too, so a metric cannot be renamed on one side only.
  const NAMES_SPELLED_OUT = new Set(['ingest-outcomes.ts', 'load-plans.ts']);
  it.each(HANDLER_FILES.filter((file) => !NAMES_SPELLED_OUT.has(file)))('%s passes no string literal as a metric name', (file) => {
    const source = readFileSync(path.join(HANDLERS_DIR, file), 'utf8');
    expect(source.match(/addMetric\(\s*['"`]/g) ?? [], `${file}: use a name from lambdas/shared/metric-names.ts`).toEqual([]);
  });

  it('a plain function or a bare middy handler is not taken for a wrapped one', async () => {
    const { default: middy } = await import('@middy/core');
    expect(isObservedHandler(async () => null)).toBe(false);
    expect(isObservedHandler(middy().handler(async () => null))).toBe(false);
  });
});

describe('withObservability', () => {
  it('flushes what the handler measured as one EMF document in the namespace, with a cold start on the first call', async () => {
    const handler = withObservability(async (event: { n: number }) => {
      metrics.addMetric('UnderTest', 'Count', event.n);
      return event.n * 2;
    });
    let result: number | undefined;
    const { emf, logs } = await capture(async () => {
      result = await handler({ n: 3 }, context());
    });
    expect(result).toBe(6);
    const measured = emf.find((doc) => 'UnderTest' in doc);
    expect(measured).toBeDefined();
    expect(valuesOf(measured!)).toEqual({ UnderTest: 3 });
    expect((measured!['_aws'] as { CloudWatchMetrics: { Namespace: string }[] }).CloudWatchMetrics[0]?.Namespace).toBe('OutcomeEngine');
    // The event is never logged (logEvent: false): nothing carried its value.
    expect(logs.some((line) => JSON.stringify(line).includes('"n":3'))).toBe(false);
  });

  it('puts the Lambda context on log lines written during the invocation', async () => {
    const { logger } = await import('../../../../lambdas/shared/powertools');
    const handler = withObservability(async () => {
      logger.info('inside');
      return null;
    });
    const invocation = context();
    const { logs } = await capture(() => handler({}, invocation));
    expect(logs.find((line) => line['message'] === 'inside')).toMatchObject({
      function_name: 'under-test',
      function_request_id: invocation.awsRequestId,
    });
  });

  it('rethrows the handler error unchanged, after flushing the metrics measured before it', async () => {
    const failure = new Error('storage unavailable');
    const handler = withObservability(async () => {
      metrics.addMetric('BeforeFailure', 'Count', 1);
      throw failure;
    });
    let thrown: unknown;
    const { emf } = await capture(async () => {
      thrown = await handler({}, context()).catch((error: unknown) => error);
    });
    expect(thrown).toBe(failure);
    expect(emf.some((doc) => doc['BeforeFailure'] === 1)).toBe(true);
  });

  it('loads the tracer in Lambda, where tracing is on, and wraps SDK clients', () => {
    const script = [
      "const { tracer, traced, tracingEnabled } = await import('./lambdas/shared/powertools.ts');",
      "const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');",
      "const client = new DynamoDBClient({ region: 'eu-central-1' });",
      "console.log(JSON.stringify({ tracingEnabled, loaded: tracer !== undefined && tracer.isTracingEnabled(), wrapped: traced(client) === client && client.middlewareStack.identify().some((name) => /xray|segment/i.test(name)) }));",
    ].join('\n');
    const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: path.join(import.meta.dirname, '..', '..', '..', '..'),
      env: { ...process.env, AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', POWERTOOLS_TRACE_ENABLED: 'true', AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR' },
      encoding: 'utf8',
    });
    expect(JSON.parse(output.trim().split('\n').at(-1) as string)).toEqual({ tracingEnabled: true, loaded: true, wrapped: true });
  });

  it('traces nothing outside Lambda: the tracer is not even loaded and SDK clients are returned as they are', () => {
    expect(tracingEnabled).toBe(false);
    expect(tracer).toBeUndefined();
    const client = new DynamoDBClient({ region: 'eu-central-1' });
    expect(traced(client)).toBe(client);
  });
});

const closed = (overrides: { matched?: boolean; recordCreated?: boolean; itemsCreated?: number; creditNotes?: number } = {}): ScheduledCloseOutcome =>
  ({
    status: 'closed',
    close: { contractId: 'ctr-1', periodId: '2026-11', closeAt: '2026-12-02T00:00:00.000Z' },
    result: {
      contractId: 'ctr-1',
      periodId: '2026-11',
      invoiceRecordId: 'oe:ctr-1:2026-11:r1',
      recordCreated: overrides.recordCreated ?? true,
      status: overrides.matched === false ? 'reconciliation_failed' : 'reconciled',
      stripeInvoiceId: 'in_1',
      engineTotal: 10300n,
      stripeTotal: overrides.matched === false ? 10000n : 10300n,
      matched: overrides.matched ?? true,
      itemsCreated: overrides.itemsCreated ?? 3,
    },
    corrections: [
      {
        periodId: '2026-10',
        correction: { correctionId: 'c1' },
        creditNotes: Array.from({ length: overrides.creditNotes ?? 0 }, (_, i) => ({ correctionId: 'c1', creditNoteId: `cn_${i}`, total: 100n })),
      },
    ],
  }) as unknown as ScheduledCloseOutcome;

describe('close-period metrics', () => {
  it('a first close that reconciles: one period closed, one invoice issued, no failure', async () => {
    const { emf, logs } = await flushed(() => recordCloseOutcome(closed()));
    expect(valuesOf(emf[0]!)).toMatchObject({ PeriodsClosed: 1, InvoicesIssued: 1, InvoiceReconciliationFailures: 0, CreditNotesIssued: 0, InvoiceCorrectionsRecorded: 1 });
    // Ids and counts only: no totals in the log.
    expect(logs.find((line) => line['message'] === 'Period closed')).toMatchObject({ contractId: 'ctr-1', stripeInvoiceId: 'in_1' });
    expect(JSON.stringify(logs)).not.toContain('10300');
  });

  it('a mismatch counts a reconciliation failure and no issued invoice; credit notes of earlier periods are counted', async () => {
    const { emf, logs } = await flushed(() => recordCloseOutcome(closed({ matched: false, creditNotes: 2 })));
    expect(valuesOf(emf[0]!)).toMatchObject({ PeriodsClosed: 1, InvoicesIssued: 0, InvoiceReconciliationFailures: 1, CreditNotesIssued: 2 });
    expect(logs.find((line) => line['message'] === 'Period closed with a reconciliation failure')).toMatchObject({ level: 'WARN' });
  });

  it('a re-run that finds the invoice done is a close, not a second issued invoice', async () => {
    const { emf } = await flushed(() => recordCloseOutcome(closed({ recordCreated: false, itemsCreated: 0 })));
    expect(valuesOf(emf[0]!)).toMatchObject({ PeriodsClosed: 1, InvoicesIssued: 0 });
  });

  it('a skipped schedule counts as skipped only', async () => {
    const { emf } = await flushed(() =>
      recordCloseOutcome({ status: 'skipped', reason: 'period_not_in_schedule', contractId: 'ctr-1', periodId: '2026-11', message: 'moved' }),
    );
    expect(valuesOf(emf[0]!)).toEqual({ PeriodClosesSkipped: 1 });
  });
});

describe('correct-invoiced-period metrics', () => {
  const corrected = (overrides: { creditNotes?: number; failedCreditNotes?: number; adjustmentInvoices?: number; correction?: boolean } = {}) => ({
    status: 'corrected' as const,
    correction: overrides.correction === false ? null : { correctionId: 'oe:ctr-1:2026-10:correction:1' },
    creditNotes: Array.from({ length: overrides.creditNotes ?? 0 }, (_, i) => ({ correctionId: 'c1', creditNoteId: `cn_${i}`, total: 100n })),
    failedCreditNotes: Array.from({ length: overrides.failedCreditNotes ?? 0 }, () => ({
      correctionId: 'c1',
      reason: 'original_invoice_draft',
      message: 'draft',
      retryable: true,
      attempts: 1,
    })),
    adjustmentInvoices: Array.from({ length: overrides.adjustmentInvoices ?? 0 }, (_, i) => ({
      correctionId: 'c1',
      invoiceRecordId: `oe:ctr-1:2026-10-adjustment-${i + 1}:r1`,
      stripeInvoiceId: `in_adj_${i}`,
      total: 600n,
      matched: true,
    })),
    deferredIncrease: null,
  });

  it('counts corrections, credit notes issued and refused, adjustment invoices and changes left for redelivery, under the shared names', async () => {
    const result = {
      periods: [
        { contractId: 'ctr-1', periodId: '2026-10', outcome: corrected({ creditNotes: 2, adjustmentInvoices: 1 }) },
        { contractId: 'ctr-2', periodId: '2026-10', outcome: corrected({ failedCreditNotes: 1 }) },
        { contractId: 'ctr-3', periodId: '2026-10', outcome: corrected({ correction: false }) },
        { contractId: 'ctr-4', periodId: '2026-11', outcome: { status: 'failed', error: new Error('close still running') } },
        { contractId: 'ctr-5', periodId: '2026-11', outcome: { status: 'not_closed_yet' } },
      ],
      changes: [{ done: true }, { done: true }, { done: false, error: new Error('close still running') }],
    } as unknown as CorrectChangedPeriodsResult;
    const { emf, logs } = await flushed(() => recordCorrections(result));
    expect(valuesOf(emf[0]!)).toEqual({
      [CORRECTION_METRIC_NAMES.corrections]: 2,
      [CORRECTION_METRIC_NAMES.creditNotesIssued]: 2,
      [CORRECTION_METRIC_NAMES.creditNotesFailed]: 1,
      [CORRECTION_METRIC_NAMES.adjustmentInvoicesIssued]: 1,
      [CORRECTION_METRIC_NAMES.failures]: 1,
    });
    expect(logs.find((line) => line['message'] === 'Credit note refused by Stripe; recorded and announced')).toMatchObject({
      level: 'WARN',
      contractId: 'ctr-2',
      reason: 'original_invoice_draft',
    });
    // Ids and counts only: no amounts in the log.
    expect(JSON.stringify(logs)).not.toContain('600');
  });

  it('publishes zeros for a batch that changed nothing, so every series the dashboard graphs is continuous', async () => {
    const { emf } = await flushed(() => recordCorrections({ periods: [], changes: [{ done: true }] }));
    expect(Object.keys(valuesOf(emf[0]!)).sort()).toEqual(Object.values(CORRECTION_METRICS).map((metric) => metric.metricName).sort());
    expect(Object.values(valuesOf(emf[0]!))).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('check-renewal-risk metrics', () => {
  const payload = { contractId: 'ctr-1', termId: '2026-01-01', checkpointDays: 90 } as Parameters<typeof recordCheckOutcome>[0];
  const checked = (action: string) =>
    ({ outcome: 'checked', assessment: { tier: 'at_risk', score: 72 }, decision: { action, key: 'k' }, task: { id: 'task-1' } }) as unknown as CheckRenewalRiskResult;

  it.each([
    ['create', { RenewalRiskTasksCreated: 1, RenewalRiskTasksEscalated: 0, RenewalRiskTasksResolved: 0 }],
    ['escalate', { RenewalRiskTasksCreated: 0, RenewalRiskTasksEscalated: 1, RenewalRiskTasksResolved: 0 }],
    ['resolve', { RenewalRiskTasksCreated: 0, RenewalRiskTasksEscalated: 0, RenewalRiskTasksResolved: 1 }],
    ['none', { RenewalRiskTasksCreated: 0, RenewalRiskTasksEscalated: 0, RenewalRiskTasksResolved: 0 }],
  ])('a check deciding %s', async (action, expected) => {
    const { emf } = await flushed(() => recordCheckOutcome(payload, checked(action)));
    expect(valuesOf(emf[0]!)).toEqual({ RenewalRiskChecks: 1, ...expected });
  });

  it('a skipped check', async () => {
    const { emf } = await flushed(() => recordCheckOutcome(payload, { outcome: 'skipped', why: 'term_changed', message: 'moved' }));
    expect(valuesOf(emf[0]!)).toEqual({ RenewalRiskChecksSkipped: 1 });
  });
});

describe('scheduling metrics', () => {
  it('counts period-close schedules created and deleted, not the unchanged or absent ones', async () => {
    const ref = (periodId: string) => ({ contractId: 'c', periodId, scheduleName: `close-c-${periodId}` });
    const { emf } = await flushed(() =>
      recordPeriodCloseScheduling({
        contractId: 'c',
        change: 'updated',
        scheduled: [
          { close: ref('2026-11'), outcome: 'created' },
          { close: ref('2026-12'), outcome: 'unchanged' },
        ],
        past: [],
        removed: [
          { close: ref('2027-01'), outcome: 'deleted' },
          { close: ref('2027-02'), outcome: 'absent' },
        ],
      } as unknown as Parameters<typeof recordPeriodCloseScheduling>[0]),
    );
    expect(valuesOf(emf[0]!)).toEqual({ PeriodCloseSchedulesCreated: 1, PeriodCloseSchedulesDeleted: 1 });
  });

  it('counts checkpoint schedules created, updated and deleted', async () => {
    const { emf } = await flushed(() =>
      recordRenewalCheckScheduling({ change: 'updated', contractId: 'c' } as Parameters<typeof recordRenewalCheckScheduling>[0], {
        change: 'term_changed',
        plan: {},
        upserted: [
          { scheduleName: 'a', checkpointDays: 120, outcome: 'created' },
          { scheduleName: 'b', checkpointDays: 90, outcome: 'updated' },
          { scheduleName: 'c', checkpointDays: 60, outcome: 'unchanged' },
        ],
        deleted: [
          { scheduleName: 'd', outcome: 'deleted' },
          { scheduleName: 'e', outcome: 'deleted' },
        ],
      } as unknown as Parameters<typeof recordRenewalCheckScheduling>[1]),
    );
    expect(valuesOf(emf[0]!)).toEqual({ RenewalCheckSchedulesCreated: 1, RenewalCheckSchedulesUpdated: 1, RenewalCheckSchedulesDeleted: 2 });
  });
});

describe('stripe-webhook metrics', () => {
  const SECRET = 'whsec_metrics_test';
  const NOW = new Date('2026-11-20T10:00:00.000Z');

  function webhook() {
    const stored = new Map<string, PaymentSignal>();
    const handler = withObservability(
      createStripeWebhookHandler(async () => ({
        webhookSecret: SECRET,
        clock: () => NOW,
        events: { publish: async () => undefined },
        signals: {
          putPaymentSignal: async (signal: PaymentSignal) => {
            const known = stored.has(signal.stripeEventId);
            stored.set(signal.stripeEventId, signal);
            return { created: !known, published: known };
          },
          markPaymentSignalPublished: async () => undefined,
        },
      })),
    );
    return (body: string, signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET, timestamp: Math.floor(NOW.getTime() / 1000) })) =>
      handler(
        {
          version: '2.0',
          routeKey: '$default',
          rawPath: '/',
          rawQueryString: '',
          headers: { 'stripe-signature': signature },
          body,
          isBase64Encoded: false,
          requestContext: {} as APIGatewayProxyEventV2['requestContext'],
        },
        context(),
      );
  }

  const event = (type: string, id: string) =>
    JSON.stringify({
      id,
      object: 'event',
      type,
      created: Math.floor(NOW.getTime() / 1000) - 5,
      livemode: false,
      data: {
        object: {
          id: 'in_9',
          object: 'invoice',
          customer: 'cus_9',
          currency: 'eur',
          total: 4200,
          amount_due: 4200,
          amount_paid: 4200,
          status: 'open',
          metadata: { contractId: 'ctr-9', periodId: '2026-10' },
        },
      },
    });

  it('counts a recorded signal under its type and the invoiced amount under its currency', async () => {
    const send = webhook();
    const { emf, logs } = await capture(() => send(event('invoice.finalized', 'evt_m1')));
    const byType = emf.find((doc) => 'PaymentSignalsRecorded' in doc);
    expect(byType).toMatchObject({ type: 'invoice.finalized', PaymentSignalsRecorded: 1 });
    expect(emf.find((doc) => 'InvoicedAmountMinor' in doc)).toMatchObject({ currency: 'EUR', InvoicedAmountMinor: 4200 });
    // The log names the event and the contract, never the body.
    expect(logs.find((line) => line['message'] === 'Payment signal recorded')).toMatchObject({ stripeEventId: 'evt_m1', contractId: 'ctr-9' });
    expect(JSON.stringify(logs)).not.toContain('cus_9');
  });

  it('counts paid amounts from invoice.paid, redeliveries as duplicates and untracked types as ignored', async () => {
    const send = webhook();
    const paid = await capture(() => send(event('invoice.paid', 'evt_m2')));
    expect(paid.emf.find((doc) => 'PaidAmountMinor' in doc)).toMatchObject({ currency: 'EUR', PaidAmountMinor: 4200 });
    const again = await capture(() => send(event('invoice.paid', 'evt_m2')));
    expect(again.emf.some((doc) => doc['PaymentSignalsDuplicate'] === 1)).toBe(true);
    expect(again.emf.some((doc) => 'PaymentSignalsRecorded' in doc)).toBe(false);
    const ignored = await capture(() => send(event('customer.created', 'evt_m3')));
    expect(ignored.emf.some((doc) => doc['StripeEventsIgnored'] === 1)).toBe(true);
  });

  it('counts a rejected request under its code and logs only the code', async () => {
    const send = webhook();
    const body = event('invoice.paid', 'evt_m4');
    const { emf, logs } = await capture(() => send(body, 't=1,v1=deadbeef'));
    expect(emf.find((doc) => 'WebhookRequestsRejected' in doc)).toMatchObject({ code: 'invalid_signature', WebhookRequestsRejected: 1 });
    const line = logs.find((entry) => entry['message'] === 'Stripe webhook request rejected');
    expect(line).toMatchObject({ code: 'invalid_signature' });
    expect(JSON.stringify(line)).not.toContain('deadbeef');
  });
});

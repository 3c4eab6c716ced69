// Disputes end to end on the local engine: outcomes sent with the real
// EventBridge client, November closed into the Stripe emulator, a bulk
// dispute sent on the bus ('Outcome Disputed', with ids that cannot be
// disputed), some outcomes upheld and one rejected with the CLI, then exactly
// one credit note on November's invoice for exactly the upheld outcomes'
// rated difference, and the renewal check naming the dispute rate.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../bin/cli/program';
import type { CliIo } from '../../bin/cli/cli-io';
import type { InvoiceExplanation } from '../../bin/cli/invoice-explain';
import type { PeriodCloseReport } from '../../bin/cli/period-command';
import type { DisputeRow, ResolveDisputeResult } from '../../lambdas/composition/ledger-service';
import type { RenewalRiskAssessment } from '../../lambdas/domain/risk';
import { startLocalEngine, type LocalEngine } from '../../lib/local/local-engine';
import { ContractSchema } from '../../lambdas/domain/plans/contract-schema';
import { PlanSchema } from '../../lambdas/domain/plans/plan-schema';

const CONTRACT = 'e2e-disputes-acme';
let nowMs = Date.parse('2026-11-20T12:00:00Z');
const now = () => new Date(nowMs);
const setNow = (iso: string) => {
  nowMs = Date.parse(iso);
};

const entry = (detailType: string, detail: unknown, source = 'com.example.support'): PutEventsRequestEntry => ({
  EventBusName: 'outcome-engine',
  Source: source,
  DetailType: detailType,
  Detail: JSON.stringify(detail),
});

describe('disputes end to end on the local engine', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'outcome-engine-disputes-'));
  const busEvents: { detailType: string; detail: Record<string, unknown> }[] = [];
  let engine: LocalEngine;
  let producer: EventBridgeClient;
  let stripe: Stripe;
  let novemberInvoiceId = '';
  let novemberRecordId = '';

  async function send(entries: PutEventsRequestEntry[]): Promise<void> {
    const result = await producer.send(new PutEventsCommand({ Entries: entries }));
    expect(result.FailedEntryCount).toBe(0);
    await engine.drain();
  }

  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { out: (t) => (stdout += t), err: (t) => (stderr += t), env: { USER: 'csm@vendor' }, now };
    const code = await runCli(['--data-dir', dataDir, ...args], io);
    return { code, stdout, stderr };
  }

  async function cliJson<T>(args: string[]): Promise<T> {
    const result = await cli([...args, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as T;
  }

  beforeAll(async () => {
    const suffix = randomUUID().slice(0, 8);
    engine = await startLocalEngine({
      port: 0,
      dynamoDbEndpoint: inject('dynamoDbEndpoint'),
      dataDir,
      ledgerTableName: `disputes-ledger-${suffix}`,
      engineTableName: `disputes-engine-${suffix}`,
      now,
      queue: { retryDelayMs: () => 5 },
      billing: { closeCheckIntervalMs: 0, emulatorSeed: 'disputes-e2e' },
    });
    engine.subscribe((envelope) => {
      const raw = envelope as unknown as { 'detail-type': string; detail: Record<string, unknown> };
      busEvents.push({ detailType: raw['detail-type'], detail: raw.detail });
    });
    const emulator = engine.billing?.emulator;
    if (!emulator) throw new Error('the local engine did not start the Stripe emulator');
    stripe = new Stripe(emulator.apiKey, { ...emulator.clientOptions, maxNetworkRetries: 2 });
    producer = new EventBridgeClient({ endpoint: engine.url, region: engine.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const store = engine.billing!.service.planStore;
    await store.putPlan(
      PlanSchema.parse({
        kind: 'plan',
        code: 'e2e-disputes',
        name: 'Support automation',
        currency: 'USD',
        versions: [
          {
            version: 1,
            effectiveFrom: '2026-01-01',
            metrics: [{ code: 'resolutions', ledgerMetric: 'ticket.resolved', aggregation: 'count' }],
            charges: [
              { id: 'platform', name: 'Platform fee', model: 'flat', amount: '100.00' },
              { id: 'resolutions', name: 'Resolutions', model: 'per_unit', metric: 'resolutions', unitPrice: '1.50' },
            ],
          },
        ],
      }),
    );
    await store.putContract(
      ContractSchema.parse({
        kind: 'contract',
        contractId: CONTRACT,
        customerId: 'acme',
        plan: { code: 'e2e-disputes', version: 1 },
        termStart: '2026-11-01',
        termEnd: '2027-11-01',
        billingPeriod: { cadence: 'monthly', anchorDay: 1 },
        timeZone: 'UTC',
        currency: 'USD',
        successTargets: [{ metric: 'ticket.resolved', targetPerPeriod: '10' }],
      }),
      now(),
    );
  }, 120_000);

  afterAll(async () => {
    producer?.destroy();
    await engine?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('closes November: 10 resolutions, 100.00 + 10 x 1.50 in Stripe', async () => {
    await send(
      Array.from({ length: 10 }, (_, i) =>
        entry('Outcome Recorded', { outcomeId: `nov-${i}`, customerId: 'acme', metric: 'ticket.resolved', occurredAt: `2026-11-${String(10 + i)}T09:00:00Z` }),
      ),
    );
    setNow('2026-12-03T00:00:00Z');
    const result = await cli(['period', 'close', '--period', '2026-11', '--contract', CONTRACT, '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as PeriodCloseReport;
    expect(report.closed[0]).toMatchObject({ engineTotal: '11500', stripeTotal: '11500', matched: true });
    novemberInvoiceId = report.closed[0]!.stripeInvoiceId;
    novemberRecordId = report.closed[0]!.invoiceRecordId;
  });

  it('opens a bulk dispute from the bus: the good ids open, each bad one is refused on its own', async () => {
    setNow('2026-12-05T10:00:00Z');
    await send([
      entry('Outcome Disputed', { disputeId: 'D-acme-1', outcomeIds: ['nov-0', 'nov-1', 'nov-2', 'nov-3', 'ghost', 'nov-1'], reason: 'tickets reopened by customers', raisedBy: 'portal:acme' }, 'com.example.portal'),
    ]);
    expect(busEvents.filter((e) => e.detailType === 'Dispute Opened').map((e) => e.detail['outcomeId'])).toEqual(['nov-0', 'nov-1', 'nov-2', 'nov-3']);
    const open = await cliJson<DisputeRow[]>(['disputes', 'list', '--contract', CONTRACT, '--status', 'open']);
    expect(open.map((row) => row.outcomeId)).toEqual(['nov-0', 'nov-1', 'nov-2', 'nov-3']);
    expect(await engine.deadLetters()).toEqual([]);
    // A resend (SQS redelivery, a retrying portal) opens nothing twice.
    await send([
      entry('Outcome Disputed', { disputeId: 'D-acme-1', outcomeIds: ['nov-0', 'nov-1', 'nov-2', 'nov-3', 'ghost', 'nov-1'], reason: 'tickets reopened by customers', raisedBy: 'portal:acme' }, 'com.example.portal'),
    ]);
    expect(await cliJson<DisputeRow[]>(['disputes', 'list', '--contract', CONTRACT])).toHaveLength(4);
  });

  it('upholds three and rejects one: exactly one credit note on the original invoice, for exactly 3 x 1.50, reconciled', async () => {
    setNow('2026-12-06T10:00:00Z');
    const upheld = await cliJson<ResolveDisputeResult>([
      'disputes', 'resolve', '--id', 'D-acme-1', '--upheld', '--note', 'reopened within a day', '--outcome', 'nov-0', '--outcome', 'nov-1', '--outcome', 'nov-2',
    ]);
    expect(upheld.decided.map((outcome) => [outcome.outcomeId, outcome.decision, outcome.reversed])).toEqual([
      ['nov-0', 'upheld', true],
      ['nov-1', 'upheld', true],
      ['nov-2', 'upheld', true],
    ]);
    await engine.drain();
    const rejected = await cli(['disputes', 'resolve', '--id', 'D-acme-1', '--rejected', '--note', 'the customer confirmed it resolved']);
    expect(rejected.code).toBe(0);
    expect(rejected.stdout).toContain('rejected nov-3 (nothing changes)');
    await engine.drain();

    const notes = await stripe.creditNotes.list({ invoice: novemberInvoiceId, limit: 10 });
    expect(notes.data).toHaveLength(1);
    expect(notes.data[0]!.total).toBe(450);
    expect(notes.data[0]!.metadata?.['periodId']).toBe('2026-11');
    // The credit note says which dispute it credits: on its line and in its metadata.
    expect(notes.data[0]!.metadata?.['outcome_disputes']).toBe('D-acme-1');
    const noteLines = await stripe.creditNotes.listLineItems(notes.data[0]!.id);
    expect(noteLines.data.map((line) => [line.description, line.amount])).toEqual([[expect.stringMatching(/^Credit for 2026-11: 3 reversed \S+ \(dispute D-acme-1\)$/), 450]]);
    expect(busEvents.filter((e) => e.detailType === 'Credit Note Issued').map((e) => [e.detail['total'], e.detail['stripeTotal']])).toEqual([['450', '450']]);
    expect(busEvents.filter((e) => e.detailType === 'Credit Note Reconciliation Failed')).toEqual([]);
    expect((await stripe.invoices.retrieve(novemberInvoiceId)).total).toBe(11500);

    const outcome = await cliJson<{ status: string; reversal: { reason: string } }>(['outcome', 'nov-1']);
    expect(outcome).toMatchObject({ status: 'reversed', reversal: { reason: 'dispute D-acme-1 upheld: reopened within a day' } });
    expect(busEvents.filter((e) => e.detailType === 'Dispute Resolved').map((e) => [e.detail['outcomeId'], e.detail['decision']])).toEqual([
      ['nov-0', 'upheld'],
      ['nov-1', 'upheld'],
      ['nov-2', 'upheld'],
      ['nov-3', 'rejected'],
    ]);
    expect(await engine.deadLetters()).toEqual([]);
  });

  it('invoice explain shows the disputes beside the line', async () => {
    const explained = await cliJson<InvoiceExplanation>(['invoice', 'explain', '--invoice', novemberRecordId]);
    const resolutions = explained.lines.find((line) => line.chargeId === 'resolutions')!;
    expect(resolutions.disputes).toEqual({ open: 0, upheld: 3, rejected: 1 });
    expect(explained.followedBy.flatMap((correction) => correction.creditNote.lines.map((line) => line.amount.minor))).toEqual(['450']);
    const text = await cli(['invoice', 'explain', '--invoice', novemberRecordId]);
    expect(text.stdout).toContain('disputes 0 open, 3 upheld, 1 rejected');
  });

  it('the renewal check names the dispute rate', async () => {
    const assessment = await cliJson<RenewalRiskAssessment>(['risk', 'check', '--contract', CONTRACT]);
    const signal = assessment.signals.find((candidate) => candidate.code === 'outcome_disputes');
    expect(signal).toMatchObject({ applicable: true });
    expect(assessment.reasons.find((reason) => reason.code === 'outcomes_disputed')?.message).toBe('4 of 10 resolutions disputed this term, 3 upheld');
  });
});

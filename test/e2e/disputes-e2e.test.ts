// Disputes end to end on the local engine: outcomes sent with the real
// EventBridge client, November closed into the Stripe emulator, a bulk
// dispute sent on the bus ('Outcome Disputed', with ids that cannot be
// disputed), some outcomes upheld and one rejected with the CLI, then exactly
// one credit note on November's invoice for exactly the upheld outcomes'
// rated difference, and the renewal check naming the dispute rate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvoiceExplanation } from '../../bin/cli/invoice-explain';
import type { PeriodCloseReport } from '../../bin/cli/period-command';
import type { DisputeRow, ResolveDisputeResult } from '../../lambdas/composition/ledger-service';
import type { RenewalRiskAssessment } from '../../lambdas/domain/risk';
import { busEntry as entry, localEngineHarness, manualClock, monthlyContract, supportAutomationPlan } from '../support/local-engine-harness';

const CONTRACT = 'e2e-disputes-acme';
const { now, setNow } = manualClock('2026-11-20T12:00:00Z');

describe('disputes end to end on the local engine', () => {
  const harness = localEngineHarness({ name: 'disputes', now, cliEnv: { USER: 'csm@vendor' } });
  const { busEvents, send, cli, cliJson } = harness;
  let engine: typeof harness.engine;
  let stripe: typeof harness.stripe;
  let novemberInvoiceId = '';
  let novemberRecordId = '';

  beforeAll(async () => {
    await harness.start();
    engine = harness.engine;
    stripe = harness.stripe;
    await harness.loadCatalog({
      plans: [supportAutomationPlan('e2e-disputes')],
      contracts: [monthlyContract(CONTRACT, 'e2e-disputes', { successTargets: [{ metric: 'ticket.resolved', targetPerPeriod: '10' }] })],
    });
  }, 120_000);

  afterAll(() => harness.stop());

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

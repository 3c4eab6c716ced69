// Payment health end to end on DynamoDB Local: signed Stripe webhooks go
// through the webhook handler into the invoice store, which files each signal
// for its contract (a credit note without metadata through the Stripe invoice
// the engine pushed for it); the renewal-risk check then reads them. A failed payment left
// open makes a task with the numbers; paying the invoice clears it. An invoice left
// unpaid past its due date is past due too, whether the due date came with the
// `invoice.finalized` webhook or only with the close's reading of Stripe.
import Stripe from 'stripe';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbInvoiceStore } from '../../../../../../lambdas/adapters/dynamodb/invoice-store';
import { DynamoDbRenewalTaskStore } from '../../../../../../lambdas/adapters/dynamodb/task-store';
import type { PaymentSignal } from '../../../../../../lambdas/application/billing/ports';
import type { EventPublisher } from '../../../../../../lambdas/application/ports';
import { checkRenewalRisk, type CheckRenewalRiskDeps } from '../../../../../../lambdas/application/risk/check-renewal-risk';
import { gatherRiskInput } from '../../../../../../lambdas/application/risk/gather-risk-input';
import { assessRenewalRisk } from '../../../../../../lambdas/domain/risk';
import { createStripeWebhookHandler } from '../../../../../../lambdas/handlers/stripe-webhook';
import { createTestTables, type TestTables } from '../../../../../support/dynamodb';
import { HEALTHY_SPRING, RecordingBus, SETTINGS, ScriptedUsage, payload, riskContract } from '../../../../../support/risk-test-kit';
import { singleRevisionContracts } from '../../../../../support/fakes/single-revision-contracts';

const SECRET = 'whsec_risk_payments';
const CONTRACT = 'ctr-pay';

describe('payment health from Stripe webhooks on DynamoDB Local', () => {
  let tables: TestTables;
  let store: DynamoDbInvoiceStore;
  let bus: RecordingBus;
  let usage: ScriptedUsage;
  let nowIso: string;
  let deps: CheckRenewalRiskDeps;
  let webhook: ReturnType<typeof createStripeWebhookHandler>;
  const published: unknown[] = [];

  beforeAll(async () => {
    tables = await createTestTables('risk-pay');
    store = new DynamoDbInvoiceStore(tables.client, tables.engineTableName);
    const events: EventPublisher = { publish: async (entries) => void published.push(...entries) };
    webhook = createStripeWebhookHandler(async () => ({ webhookSecret: SECRET, signals: store, events, clock: () => new Date(nowIso) }));
    // The engine pushed July's invoice to Stripe: its status names the Stripe invoice.
    await store.setStatus({
      contractId: CONTRACT,
      periodId: '2026-07',
      invoiceRecordId: 'ir-2026-07',
      status: 'pushed',
      stripeInvoiceId: 'in_july',
      updatedAt: '2026-08-01T00:05:00.000Z',
    });
  });
  afterAll(async () => tables.destroy());

  beforeEach(() => {
    const contract = riskContract({ contractId: CONTRACT });
    usage = new ScriptedUsage();
    usage.set({ ...HEALTHY_SPRING, '2026-07-01': '1000', '2026-08-01': '1000' }, '2026-09-02T10:00:00Z');
    bus = new RecordingBus();
    deps = {
      contracts: singleRevisionContracts((id) => (id === CONTRACT ? contract : undefined)),
      tasks: new DynamoDbRenewalTaskStore({ client: tables.client, tableName: tables.engineTableName }),
      events: bus,
      usage,
      invoices: store,
      payments: store,
      settings: SETTINGS,
      clock: () => new Date(nowIso),
    };
  });

  /** Delivers a Stripe event the way Stripe does: signed, base64 body, at `nowIso`. */
  async function deliver(event: { id: string; type: string; created: string; object: Record<string, unknown> }): Promise<Record<string, unknown>> {
    nowIso = event.created;
    const createdSeconds = Math.floor(Date.parse(event.created) / 1000);
    const body = JSON.stringify({ id: event.id, object: 'event', type: event.type, created: createdSeconds, livemode: false, data: { object: event.object } });
    const signature = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET, timestamp: createdSeconds });
    const response = await webhook({
      headers: { 'stripe-signature': signature },
      body: Buffer.from(body).toString('base64'),
      isBase64Encoded: true,
    } as unknown as APIGatewayProxyEventV2);
    expect(response.statusCode).toBe(200);
    return JSON.parse(String(response.body)) as Record<string, unknown>;
  }

  it('files signals under the contract, raises a task with the numbers, and clears it once paid', async () => {
    await deliver({
      id: 'evt_fail_1',
      type: 'invoice.payment_failed',
      created: '2026-08-01T12:00:00.000Z',
      object: {
        id: 'in_july',
        object: 'invoice',
        customer: 'cus_pay',
        currency: 'usd',
        total: 125000,
        amount_due: 125000,
        amount_paid: 0,
        attempt_count: 1,
        status: 'open',
        metadata: { contractId: CONTRACT, periodId: '2026-07', invoiceRecordId: 'ir-2026-07' },
      },
    });
    // A redelivery is recorded once.
    expect(
      await deliver({
        id: 'evt_fail_1',
        type: 'invoice.payment_failed',
        created: '2026-08-01T12:00:00.000Z',
        object: { id: 'in_july', object: 'invoice', status: 'open', amount_due: 125000, metadata: { contractId: CONTRACT } },
      }),
    ).toMatchObject({ outcome: 'duplicate' });
    // A credit note made in the Stripe dashboard carries no contract metadata.
    await deliver({
      id: 'evt_note_1',
      type: 'credit_note.created',
      created: '2026-08-02T09:00:00.000Z',
      object: { id: 'cn_1', object: 'credit_note', invoice: 'in_july', customer: 'cus_pay', currency: 'usd', total: 5000, status: 'issued' },
    });

    // An invoice the engine did not make (no metadata, never pushed by the engine) is recorded but belongs to no contract.
    expect(
      await deliver({
        id: 'evt_foreign_1',
        type: 'invoice.payment_failed',
        created: '2026-08-03T09:00:00.000Z',
        object: { id: 'in_foreign', object: 'invoice', status: 'open', amount_due: 990 },
      }),
    ).toMatchObject({ outcome: 'recorded' });

    const stored = await store.listStoredPaymentSignals(CONTRACT);
    expect(stored.map((entry) => [entry.signal.stripeEventId, entry.contractId, entry.contractSource])).toEqual([
      ['evt_fail_1', CONTRACT, 'metadata'],
      ['evt_note_1', CONTRACT, 'stripe_invoice'],
    ]);
    expect((await store.listPaymentSignals(CONTRACT, { from: new Date('2026-08-02T00:00:00Z') })).map((s) => s.stripeEventId)).toEqual(['evt_note_1']);
    expect(await store.listPaymentSignals(CONTRACT, { to: new Date('2026-08-01T12:00:00.000Z') })).toEqual([]);

    // 120-day checkpoint: the July invoice has been open since its failed payment 32 days ago.
    nowIso = '2026-09-03T09:00:00.000Z';
    const first = await checkRenewalRisk(deps, payload(120, CONTRACT));
    if (first.outcome !== 'checked') throw new Error(`expected a check, got ${first.outcome}`);
    expect(first.assessment.signals.find((s) => s.code === 'payment_health')).toMatchObject({ applicable: true, value: '2', risk: '1' });
    expect(first.assessment.reasons.filter((r) => r.signal === 'payment_health').map((r) => [r.code, r.message])).toEqual([
      ['payment_failed', '1 failed payment in the last 90 days, 1 not yet recovered'],
      ['invoice_past_due', 'invoice in_july ($1,250.00) is 32 days past due'],
    ]);
    expect(first.assessment).toMatchObject({ tier: 'at_risk', severeSignal: 'payment_health', dominantSignal: 'payment_health' });
    expect(first.decision.action).toBe('create');
    expect(first.task).toMatchObject({ status: 'open', tier: 'at_risk', recommendedPlay: { code: 'billing_follow_up', signal: 'payment_health' } });

    await deliver({
      id: 'evt_paid_1',
      type: 'invoice.paid',
      created: '2026-09-10T08:00:00.000Z',
      object: { id: 'in_july', object: 'invoice', currency: 'usd', total: 125000, amount_due: 125000, amount_paid: 125000, status: 'paid', metadata: { contractId: CONTRACT } },
    });

    // 90-day checkpoint: paid, so only the recovered failure remains and the task resolves.
    usage.set({ '2026-09-01': '1000', '2026-10-01': '30' }, '2026-10-02T16:00:00Z');
    nowIso = '2026-10-03T09:00:00.000Z';
    const second = await checkRenewalRisk(deps, payload(90, CONTRACT));
    if (second.outcome !== 'checked') throw new Error(`expected a check, got ${second.outcome}`);
    expect(second.assessment.signals.find((s) => s.code === 'payment_health')).toMatchObject({ value: '0', risk: '0.1' });
    expect(second.assessment.tier).toBe('healthy');
    expect(second.decision.action).toBe('resolve');
    expect(second.task?.status).toBe('resolved');
    expect(bus.types()).toEqual(['Renewal Risk Task Created', 'Renewal Risk Resolved']);
  });

  it('reports payment health not applicable for a contract never invoiced through Stripe', async () => {
    const contract = riskContract({ contractId: 'ctr-no-stripe' });
    nowIso = '2026-09-03T09:00:00.000Z';
    const result = await checkRenewalRisk(
      { ...deps, contracts: singleRevisionContracts(() => contract) },
      payload(120, 'ctr-no-stripe'),
    );
    if (result.outcome !== 'checked') throw new Error(`expected a check, got ${result.outcome}`);
    expect(result.assessment.signals.find((s) => s.code === 'payment_health')).toMatchObject({ applicable: false });
  });

  it('makes an invoice left unpaid past its due date past due, from the webhook or from the close alone, as of any moment', async () => {
    const contractId = 'ctr-due';
    const contract = riskContract({ contractId });
    // July's invoice: the close read it from Stripe (finalized, due in 30 days); its invoice.finalized webhook was lost.
    await store.setStatus({
      contractId,
      periodId: '2026-07',
      invoiceRecordId: 'ir-due-2026-07',
      status: 'reconciled',
      stripeInvoiceId: 'in_due_july',
      stripeStatus: 'open',
      reconciliation: { matched: true, engineTotal: 90000n, stripeTotal: 90000n, difference: 0n },
      stripeFinalizedAt: '2026-08-02T00:10:00.000Z',
      stripeDueAt: '2026-09-01T00:10:00.000Z',
      stripeAmountDue: 90000n,
      updatedAt: '2026-08-02T00:10:01.000Z',
    });
    expect(await store.getStatus(contractId, '2026-07')).toMatchObject({ stripeDueAt: '2026-09-01T00:10:00.000Z', stripeAmountDue: 90000n });
    // A signal stored before due dates were kept has no such field, and still reads.
    const legacy: PaymentSignal = {
      stripeEventId: 'evt_due_legacy',
      type: 'invoice.paid',
      occurredAt: '2026-07-10T08:00:00.000Z',
      receivedAt: '2026-07-10T08:00:01.000Z',
      livemode: false,
      stripeObjectId: 'in_due_june',
      stripeInvoiceId: 'in_due_june',
      stripeCustomerId: 'cus_due',
      contractId,
      periodId: '2026-06',
      currency: 'usd',
      total: '80000',
      amountDue: '80000',
      amountPaid: '80000',
      attemptCount: 0,
      status: 'paid',
    };
    await store.putPaymentSignal(legacy);
    // August's invoice: its invoice.finalized webhook carries the due date.
    await deliver({
      id: 'evt_due_aug_finalized',
      type: 'invoice.finalized',
      created: '2026-09-02T00:10:00.000Z',
      object: {
        id: 'in_due_aug',
        object: 'invoice',
        customer: 'cus_due',
        currency: 'usd',
        total: 110000,
        amount_due: 110000,
        amount_paid: 0,
        status: 'open',
        collection_method: 'send_invoice',
        due_date: Math.floor(Date.parse('2026-10-02T00:10:00.000Z') / 1000),
        metadata: { contractId, periodId: '2026-08', invoiceRecordId: 'ir-due-2026-08' },
      },
    });
    const stored = await store.listPaymentSignals(contractId);
    expect(stored.map((signal) => [signal.stripeEventId, signal.dueAt])).toEqual([
      ['evt_due_legacy', undefined],
      ['evt_due_aug_finalized', '2026-10-02T00:10:00.000Z'],
    ]);

    const pastDueAsOf = async (now: string) => {
      const input = await gatherRiskInput({ usage, invoices: store, payments: store, settings: SETTINGS }, { contract, now: new Date(now) });
      const assessment = assessRenewalRisk(input);
      return {
        health: assessment.signals.find((s) => s.code === 'payment_health'),
        reasons: assessment.reasons.filter((r) => r.code === 'invoice_past_due').map((r) => r.message),
      };
    };
    // Before July's due date both invoices are merely open.
    expect(await pastDueAsOf('2026-08-31T12:00:00.000Z')).toMatchObject({ health: { applicable: true, value: '0' }, reasons: [] });
    // The 120-day check: July is past due by its due date although no webhook ever said so.
    nowIso = '2026-09-03T09:00:00.000Z';
    const check = await checkRenewalRisk({ ...deps, contracts: singleRevisionContracts(() => contract) }, payload(120, contractId));
    if (check.outcome !== 'checked') throw new Error(`expected a check, got ${check.outcome}`);
    expect(check.assessment.signals.find((s) => s.code === 'payment_health')).toMatchObject({ applicable: true, value: '1', details: { oldestPastDueDays: 2 } });
    expect(check.assessment.reasons.filter((r) => r.signal === 'payment_health').map((r) => r.message)).toEqual(['invoice in_due_july ($900.00) is 2 days past due']);

    // July is paid late; August passes its due date unpaid.
    await deliver({
      id: 'evt_due_july_paid',
      type: 'invoice.paid',
      created: '2026-09-10T08:00:00.000Z',
      object: { id: 'in_due_july', object: 'invoice', currency: 'usd', total: 90000, amount_due: 90000, amount_paid: 90000, status: 'paid', metadata: { contractId } },
    });
    expect((await pastDueAsOf('2026-10-20T12:00:00.000Z')).reasons).toEqual(['invoice in_due_aug ($1,100.00) is 18 days past due']);
    // As of before the payment, July still shows, days counted from its due date.
    expect((await pastDueAsOf('2026-09-09T12:00:00.000Z')).reasons).toEqual(['invoice in_due_july ($900.00) is 8 days past due']);
  });
});

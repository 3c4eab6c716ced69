// Invoiced periods corrected as soon as the ledger changes them, through the
// correct-invoiced-period handler core (SQS records holding the engine's own
// events, as the InvoicedPeriodCorrections route delivers them), against
// DynamoDB Local and the Stripe emulator with the real stripe SDK.
import { randomUUID } from 'node:crypto';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { DynamoDbInvoiceStore } from '../../../../../lambdas/adapters/dynamodb/invoice-store';
import { StripeBillingGateway } from '../../../../../lambdas/adapters/stripe/stripe-billing-gateway';
import type { BillingDeps } from '../../../../../lambdas/application/billing/close-contract-period';
import type { CloseWait, CorrectChangedPeriodsDeps } from '../../../../../lambdas/application/billing/correct-changed-periods';
import {
  BILLING_DETAIL_TYPES,
  type BillingGateway,
  type CreateCreditNoteRequest,
  type CreateCreditNoteResult,
  type InvoiceStore,
} from '../../../../../lambdas/application/billing/ports';
import { correctAndClosePeriod } from '../../../../../lambdas/application/billing/schedule-period-closes';
import { adjustmentInvoiceRecordIdOf } from '../../../../../lambdas/domain/invoicing/adjustment-invoice';
import { createCorrectInvoicedPeriodHandler } from '../../../../../lambdas/handlers/correct-invoiced-period';
import { startStripeEmulator, type RunningStripeEmulator } from '../../../../../lib/local/stripe-emulator';
import { FakeContracts, FakeLedger, RecordingPublisher, createEngineTable, dynamoClient, monthlyContract, perUnitPlan } from '../../../../support/billing-fakes';
import { inMemoryDefinitionCatalog } from '../../../../support/fakes/in-memory-definition-catalog';

const OCTOBER_CUTOFF = '2026-11-02T00:00:00.000Z';
const NOVEMBER_CUTOFF = '2026-12-02T00:00:00.000Z';

let emulator: RunningStripeEmulator;
let stripe: Stripe;
let store: DynamoDbInvoiceStore;
let contracts: FakeContracts;
let ledger: FakeLedger;
let events: RecordingPublisher;
let gateway: StripeBillingGateway;
let nowIso = OCTOBER_CUTOFF;

beforeAll(async () => {
  emulator = await startStripeEmulator({ seed: 'prompt-corrections' });
  stripe = new Stripe(emulator.apiKey, { ...emulator.clientOptions, maxNetworkRetries: 0 });
  const client = dynamoClient(inject('dynamoDbEndpoint'));
  const tableName = `prompt-corrections-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  await createEngineTable(client, tableName);
  store = new DynamoDbInvoiceStore(client, tableName);
  contracts = new FakeContracts();
  contracts.addPlan(perUnitPlan('kwd-plan', 'KWD', '0.125', '10.500'));
  contracts.addPlan(perUnitPlan('usd-plan', 'USD', '1.50', '100.00'));
});

afterAll(async () => {
  await emulator?.stop();
});

beforeEach(() => {
  ledger = new FakeLedger();
  events = new RecordingPublisher();
  emulator.faults.clear();
  pausesForClose = 0;
  gateway = new StripeBillingGateway({ stripe, apiKey: emulator.apiKey, retries: 1, minTimeoutMs: 1, maxTimeoutMs: 5 });
});

/** Waits for closes in flight without real time passing; tests that need a close to move on pass their own. */
let pausesForClose = 0;
const instantCloseWait: CloseWait = {
  budgetMs: 1_000,
  pollMs: 200,
  sleep: async () => {
    pausesForClose += 1;
  },
};

function deps(overrides: Partial<CorrectChangedPeriodsDeps> = {}): CorrectChangedPeriodsDeps {
  return {
    contracts,
    usage: ledger,
    definitions: inMemoryDefinitionCatalog(),
    invoices: store,
    billing: gateway,
    events,
    clock: () => new Date(nowIso),
    finalizeInvoices: true,
    // Every fake contract bills the customer `customer-<contractId>`.
    directory: { contractIdsOfCustomer: async (customerId) => [customerId.replace(/^customer-/, '')] },
    graceHours: 24,
    closeWait: instantCloseWait,
    ...overrides,
  };
}

function sqsRecord(detailType: string, detail: Record<string, unknown>, messageId: string = randomUUID()): SQSRecord {
  const envelope = { version: '0', id: randomUUID(), 'detail-type': detailType, source: 'outcome-engine', account: '000000000000', time: nowIso, region: 'us-east-1', resources: [], detail };
  return { messageId, body: JSON.stringify(envelope), attributes: { ApproximateReceiveCount: '1' } } as unknown as SQSRecord;
}

/** What the ledger announces after recording an entry after its outcome's grace. */
function changed(contractId: string, occurredAt: string, recordedAt: string, kind = 'reversed'): SQSRecord {
  return sqsRecord('Outcome Adjustment Recorded', {
    schemaVersion: 1,
    outcomeId: `${contractId}-${randomUUID().slice(0, 8)}`,
    kind,
    customerId: `customer-${contractId}`,
    metric: 'ticket.resolved',
    occurredAt,
    recordedAt,
  });
}

function finalized(contractId: string, periodId: string, stripeInvoiceId: string): SQSRecord {
  return sqsRecord('Payment Signal Recorded', {
    schemaVersion: 1,
    stripeEventId: `evt_${randomUUID().slice(0, 8)}`,
    type: 'invoice.finalized',
    stripeInvoiceId,
    contractId,
    periodId,
  });
}

async function deliver(records: SQSRecord[], overrides: Partial<CorrectChangedPeriodsDeps> = {}): Promise<string[]> {
  const handler = createCorrectInvoicedPeriodHandler(async () => deps(overrides));
  const response = await handler({ Records: records } as SQSEvent);
  return response.batchItemFailures.map((failure) => failure.itemIdentifier);
}

async function close(contractId: string, periodId: string, cutoff: string, overrides: Partial<BillingDeps> = {}) {
  nowIso = new Date(Date.parse(cutoff) + 60_000).toISOString();
  return correctAndClosePeriod(deps(overrides), { contractId, periodId, cutoff });
}

async function creditNotesOf(stripeInvoiceId: string): Promise<Stripe.CreditNote[]> {
  return stripe.creditNotes.list({ invoice: stripeInvoiceId, limit: 100 }).autoPagingToArray({ limit: 1000 });
}

async function invoicesOf(contractId: string): Promise<Stripe.Invoice[]> {
  const all = await stripe.invoices.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 });
  return all.filter((invoice) => invoice.metadata?.['contractId'] === contractId);
}

function addOutcomes(contractId: string, count: number, occurredAt: string, recordedAt = occurredAt): void {
  ledger.add({ contractId, ledgerMetric: 'ticket.resolved', occurredAt, recordedAt }, count);
}

describe('a reversal of an invoiced outcome', () => {
  it('is credited on the original invoice at once, for exactly the rated difference, and a redelivery credits nothing more', async () => {
    const contractId = 'pc-reversal';
    contracts.addContract(monthlyContract(contractId, 'kwd-plan', 'KWD'));
    addOutcomes(contractId, 10, '2026-10-05T00:00:00.000Z');
    const { result: october } = await close(contractId, '2026-10', OCTOBER_CUTOFF);
    expect(october).toMatchObject({ matched: true, engineTotal: 10_500n + 1_250n });

    nowIso = '2026-11-10T00:00:05.000Z';
    ledger.reverse(contractId, 3, '2026-11-10T00:00:00.000Z');
    const message = changed(contractId, '2026-10-05T00:00:00.000Z', '2026-11-10T00:00:00.000Z');
    expect(await deliver([message])).toEqual([]);

    const [note, ...others] = await creditNotesOf(october.stripeInvoiceId);
    expect(others).toEqual([]);
    // 3 x 0.125 KWD = 375 fils, on October's own invoice, while November is not even closed.
    expect(note).toMatchObject({ total: 375, currency: 'kwd', metadata: expect.objectContaining({ periodId: '2026-10', contractId }) });
    expect(await store.getRecord(contractId, '2026-11')).toBeUndefined();
    expect((await stripe.invoices.retrieve(october.stripeInvoiceId)).amount_remaining).toBe(11_750 - 375);
    expect(events.ofType(BILLING_DETAIL_TYPES.creditNoteIssued).map((event) => event.detail)).toEqual([
      expect.objectContaining({ contractId, periodId: '2026-10', total: '375', stripeTotal: '375', creditNoteId: note?.id }),
    ]);

    // SQS delivers at least once: the same message again, twice in one batch, changes nothing.
    expect(await deliver([message, { ...message, messageId: 'again' }])).toEqual([]);
    expect(await creditNotesOf(october.stripeInvoiceId)).toHaveLength(1);
    expect(events.ofType(BILLING_DETAIL_TYPES.creditNoteIssued)).toHaveLength(1);

    // A second reversal gets a credit note of its own, for its own difference.
    nowIso = '2026-11-12T00:00:05.000Z';
    ledger.reverse(contractId, 1, '2026-11-12T00:00:00.000Z');
    expect(await deliver([changed(contractId, '2026-10-05T00:00:00.000Z', '2026-11-12T00:00:00.000Z')])).toEqual([]);
    expect((await creditNotesOf(october.stripeInvoiceId)).map((credit) => credit.total).sort()).toEqual([125, 375]);

    // The next close finds nothing left to correct for October.
    addOutcomes(contractId, 2, '2026-11-20T00:00:00.000Z');
    const november = await close(contractId, '2026-11', NOVEMBER_CUTOFF);
    expect(november.corrections).toEqual([]);
    expect(november.result).toMatchObject({ matched: true, engineTotal: 10_500n + 250n });
    expect(await creditNotesOf(october.stripeInvoiceId)).toHaveLength(2);
  });

  it('before its period closed is left to the close, which reads it', async () => {
    const contractId = 'pc-early';
    contracts.addContract(monthlyContract(contractId, 'usd-plan', 'USD'));
    addOutcomes(contractId, 4, '2026-10-05T00:00:00.000Z');
    nowIso = '2026-11-01T10:00:00.000Z';
    ledger.reverse(contractId, 1, '2026-11-01T09:00:00.000Z');
    expect(await deliver([changed(contractId, '2026-10-05T00:00:00.000Z', '2026-11-01T09:00:00.000Z')])).toEqual([]);
    expect(await store.listCorrections(contractId)).toEqual([]);
    const { result } = await close(contractId, '2026-10', OCTOBER_CUTOFF);
    expect(result.engineTotal).toBe(10_000n + 450n);
  });

  it('while its close is stuck is waited for, then delivered again, and corrected once the invoice is in Stripe', async () => {
    const contractId = 'pc-running';
    contracts.addContract(monthlyContract(contractId, 'usd-plan', 'USD'));
    addOutcomes(contractId, 6, '2026-10-05T00:00:00.000Z');
    emulator.faults.inject({ status: 503, times: Infinity, path: /\/finalize$/, method: 'POST' });
    await expect(close(contractId, '2026-10', OCTOBER_CUTOFF)).rejects.toThrow();
    expect((await store.getStatus(contractId, '2026-10'))?.status).toBe('pushing');

    nowIso = '2026-11-02T00:10:00.000Z';
    ledger.reverse(contractId, 2, '2026-11-02T00:05:00.000Z');
    const message = changed(contractId, '2026-10-05T00:00:00.000Z', '2026-11-02T00:05:00.000Z');
    expect(await deliver([message])).toEqual([message.messageId]);
    // It waited its whole budget (1 s in 200 ms pauses) for the close before giving the change back.
    expect(pausesForClose).toBe(5);

    emulator.faults.clear();
    const { result } = await close(contractId, '2026-10', OCTOBER_CUTOFF);
    expect(result).toMatchObject({ matched: true, engineTotal: 10_000n + 900n });
    nowIso = '2026-11-02T00:20:00.000Z';
    expect(await deliver([message])).toEqual([]);
    expect((await creditNotesOf(result.stripeInvoiceId)).map((note) => note.total)).toEqual([300]);
  });

  it('while its close is overdue and not running is left to that close, which corrects its own period when it finally runs', async () => {
    const contractId = 'pc-overdue';
    contracts.addContract(monthlyContract(contractId, 'usd-plan', 'USD'));
    addOutcomes(contractId, 5, '2026-10-05T00:00:00.000Z');
    nowIso = '2026-11-10T00:00:05.000Z';
    ledger.reverse(contractId, 2, '2026-11-10T00:00:00.000Z');
    expect(await deliver([changed(contractId, '2026-10-05T00:00:00.000Z', '2026-11-10T00:00:00.000Z')])).toEqual([]);

    // The close runs eight days late: it bills as of its cutoff, then credits what changed since.
    nowIso = '2026-11-10T01:00:00.000Z';
    const { result, corrections } = await correctAndClosePeriod(deps(), { contractId, periodId: '2026-10', cutoff: OCTOBER_CUTOFF });
    expect(result.engineTotal).toBe(10_000n + 750n);
    expect(corrections).toEqual([expect.objectContaining({ periodId: '2026-10', creditNotes: [expect.objectContaining({ total: 300n, matched: true })] })]);
    expect((await creditNotesOf(result.stripeInvoiceId)).map((note) => note.total)).toEqual([300]);
  });
});

/** A promise the test settles itself, to stop a close at a chosen step. */
function gate(): { readonly promise: Promise<void>; readonly open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('a change arriving while its period is closing', () => {
  // The close stops at one step until the correction, waiting for it, lets it go on.
  const steps = {
    'storing its invoice record': (entered: () => void, release: Promise<void>): Partial<BillingDeps> => ({
      invoices: Object.assign(Object.create(store) as InvoiceStore, {
        putRecord: async (...args: Parameters<InvoiceStore['putRecord']>) => {
          entered();
          await release;
          return store.putRecord(...args);
        },
      }),
    }),
    'pushing its invoice to Stripe': (entered: () => void, release: Promise<void>): Partial<BillingDeps> => ({
      billing: Object.assign(Object.create(gateway) as BillingGateway, {
        pushInvoice: async (...args: Parameters<BillingGateway['pushInvoice']>) => {
          entered();
          await release;
          return gateway.pushInvoice(...args);
        },
      }),
    }),
  } as const;

  it.each(Object.keys(steps) as (keyof typeof steps)[])('(%s) waits for its invoice and corrects it on the first delivery', async (step) => {
    const contractId = `pc-closing-${step.split(' ')[0]}`;
    contracts.addContract(monthlyContract(contractId, 'usd-plan', 'USD'));
    addOutcomes(contractId, 6, '2026-10-05T00:00:00.000Z');
    const entered = gate();
    const release = gate();
    nowIso = '2026-11-02T00:01:00.000Z';
    const closing = correctAndClosePeriod(deps(steps[step](entered.open, release.promise)), { contractId, periodId: '2026-10', cutoff: OCTOBER_CUTOFF });
    await entered.promise;

    // A reversal recorded after the cutoff, which the close does not read, and Stripe's finalized signal arrive now.
    nowIso = '2026-11-02T00:10:00.000Z';
    ledger.reverse(contractId, 2, '2026-11-02T00:05:00.000Z');
    const reversal = changed(contractId, '2026-10-05T00:00:00.000Z', '2026-11-02T00:05:00.000Z');
    const signal = finalized(contractId, '2026-10', 'in_not_known_yet');
    let pauses = 0;
    const letTheCloseFinish: CloseWait = {
      budgetMs: 60_000,
      pollMs: 1_000,
      sleep: async () => {
        pauses += 1;
        release.open();
        await closing;
      },
    };
    expect(await deliver([reversal, signal], { closeWait: letTheCloseFinish })).toEqual([]);
    expect(pauses).toBe(1);

    const { result } = await closing;
    // Billed as of the cutoff (6 x $1.50), then the reversal credited on that invoice once it was issued.
    expect(result).toMatchObject({ matched: true, engineTotal: 10_000n + 900n });
    expect((await creditNotesOf(result.stripeInvoiceId)).map((note) => note.total)).toEqual([300]);
    // Delivered again later (at least once), nothing more is credited.
    expect(await deliver([reversal])).toEqual([]);
    expect((await creditNotesOf(result.stripeInvoiceId)).map((note) => note.total)).toEqual([300]);
  });
});

describe('a late outcome', () => {
  it('of a period with a later close is left to that close: one adjustment line, labelled with its period', async () => {
    const contractId = 'pc-late';
    contracts.addContract(monthlyContract(contractId, 'usd-plan', 'USD'));
    addOutcomes(contractId, 10, '2026-10-05T00:00:00.000Z');
    await close(contractId, '2026-10', OCTOBER_CUTOFF);

    nowIso = '2026-11-05T00:00:10.000Z';
    addOutcomes(contractId, 12, '2026-10-30T00:00:00.000Z', '2026-11-05T00:00:00.000Z');
    const messages = Array.from({ length: 3 }, () => changed(contractId, '2026-10-30T00:00:00.000Z', '2026-11-05T00:00:00.000Z', 'late'));
    expect(await deliver(messages)).toEqual([]);
    expect(await store.listCorrections(contractId)).toEqual([]);

    addOutcomes(contractId, 5, '2026-11-10T00:00:00.000Z');
    const november = await close(contractId, '2026-11', NOVEMBER_CUTOFF);
    expect(november.result).toMatchObject({ matched: true, engineTotal: 10_000n + 750n + 1_800n });
    const items = await stripe.invoiceItems.list({ invoice: november.result.stripeInvoiceId, limit: 100 });
    expect(items.data.filter((item) => item.description?.startsWith('Adjustment for 2026-10'))).toEqual([
      expect.objectContaining({ amount: 1_800, description: 'Adjustment for 2026-10: 12 late resolutions' }),
    ]);
  });
});

describe('the last period of a term', () => {
  it.each([
    ['term ended', { termEnd: '2026-11-01' }],
    ['cancelled', { cancelledOn: '2026-11-01' }],
  ] as const)('(%s) is corrected too: a credit note for a reversal, an adjustment invoice for late outcomes, each once', async (label, change) => {
    const contractId = `pc-final-${label.replace(' ', '-')}`;
    contracts.addContract({ ...monthlyContract(contractId, 'usd-plan', 'USD'), ...change });
    addOutcomes(contractId, 8, '2026-10-05T00:00:00.000Z');
    const { result: october } = await close(contractId, '2026-10', OCTOBER_CUTOFF);
    expect(october.engineTotal).toBe(10_000n + 1_200n);

    nowIso = '2026-11-04T00:00:05.000Z';
    ledger.reverse(contractId, 2, '2026-11-04T00:00:00.000Z');
    expect(await deliver([changed(contractId, '2026-10-05T00:00:00.000Z', '2026-11-04T00:00:00.000Z')])).toEqual([]);
    expect((await creditNotesOf(october.stripeInvoiceId)).map((note) => note.total)).toEqual([300]);

    nowIso = '2026-11-06T00:00:05.000Z';
    addOutcomes(contractId, 4, '2026-10-31T12:00:00.000Z', '2026-11-06T00:00:00.000Z');
    const late = changed(contractId, '2026-10-31T12:00:00.000Z', '2026-11-06T00:00:00.000Z', 'late');
    expect(await deliver([late])).toEqual([]);
    expect(await deliver([late])).toEqual([]);

    const [correction] = (await store.listCorrections(contractId, '2026-10')).filter((stored) => stored.correction.adjustmentLines.length > 0);
    const adjustmentId = adjustmentInvoiceRecordIdOf(correction!.correction);
    expect(correction?.status.billedOn).toBe(adjustmentId);
    const invoices = await invoicesOf(contractId);
    expect(invoices).toHaveLength(2);
    const adjustment = invoices.find((invoice) => invoice.metadata?.['invoiceRecordId'] === adjustmentId);
    // 4 x 1.50, exactly, on an invoice of its own, reconciled.
    expect(adjustment).toMatchObject({ status: 'open', total: 600, currency: 'usd' });
    const items = await stripe.invoiceItems.list({ invoice: adjustment?.id as string, limit: 100 });
    expect(items.data).toEqual([
      expect.objectContaining({
        amount: 600,
        description: 'Adjustment for 2026-10: 4 late resolutions',
        metadata: expect.objectContaining({ servicePeriodId: '2026-10' }),
        period: { start: Date.parse('2026-10-01T00:00:00Z') / 1000, end: Date.parse('2026-11-01T00:00:00Z') / 1000 },
      }),
    ]);
    expect(events.ofType(BILLING_DETAIL_TYPES.invoiceIssued).map((event) => event.detail['invoiceRecordId'])).toContain(adjustmentId);
    // The adjustment invoice is not a billing period: later ratings and closes never see it as one.
    expect((await store.listRecords(contractId)).map((record) => record.periodId)).toEqual(['2026-10']);
  });
});

describe('a credit note Stripe refuses', () => {
  it('(draft original) is recorded and announced once, does not block the next close, and is issued once the invoice is finalized', async () => {
    const contractId = 'pc-draft';
    contracts.addContract(monthlyContract(contractId, 'usd-plan', 'USD'));
    addOutcomes(contractId, 10, '2026-10-05T00:00:00.000Z');
    const { result: october } = await close(contractId, '2026-10', OCTOBER_CUTOFF, { finalizeInvoices: false });
    expect((await stripe.invoices.retrieve(october.stripeInvoiceId)).status).toBe('draft');

    nowIso = '2026-11-08T00:00:05.000Z';
    ledger.reverse(contractId, 2, '2026-11-08T00:00:00.000Z');
    const message = changed(contractId, '2026-10-05T00:00:00.000Z', '2026-11-08T00:00:00.000Z');
    expect(await deliver([message])).toEqual([]);
    expect(await deliver([message])).toEqual([]);
    expect(await creditNotesOf(october.stripeInvoiceId)).toEqual([]);
    const [stored] = await store.listCorrections(contractId, '2026-10');
    expect(stored?.status).toMatchObject({ credited: false, creditFailure: { reason: 'original_invoice_draft', retryable: true, attempts: 2 } });
    expect(events.ofType(BILLING_DETAIL_TYPES.creditNoteFailed).map((event) => event.detail)).toEqual([
      expect.objectContaining({ contractId, periodId: '2026-10', correctionId: stored?.correction.correctionId, reason: 'original_invoice_draft', total: '300' }),
    ]);

    // November closes, finalized, while October's credit note still waits.
    addOutcomes(contractId, 3, '2026-11-10T00:00:00.000Z');
    const november = await close(contractId, '2026-11', NOVEMBER_CUTOFF);
    expect(november.result).toMatchObject({ status: 'reconciled', matched: true, engineTotal: 10_000n + 450n });
    expect(november.corrections).toEqual([
      expect.objectContaining({ periodId: '2026-10', failedCreditNotes: [expect.objectContaining({ reason: 'original_invoice_draft', attempts: 3 })] }),
    ]);
    expect(events.ofType(BILLING_DETAIL_TYPES.creditNoteFailed)).toHaveLength(1);

    // Someone reviews and finalizes October's draft: Stripe's invoice.finalized comes back as a payment signal.
    nowIso = '2026-12-03T00:00:00.000Z';
    await stripe.invoices.finalizeInvoice(october.stripeInvoiceId);
    expect(await deliver([finalized(contractId, '2026-10', october.stripeInvoiceId)])).toEqual([]);
    expect((await creditNotesOf(october.stripeInvoiceId)).map((note) => note.total)).toEqual([300]);
    expect(events.ofType(BILLING_DETAIL_TYPES.creditNoteIssued)).toEqual([expect.objectContaining({ detail: expect.objectContaining({ total: '300' }) })]);
    expect((await store.listCorrections(contractId, '2026-10'))[0]?.status.credited).toBe(true);
  });

  it('(void original) is announced as not retryable and never asked again; the next close proceeds', async () => {
    const contractId = 'pc-void';
    contracts.addContract(monthlyContract(contractId, 'usd-plan', 'USD'));
    addOutcomes(contractId, 10, '2026-10-05T00:00:00.000Z');
    const { result: october } = await close(contractId, '2026-10', OCTOBER_CUTOFF);
    await stripe.invoices.voidInvoice(october.stripeInvoiceId);

    nowIso = '2026-11-08T00:00:05.000Z';
    ledger.reverse(contractId, 1, '2026-11-08T00:00:00.000Z');
    expect(await deliver([changed(contractId, '2026-10-05T00:00:00.000Z', '2026-11-08T00:00:00.000Z')])).toEqual([]);
    const calls = gateway.policy.stats.calls;
    expect(await deliver([changed(contractId, '2026-10-05T00:00:00.000Z', '2026-11-08T00:00:00.000Z')])).toEqual([]);
    // The refused correction is not sent to Stripe again (the re-rating found nothing new either).
    expect(gateway.policy.stats.calls).toBe(calls);
    const [stored] = await store.listCorrections(contractId, '2026-10');
    expect(stored?.status.creditFailure).toMatchObject({ reason: 'original_invoice_void', retryable: false, attempts: 1 });
    expect(events.ofType(BILLING_DETAIL_TYPES.creditNoteFailed).map((event) => event.detail['retryable'])).toEqual([false]);
    const november = await close(contractId, '2026-11', NOVEMBER_CUTOFF);
    expect(november.result).toMatchObject({ status: 'reconciled', matched: true });
  });
});

describe('credit note reconciliation', () => {
  it('publishes Credit Note Reconciliation Failed when Stripe\'s credit note total differs from the rated difference', async () => {
    const contractId = 'pc-cn-drift';
    contracts.addContract(monthlyContract(contractId, 'usd-plan', 'USD'));
    addOutcomes(contractId, 10, '2026-10-05T00:00:00.000Z');
    await close(contractId, '2026-10', OCTOBER_CUTOFF);
    // Stripe answering with another total than was asked (a Dashboard edit, a bug): the check must notice.
    const drifting = Object.create(gateway) as StripeBillingGateway;
    drifting.createCreditNote = async (request: CreateCreditNoteRequest): Promise<CreateCreditNoteResult> => {
      const made = await gateway.createCreditNote(request);
      return { ...made, total: made.total - 1n };
    };
    nowIso = '2026-11-08T00:00:05.000Z';
    ledger.reverse(contractId, 2, '2026-11-08T00:00:00.000Z');
    expect(await deliver([changed(contractId, '2026-10-05T00:00:00.000Z', '2026-11-08T00:00:00.000Z')], { billing: drifting })).toEqual([]);
    expect(events.ofType(BILLING_DETAIL_TYPES.creditNoteReconciliationFailed).map((event) => event.detail)).toEqual([
      expect.objectContaining({ contractId, periodId: '2026-10', engineTotal: '300', stripeTotal: '299', difference: '-1', currency: 'USD' }),
    ]);
    expect((await store.listCorrections(contractId, '2026-10'))[0]?.status.creditReconciliation).toEqual({ matched: false, stripeTotal: 299n });
  });
});

describe('correction triggers', () => {
  it('refuses a malformed message (kept for the dead-letter queue) without holding up the others', async () => {
    const contractId = 'pc-bad-input';
    contracts.addContract(monthlyContract(contractId, 'usd-plan', 'USD'));
    addOutcomes(contractId, 2, '2026-10-05T00:00:00.000Z');
    const { result } = await close(contractId, '2026-10', OCTOBER_CUTOFF);
    nowIso = '2026-11-08T00:00:05.000Z';
    ledger.reverse(contractId, 1, '2026-11-08T00:00:00.000Z');
    const bad = { ...changed(contractId, 'yesterday', '2026-11-08T00:00:00.000Z'), messageId: 'bad' };
    const notJson = { ...bad, messageId: 'not-json', body: '{' };
    const otherSignal = sqsRecord('Payment Signal Recorded', { type: 'invoice.paid', contractId, periodId: '2026-10' }, 'paid');
    const good = changed(contractId, '2026-10-05T00:00:00.000Z', '2026-11-08T00:00:00.000Z');
    expect((await deliver([bad, notJson, otherSignal, good])).sort()).toEqual(['bad', 'not-json']);
    expect((await creditNotesOf(result.stripeInvoiceId)).map((note) => note.total)).toEqual([150]);
  });
});

// The emulator's customers paying by themselves: each open invoice is
// collected at the time its customer's behaviour gives (on time at its due
// date, N days late, a failed payment, or never), with the webhooks Stripe
// sends; and pay, fail and void of one invoice, over the control routes too.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parsePaymentBehaviour, startStripeEmulator, type RunningStripeEmulator } from '../../../../../lib/local/stripe-emulator';
import { draftInvoice, raw, sdkClient } from '../../../../support/emulator-test-support';

const DAY = 86_400;

describe('Stripe emulator: payment collection', () => {
  let emulator: RunningStripeEmulator;
  let stripe: Stripe;
  let nowMs = Date.parse('2026-11-01T00:00:00Z');

  beforeAll(async () => {
    emulator = await startStripeEmulator({ seed: 'collection', now: () => new Date(nowMs), paymentCollection: { enabled: true } });
    stripe = sdkClient(emulator);
  });
  afterEach(() => emulator.reset());
  afterAll(async () => emulator.stop());

  /** A finalized $50 invoice due in 30 days, for a customer the engine knows as `engineId`. */
  async function openInvoice(engineId: string): Promise<Stripe.Invoice> {
    const { customer, invoice } = await draftInvoice(stripe);
    await stripe.customers.update(customer.id, { metadata: { customerId: engineId } });
    await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: 5000, currency: 'usd' });
    return stripe.invoices.finalizeInvoice(invoice.id!);
  }
  const statusOf = async (id: string) => (await stripe.invoices.retrieve(id)).status;
  const typesFor = (id: string) => emulator.events().filter((e) => (e.data.object as { id?: string }).id === id).map((e) => e.type);

  it('pays on the due date by default, with invoice.payment_succeeded and invoice.paid', async () => {
    nowMs = Date.parse('2026-11-01T00:00:00Z');
    const invoice = await openInvoice('acme');
    expect(invoice.due_date).toBe(Date.parse('2026-12-01T00:00:00Z') / 1000);
    expect(emulator.nextPaymentCollectionAt(new Date(nowMs))?.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    // A second before the due date nothing is collected.
    nowMs = Date.parse('2026-11-30T23:59:59Z');
    expect(emulator.collectDuePayments()).toEqual({ paid: [], failed: [] });
    expect(await statusOf(invoice.id!)).toBe('open');
    nowMs = Date.parse('2026-12-01T00:00:00Z');
    expect(emulator.collectDuePayments()).toEqual({ paid: [invoice.id], failed: [] });
    const paid = await stripe.invoices.retrieve(invoice.id!);
    expect([paid.status, paid.amount_paid, paid.amount_remaining, paid.status_transitions.paid_at]).toEqual(['paid', 5000, 0, paid.due_date]);
    expect(typesFor(invoice.id!).slice(-2)).toEqual(['invoice.payment_succeeded', 'invoice.paid']);
    // Collected once: nothing more is due, now or later.
    expect(emulator.collectDuePayments()).toEqual({ paid: [], failed: [] });
    expect(emulator.nextPaymentCollectionAt(new Date(nowMs))).toBeUndefined();
  });

  it('pays N days late, fails once, or never pays, per customer (by engine id or Stripe id)', async () => {
    nowMs = Date.parse('2026-11-01T00:00:00Z');
    const late = await openInvoice('late-co');
    const failing = await openInvoice('failing-co');
    const never = await openInvoice('never-co');
    const onTime = await openInvoice('acme');
    emulator.setPaymentBehaviour('late-co', parsePaymentBehaviour('late:10'));
    emulator.setPaymentBehaviour('failing-co', parsePaymentBehaviour('fails'));
    emulator.setPaymentBehaviour(never.customer as string, parsePaymentBehaviour('never'));
    expect(emulator.paymentBehaviours()).toEqual({
      collecting: true,
      defaultBehaviour: { kind: 'on-time' },
      customers: { 'failing-co': { kind: 'fails' }, 'late-co': { kind: 'late', days: 10 }, [never.customer as string]: { kind: 'never' } },
    });

    nowMs = Date.parse('2026-12-01T00:00:00Z');
    expect(emulator.collectDuePayments()).toEqual({ paid: [onTime.id], failed: [failing.id] });
    const failed = await stripe.invoices.retrieve(failing.id!);
    expect([failed.status, failed.attempt_count]).toEqual(['open', 1]);
    expect(typesFor(failing.id!).at(-1)).toBe('invoice.payment_failed');
    // The late payer's day comes 10 days after the due date; the failing one is not tried again.
    expect(emulator.nextPaymentCollectionAt(new Date(nowMs))?.getTime()).toBe(((late.due_date ?? 0) + 10 * DAY) * 1000);
    nowMs = Date.parse('2026-12-11T00:00:00Z');
    expect(emulator.collectDuePayments()).toEqual({ paid: [late.id], failed: [] });
    nowMs = Date.parse('2027-06-01T00:00:00Z');
    expect(emulator.collectDuePayments()).toEqual({ paid: [], failed: [] });
    expect(await statusOf(never.id!)).toBe('open');
  });

  it('refuses a behaviour it does not know, naming the ones it does', () => {
    expect(() => parsePaymentBehaviour('sometimes')).toThrow(/expected on-time, late:<days> \(1 to 3660\), fails or never/);
    expect(() => parsePaymentBehaviour('late')).toThrow(/not a payment behaviour/);
    expect(() => parsePaymentBehaviour('late:0')).toThrow(/not a payment behaviour/);
    expect(parsePaymentBehaviour('late:7')).toEqual({ kind: 'late', days: 7 });
  });

  it('pays, fails and voids one invoice over the control routes, and sets behaviours there', async () => {
    nowMs = Date.parse('2026-11-01T00:00:00Z');
    const a = await openInvoice('acme');
    const b = await openInvoice('acme');
    expect((await raw(emulator, 'POST', `/_emulator/invoices/${a.id}/pay`, { auth: null })).body).toMatchObject({ id: a.id, status: 'paid' });
    expect(typesFor(a.id!).at(-1)).toBe('invoice.paid');
    expect((await raw(emulator, 'POST', `/_emulator/invoices/${b.id}/payment_failure`, { auth: null })).body).toMatchObject({ status: 'open', attempt_count: 1 });
    expect((await raw(emulator, 'POST', `/_emulator/invoices/${b.id}/void`, { auth: null })).body).toMatchObject({ status: 'void' });
    expect(typesFor(b.id!).at(-1)).toBe('invoice.voided');
    // Paying a void invoice is refused as Stripe refuses it.
    const refused = await raw(emulator, 'POST', `/_emulator/invoices/${b.id}/pay`, { auth: null });
    expect(refused.status).toBe(400);

    const set = await raw(emulator, 'POST', '/_emulator/payment_behaviours', { auth: null, json: { customer: 'acme', behaviour: 'late:5' } });
    expect(set.body).toMatchObject({ customers: { acme: { kind: 'late', days: 5 } } });
    const bad = await raw(emulator, 'POST', '/_emulator/payment_behaviours', { auth: null, json: { customer: 'acme', behaviour: 'whenever' } });
    expect([bad.status, bad.body.error.message]).toEqual([400, expect.stringMatching(/"whenever" is not a payment behaviour/)]);
    await raw(emulator, 'POST', '/_emulator/payment_behaviours', { auth: null, json: { customer: 'acme', behaviour: null } });
    expect((await raw(emulator, 'GET', '/_emulator/payment_behaviours', { auth: null })).body.customers).toEqual({});
  });

  it('collects nothing when collection is off (a test pays its invoices itself)', async () => {
    const quiet = await startStripeEmulator({ seed: 'no-collection', now: () => new Date(nowMs) });
    try {
      const client = sdkClient(quiet);
      nowMs = Date.parse('2026-11-01T00:00:00Z');
      const { invoice } = await draftInvoice(client);
      await client.invoiceItems.create({ customer: invoice.customer as string, invoice: invoice.id, amount: 100, currency: 'usd' });
      await client.invoices.finalizeInvoice(invoice.id!);
      nowMs = Date.parse('2027-01-01T00:00:00Z');
      expect(quiet.nextPaymentCollectionAt(new Date('2026-11-01T00:00:00Z'))).toBeUndefined();
      expect(quiet.collectDuePayments()).toEqual({ paid: [], failed: [] });
      expect((await client.invoices.retrieve(invoice.id!)).status).toBe('open');
    } finally {
      await quiet.stop();
    }
  });

  it('keeps the customers\' behaviours across a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'emulator-behaviours-'));
    try {
      const stateFile = join(dir, 'stripe.json');
      const first = await startStripeEmulator({ seed: 'kept', stateFile, paymentCollection: { enabled: true } });
      first.setPaymentBehaviour('acme', parsePaymentBehaviour('late:3'));
      await first.stop();
      const second = await startStripeEmulator({ seed: 'kept', stateFile, paymentCollection: { enabled: true } });
      expect(second.paymentBehaviours().customers).toEqual({ acme: { kind: 'late', days: 3 } });
      await second.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// With a state file the emulator remembers across restarts what Stripe
// would: objects in list order, idempotent responses, its clock's advance;
// a seeded emulator draws new ids after a restart; a damaged file is moved
// aside, never read half-way.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { afterAll, describe, expect, it } from 'vitest';
import { startStripeEmulator, type RunningStripeEmulator } from '../../../../../lib/local/stripe-emulator';
import { DamagedStateFileError } from '../../../../../lib/local/durable-file';

const dir = mkdtempSync(join(tmpdir(), 'stripe-emulator-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const clientOf = (emulator: RunningStripeEmulator) => new Stripe(emulator.apiKey, { ...emulator.clientOptions, maxNetworkRetries: 0 });

describe('the Stripe emulator with a state file', () => {
  it('finds after a restart the customers, invoices and idempotent answers of the run before', async () => {
    const stateFile = join(dir, 'restart.json');
    const now = () => new Date('2026-11-20T12:00:00Z');
    const first = await startStripeEmulator({ stateFile, seed: 'persist', now });
    const stripe = clientOf(first);
    const older = await stripe.customers.create({ name: 'Older' });
    const customer = await stripe.customers.create({ name: 'Acme', metadata: { contractId: 'c-1' } }, { idempotencyKey: 'create-acme' });
    await stripe.invoiceItems.create({ customer: customer.id, amount: 1250, currency: 'usd', description: 'platform' });
    const invoice = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include', collection_method: 'send_invoice', days_until_due: 30 });
    const finalized = await stripe.invoices.finalizeInvoice(invoice.id);
    first.advanceClock(3600);
    await first.stop();
    expect(existsSync(stateFile)).toBe(true);

    const second = await startStripeEmulator({ stateFile, seed: 'persist', now });
    try {
      const again = clientOf(second);
      expect(await again.invoices.retrieve(invoice.id)).toMatchObject({ id: invoice.id, status: 'open', total: 1250, due_date: finalized.due_date, customer: customer.id });
      expect((await again.customers.list()).data.map((c) => c.id)).toEqual([customer.id, older.id]);
      // The same idempotency key and parameters replay the original answer, not a second customer.
      const replayed = await again.customers.create({ name: 'Acme', metadata: { contractId: 'c-1' } }, { idempotencyKey: 'create-acme' });
      expect(replayed.id).toBe(customer.id);
      expect(second.now().toISOString()).toBe('2026-11-20T13:00:00.000Z');
      // Seeded, but not the same ids as the first run.
      const fresh = await again.customers.create({ name: 'Fresh' });
      expect([older.id, customer.id]).not.toContain(fresh.id);
      expect((await again.customers.list()).data).toHaveLength(3);
    } finally {
      await second.stop();
    }
  });

  it('moves a damaged state file aside, says so, and starts empty; without a listener it refuses to start', async () => {
    const stateFile = join(dir, 'damaged.json');
    writeFileSync(stateFile, '{"version":1,"customers":[');
    await expect(startStripeEmulator({ stateFile })).rejects.toBeInstanceOf(DamagedStateFileError);
    expect(readdirSync(dir).filter((name) => name.startsWith('damaged.json.damaged-'))).toHaveLength(1);

    writeFileSync(stateFile, '{"version":1,"customers":[');
    const notices: string[] = [];
    const emulator = await startStripeEmulator({ stateFile, onDamagedState: (error) => notices.push(error.message) });
    try {
      expect(notices).toHaveLength(1);
      expect(notices[0]).toContain(`${stateFile} could not be read and was moved aside to ${stateFile}.damaged-`);
      expect((await clientOf(emulator).customers.list()).data).toEqual([]);
    } finally {
      await emulator.stop();
    }
  });
});

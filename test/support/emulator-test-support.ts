// Shared setup for the Stripe emulator tests: an emulator per test file and
// real `stripe` SDK clients pointed at it.
import Stripe from 'stripe';
import { startStripeEmulator, type RunningStripeEmulator, type StripeEmulatorOptions } from '../../lib/local/stripe-emulator';

export async function startTestEmulator(options: StripeEmulatorOptions = {}): Promise<RunningStripeEmulator> {
  return startStripeEmulator({ seed: 'tests', ...options });
}

export function sdkClient(emulator: RunningStripeEmulator, config: Stripe.StripeConfig = {}): Stripe {
  return new Stripe(emulator.apiKey, { ...emulator.clientOptions, maxNetworkRetries: 0, telemetry: false, ...config });
}

export interface RawResponse {
  status: number;
  headers: Headers;
  body: any;
}

/** A request without the SDK, for encoding edge cases and headers. */
export async function raw(
  emulator: RunningStripeEmulator,
  method: string,
  path: string,
  options: { form?: string; headers?: Record<string, string>; json?: unknown; auth?: string | null } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.auth !== null) headers.Authorization = options.auth ?? `Bearer ${emulator.apiKey}`;
  let body: string | undefined;
  if (options.form !== undefined) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = options.form;
  } else if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  const response = await fetch(`${emulator.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? null : JSON.parse(text) };
}

/** Creates a customer and a draft invoice in `currency`. */
export async function draftInvoice(stripe: Stripe, currency = 'usd', params: Partial<Stripe.InvoiceCreateParams> = {}) {
  const customer = await stripe.customers.create({ name: 'Acme Robotics', email: 'billing@acme.test' });
  const invoice = await stripe.invoices.create({
    customer: customer.id,
    currency,
    auto_advance: false,
    collection_method: 'send_invoice',
    days_until_due: 30,
    pending_invoice_items_behavior: 'exclude',
    ...params,
  });
  return { customer, invoice };
}

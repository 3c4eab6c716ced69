import { z } from 'zod';
import { isCurrencyCode } from '../../domain/money/currencies';
import { fromStripeApiAmount } from '../../domain/money/stripe-minor-units';
import type { EventPublisher } from '../ports';
import { BILLING_DETAIL_TYPES, PAYMENT_SIGNAL_TYPES, type PaymentSignal, type PaymentSignalStore, type PaymentSignalType } from './ports';

const MetadataSchema = z.record(z.string(), z.string()).nullish();

/** The part of a verified Stripe event the engine reads. */
export const StripeEventSchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  created: z.number().int(),
  livemode: z.boolean().optional(),
  data: z.object({
    object: z
      .object({
        id: z.string().optional(),
        object: z.string().optional(),
        customer: z.union([z.string(), z.object({ id: z.string() })]).nullish(),
        invoice: z.union([z.string(), z.object({ id: z.string() })]).nullish(),
        currency: z.string().nullish(),
        total: z.number().int().nullish(),
        amount_due: z.number().int().nullish(),
        amount_paid: z.number().int().nullish(),
        amount_remaining: z.number().int().nullish(),
        attempt_count: z.number().int().nullish(),
        status: z.string().nullish(),
        /** Unix seconds; set by Stripe when a `send_invoice` invoice is finalized. */
        due_date: z.number().int().nullish(),
        metadata: MetadataSchema,
      })
      .passthrough(),
  }),
});
export type StripeEventInput = z.infer<typeof StripeEventSchema>;

export type RecordPaymentSignalResult =
  | { readonly outcome: 'recorded'; readonly signal: PaymentSignal }
  | { readonly outcome: 'duplicate'; readonly signal: PaymentSignal; readonly republished: boolean }
  | { readonly outcome: 'ignored'; readonly type: string };

function idOf(value: string | { id: string } | null | undefined): string | null {
  if (!value) return null;
  return typeof value === 'string' ? value : value.id;
}

function isSignalType(type: string): type is PaymentSignalType {
  return (PAYMENT_SIGNAL_TYPES as readonly string[]).includes(type);
}

/**
 * A Stripe amount as engine minor units (a string): ISK and MGA are counted
 * differently in Stripe's API (stripe-minor-units). A currency the engine does
 * not know has no such difference and is kept as Stripe sent it.
 */
function engineAmountText(value: number | null | undefined, currency: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (!currency || !isCurrencyCode(currency.toUpperCase())) return String(value);
  return String(fromStripeApiAmount(BigInt(value), currency));
}
/** Stripe's unix seconds as an ISO instant; null when absent (or beyond what a date can hold). */
function instantOf(unixSeconds: number | null | undefined): string | null {
  if (unixSeconds === null || unixSeconds === undefined) return null;
  const date = new Date(unixSeconds * 1000);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** Maps a verified Stripe event to a payment signal (null for types the engine does not track). */
export function paymentSignalOf(event: StripeEventInput, receivedAt: string): PaymentSignal | null {
  if (!isSignalType(event.type)) return null;
  const object = event.data.object;
  const isInvoice = event.type.startsWith('invoice.');
  const metadata = object.metadata ?? {};
  return {
    stripeEventId: event.id,
    type: event.type,
    occurredAt: new Date(event.created * 1000).toISOString(),
    receivedAt,
    livemode: event.livemode ?? false,
    stripeObjectId: object.id ?? null,
    stripeInvoiceId: isInvoice ? (object.id ?? null) : idOf(object.invoice),
    stripeCustomerId: idOf(object.customer),
    contractId: metadata['contractId'] ?? null,
    periodId: metadata['periodId'] ?? null,
    currency: object.currency ?? null,
    total: engineAmountText(object.total, object.currency),
    amountDue: engineAmountText(object.amount_due, object.currency),
    amountPaid: engineAmountText(object.amount_paid, object.currency),
    attemptCount: object.attempt_count ?? null,
    status: object.status ?? null,
    dueAt: isInvoice ? instantOf(object.due_date) : null,
  };
}

export interface RecordPaymentSignalDeps {
  readonly signals: PaymentSignalStore;
  readonly events: EventPublisher;
  readonly clock: () => Date;
}

/**
 * Records a verified Stripe event as a payment signal once (by Stripe event
 * id) and republishes it on the bus. A redelivery whose first publish failed
 * publishes again, so the bus sees every signal at least once.
 */
export async function recordPaymentSignal(deps: RecordPaymentSignalDeps, event: StripeEventInput): Promise<RecordPaymentSignalResult> {
  const signal = paymentSignalOf(event, deps.clock().toISOString());
  if (!signal) return { outcome: 'ignored', type: event.type };
  const put = await deps.signals.putPaymentSignal(signal);
  if (!put.created && put.published) return { outcome: 'duplicate', signal, republished: false };
  await deps.events.publish([{ detailType: BILLING_DETAIL_TYPES.paymentSignalRecorded, detail: { schemaVersion: 1, ...signal } }]);
  await deps.signals.markPaymentSignalPublished(signal.stripeEventId);
  return put.created ? { outcome: 'recorded', signal } : { outcome: 'duplicate', signal, republished: true };
}

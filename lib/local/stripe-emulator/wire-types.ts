// The JSON the emulator sends, typed by the stripe SDK's own response types.
// The SDK turns decimal strings (`unit_amount_decimal`, `quantity_decimal`)
// into Decimal objects after decoding; on the wire they are strings, which is
// what `Wire<T>` expresses. Typing responses this way makes the compiler check
// that every field the SDK declares is present with the right type.
import type Stripe from 'stripe';

export type Wire<T> = T extends string | number | boolean | bigint | null | undefined
  ? T
  : T extends Stripe.Decimal
  ? string
  : T extends ReadonlyArray<infer U>
    ? Array<Wire<U>>
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;

export type CustomerObject = Wire<Stripe.Customer>;
export type InvoiceItemObject = Wire<Stripe.InvoiceItem>;
// Stripe's example invoice still carries the top-level `subscription` (null
// for one-off invoices) that the SDK types moved under `parent`.
export type InvoiceObject = Wire<Stripe.Invoice> & { subscription: string | null };
export type InvoiceLineObject = Wire<Stripe.InvoiceLineItem>;
export type CreditNoteObject = Wire<Stripe.CreditNote>;
export type CreditNoteLineObject = Wire<Stripe.CreditNoteLineItem>;

export interface DeletedObject {
  id: string;
  object: string;
  deleted: true;
}

/** Stripe's event object (the union over all event types is too wide to be useful here). */
export interface EventObject {
  id: string;
  object: 'event';
  api_version: string | null;
  created: number;
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

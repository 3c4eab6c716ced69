// How invoices are computed from their invoice items, and the state
// transitions shared by the invoice, invoice item and credit note routes.
// Totals are sums of integer minor units (no tax, discounts or shipping are
// emulated), so `total === subtotal` and each line's `amount === subtotal`.
import { stripeErrors } from '../errors';
import { sum } from '../money';
import { paginate, type ListPage } from '../pagination';
import type { HandlerContext } from '../router';
import type { EmulatorState } from '../state';
import type { CustomerObject, InvoiceItemObject, InvoiceLineObject, InvoiceObject } from '../wire-types';
import { snapshot } from './common';

/** Stripe's cap on invoice items per invoice (changelog 2016-02-22). */
export const MAX_ITEMS_PER_INVOICE = 250;
export const EMBEDDED_LINES_LIMIT = 10;

export function linesUrl(invoiceId: string): string {
  return `/v1/invoices/${invoiceId}/lines`;
}

export function itemsOfInvoice(state: EmulatorState, invoiceId: string): InvoiceItemObject[] {
  const ids = state.itemIdsByInvoice.get(invoiceId) ?? [];
  return ids.flatMap((id) => {
    const item = state.invoiceItems.get(id);
    return item ? [item] : [];
  });
}

/** Keeps the per-invoice item index in step when an item joins or leaves an invoice. */
export function linkItem(state: EmulatorState, invoiceId: string, itemId: string): void {
  const ids = state.itemIdsByInvoice.get(invoiceId);
  if (ids) ids.push(itemId);
  else state.itemIdsByInvoice.set(invoiceId, [itemId]);
  state.lineIdByItem.set(itemId, state.ids.next('il'));
}

export function unlinkItem(state: EmulatorState, invoiceId: string, itemId: string): void {
  const ids = state.itemIdsByInvoice.get(invoiceId);
  if (ids) state.itemIdsByInvoice.set(invoiceId, ids.filter((id) => id !== itemId));
  state.lineIdByItem.delete(itemId);
}

/** The invoice line an attached invoice item appears as. */
export function lineFromItem(state: EmulatorState, item: InvoiceItemObject): InvoiceLineObject {
  const lineId = state.lineIdByItem.get(item.id);
  const invoiceId = typeof item.invoice === 'string' ? item.invoice : null;
  if (!lineId || !invoiceId) throw stripeErrors.apiError(500, `Invoice item ${item.id} has no invoice line.`);
  return {
    id: lineId,
    object: 'line_item',
    amount: item.amount,
    currency: item.currency,
    description: item.description,
    discount_amounts: [],
    discountable: item.discountable,
    discounts: [],
    invoice: invoiceId,
    livemode: false,
    metadata: { ...(item.metadata ?? {}) },
    parent: {
      type: 'invoice_item_details',
      invoice_item_details: {
        invoice_item: item.id,
        proration: false,
        proration_details: { credited_items: null },
        subscription: null,
      },
      subscription_item_details: null,
    },
    period: { ...item.period },
    pretax_credit_amounts: [],
    pricing: item.pricing ? { type: 'price_details', unit_amount_decimal: item.pricing.unit_amount_decimal } : null,
    quantity: item.quantity,
    quantity_decimal: item.quantity_decimal,
    subscription: null,
    subtotal: item.amount,
    taxes: [],
  };
}

export function invoiceLines(state: EmulatorState, invoiceId: string): InvoiceLineObject[] {
  return itemsOfInvoice(state, invoiceId).map((item) => lineFromItem(state, item));
}

export function pageOfLines(state: EmulatorState, invoiceId: string, request: Parameters<typeof paginate>[1]): ListPage<InvoiceLineObject> {
  return paginate(invoiceLines(state, invoiceId), request, linesUrl(invoiceId), 'line_item');
}

/** The invoice as the API returns it: the first lines embedded, the rest behind `lines.url`. */
export function renderInvoice(state: EmulatorState, invoice: InvoiceObject): InvoiceObject {
  const rendered = snapshot(invoice);
  rendered.lines = pageOfLines(state, invoice.id, { limit: EMBEDDED_LINES_LIMIT });
  return rendered;
}

/** A draft's totals follow its items until it is finalized. */
export function recomputeDraftTotals(state: EmulatorState, invoice: InvoiceObject): void {
  if (invoice.status !== 'draft') return;
  const subtotal = sum(itemsOfInvoice(state, invoice.id).map((item) => item.amount));
  invoice.subtotal = subtotal;
  invoice.subtotal_excluding_tax = subtotal;
  invoice.total = subtotal;
  invoice.total_excluding_tax = subtotal;
  invoice.amount_due = Math.max(0, subtotal);
  invoice.amount_remaining = invoice.amount_due;
}

export function requireDraft(invoice: InvoiceObject, param?: string): void {
  if (invoice.status !== 'draft') {
    throw stripeErrors.invalidState(
      `The invoice ${invoice.id} is ${invoice.status ?? 'not a draft'} and can no longer be edited. Only draft invoices can be changed; create invoice items for the next invoice instead.`,
      { code: 'invoice_not_editable', ...(param ? { param } : {}) },
    );
  }
}

function customerOf(state: EmulatorState, invoice: InvoiceObject): CustomerObject | undefined {
  return typeof invoice.customer === 'string' ? state.customers.get(invoice.customer) : undefined;
}

/**
 * draft → open. Assigns the number, applies the customer's credit balance,
 * and marks a zero-amount invoice paid at once, as Stripe does.
 */
export function finalizeInvoice(ctx: HandlerContext, invoice: InvoiceObject, autoAdvance?: boolean): void {
  const { state } = ctx;
  requireDraft(invoice);
  recomputeDraftTotals(state, invoice);
  const now = state.clock.unixNow();
  const customer = customerOf(state, invoice);
  if (customer) {
    const sequence = customer.next_invoice_sequence ?? 1;
    invoice.number = `${customer.invoice_prefix ?? 'INV'}-${String(sequence).padStart(4, '0')}`;
    customer.next_invoice_sequence = sequence + 1;
    // A negative customer balance is a credit; it reduces what this invoice asks
    // for, and an invoice with a negative total adds to it.
    const balance = customer.balance;
    const due = invoice.total + balance;
    invoice.starting_balance = balance;
    invoice.ending_balance = Math.min(0, due);
    invoice.amount_due = Math.max(0, due);
    customer.balance = Math.min(0, due);
  } else {
    invoice.number = `${state.ids.token(8, '0123456789ABCDEF')}-0001`;
    invoice.starting_balance = 0;
    invoice.ending_balance = Math.min(0, invoice.total);
    invoice.amount_due = Math.max(0, invoice.total);
  }
  invoice.amount_remaining = invoice.amount_due - invoice.amount_paid;
  invoice.status = 'open';
  invoice.status_transitions.finalized_at = now;
  invoice.effective_at ??= now;
  if (autoAdvance !== undefined) invoice.auto_advance = autoAdvance;
  const daysUntilDue = state.daysUntilDue.get(invoice.id);
  if (invoice.collection_method === 'send_invoice' && invoice.due_date === null && daysUntilDue !== undefined) {
    invoice.due_date = now + daysUntilDue * 86_400;
  }
  invoice.hosted_invoice_url = `${state.baseUrl}/_emulator/hosted/${invoice.id}`;
  invoice.invoice_pdf = `${state.baseUrl}/_emulator/hosted/${invoice.id}/pdf`;
  ctx.emit('invoice.finalized', renderInvoice(state, invoice));
  if (invoice.amount_remaining === 0) markPaid(ctx, invoice, { charged: false });
}

export function markPaid(ctx: HandlerContext, invoice: InvoiceObject, options: { charged: boolean }): void {
  const now = ctx.state.clock.unixNow();
  invoice.amount_paid += invoice.amount_remaining;
  invoice.amount_remaining = 0;
  invoice.status = 'paid';
  invoice.status_transitions.paid_at = now;
  invoice.next_payment_attempt = null;
  if (options.charged) {
    invoice.attempt_count += 1;
    invoice.attempted = true;
  }
  const rendered = renderInvoice(ctx.state, invoice);
  if (options.charged) ctx.emit('invoice.payment_succeeded', rendered);
  ctx.emit('invoice.paid', rendered);
}

/** The customer paid outside Stripe (a bank transfer): `invoice.paid`, as `pay` with `paid_out_of_band`. */
export function payOutOfBand(ctx: HandlerContext, invoice: InvoiceObject): void {
  if (invoice.status !== 'open' && invoice.status !== 'uncollectible') {
    throw stripeErrors.invalidState(`You can only pay an open or uncollectible invoice; ${invoice.id} is ${invoice.status ?? 'unknown'}.`);
  }
  markPaid(ctx, invoice, { charged: false });
}

/** open or uncollectible → void (`invoice.voided`). */
export function voidInvoice(ctx: HandlerContext, invoice: InvoiceObject): void {
  if (invoice.status !== 'open' && invoice.status !== 'uncollectible') {
    throw stripeErrors.invalidState(`You can only void an open or uncollectible invoice; ${invoice.id} is ${invoice.status ?? 'unknown'}.`);
  }
  invoice.status = 'void';
  invoice.status_transitions.voided_at = ctx.state.clock.unixNow();
  invoice.next_payment_attempt = null;
  ctx.emit('invoice.voided', renderInvoice(ctx.state, invoice));
}

/** A failed collection attempt: the invoice stays open and `invoice.payment_failed` is sent. */
export function recordPaymentFailure(ctx: HandlerContext, invoice: InvoiceObject): void {
  if (invoice.status !== 'open' && invoice.status !== 'uncollectible') {
    throw stripeErrors.invalidState(
      `A payment can only fail on an open or uncollectible invoice; ${invoice.id} is ${invoice.status ?? 'unknown'}.`,
    );
  }
  invoice.attempt_count += 1;
  invoice.attempted = true;
  invoice.next_payment_attempt = null;
  ctx.emit('invoice.payment_failed', renderInvoice(ctx.state, invoice));
}

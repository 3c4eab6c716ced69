// /v1/invoices: create (draft), retrieve, update, delete (draft), list, lines,
// finalize, pay, void, mark_uncollectible.
import { z } from 'zod';
import { stripeErrors } from '../errors';
import { parseCurrency } from '../money';
import {
  formBoolean,
  formEnum,
  formExpand,
  formInteger,
  formMetadata,
  formRange,
  formString,
  inRange,
  paginationParams,
} from '../params';
import { defineRoute, type HandlerContext } from '../router';
import type { InvoiceObject } from '../wire-types';
import { changedAttributes, deletedObject, expandOnly, findOr404, listRoute, mergeMetadata, retrieveRoute } from './common';
import { attachToInvoice } from './invoice-items';
import {
  finalizeInvoice,
  itemsOfInvoice,
  linesUrl,
  markPaid,
  voidInvoice,
  MAX_ITEMS_PER_INVOICE,
  pageOfLines,
  recomputeDraftTotals,
  recordPaymentFailure,
  renderInvoice,
  requireDraft,
} from './invoice-model';

const collectionMethod = formEnum(['charge_automatically', 'send_invoice']);

const createSchema = z.strictObject({
  customer: formString().optional(),
  currency: formString().optional(),
  auto_advance: formBoolean().optional(),
  collection_method: collectionMethod.optional(),
  days_until_due: formInteger({ min: 0, max: 1825 }).optional(),
  due_date: formInteger({ min: 0 }).optional(),
  description: formString({ max: 1500 }).optional(),
  effective_at: formInteger({ min: 0 }).optional(),
  footer: formString({ max: 5000 }).optional(),
  metadata: formMetadata().optional(),
  pending_invoice_items_behavior: formEnum(['exclude', 'include']).optional(),
  statement_descriptor: formString({ max: 22 }).optional(),
  expand: formExpand(),
});

const updateSchema = z.strictObject({
  auto_advance: formBoolean().optional(),
  collection_method: collectionMethod.optional(),
  days_until_due: formInteger({ min: 0, max: 1825 }).optional(),
  due_date: formInteger({ min: 0 }).optional(),
  description: formString({ allowEmpty: true, max: 1500 }).optional(),
  effective_at: formInteger({ min: 0 }).optional(),
  footer: formString({ allowEmpty: true, max: 5000 }).optional(),
  metadata: formMetadata().optional(),
  statement_descriptor: formString({ allowEmpty: true, max: 22 }).optional(),
  expand: formExpand(),
});

const listSchema = z.strictObject({
  ...paginationParams,
  customer: formString().optional(),
  status: formEnum(['draft', 'open', 'paid', 'uncollectible', 'void']).optional(),
  collection_method: collectionMethod.optional(),
  created: formRange().optional(),
  due_date: formRange().optional(),
});

const payment = z.strictObject({
  expand: formExpand(),
  forgive: formBoolean().optional(),
  mandate: formString({ allowEmpty: true }).optional(),
  off_session: formBoolean().optional(),
  paid_out_of_band: formBoolean().optional(),
  payment_method: formString().optional(),
  source: formString().optional(),
});


/**
 * Stripe's test payment methods that decline. Paying with one of them fails the
 * collection attempt exactly like test mode does (402 card_declined plus an
 * `invoice.payment_failed` event).
 */
const DECLINING_PAYMENT_METHODS = new Set([
  'pm_card_chargeDeclined',
  'pm_card_visa_chargeDeclined',
  'pm_card_chargeDeclinedInsufficientFunds',
  'pm_card_chargeCustomerFail',
  'tok_chargeDeclined',
]);

function checkDueTerms(collection: string, daysUntilDue: number | undefined, dueDate: number | undefined): void {
  if (collection === 'send_invoice') {
    if (daysUntilDue === undefined && dueDate === undefined) {
      throw stripeErrors.invalidParam(
        'days_until_due',
        'Invoices with collection_method=send_invoice need either days_until_due or due_date.',
        'parameter_missing',
      );
    }
    if (daysUntilDue !== undefined && dueDate !== undefined) throw stripeErrors.parametersExclusive(['days_until_due', 'due_date']);
    return;
  }
  if (daysUntilDue !== undefined || dueDate !== undefined) {
    throw stripeErrors.invalidParam(
      daysUntilDue !== undefined ? 'days_until_due' : 'due_date',
      'days_until_due and due_date can only be set when collection_method is send_invoice.',
    );
  }
}

function newInvoice(ctx: HandlerContext, input: z.output<typeof createSchema>, customerId: string, currency: string): InvoiceObject {
  const { state } = ctx;
  const customer = findOr404(state.customers, customerId, 'customer', 'customer');
  const now = state.clock.unixNow();
  const id = state.ids.next('in');
  return {
    id,
    object: 'invoice',
    account_country: 'US',
    account_name: null,
    account_tax_ids: null,
    amount_due: 0,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: 0,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: input.auto_advance ?? false,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: 'manual',
    collection_method: input.collection_method ?? 'charge_automatically',
    confirmation_secret: null,
    created: now,
    currency,
    custom_fields: null,
    customer: customer.id,
    customer_account: null,
    customer_address: customer.address ? { ...customer.address } : null,
    customer_email: customer.email,
    customer_name: customer.name ?? null,
    customer_phone: customer.phone ?? null,
    customer_shipping: null,
    customer_tax_exempt: customer.tax_exempt ?? 'none',
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: input.description ?? null,
    discounts: [],
    due_date: input.due_date ?? null,
    effective_at: input.effective_at ?? null,
    ending_balance: null,
    footer: input.footer ?? null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: 'list', data: [], has_more: false, url: linesUrl(id) },
    livemode: false,
    metadata: mergeMetadata({}, input.metadata),
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    parent: null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: now,
    period_start: now,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: { amount_tax_display: null, pdf: { page_size: 'auto' }, template: null, template_version: null },
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: input.statement_descriptor ?? null,
    status: 'draft',
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subscription: null,
    subtotal: 0,
    subtotal_excluding_tax: 0,
    test_clock: null,
    total: 0,
    total_discount_amounts: [],
    total_excluding_tax: 0,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: now,
  };
}

function render(ctx: HandlerContext, invoice: InvoiceObject) {
  return { body: renderInvoice(ctx.state, invoice) };
}

/**
 * `POST /v1/invoices/:id/<action>`: finds the invoice (404 otherwise), lets
 * `act` move it on (or throw Stripe's error), and answers with the invoice as
 * it is then.
 */
function invoiceAction<S extends z.ZodType>(action: string, schema: S, act: (input: z.output<S>, ctx: HandlerContext, invoice: InvoiceObject) => void) {
  return defineRoute({
    method: 'POST',
    path: `/v1/invoices/:id/${action}`,
    schema,
    expandable: ['customer'],
    handle(input, ctx, { id = '' }) {
      const invoice = findOr404(ctx.state.invoices, id, 'invoice');
      act(input, ctx, invoice);
      return render(ctx, invoice);
    },
  });
}

export const invoiceRoutes = [
  defineRoute({
    method: 'POST',
    path: '/v1/invoices',
    schema: createSchema,
    expandable: ['customer'],
    handle(input, ctx) {
      const { state } = ctx;
      if (input.customer === undefined) throw stripeErrors.parameterMissing('customer');
      const customer = findOr404(state.customers, input.customer, 'customer', 'customer');
      const currency = parseCurrency(input.currency ?? customer.currency ?? 'usd');
      checkDueTerms(input.collection_method ?? 'charge_automatically', input.days_until_due, input.due_date);
      const invoice = newInvoice(ctx, input, customer.id, currency);
      if (input.pending_invoice_items_behavior === 'include') {
        const pending = state.invoiceItems.oldestFirst(
          (item) => item.customer === customer.id && item.invoice === null && item.currency === currency,
        );
        // Checked up front so a refused request leaves every pending item as it was.
        if (pending.length > MAX_ITEMS_PER_INVOICE) {
          throw stripeErrors.invalidParam(
            'pending_invoice_items_behavior',
            `The customer has ${pending.length} pending invoice items; an invoice holds at most ${MAX_ITEMS_PER_INVOICE}.`,
          );
        }
        for (const item of pending) attachToInvoice(ctx, item, invoice);
      }
      state.invoices.insert(invoice);
      if (input.days_until_due !== undefined) state.daysUntilDue.set(invoice.id, input.days_until_due);
      recomputeDraftTotals(state, invoice);
      ctx.emit('invoice.created', renderInvoice(state, invoice));
      return render(ctx, invoice);
    },
  }),
  retrieveRoute({
    path: '/v1/invoices/:id',
    collection: 'invoices',
    noun: 'invoice',
    expandable: ['customer'],
    render: (invoice, ctx) => renderInvoice(ctx.state, invoice),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/invoices/:id',
    schema: updateSchema,
    expandable: ['customer'],
    handle(input, ctx, { id = '' }) {
      const invoice = findOr404(ctx.state.invoices, id, 'invoice');
      const before = renderInvoice(ctx.state, invoice);
      const { metadata, expand: _expand, ...draftOnly } = input;
      if (Object.values(draftOnly).some((value) => value !== undefined)) requireDraft(invoice);
      if (invoice.status === 'void' && metadata !== undefined) {
        throw stripeErrors.invalidState(`The invoice ${invoice.id} is void and can no longer be changed.`, {
          code: 'invoice_not_editable',
        });
      }
      const collection = input.collection_method ?? invoice.collection_method;
      if (input.collection_method !== undefined || input.days_until_due !== undefined || input.due_date !== undefined) {
        const days = input.days_until_due ?? (input.due_date === undefined ? ctx.state.daysUntilDue.get(id) : undefined);
        const due = input.due_date ?? (input.days_until_due === undefined ? (invoice.due_date ?? undefined) : undefined);
        checkDueTerms(collection, collection === 'send_invoice' ? days : input.days_until_due, collection === 'send_invoice' ? due : input.due_date);
        invoice.collection_method = collection;
        if (collection === 'send_invoice' && days !== undefined) ctx.state.daysUntilDue.set(id, days);
        else ctx.state.daysUntilDue.delete(id);
        invoice.due_date = collection === 'send_invoice' ? (due ?? null) : null;
      }
      if (input.auto_advance !== undefined) invoice.auto_advance = input.auto_advance;
      if (input.description !== undefined) invoice.description = input.description === '' ? null : input.description;
      if (input.effective_at !== undefined) invoice.effective_at = input.effective_at;
      if (input.footer !== undefined) invoice.footer = input.footer === '' ? null : input.footer;
      if (input.statement_descriptor !== undefined) {
        invoice.statement_descriptor = input.statement_descriptor === '' ? null : input.statement_descriptor;
      }
      if (metadata !== undefined) invoice.metadata = mergeMetadata(invoice.metadata, metadata);
      const after = renderInvoice(ctx.state, invoice);
      ctx.emit('invoice.updated', after, changedAttributes(before, after));
      return { body: after };
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/invoices/:id',
    schema: z.strictObject({}),
    handle(_input, ctx, { id = '' }) {
      const invoice = findOr404(ctx.state.invoices, id, 'invoice');
      requireDraft(invoice);
      // The draft's invoice items go back to pending, ready for another invoice.
      for (const item of itemsOfInvoice(ctx.state, id)) {
        item.invoice = null;
        ctx.state.lineIdByItem.delete(item.id);
      }
      ctx.state.itemIdsByInvoice.delete(id);
      const rendered = renderInvoice(ctx.state, invoice);
      ctx.state.invoices.delete(id);
      ctx.state.daysUntilDue.delete(id);
      ctx.emit('invoice.deleted', rendered);
      return deletedObject(id, 'invoice');
    },
  }),
  listRoute({
    path: '/v1/invoices',
    collection: 'invoices',
    noun: 'invoice',
    schema: listSchema,
    expandable: ['data.customer'],
    matches: (invoice, input) =>
      (input.customer === undefined || invoice.customer === input.customer) &&
      (input.status === undefined || invoice.status === input.status) &&
      (input.collection_method === undefined || invoice.collection_method === input.collection_method) &&
      inRange(invoice.created, input.created) &&
      (input.due_date === undefined || (invoice.due_date !== null && inRange(invoice.due_date, input.due_date))),
    render: (invoice, ctx) => renderInvoice(ctx.state, invoice),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/invoices/:id/lines',
    schema: z.strictObject({ ...paginationParams }),
    handle(input, ctx, { id = '' }) {
      findOr404(ctx.state.invoices, id, 'invoice');
      return { body: pageOfLines(ctx.state, id, input) };
    },
  }),
  invoiceAction('finalize', z.strictObject({ auto_advance: formBoolean().optional(), expand: formExpand() }), (input, ctx, invoice) =>
    finalizeInvoice(ctx, invoice, input.auto_advance),
  ),
  invoiceAction('pay', payment, (input, ctx, invoice) => {
    // Paying a draft finalizes it first, as Stripe does.
    if (invoice.status === 'draft') finalizeInvoice(ctx, invoice);
    if (invoice.status === 'paid') {
      // Paid with nothing left to pay: answered as it is.
      if (invoice.amount_remaining === 0 && invoice.status_transitions.paid_at !== null && invoice.amount_due === 0) return;
      throw stripeErrors.invalidState(`Invoice ${invoice.id} is already paid.`);
    }
    if (invoice.status !== 'open' && invoice.status !== 'uncollectible') {
      throw stripeErrors.invalidState(
        `You can only pay an open or uncollectible invoice; ${invoice.id} is ${invoice.status ?? 'unknown'}.`,
      );
    }
    const method = input.payment_method ?? input.source;
    if (method !== undefined && DECLINING_PAYMENT_METHODS.has(method) && input.paid_out_of_band !== true) {
      recordPaymentFailure(ctx, invoice);
      throw stripeErrors.cardDeclined();
    }
    markPaid(ctx, invoice, { charged: input.paid_out_of_band !== true });
  }),
  invoiceAction('void', expandOnly, (_input, ctx, invoice) => voidInvoice(ctx, invoice)),
  invoiceAction('mark_uncollectible', expandOnly, (_input, ctx, invoice) => {
    if (invoice.status !== 'open') {
      throw stripeErrors.invalidState(
        `You can only mark an open invoice uncollectible; ${invoice.id} is ${invoice.status ?? 'unknown'}.`,
      );
    }
    invoice.status = 'uncollectible';
    invoice.status_transitions.marked_uncollectible_at = ctx.state.clock.unixNow();
    ctx.emit('invoice.marked_uncollectible', renderInvoice(ctx.state, invoice));
  }),
];

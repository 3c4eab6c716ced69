// /v1/invoiceitems: create (pending, or attached to a draft invoice), retrieve,
// update and delete while pending or on a draft, list by invoice/customer.
import { z } from 'zod';
import { stripeErrors } from '../errors';
import { checkWholeUnitAmount, lineAmount, normalizeDecimal, parseCurrency, truncatedQuantity } from '../money';
import {
  formBoolean,
  formDecimal,
  formExpand,
  formHash,
  formInteger,
  formMetadata,
  formRange,
  formString,
  inRange,
  paginationParams,
} from '../params';
import { defineRoute, type HandlerContext } from '../router';
import type { InvoiceItemObject, InvoiceObject } from '../wire-types';
import { deletedObject, findOr404, listRoute, mergeMetadata, retrieveRoute, snapshot } from './common';
import { itemsOfInvoice, linkItem, MAX_ITEMS_PER_INVOICE, recomputeDraftTotals, requireDraft, unlinkItem } from './invoice-model';

const period = formHash({ start: formInteger({ min: 0 }), end: formInteger({ min: 0 }) });

const pricingFields = {
  amount: formInteger().optional(),
  unit_amount_decimal: formDecimal().optional(),
  quantity: formInteger({ min: 0 }).optional(),
  quantity_decimal: formDecimal({ nonNegative: true }).optional(),
};

/** What an update may change; a create takes the same plus where the item goes. */
const updateSchema = z.strictObject({
  description: formString({ max: 500 }).optional(),
  discountable: formBoolean().optional(),
  metadata: formMetadata().optional(),
  period: period.optional(),
  ...pricingFields,
  expand: formExpand(),
});

const createSchema = updateSchema.extend({
  customer: formString().optional(),
  invoice: formString().optional(),
  currency: formString().optional(),
});

const listSchema = z.strictObject({
  ...paginationParams,
  customer: formString().optional(),
  invoice: formString().optional(),
  pending: formBoolean().optional(),
  created: formRange().optional(),
});

type PricingInput = {
  amount?: number | undefined;
  unit_amount_decimal?: string | undefined;
  quantity?: number | undefined;
  quantity_decimal?: string | undefined;
};

interface Pricing {
  amount: number;
  quantity: number;
  quantityDecimal: string;
  unitAmountDecimal: string;
}

/**
 * Either a flat `amount`, or `unit_amount_decimal × quantity` (or
 * `quantity_decimal`) rounded once for the line. `fallback` supplies the parts
 * an update leaves out.
 */
function resolvePricing(input: PricingInput, fallback?: Pricing): Pricing | undefined {
  if (input.quantity !== undefined && input.quantity_decimal !== undefined) {
    throw stripeErrors.parametersExclusive(['quantity', 'quantity_decimal']);
  }
  if (input.amount !== undefined) {
    if (input.unit_amount_decimal !== undefined) throw stripeErrors.parametersExclusive(['amount', 'unit_amount_decimal']);
    if (input.quantity !== undefined && input.quantity !== 1) throw stripeErrors.parametersExclusive(['amount', 'quantity']);
    if (input.quantity_decimal !== undefined) throw stripeErrors.parametersExclusive(['amount', 'quantity_decimal']);
    return { amount: input.amount, quantity: 1, quantityDecimal: '1', unitAmountDecimal: String(input.amount) };
  }
  const touched = input.unit_amount_decimal !== undefined || input.quantity !== undefined || input.quantity_decimal !== undefined;
  if (!touched) return fallback;
  const unit = input.unit_amount_decimal ?? fallback?.unitAmountDecimal;
  if (unit === undefined) {
    throw stripeErrors.parameterMissing(input.quantity !== undefined || input.quantity_decimal !== undefined ? 'unit_amount_decimal' : 'amount');
  }
  const quantityDecimal = normalizeDecimal(
    input.quantity_decimal ?? (input.quantity !== undefined ? String(input.quantity) : (fallback?.quantityDecimal ?? '1')),
  );
  return {
    amount: lineAmount(unit, quantityDecimal),
    quantity: truncatedQuantity(quantityDecimal),
    quantityDecimal,
    unitAmountDecimal: normalizeDecimal(unit),
  };
}

function currentPricing(item: InvoiceItemObject): Pricing {
  return {
    amount: item.amount,
    quantity: item.quantity,
    quantityDecimal: item.quantity_decimal,
    unitAmountDecimal: item.pricing?.unit_amount_decimal ?? String(item.amount),
  };
}

function applyPricing(item: InvoiceItemObject, pricing: Pricing): void {
  item.amount = pricing.amount;
  item.net_amount = pricing.amount;
  item.quantity = pricing.quantity;
  item.quantity_decimal = pricing.quantityDecimal;
  item.pricing = { type: 'price_details', unit_amount_decimal: pricing.unitAmountDecimal };
}

function checkPeriod(value: { start: number; end: number } | undefined): void {
  if (value && value.end < value.start) {
    throw stripeErrors.invalidParam('period[end]', `Invalid period: end (${value.end}) must be at or after start (${value.start}).`);
  }
}

/** Attaches a new item to a draft invoice: checks ownership, currency and the item cap. */
export function attachToInvoice(ctx: HandlerContext, item: InvoiceItemObject, invoice: InvoiceObject): void {
  requireDraft(invoice, 'invoice');
  if (invoice.customer !== item.customer) {
    throw stripeErrors.invalidParam(
      'invoice',
      `The invoice ${invoice.id} belongs to customer ${String(invoice.customer)}, not ${String(item.customer)}.`,
    );
  }
  if (invoice.currency !== item.currency) {
    throw stripeErrors.invalidParam(
      'currency',
      `The currency of the invoice item (${item.currency}) does not match the currency of the invoice (${invoice.currency}).`,
    );
  }
  if (itemsOfInvoice(ctx.state, invoice.id).length >= MAX_ITEMS_PER_INVOICE) {
    throw stripeErrors.invalidParam('invoice', `You can not add more than ${MAX_ITEMS_PER_INVOICE} invoice items to an invoice.`);
  }
  item.invoice = invoice.id;
  linkItem(ctx.state, invoice.id, item.id);
}

function editableInvoiceOf(ctx: HandlerContext, item: InvoiceItemObject): InvoiceObject | undefined {
  if (typeof item.invoice !== 'string') return undefined;
  const invoice = ctx.state.invoices.get(item.invoice);
  if (invoice) requireDraft(invoice);
  return invoice;
}

export const invoiceItemRoutes = [
  defineRoute({
    method: 'POST',
    path: '/v1/invoiceitems',
    schema: createSchema,
    expandable: ['customer', 'invoice'],
    handle(input, ctx) {
      const { state } = ctx;
      const invoice = input.invoice !== undefined ? findOr404(state.invoices, input.invoice, 'invoice', 'invoice') : undefined;
      const customerId = input.customer ?? (typeof invoice?.customer === 'string' ? invoice.customer : undefined);
      if (customerId === undefined) throw stripeErrors.parameterMissing('customer');
      const customer = findOr404(state.customers, customerId, 'customer', 'customer');
      const pricing = resolvePricing(input);
      if (!pricing) throw stripeErrors.parameterMissing('amount');
      const currencySource = input.currency ?? invoice?.currency ?? customer.currency ?? undefined;
      if (currencySource === undefined) throw stripeErrors.parameterMissing('currency');
      const currency = parseCurrency(currencySource);
      checkWholeUnitAmount(pricing.amount, currency);
      checkPeriod(input.period);
      const now = state.clock.unixNow();
      const item: InvoiceItemObject = {
        id: state.ids.next('ii'),
        object: 'invoiceitem',
        amount: pricing.amount,
        currency,
        customer: customer.id,
        customer_account: null,
        date: now,
        description: input.description ?? null,
        discountable: input.discountable ?? true,
        discounts: [],
        invoice: null,
        livemode: false,
        metadata: mergeMetadata({}, input.metadata),
        net_amount: pricing.amount,
        parent: null,
        period: input.period ?? { start: now, end: now },
        pricing: null,
        proration: false,
        quantity: pricing.quantity,
        quantity_decimal: pricing.quantityDecimal,
        tax_rates: [],
        test_clock: null,
      };
      applyPricing(item, pricing);
      if (invoice) attachToInvoice(ctx, item, invoice);
      state.invoiceItems.insert(item);
      customer.currency ??= currency;
      if (invoice) recomputeDraftTotals(state, invoice);
      ctx.emit('invoiceitem.created', item);
      return { body: snapshot(item) };
    },
  }),
  retrieveRoute({ path: '/v1/invoiceitems/:id', collection: 'invoiceItems', noun: 'invoiceitem', expandable: ['customer', 'invoice'] }),
  defineRoute({
    method: 'POST',
    path: '/v1/invoiceitems/:id',
    schema: updateSchema,
    expandable: ['customer', 'invoice'],
    handle(input, ctx, { id = '' }) {
      const item = findOr404(ctx.state.invoiceItems, id, 'invoiceitem');
      const invoice = editableInvoiceOf(ctx, item);
      const pricing = resolvePricing(input, currentPricing(item));
      checkPeriod(input.period);
      if (pricing) {
        checkWholeUnitAmount(pricing.amount, item.currency);
        applyPricing(item, pricing);
      }
      if (input.description !== undefined) item.description = input.description;
      if (input.discountable !== undefined) item.discountable = input.discountable;
      if (input.metadata !== undefined) item.metadata = mergeMetadata(item.metadata, input.metadata);
      if (input.period !== undefined) item.period = input.period;
      if (invoice) recomputeDraftTotals(ctx.state, invoice);
      return { body: snapshot(item) };
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/invoiceitems/:id',
    schema: z.strictObject({}),
    handle(_input, ctx, { id = '' }) {
      const item = findOr404(ctx.state.invoiceItems, id, 'invoiceitem');
      const invoice = editableInvoiceOf(ctx, item);
      ctx.state.invoiceItems.delete(id);
      if (invoice) unlinkItem(ctx.state, invoice.id, id);
      if (invoice) recomputeDraftTotals(ctx.state, invoice);
      ctx.emit('invoiceitem.deleted', item);
      return deletedObject(id, 'invoiceitem');
    },
  }),
  listRoute({
    path: '/v1/invoiceitems',
    collection: 'invoiceItems',
    noun: 'invoiceitem',
    schema: listSchema,
    expandable: ['data.customer', 'data.invoice'],
    matches: (item, input) =>
      (input.customer === undefined || item.customer === input.customer) &&
      (input.invoice === undefined || item.invoice === input.invoice) &&
      (input.pending === undefined || (item.invoice === null) === input.pending) &&
      inRange(item.date, input.created),
  }),
];

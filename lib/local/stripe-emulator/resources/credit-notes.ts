// /v1/credit_notes: create against a finalized invoice (lines of type
// invoice_line_item or custom_line_item, or a bare amount), retrieve, update,
// void, list, lines. Following Stripe, a credit note first reduces the
// invoice's amount_remaining (pre_payment_amount); the rest (post_payment_amount)
// must be settled by credit_amount + out_of_band_amount (+ refund_amount).
import { z } from 'zod';
import { StripeApiError, stripeErrors } from '../errors';
import { lineAmount, normalizeDecimal, sum } from '../money';
import { paginate } from '../pagination';
import {
  formDecimal,
  formEnum,
  formExpand,
  formInteger,
  formList,
  formMetadata,
  formRange,
  formString,
  inRange,
  paginationParams,
} from '../params';
import { defineRoute, type HandlerContext } from '../router';
import type { CreditNoteLineObject, CreditNoteObject, InvoiceObject } from '../wire-types';
import { changedAttributes, findOr404, listRoute, mergeMetadata, retrieveRoute, snapshot } from './common';
import { invoiceLines, markPaid, renderInvoice } from './invoice-model';

const reason = formEnum(['duplicate', 'fraudulent', 'order_change', 'product_unsatisfactory']);

const lineSchema = z.strictObject({
  type: formEnum(['custom_line_item', 'invoice_line_item']),
  amount: formInteger({ min: 0 }).optional(),
  description: formString({ max: 500 }).optional(),
  invoice_line_item: formString().optional(),
  metadata: formMetadata().optional(),
  quantity: formInteger({ min: 0 }).optional(),
  unit_amount: formInteger({ min: 0 }).optional(),
  unit_amount_decimal: formDecimal({ nonNegative: true }).optional(),
  tax_rates: z.union([z.literal(''), formList(formString())]).optional(),
});

const createSchema = z.strictObject({
  invoice: formString().optional(),
  amount: formInteger({ min: 0 }).optional(),
  credit_amount: formInteger({ min: 0 }).optional(),
  out_of_band_amount: formInteger({ min: 0 }).optional(),
  refund_amount: formInteger({ min: 0 }).optional(),
  effective_at: formInteger({ min: 0 }).optional(),
  email_type: formEnum(['credit_note', 'none']).optional(),
  lines: formList(lineSchema, { max: 250 }).optional(),
  memo: formString({ max: 5000 }).optional(),
  metadata: formMetadata().optional(),
  reason: reason.optional(),
  expand: formExpand(),
});

const listSchema = z.strictObject({
  ...paginationParams,
  invoice: formString().optional(),
  customer: formString().optional(),
  created: formRange().optional(),
});

type LineInput = z.output<typeof lineSchema>;

interface PlannedLine {
  object: CreditNoteLineObject;
  invoiceLineId: string | null;
}

function linesUrl(creditNoteId: string): string {
  return `/v1/credit_notes/${creditNoteId}/lines`;
}

/** Turns requested lines into credit note lines, checking each against what its invoice line can still take. */
function planLines(ctx: HandlerContext, invoice: InvoiceObject, lines: ReadonlyArray<LineInput>): PlannedLine[] {
  const { state } = ctx;
  const invoiceLinesById = new Map(invoiceLines(state, invoice.id).map((line) => [line.id, line]));
  const pendingByLine = new Map<string, number>();
  return lines.map((line, index) => {
    const at = (field: string) => `lines[${index}][${field}]`;
    const base = {
      id: state.ids.next('cnli'),
      object: 'credit_note_line_item' as const,
      discount_amount: 0,
      discount_amounts: [],
      livemode: false,
      metadata: line.metadata === undefined ? {} : mergeMetadata({}, line.metadata),
      pretax_credit_amounts: [],
      tax_rates: [],
      taxes: [],
    };
    if (line.type === 'custom_line_item') {
      if (line.amount !== undefined) {
        throw stripeErrors.invalidParam(at('amount'), `${at('amount')} is only valid when type is invoice_line_item.`);
      }
      if (line.invoice_line_item !== undefined) {
        throw stripeErrors.invalidParam(at('invoice_line_item'), `${at('invoice_line_item')} is only valid when type is invoice_line_item.`);
      }
      if (line.description === undefined) throw stripeErrors.parameterMissing(at('description'));
      if (line.unit_amount !== undefined && line.unit_amount_decimal !== undefined) {
        throw stripeErrors.parametersExclusive([at('unit_amount'), at('unit_amount_decimal')]);
      }
      const unit = line.unit_amount_decimal ?? (line.unit_amount !== undefined ? String(line.unit_amount) : undefined);
      if (unit === undefined) throw stripeErrors.parameterMissing(at('unit_amount'));
      const quantity = line.quantity ?? 1;
      const amount = lineAmount(unit, String(quantity));
      return {
        invoiceLineId: null,
        object: {
          ...base,
          amount,
          description: line.description,
          quantity,
          type: 'custom_line_item',
          unit_amount: line.unit_amount ?? (Number.isInteger(Number(unit)) ? Number(unit) : null),
          unit_amount_decimal: normalizeDecimal(unit),
        },
      };
    }
    if (line.unit_amount !== undefined || line.unit_amount_decimal !== undefined) {
      throw stripeErrors.invalidParam(at('unit_amount'), `${at('unit_amount')} is only valid when type is custom_line_item.`);
    }
    if (line.invoice_line_item === undefined) throw stripeErrors.parameterMissing(at('invoice_line_item'));
    const invoiceLine = invoiceLinesById.get(line.invoice_line_item);
    if (!invoiceLine) {
      throw stripeErrors.invalidParam(
        at('invoice_line_item'),
        `The invoice line item ${line.invoice_line_item} does not belong to invoice ${invoice.id}.`,
        'resource_missing',
      );
    }
    const alreadyCredited = (state.creditedByLine.get(invoiceLine.id) ?? 0) + (pendingByLine.get(invoiceLine.id) ?? 0);
    const creditable = invoiceLine.amount - alreadyCredited;
    let amount: number;
    if (line.amount !== undefined) amount = line.amount;
    else if (line.quantity !== undefined) {
      const unit = invoiceLine.pricing?.unit_amount_decimal ?? String(invoiceLine.amount);
      amount = lineAmount(unit, String(line.quantity));
    } else amount = creditable;
    if (amount > creditable) {
      throw stripeErrors.invalidParam(
        line.amount !== undefined ? at('amount') : at('quantity'),
        `The credit for invoice line ${invoiceLine.id} (${amount}) exceeds what remains creditable on that line (${creditable}).`,
      );
    }
    pendingByLine.set(invoiceLine.id, (pendingByLine.get(invoiceLine.id) ?? 0) + amount);
    return {
      invoiceLineId: invoiceLine.id,
      object: {
        ...base,
        amount,
        description: line.description ?? invoiceLine.description,
        invoice_line_item: invoiceLine.id,
        quantity: line.quantity ?? 1,
        type: 'invoice_line_item',
        unit_amount: null,
        unit_amount_decimal: null,
      },
    };
  });
}

const EMBEDDED_LINES_LIMIT = 10;

/** The credit note as the API returns it: the first lines embedded, the rest behind `lines.url`. */
export function renderCreditNote(creditNote: CreditNoteObject): CreditNoteObject {
  const rendered = snapshot(creditNote);
  rendered.lines = paginate(creditNote.lines.data, { limit: EMBEDDED_LINES_LIMIT }, linesUrl(creditNote.id), 'credit_note_line_item');
  return rendered;
}

function creditableRemaining(invoice: InvoiceObject): number {
  return invoice.total - invoice.pre_payment_credit_notes_amount - invoice.post_payment_credit_notes_amount;
}

export const creditNoteRoutes = [
  defineRoute({
    method: 'POST',
    path: '/v1/credit_notes',
    schema: createSchema,
    expandable: ['customer', 'invoice'],
    handle(input, ctx) {
      const { state } = ctx;
      if (input.invoice === undefined) throw stripeErrors.parameterMissing('invoice');
      const invoice = findOr404(state.invoices, input.invoice, 'invoice', 'invoice');
      if (invoice.status !== 'open' && invoice.status !== 'paid' && invoice.status !== 'uncollectible') {
        throw stripeErrors.invalidState(
          `Credit notes can only be issued for finalized invoices that are open, paid or uncollectible; ${invoice.id} is ${invoice.status ?? 'unknown'}.`,
          { param: 'invoice' },
        );
      }
      if (input.lines === undefined && input.amount === undefined) {
        throw new StripeApiError(400, {
          type: 'invalid_request_error',
          code: 'parameter_missing',
          param: 'lines',
          message: 'One of amount or lines must be provided.',
        });
      }
      const planned = planLines(ctx, invoice, input.lines ?? []);
      const linesTotal = sum(planned.map((line) => line.object.amount));
      const total = input.lines !== undefined ? linesTotal : (input.amount ?? 0);
      if (input.lines !== undefined && input.amount !== undefined && input.amount !== linesTotal) {
        throw stripeErrors.invalidParam('amount', `The amount (${input.amount}) must equal the sum of the lines (${linesTotal}).`);
      }
      if (total <= 0) throw stripeErrors.invalidParam('amount', 'The credit note total must be greater than 0.');
      const remaining = creditableRemaining(invoice);
      if (total > remaining) {
        throw stripeErrors.invalidParam(
          input.lines !== undefined ? 'lines' : 'amount',
          `The credit note total (${total}) exceeds the invoice's remaining creditable amount (${remaining}): invoice total ${invoice.total}, already credited ${invoice.total - remaining}.`,
        );
      }
      const prePayment = Math.min(total, Math.max(0, invoice.amount_remaining));
      const postPayment = total - prePayment;
      const settled = (input.credit_amount ?? 0) + (input.out_of_band_amount ?? 0) + (input.refund_amount ?? 0);
      if (settled !== postPayment) {
        throw stripeErrors.invalidParam(
          'credit_amount',
          `The sum of credit_amount, out_of_band_amount and refund_amount (${settled}) must equal the credit note's post-payment amount (${postPayment}).`,
        );
      }
      if ((input.refund_amount ?? 0) > 0) {
        throw stripeErrors.invalidParam(
          'refund_amount',
          'The Stripe emulator records no charges, so it cannot refund; settle the post-payment amount with credit_amount or out_of_band_amount.',
        );
      }
      const now = state.clock.unixNow();
      const sequence = state.creditNotes.newestFirst((note) => note.invoice === invoice.id).length + 1;
      const id = state.ids.next('cn');
      const creditNote: CreditNoteObject = {
        id,
        object: 'credit_note',
        amount: total,
        amount_shipping: 0,
        created: now,
        currency: invoice.currency,
        customer: String(invoice.customer),
        customer_account: null,
        customer_balance_transaction: (input.credit_amount ?? 0) > 0 ? state.ids.next('cbtxn') : null,
        discount_amount: 0,
        discount_amounts: [],
        effective_at: input.effective_at ?? now,
        invoice: invoice.id,
        lines: { object: 'list', data: planned.map((line) => line.object), has_more: false, url: linesUrl(id) },
        livemode: false,
        memo: input.memo ?? null,
        metadata: mergeMetadata({}, input.metadata),
        number: `${invoice.number ?? invoice.id}-CN-${String(sequence).padStart(2, '0')}`,
        out_of_band_amount: input.out_of_band_amount ?? null,
        pdf: `${state.baseUrl}/_emulator/hosted/${id}/pdf`,
        post_payment_amount: postPayment,
        pre_payment_amount: prePayment,
        pretax_credit_amounts: [],
        reason: input.reason ?? null,
        refunds: [],
        shipping_cost: null,
        status: 'issued',
        subtotal: total,
        subtotal_excluding_tax: total,
        total,
        total_excluding_tax: total,
        total_taxes: [],
        type: prePayment > 0 && postPayment > 0 ? 'mixed' : postPayment > 0 ? 'post_payment' : 'pre_payment',
        voided_at: null,
      };
      for (const line of planned) {
        if (line.invoiceLineId) {
          state.creditedByLine.set(line.invoiceLineId, (state.creditedByLine.get(line.invoiceLineId) ?? 0) + line.object.amount);
        }
      }
      const before = renderInvoice(state, invoice);
      invoice.pre_payment_credit_notes_amount += prePayment;
      invoice.post_payment_credit_notes_amount += postPayment;
      invoice.amount_due -= prePayment;
      invoice.amount_remaining -= prePayment;
      const customer = state.customers.get(String(invoice.customer));
      if (customer && (input.credit_amount ?? 0) > 0) customer.balance -= input.credit_amount ?? 0;
      state.creditNotes.insert(creditNote);
      ctx.emit('credit_note.created', renderCreditNote(creditNote));
      const after = renderInvoice(state, invoice);
      ctx.emit('invoice.updated', after, changedAttributes(before, after));
      // Crediting the whole remaining amount of an open invoice settles it.
      if (prePayment > 0 && invoice.amount_remaining === 0 && invoice.status !== 'paid') markPaid(ctx, invoice, { charged: false });
      return { body: renderCreditNote(creditNote) };
    },
  }),
  retrieveRoute({ path: '/v1/credit_notes/:id', collection: 'creditNotes', noun: 'credit_note', expandable: ['customer', 'invoice'], render: renderCreditNote }),
  defineRoute({
    method: 'POST',
    path: '/v1/credit_notes/:id',
    schema: z.strictObject({ memo: formString({ allowEmpty: true, max: 5000 }).optional(), metadata: formMetadata().optional(), expand: formExpand() }),
    expandable: ['customer', 'invoice'],
    handle(input, ctx, { id = '' }) {
      const creditNote = findOr404(ctx.state.creditNotes, id, 'credit_note');
      const before = snapshot(creditNote);
      if (input.memo !== undefined) creditNote.memo = input.memo === '' ? null : input.memo;
      if (input.metadata !== undefined) creditNote.metadata = mergeMetadata(creditNote.metadata, input.metadata);
      ctx.emit('credit_note.updated', renderCreditNote(creditNote), changedAttributes(before, creditNote));
      return { body: renderCreditNote(creditNote) };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/credit_notes/:id/void',
    schema: z.strictObject({ expand: formExpand() }),
    expandable: ['customer', 'invoice'],
    handle(_input, ctx, { id = '' }) {
      const { state } = ctx;
      const creditNote = findOr404(state.creditNotes, id, 'credit_note');
      if (creditNote.status === 'void') throw stripeErrors.invalidState(`The credit note ${id} is already void.`);
      const invoice = findOr404(state.invoices, String(creditNote.invoice), 'invoice', 'invoice');
      if (creditNote.pre_payment_amount > 0 && invoice.status === 'paid') {
        throw stripeErrors.invalidState(
          `The credit note ${id} reduced what invoice ${invoice.id} asked for and that invoice is now paid; it can no longer be voided.`,
        );
      }
      creditNote.status = 'void';
      creditNote.voided_at = state.clock.unixNow();
      for (const line of creditNote.lines.data) {
        if (line.invoice_line_item) {
          state.creditedByLine.set(line.invoice_line_item, (state.creditedByLine.get(line.invoice_line_item) ?? 0) - line.amount);
        }
      }
      invoice.pre_payment_credit_notes_amount -= creditNote.pre_payment_amount;
      invoice.post_payment_credit_notes_amount -= creditNote.post_payment_amount;
      invoice.amount_due += creditNote.pre_payment_amount;
      invoice.amount_remaining += creditNote.pre_payment_amount;
      const customer = state.customers.get(String(invoice.customer));
      const credited = creditNote.post_payment_amount - (creditNote.out_of_band_amount ?? 0);
      if (customer && credited > 0) customer.balance += credited;
      ctx.emit('credit_note.voided', renderCreditNote(creditNote));
      return { body: renderCreditNote(creditNote) };
    },
  }),
  listRoute({
    path: '/v1/credit_notes',
    collection: 'creditNotes',
    noun: 'credit_note',
    schema: listSchema,
    expandable: ['data.customer', 'data.invoice'],
    matches: (note, input) =>
      (input.invoice === undefined || note.invoice === input.invoice) &&
      (input.customer === undefined || note.customer === input.customer) &&
      inRange(note.created, input.created),
    render: renderCreditNote,
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/credit_notes/:id/lines',
    schema: z.strictObject({ ...paginationParams }),
    handle(input, ctx, { id = '' }) {
      const creditNote = findOr404(ctx.state.creditNotes, id, 'credit_note');
      return { body: snapshot(paginate(creditNote.lines.data, input, linesUrl(id), 'credit_note_line_item')) };
    },
  }),
];

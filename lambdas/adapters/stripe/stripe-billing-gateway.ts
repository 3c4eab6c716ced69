import type Stripe from 'stripe';
import { mapWithConcurrency } from '../../shared/map-with-concurrency';
import type { Contract } from '../../domain/plans/contract-schema';
import type { InvoiceRecord, InvoiceRecordLine } from '../../domain/invoicing/invoice-record';
import { creditNoteTotal, creditedDisputeIds, disputesMetadataValue, DISPUTES_METADATA_KEY } from '../../domain/invoicing/corrections';
import { stripeKeys } from '../../domain/invoicing/idempotency-keys';
import { STATEMENT_METADATA_KEY, statementReference } from '../../domain/invoicing/outcome-statement';
import { fromStripeApiAmount, toStripeApiAmount } from '../../domain/money/stripe-minor-units';
import { BillingWriteUncertainError, CreditNoteRefusedError } from '../../application/billing/billing-errors';
import type {
  BillingGateway,
  CreateCreditNoteRequest,
  CreateCustomerRequest,
  CreateCreditNoteResult,
  PushInvoiceRequest,
  PushInvoiceResult,
  StripeInvoiceTotals,
} from '../../application/billing/ports';
import { StripeCallPolicy, defaultRateFor, isReplayedAnswer, mayHaveExecuted, type StripeCallPolicyOptions } from './stripe-call-policy';
import { EngineError, engineErrorClass } from '../../domain/errors/engine-error';

/**
 * How far Stripe's clock may be behind the engine's when a customer is looked
 * up by creation time: a customer is searched from the recorded start of its
 * creation minus this.
 */
export const CUSTOMER_LOOKUP_CLOCK_SKEW_SECONDS = 300;

export class StripeAmountOutOfRangeError extends EngineError {
  readonly category = 'invalid_input';
  readonly code = 'stripe_amount_out_of_range';
  constructor(amount: bigint, what: string) {
    super(`${what}: ${amount} minor units is beyond what Stripe's API can carry exactly`);
    this.name = 'StripeAmountOutOfRangeError';
  }
}

/** Stripe answered with an invoice that does not belong to the record being pushed. */
export class StripeInvoiceConflictError extends engineErrorClass('StripeInvoiceConflictError', 'internal', 'stripe_invoice_conflict') {}

export interface StripeBillingGatewayOptions extends StripeCallPolicyOptions {
  readonly stripe: Stripe;
  /** The key the client was built with: picks the default rate (25/s test, 100/s live). */
  readonly apiKey: string;
  /** Concurrent item creations per invoice (bounded; the rate limiter is global). */
  readonly itemConcurrency?: number;
  readonly daysUntilDue?: number;
}

/** Engine minor units → the number Stripe's API expects for the currency (ISK × 100, MGA ÷ 100; see stripe-minor-units). */
function toStripeAmount(amount: bigint, currency: string, what: string): number {
  const stripeAmount = toStripeApiAmount(amount, currency);
  if (stripeAmount > BigInt(Number.MAX_SAFE_INTEGER) || stripeAmount < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new StripeAmountOutOfRangeError(amount, what);
  }
  return Number(stripeAmount); // exact: a safe integer, checked above
}

/** A Stripe amount → engine minor units of the currency. */
function fromStripeAmount(stripeAmount: number, currency: string): bigint {
  return fromStripeApiAmount(BigInt(stripeAmount), currency);
}

function epochSeconds(instant: string): number {
  return Math.floor(Date.parse(instant) / 1000);
}

function instantOf(unixSeconds: number | null | undefined): string | null {
  return unixSeconds === null || unixSeconds === undefined ? null : new Date(unixSeconds * 1000).toISOString();
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A 400 about the request itself (state, amounts): the same request will be refused again. */
function isInvalidRequest(error: unknown): boolean {
  const { type, statusCode } = (error ?? {}) as { type?: string; statusCode?: number };
  return type === 'StripeInvalidRequestError' && statusCode === 400;
}

function totalsOf(invoice: Stripe.Invoice): StripeInvoiceTotals {
  if (!invoice.id) throw new StripeInvoiceConflictError('Stripe returned an invoice without an id');
  return {
    stripeInvoiceId: invoice.id,
    status: invoice.status ?? 'unknown',
    currency: invoice.currency,
    total: fromStripeAmount(invoice.total, invoice.currency),
    lineCount: invoice.lines?.data.length ?? 0,
    amountDue: fromStripeAmount(invoice.amount_due, invoice.currency),
    finalizedAt: instantOf(invoice.status_transitions?.finalized_at),
    dueAt: instantOf(invoice.due_date),
  };
}

/**
 * The BillingGateway on Stripe's API. Every write carries an idempotency key
 * derived from contract, period and line; before creating anything on a
 * resumed push it looks for what an earlier attempt made (by metadata), so a
 * re-run never duplicates, even after Stripe forgot the key (24 h).
 */
export class StripeBillingGateway implements BillingGateway {
  readonly policy: StripeCallPolicy;
  private readonly stripe: Stripe;
  private readonly itemConcurrency: number;
  private readonly daysUntilDue: number;

  constructor(options: StripeBillingGatewayOptions) {
    this.stripe = options.stripe;
    this.policy = new StripeCallPolicy({ ...options, ratePerSecond: options.ratePerSecond ?? defaultRateFor(options.apiKey) });
    this.itemConcurrency = options.itemConcurrency ?? 4;
    this.daysUntilDue = options.daysUntilDue ?? 30;
  }

  async createCustomer({ contract, generation }: CreateCustomerRequest): Promise<string> {
    try {
      const customer = await this.policy.run(() =>
        this.stripe.customers.create(
          { name: contract.customerId, metadata: { customerId: contract.customerId } },
          { idempotencyKey: stripeKeys.customer(contract.customerId, generation) },
        ),
      );
      return customer.id;
    } catch (error) {
      if (!mayHaveExecuted(error)) throw error;
      throw new BillingWriteUncertainError(`creating the Stripe customer of "${contract.customerId}" may or may not have happened`, {
        cause: error,
        keySpent: isReplayedAnswer(error),
      });
    }
  }

  /**
   * Customers list is read-after-write consistent (search is not): every
   * customer created since `createdSince` (less the clock skew) is read page
   * by page, and the oldest one made for this engine customer wins.
   */
  async findCustomer(customerId: string, createdSince: string): Promise<string | undefined> {
    const gte = epochSeconds(createdSince) - CUSTOMER_LOOKUP_CLOCK_SKEW_SECONDS;
    let found: Stripe.Customer | undefined;
    let startingAfter: string | undefined;
    for (;;) {
      const after = startingAfter;
      const page = await this.policy.run(() =>
        this.stripe.customers.list({ created: { gte }, limit: 100, ...(after ? { starting_after: after } : {}) }),
      );
      for (const customer of page.data) {
        // Newest first: a later match on the way down is an older customer.
        if (customer.metadata?.['customerId'] === customerId) found = customer;
      }
      const last = page.data.at(-1);
      if (!page.has_more || !last) return found?.id;
      startingAfter = last.id;
    }
  }

  async retrieveInvoiceTotals(stripeInvoiceId: string): Promise<StripeInvoiceTotals> {
    return totalsOf(await this.policy.run(() => this.stripe.invoices.retrieve(stripeInvoiceId)));
  }

  async pushInvoice(request: PushInvoiceRequest): Promise<PushInvoiceResult> {
    const { record } = request;
    const { invoice, fresh } = await this.findOrCreateInvoice(request);
    if (invoice.metadata?.['invoiceRecordId'] !== record.invoiceRecordId) {
      throw new StripeInvoiceConflictError(
        `Stripe invoice ${invoice.id ?? '?'} belongs to ${invoice.metadata?.['invoiceRecordId'] ?? 'no record'}, not ${record.invoiceRecordId}`,
      );
    }
    const stripeInvoiceId = invoice.id as string;
    if (fresh) await request.onInvoiceCreated?.(stripeInvoiceId);

    let itemsCreated = 0;
    let itemsFound = 0;
    if (invoice.status === 'draft') {
      // A fresh invoice has no items yet: listing is needed only when resuming.
      const existing = fresh ? new Map<string, Stripe.InvoiceItem>() : await this.existingItems(stripeInvoiceId);
      const missing = record.lines.filter((line) => !existing.has(line.lineId));
      itemsFound = record.lines.length - missing.length;
      await mapWithConcurrency(missing, this.itemConcurrency, (line) => this.createItem(record, request.stripeCustomerId, stripeInvoiceId, line));
      itemsCreated = missing.length;
    } else {
      itemsFound = record.lines.length;
    }

    const final =
      request.finalize && invoice.status === 'draft'
        ? await this.finalize(record, stripeInvoiceId)
        : await this.policy.run(() => this.stripe.invoices.retrieve(stripeInvoiceId));
    return { ...totalsOf(final), itemsCreated, itemsFound };
  }

  async createCreditNote(request: CreateCreditNoteRequest): Promise<CreateCreditNoteResult> {
    const { correction, stripeInvoiceId } = request;
    const found = await this.findCreditNote(stripeInvoiceId, correction.correctionId);
    if (found) return { creditNoteId: found.id, total: fromStripeAmount(found.total, found.currency), currency: found.currency, reused: true };
    const invoice = await this.policy.run(() => this.stripe.invoices.retrieve(stripeInvoiceId));
    // Stripe credits finalized invoices only: say why before asking, so the refusal is specific.
    if (invoice.status === 'draft') {
      throw new CreditNoteRefusedError('original_invoice_draft', `invoice ${stripeInvoiceId} is still a draft: a credit note can be issued once it is finalized`);
    }
    if (invoice.status === 'void') {
      throw new CreditNoteRefusedError('original_invoice_void', `invoice ${stripeInvoiceId} is void: nothing on it can be credited`);
    }
    const total = creditNoteTotal(correction);
    const disputes = disputesMetadataValue(creditedDisputeIds(correction));
    // What the invoice still asks for is reduced first; anything beyond it (a
    // paid invoice) goes to the customer's credit balance for the next invoice.
    const remaining = fromStripeAmount(invoice.amount_remaining, invoice.currency);
    const postPayment = total - (remaining < total ? remaining : total);
    const params: Stripe.CreditNoteCreateParams = {
      invoice: stripeInvoiceId,
      lines: correction.creditNoteLines.map((line) => ({
        type: 'custom_line_item',
        description: truncate(line.description, 500),
        unit_amount: toStripeAmount(line.amount, invoice.currency, line.description),
        quantity: 1,
      })),
      memo: truncate(`Correction ${correction.sequence} of ${correction.periodId}`, 500),
      metadata: {
        contractId: correction.contractId,
        periodId: correction.periodId,
        correctionId: correction.correctionId,
        invoiceRecordId: correction.invoiceRecordId,
        ...(disputes !== null ? { [DISPUTES_METADATA_KEY]: disputes } : {}),
      },
      ...(postPayment > 0n ? { credit_amount: toStripeAmount(postPayment, invoice.currency, 'credit note credit') } : {}),
    };
    try {
      const note = await this.policy.run(() =>
        this.stripe.creditNotes.create(params, { idempotencyKey: stripeKeys.creditNote(correction.correctionId) }),
      );
      return { creditNoteId: note.id, total: fromStripeAmount(note.total, note.currency), currency: note.currency, reused: false };
    } catch (error) {
      if (isInvalidRequest(error)) {
        const { code, message } = error as { code?: string; message: string };
        throw new CreditNoteRefusedError('stripe_refused', `Stripe refused the credit note${code ? ` (${code})` : ''}: ${message}`, { cause: error });
      }
      if (!mayHaveExecuted(error)) throw error;
      const made = await this.findCreditNote(stripeInvoiceId, correction.correctionId);
      if (!made) throw error;
      return { creditNoteId: made.id, total: fromStripeAmount(made.total, made.currency), currency: made.currency, reused: true };
    }
  }

  private async findCreditNote(stripeInvoiceId: string, correctionId: string): Promise<Stripe.CreditNote | undefined> {
    const notes = await this.policy.run(() =>
      this.stripe.creditNotes.list({ invoice: stripeInvoiceId, limit: 100 }).autoPagingToArray({ limit: 10_000 }),
    );
    return notes.find((note) => note.metadata?.['correctionId'] === correctionId && note.status !== 'void');
  }

  private async findOrCreateInvoice(request: PushInvoiceRequest): Promise<{ invoice: Stripe.Invoice; fresh: boolean }> {
    const { record, stripeCustomerId } = request;
    if (request.knownStripeInvoiceId) {
      const known = request.knownStripeInvoiceId;
      return { invoice: await this.policy.run(() => this.stripe.invoices.retrieve(known)), fresh: false };
    }
    // After the first attempt the invoice may exist although its key expired (24 h): find it by metadata.
    const found = request.firstAttempt ? undefined : await this.findInvoice(stripeCustomerId, record.invoiceRecordId);
    if (found) return { invoice: found, fresh: false };
    try {
      const invoice = await this.policy.run(() =>
        this.stripe.invoices.create(
          {
            customer: stripeCustomerId,
            currency: record.currency.toLowerCase(),
            auto_advance: false,
            collection_method: 'send_invoice',
            days_until_due: this.daysUntilDue,
            pending_invoice_items_behavior: 'exclude',
            description: truncate(`${record.planCode} v${record.planVersion}, period ${record.periodId}`, 500),
            metadata: {
              contractId: record.contractId,
              periodId: record.periodId,
              invoiceRecordId: record.invoiceRecordId,
              // Where the buyer's itemised statement comes from (within Stripe's 500-character values: ids are bounded).
              [STATEMENT_METADATA_KEY]: truncate(statementReference(record.invoiceRecordId), 500),
            },
          },
          { idempotencyKey: stripeKeys.invoice(record.invoiceRecordId) },
        ),
      );
      return { invoice, fresh: true };
    } catch (error) {
      if (!mayHaveExecuted(error)) throw error;
      const made = await this.findInvoice(stripeCustomerId, record.invoiceRecordId);
      if (!made) throw error;
      await request.onInvoiceCreated?.(made.id as string);
      return { invoice: made, fresh: false };
    }
  }

  private async findInvoice(stripeCustomerId: string, invoiceRecordId: string): Promise<Stripe.Invoice | undefined> {
    const invoices = await this.policy.run(() =>
      this.stripe.invoices.list({ customer: stripeCustomerId, limit: 100 }).autoPagingToArray({ limit: 10_000 }),
    );
    return invoices.find((invoice) => invoice.metadata?.['invoiceRecordId'] === invoiceRecordId && invoice.status !== 'void');
  }

  private async existingItems(stripeInvoiceId: string): Promise<Map<string, Stripe.InvoiceItem>> {
    const items = await this.policy.run(() =>
      this.stripe.invoiceItems.list({ invoice: stripeInvoiceId, limit: 100 }).autoPagingToArray({ limit: 10_000 }),
    );
    const byLine = new Map<string, Stripe.InvoiceItem>();
    for (const item of items) {
      const lineId = item.metadata?.['lineId'];
      if (lineId) byLine.set(lineId, item);
    }
    return byLine;
  }

  private async createItem(record: InvoiceRecord, customer: string, invoice: string, line: InvoiceRecordLine): Promise<void> {
    const params: Stripe.InvoiceItemCreateParams = {
      customer,
      invoice,
      amount: toStripeAmount(line.amount, record.currency, line.description),
      currency: record.currency.toLowerCase(),
      description: truncate(line.description, 500),
      period: { start: epochSeconds(line.servicePeriod.start), end: epochSeconds(line.servicePeriod.end) },
      metadata: {
        contractId: record.contractId,
        periodId: record.periodId,
        invoiceRecordId: record.invoiceRecordId,
        lineId: truncate(line.lineId, 500),
        servicePeriodId: line.servicePeriod.periodId,
        ...(line.chargeId ? { chargeId: line.chargeId } : {}),
      },
    };
    try {
      await this.policy.run(() =>
        this.stripe.invoiceItems.create(params, { idempotencyKey: stripeKeys.invoiceItem(record.invoiceRecordId, line.lineId) }),
      );
    } catch (error) {
      if (!mayHaveExecuted(error)) throw error;
      const existing = await this.existingItems(invoice);
      if (!existing.has(line.lineId)) throw error;
    }
  }

  private async finalize(record: InvoiceRecord, stripeInvoiceId: string): Promise<Stripe.Invoice> {
    try {
      return await this.policy.run(() =>
        this.stripe.invoices.finalizeInvoice(stripeInvoiceId, {}, { idempotencyKey: stripeKeys.finalize(record.invoiceRecordId) }),
      );
    } catch (error) {
      if (!mayHaveExecuted(error)) throw error;
      const invoice = await this.policy.run(() => this.stripe.invoices.retrieve(stripeInvoiceId));
      if (invoice.status === 'draft') throw error;
      return invoice;
    }
  }
}

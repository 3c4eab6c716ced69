// The emulator's own HTTP control surface under /_emulator/, so a process
// that did not start the emulator (the local engine, a benchmark, curl) can
// inject faults, move the clock, point webhooks somewhere, pay, fail or void
// an invoice, set how customers pay, collect due payments or reset everything. JSON in, JSON out, no API key (the emulator listens on
// 127.0.0.1 only).
import { z } from 'zod';
import type { EmulatorCore } from './emulator-core';
import { findOr404, snapshot } from './resources/common';
import { payOutOfBand, recordPaymentFailure, renderInvoice, voidInvoice } from './resources/invoice-model';
import { parsePaymentBehaviour } from './payment-behaviour';
import { collectDuePayments, paymentBehavioursOf } from './payment-collection';
import type { HandlerContext } from './router';

export const CONTROL_PREFIX = '/_emulator';

const matchSchema = {
  path: z.string().optional(),
  method: z.enum(['GET', 'POST', 'DELETE']).optional(),
  // null means every matching request; omitted means once.
  times: z.number().int().positive().nullable().optional(),
  probability: z.number().gt(0).max(1).optional(),
  phase: z.enum(['before', 'after']).optional(),
};

const faultSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('error'), status: z.number().int().min(400).max(599), shouldRetry: z.boolean().optional(), message: z.string().optional(), ...matchSchema }),
  z.strictObject({ kind: z.literal('delay'), ms: z.number().min(0), ...matchSchema }),
  z.strictObject({ kind: z.literal('drop'), ...matchSchema }),
]);

/** Body of POST /_emulator/faults. `kind` defaults to `error` when `status` is given and to `delay` when `ms` is. */
export type ControlFaultRequest = z.input<typeof faultSchema>;

const rateLimitSchema = z.strictObject({ perSecond: z.number().positive().nullable(), burst: z.number().positive().optional() });
const webhookSchema = z.strictObject({ url: z.string().url(), secret: z.string().min(1).optional() });
const clockSchema = z.strictObject({ seconds: z.number() });
// `behaviour`: "on-time", "late:<days>", "fails", "never", or null for the default again.
const paymentBehaviourSchema = z.strictObject({ customer: z.string().min(1).max(255), behaviour: z.string().nullable() });
const resendSchema = z.strictObject({ tamper: z.enum(['bad-signature', 'stale-timestamp', 'missing-signature']).nullable().optional() });

export interface ControlResponse {
  status: number;
  body: unknown;
  contentType?: string;
}

// Not an EngineError: the emulator answers it as a Stripe-shaped 400 `invalid_request_error`,
// part of the wire protocol it mimics.
export class ControlRequestError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ControlRequestError';
  }
}

function parse<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const result = schema.safeParse(body);
  if (!result.success) throw new ControlRequestError(z.prettifyError(result.error));
  return result.data;
}

function withDefaultKind(body: unknown): unknown {
  if (body === null || typeof body !== 'object' || 'kind' in body) return body;
  if ('status' in body) return { kind: 'error', ...body };
  if ('ms' in body) return { kind: 'delay', ...body };
  return body;
}

/** Handles one control request; `ctx` lets state-changing helpers emit events like API requests do. */
export async function handleControl(
  core: EmulatorCore,
  method: string,
  path: string,
  body: unknown,
  ctx: HandlerContext,
): Promise<ControlResponse | undefined> {
  const route = `${method} ${path.slice(CONTROL_PREFIX.length) || '/'}`;
  let match: RegExpExecArray | null;
  switch (route) {
    case 'GET /health':
      return { status: 200, body: { ok: true } };
    case 'POST /reset':
      core.reset();
      return { status: 200, body: { reset: true } };
    case 'GET /stats':
      return {
        status: 200,
        body: {
          faults: core.faults.stats(),
          idempotentReplays: core.idempotency.replayCount,
          idempotencyKeys: core.idempotency.size,
          objects: {
            customers: core.state.customers.size,
            invoiceitems: core.state.invoiceItems.size,
            invoices: core.state.invoices.size,
            credit_notes: core.state.creditNotes.size,
            events: core.state.events.size,
          },
        },
      };
    case 'GET /faults':
      return { status: 200, body: { data: core.faults.list() } };
    case 'POST /faults': {
      const fault = parse(faultSchema, withDefaultKind(body));
      const { kind, times, path: pattern, ...rest } = fault;
      const common = { ...rest, times: times === null ? Infinity : (times ?? 1), ...(pattern !== undefined ? { path: new RegExp(pattern) } : {}) };
      const id =
        kind === 'error'
          ? core.faults.inject({ ...common, status: fault.status })
          : kind === 'delay'
            ? core.faults.delay({ ...common, ms: fault.ms })
            : core.faults.dropConnection(common);
      return { status: 200, body: { id, data: core.faults.list() } };
    }
    case 'DELETE /faults':
      core.faults.clear();
      return { status: 200, body: { data: [] } };
    case 'POST /rate_limit': {
      const limit = parse(rateLimitSchema, body);
      core.faults.rateLimit(limit.perSecond === null ? null : { perSecond: limit.perSecond, ...(limit.burst ? { burst: limit.burst } : {}) });
      return { status: 200, body: limit };
    }
    case 'POST /webhook': {
      const target = core.configureWebhook(parse(webhookSchema, body));
      return { status: 200, body: target };
    }
    case 'DELETE /webhook':
      core.configureWebhook(null);
      return { status: 200, body: null };
    case 'GET /webhook/deliveries':
      await core.webhooks.idle();
      return { status: 200, body: { data: core.webhooks.deliveries() } };
    case 'POST /clock/advance': {
      const { seconds } = parse(clockSchema, body);
      core.clock.advance(seconds * 1000);
      return { status: 200, body: { now: core.clock.unixNow() } };
    }
    case 'GET /clock':
      return { status: 200, body: { now: core.clock.unixNow() } };
    case 'GET /payment_behaviours':
      return { status: 200, body: paymentBehavioursOf(core.state) };
    case 'POST /payment_behaviours': {
      const { customer, behaviour } = parse(paymentBehaviourSchema, body);
      if (behaviour === null) core.state.paymentBehaviours.delete(customer);
      else {
        try {
          core.state.paymentBehaviours.set(customer, parsePaymentBehaviour(behaviour));
        } catch (error) {
          if (error instanceof RangeError) throw new ControlRequestError(error.message, { cause: error });
          throw error;
        }
      }
      return { status: 200, body: paymentBehavioursOf(core.state) };
    }
    case 'POST /payments/collect':
      return { status: 200, body: collectDuePayments(ctx) };
  }
  if (method === 'POST' && (match = /^\/_emulator\/events\/([^/]+)\/resend$/.exec(path))) {
    const { tamper } = parse(resendSchema, body ?? {});
    const event = findOr404(core.state.events, decodeURIComponent(match[1] ?? ''), 'event');
    return { status: 200, body: await core.webhooks.resend(snapshot(event), tamper ?? null) };
  }
  if (method === 'POST' && (match = /^\/_emulator\/invoices\/([^/]+)\/(payment_failure|pay|void)$/.exec(path))) {
    const invoice = findOr404(core.state.invoices, decodeURIComponent(match[1] ?? ''), 'invoice');
    const change = match[2] === 'pay' ? payOutOfBand : match[2] === 'void' ? voidInvoice : recordPaymentFailure;
    change(ctx, invoice);
    return { status: 200, body: renderInvoice(core.state, invoice) };
  }
  if (method === 'GET' && (match = /^\/_emulator\/hosted\/([^/]+)(\/pdf)?$/.exec(path))) {
    const id = decodeURIComponent(match[1] ?? '');
    const invoice = core.state.invoices.get(id);
    const document = invoice ? renderInvoice(core.state, invoice) : core.state.creditNotes.get(id);
    if (!document) return { status: 404, body: { error: `No invoice or credit note ${id}` } };
    return { status: 200, body: document };
  }
  return undefined;
}

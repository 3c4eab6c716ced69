// How the emulator's customers pay, when it is asked to collect: nobody pays
// an invoice on a developer machine, so without this every invoice of a
// local walk would drift into "past due". Each open invoice is collected at
// a time its customer's behaviour gives, on the emulated clock:
//
// - `on-time`: paid on its due date (`send_invoice`), or at finalization for
//   an automatically charged invoice (no due date);
// - `late` (N days): paid N days after that;
// - `fails`: the payment fails then (`invoice.payment_failed`), once, and the
//   invoice stays open;
// - `never`: left open.
//
// A paid invoice sends `invoice.payment_succeeded` and `invoice.paid`, a
// failed one `invoice.payment_failed`, exactly as the API's own `pay` does.
import { markPaid, recordPaymentFailure } from './resources/invoice-model';
import type { PaymentBehaviour } from './payment-behaviour';
import type { HandlerContext } from './router';
import type { EmulatorState } from './state';
import type { InvoiceObject } from './wire-types';

/**
 * A customer's behaviour: set for its Stripe id (`cus_…`), else for the
 * engine's customer id it carries in `metadata.customerId`, else the default.
 */
export function behaviourOf(state: EmulatorState, invoice: InvoiceObject): PaymentBehaviour {
  const customerId = typeof invoice.customer === 'string' ? invoice.customer : undefined;
  const byStripeId = customerId === undefined ? undefined : state.paymentBehaviours.get(customerId);
  if (byStripeId) return byStripeId;
  const engineId = customerId === undefined ? undefined : state.customers.get(customerId)?.metadata?.['customerId'];
  const byEngineId = typeof engineId === 'string' ? state.paymentBehaviours.get(engineId) : undefined;
  return byEngineId ?? state.paymentCollection.defaultBehaviour;
}

/** When an open invoice is collected (unix seconds), or undefined when it never will be (or already failed as it should). */
export function collectionTimeOf(state: EmulatorState, invoice: InvoiceObject): number | undefined {
  if (!state.paymentCollection.enabled || invoice.status !== 'open') return undefined;
  const behaviour = behaviourOf(state, invoice);
  const base = invoice.due_date ?? invoice.status_transitions.finalized_at;
  if (base === null || base === undefined) return undefined;
  switch (behaviour.kind) {
    case 'on-time':
      return base;
    case 'late':
      return base + behaviour.days * 86_400;
    case 'fails':
      // One failed attempt; a failure recorded otherwise (a declined charge) counts as it.
      return invoice.attempt_count > 0 ? undefined : base;
    case 'never':
      return undefined;
  }
}

/** The earliest collection strictly after `afterUnix`, if any. */
export function nextCollectionAfter(state: EmulatorState, afterUnix: number): number | undefined {
  let next: number | undefined;
  for (const invoice of state.invoices.oldestFirst()) {
    const at = collectionTimeOf(state, invoice);
    if (at !== undefined && at > afterUnix && (next === undefined || at < next)) next = at;
  }
  return next;
}

export interface CollectionResult {
  readonly paid: string[];
  readonly failed: string[];
}

/** Collects every open invoice whose time has come, oldest first. */
export function collectDuePayments(ctx: HandlerContext): CollectionResult {
  const now = ctx.state.clock.unixNow();
  const result: CollectionResult = { paid: [], failed: [] };
  for (const invoice of ctx.state.invoices.oldestFirst()) {
    const at = collectionTimeOf(ctx.state, invoice);
    if (at === undefined || at > now) continue;
    if (behaviourOf(ctx.state, invoice).kind === 'fails') {
      recordPaymentFailure(ctx, invoice);
      result.failed.push(invoice.id);
    } else {
      markPaid(ctx, invoice, { charged: true });
      result.paid.push(invoice.id);
    }
  }
  return result;
}

/** What the emulator is set to: whether it collects, the default behaviour and the customers' own. */
export function paymentBehavioursOf(state: EmulatorState): {
  readonly collecting: boolean;
  readonly defaultBehaviour: PaymentBehaviour;
  readonly customers: Record<string, PaymentBehaviour>;
} {
  return {
    collecting: state.paymentCollection.enabled,
    defaultBehaviour: state.paymentCollection.defaultBehaviour,
    customers: Object.fromEntries([...state.paymentBehaviours].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  };
}

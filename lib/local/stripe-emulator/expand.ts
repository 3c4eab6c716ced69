// `expand[]`: replaces an id field with the object it names (`customer`,
// `invoice`), or does so on every element of a list (`data.customer`).
import { stripeErrors } from './errors';
import { snapshot } from './resources/common';
import { renderInvoice } from './resources/invoice-model';
import type { RouteDefinition } from './router';
import type { EmulatorState } from './state';

/** Rejects expansions the route does not offer, before anything executes. */
export function checkExpandable(route: RouteDefinition, expand: ReadonlyArray<string> | undefined): void {
  for (const path of expand ?? []) {
    if (!(route.expandable ?? []).includes(path)) {
      throw stripeErrors.invalidParam('expand', `This property cannot be expanded (${path}).`);
    }
  }
}

export function applyExpansions(body: unknown, expand: ReadonlyArray<string> | undefined, state: EmulatorState): unknown {
  if (!expand || expand.length === 0 || body === null || typeof body !== 'object') return body;
  const out = body as Record<string, unknown>;
  for (const path of expand) {
    if (path.startsWith('data.') && Array.isArray(out.data)) {
      const field = path.slice('data.'.length);
      for (const element of out.data as Array<Record<string, unknown>>) expandField(element, field, state);
    } else {
      expandField(out, path, state);
    }
  }
  return out;
}

function expandField(target: Record<string, unknown>, field: string, state: EmulatorState): void {
  const id = target[field];
  if (typeof id !== 'string') return;
  if (field === 'customer') {
    const customer = state.customers.get(id);
    target[field] = customer ? snapshot(customer) : { id, object: 'customer', deleted: true };
  } else if (field === 'invoice') {
    const invoice = state.invoices.get(id);
    target[field] = invoice ? renderInvoice(state, invoice) : { id, object: 'invoice', deleted: true };
  }
}

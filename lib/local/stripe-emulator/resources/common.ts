// Helpers shared by the resource routes.
import { z } from 'zod';
import { stripeErrors } from '../errors';
import type { Collection } from '../collection';
import { paginate, type PageRequest } from '../pagination';
import { formExpand } from '../params';
import { defineRoute, type HandlerContext, type RouteDefinition } from '../router';
import type { EmulatorState } from '../state';

/** The schema of a route that takes nothing but `expand[]`. */
export const expandOnly = z.strictObject({ expand: formExpand() });

/** The collections a resource's objects are stored in, by the name Stripe's 404 gives them. */
type StoredCollection = 'customers' | 'invoiceItems' | 'invoices' | 'creditNotes' | 'events';
type StoredObject<C extends StoredCollection> = EmulatorState[C] extends Collection<infer T> ? T : never;

/**
 * `GET /v1/<resource>/:id`: the stored object as `render` shows it (a
 * snapshot by default), or Stripe's resource_missing 404 naming `noun`.
 */
export function retrieveRoute<C extends StoredCollection>(route: {
  path: string;
  collection: C;
  noun: string;
  expandable?: ReadonlyArray<string>;
  render?: (object: StoredObject<C>, ctx: HandlerContext) => unknown;
}): RouteDefinition {
  const render = route.render ?? snapshot;
  return defineRoute({
    method: 'GET',
    path: route.path,
    schema: expandOnly,
    expandable: route.expandable ?? [],
    handle(_input, ctx, { id = '' }) {
      return { body: render(findOr404(stored(ctx, route.collection), id, route.noun), ctx) };
    },
  });
}

function stored<C extends StoredCollection>(ctx: HandlerContext, collection: C): Collection<StoredObject<C>> {
  return ctx.state[collection] as unknown as Collection<StoredObject<C>>;
}

/** What a DELETE answers, as Stripe does: the id, the object's type and `deleted: true`. */
export function deletedObject(id: string, object: string): { body: { id: string; object: string; deleted: true } } {
  return { body: { id, object, deleted: true } };
}

/**
 * Merges a metadata update the way Stripe does: `null` (from `metadata=`)
 * clears everything, an empty value removes that key, others are set.
 */
export function mergeMetadata(
  current: Record<string, string> | null | undefined,
  update: Record<string, string> | null | undefined,
): Record<string, string> {
  if (update === undefined) return { ...(current ?? {}) };
  if (update === null) return {};
  const merged: Record<string, string> = { ...(current ?? {}) };
  for (const [key, value] of Object.entries(update)) {
    if (value === '') delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

export function findOr404<T extends { id: string }>(
  collection: Collection<T>,
  id: string,
  noun: string,
  param = 'id',
): T {
  const found = collection.get(id);
  if (!found) throw stripeErrors.resourceMissing(id, noun, param);
  return found;
}

/** A deep copy, so events and responses keep the state they had when produced. */
export function snapshot<T>(value: T): T {
  return structuredClone(value);
}

/** Stripe's `previous_attributes`: the old values of the top-level fields that changed. */
export function changedAttributes(before: object, after: object): Record<string, unknown> {
  const previous: Record<string, unknown> = {};
  const a = before as Record<string, unknown>;
  const b = after as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) previous[key] = a[key] ?? null;
  }
  return previous;
}

/**
 * `GET /v1/<resource>`: the stored objects `matches` keeps, newest first, one
 * page of them (Stripe's cursor rules), each as `render` shows it (a snapshot
 * by default).
 */
export function listRoute<C extends StoredCollection, S extends z.ZodType<PageRequest>>(route: {
  path: string;
  collection: C;
  noun: string;
  schema: S;
  expandable?: ReadonlyArray<string>;
  matches: (object: StoredObject<C>, input: z.output<S>) => boolean;
  render?: (object: StoredObject<C>, ctx: HandlerContext) => unknown;
}): RouteDefinition {
  const render = route.render ?? snapshot;
  return defineRoute({
    method: 'GET',
    path: route.path,
    schema: route.schema,
    expandable: route.expandable ?? [],
    handle(input, ctx) {
      const matches = stored(ctx, route.collection).newestFirst((object) => route.matches(object, input));
      const page = paginate(matches, input, route.path, route.noun);
      return { body: { ...page, data: page.data.map((object) => render(object, ctx)) } };
    },
  });
}

// Helpers shared by the resource routes.
import { stripeErrors } from '../errors';
import type { Collection } from '../collection';

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

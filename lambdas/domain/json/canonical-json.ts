/**
 * The one canonical JSON: object keys sorted (by UTF-16 code unit) at every
 * level, arrays in their order, no whitespace, `undefined` members dropped as
 * JSON.stringify drops them. Equal content always gives the same text, so it is
 * what content hashes, idempotency comparisons and "did this change?" checks use.
 *
 * Stored hashes depend on this exact text (plan and contract content hashes in
 * the engine table): changing the output changes every stored hash.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, sortKeys);
}

function sortKeys(_key: string, inner: unknown): unknown {
  if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
  const entries = Object.entries(inner as Record<string, unknown>);
  // The ledger canonicalises every outcome's attributes on ingest, and they
  // usually arrive sorted already: an object whose keys are in order is
  // written as it is, the same text without a copy.
  if (keysInOrder(entries)) return inner;
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function keysInOrder(entries: ReadonlyArray<readonly [string, unknown]>): boolean {
  for (let index = 1; index < entries.length; index += 1) {
    if ((entries[index - 1] as readonly [string, unknown])[0] > (entries[index] as readonly [string, unknown])[0]) return false;
  }
  return true;
}

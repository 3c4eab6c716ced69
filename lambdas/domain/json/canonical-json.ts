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
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
    return Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

// Every identifier the engine hands Stripe is derived from what it names
// (contract, period, line, revision), never random: a retry or a re-run days
// later produces the same key and the same metadata, so nothing is billed twice.

/** Stripe refuses idempotency keys longer than 255 characters. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = (1n << 64n) - 1n;

/** FNV-1a 64-bit over the UTF-16 code units: a stable, dependency-free digest for shortening keys. */
export function stableDigest(text: string): string {
  let hash = FNV_OFFSET;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= BigInt(text.charCodeAt(index));
    hash = (hash * FNV_PRIME) & MASK_64;
  }
  return hash.toString(16).padStart(16, '0');
}

/** Joins parts into a key; a key that would be too long keeps a readable prefix plus a digest of the whole. */
export function boundedKey(parts: readonly (string | number)[], maxLength = MAX_IDEMPOTENCY_KEY_LENGTH): string {
  const full = parts.map(String).join(':');
  if (full.length <= maxLength) return full;
  const digest = stableDigest(full);
  return `${full.slice(0, maxLength - digest.length - 1)}~${digest}`;
}

/** The invoice record of one (contract, period, revision). */
export function invoiceRecordIdOf(contractId: string, periodId: string, revision: number): string {
  return boundedKey(['oe', contractId, periodId, `r${revision}`], 200);
}

/** The correction (adjustment and/or credit note) number `sequence` of an invoiced period. */
export function correctionIdOf(contractId: string, periodId: string, sequence: number): string {
  return boundedKey(['oe', contractId, periodId, 'correction', sequence], 200);
}

export const stripeKeys = {
  /** Generation 1 keeps the key of earlier releases; later generations get a key of their own. */
  customer: (customerId: string, generation = 1): string =>
    // The generation goes before the id, so no customer id can make two keys alike.
    boundedKey(generation === 1 ? ['oe', 'customer', customerId] : ['oe', `customer-g${generation}`, customerId]),
  invoice: (invoiceRecordId: string): string => boundedKey([invoiceRecordId, 'invoice']),
  invoiceItem: (invoiceRecordId: string, lineId: string): string => boundedKey([invoiceRecordId, 'item', lineId]),
  finalize: (invoiceRecordId: string): string => boundedKey([invoiceRecordId, 'finalize']),
  creditNote: (correctionId: string): string => boundedKey([correctionId, 'credit-note']),
};

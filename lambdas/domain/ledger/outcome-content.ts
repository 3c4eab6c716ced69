import { createHash } from 'node:crypto';
import type { LedgerEntry } from './ledger-entries';

// Duplicate or conflict? Two entries under the same key are the same outcome
// when their canonical content matches. Content is what the producer said,
// normalised (quantity "1.0" == 1, occurredAt as an instant, attributes with
// sorted keys); it excludes what the ledger adds (recordedAt, the billable
// rule and attribution at the time) and the envelope (source, event id), so
// the same outcome sent by two producers, or resent later, is one outcome.

/** Canonical content of an entry as one string (JSON array, fixed field order). */
export function canonicalContent(entry: LedgerEntry): string {
  switch (entry.kind) {
    case 'recorded':
      return JSON.stringify([
        'recorded',
        entry.outcomeId,
        entry.customerId,
        entry.metric,
        entry.quantity,
        entry.value?.amount ?? null,
        entry.value?.currency ?? null,
        entry.occurredAtMs,
        entry.attributesJson ?? null,
      ]);
    case 'reversed':
      return JSON.stringify(['reversed', entry.outcomeId, entry.reason]);
    case 'corrected':
      return JSON.stringify([
        'corrected',
        entry.outcomeId,
        entry.correctionId,
        entry.quantity ?? null,
        entry.value?.amount ?? null,
        entry.value?.currency ?? null,
        entry.reason,
      ]);
    case 'verified':
      return JSON.stringify(['verified', entry.outcomeId, entry.verifiedAtMs ?? null]);
    case 'disputed':
      return JSON.stringify(['disputed', entry.outcomeId, entry.sequence, entry.disputeId, entry.reason, entry.raisedBy, entry.hold]);
    case 'dispute-resolved':
      return JSON.stringify(['dispute-resolved', entry.outcomeId, entry.sequence, entry.disputeId, entry.upheld, entry.note, entry.resolvedBy]);
    default: {
      const unknown: never = entry;
      throw new TypeError(`unknown ledger entry ${JSON.stringify(unknown)}`);
    }
  }
}

/** SHA-256 (base64url) of the canonical content. */
export function contentHash(entry: LedgerEntry): string {
  return createHash('sha256').update(canonicalContent(entry)).digest('base64url');
}

export function sameContent(stored: LedgerEntry, incoming: LedgerEntry): boolean {
  return contentHash(stored) === contentHash(incoming);
}

/** Names the fields that differ, for a conflict message a producer can act on. */
export function describeContentDifference(stored: LedgerEntry, incoming: LedgerEntry): string {
  const a = JSON.parse(canonicalContent(stored)) as unknown[];
  const b = JSON.parse(canonicalContent(incoming)) as unknown[];
  const names = FIELD_NAMES[incoming.kind];
  const differing = names.filter((_, index) => JSON.stringify(a[index]) !== JSON.stringify(b[index]));
  return differing.length > 0 ? differing.join(', ') : 'kind';
}

const FIELD_NAMES: Record<LedgerEntry['kind'], readonly string[]> = {
  recorded: ['kind', 'outcomeId', 'customerId', 'metric', 'quantity', 'value.amount', 'value.currency', 'occurredAt', 'attributes'],
  reversed: ['kind', 'outcomeId', 'reason'],
  corrected: ['kind', 'outcomeId', 'correctionId', 'quantity', 'value.amount', 'value.currency', 'reason'],
  verified: ['kind', 'outcomeId', 'verifiedAt'],
  disputed: ['kind', 'outcomeId', 'sequence', 'disputeId', 'reason', 'raisedBy', 'hold'],
  'dispute-resolved': ['kind', 'outcomeId', 'sequence', 'disputeId', 'upheld', 'note', 'resolvedBy'],
};

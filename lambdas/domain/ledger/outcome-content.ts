import { createHash } from 'node:crypto';
import { canonicalJson } from '../json/canonical-json';
import type { LedgerEntry } from './ledger-entries';

// Duplicate or conflict? Two entries under the same key are the same outcome
// when their canonical content matches. Content is what the producer said,
// normalised (quantity "1.0" == 1, occurredAt as an instant, attributes with
// sorted keys); it excludes what the ledger adds (recordedAt, the billable
// rule, definition version and attribution at the time) and the envelope (source, event id), so
// the same outcome sent by two producers, or resent later, is one outcome.

/**
 * Canonical content of an entry as one string: canonicalJson of a fixed-order
 * array per kind. Its elements are strings, numbers and null (the attributes
 * already canonical text), so the bytes are those stored hashes were made
 * from; test/unit/lambdas/domain/json/ledger-canonical-forms.test.ts pins them.
 */
export function canonicalContent(entry: LedgerEntry): string {
  switch (entry.kind) {
    case 'recorded':
      return canonicalJson([
        'recorded',
        entry.outcomeId,
        entry.customerId,
        entry.metric,
        entry.quantity,
        entry.value?.amount ?? null,
        entry.value?.currency ?? null,
        entry.occurredAtMs,
        entry.attributesJson ?? null,
        // Appended only when present, so the content (and hash) of outcomes without evidence is as it always was.
        ...(entry.evidence === undefined ? [] : [entry.evidence.reference, entry.evidence.sha256 ?? null, entry.evidence.summary]),
      ]);
    case 'reversed':
      return canonicalJson(['reversed', entry.outcomeId, entry.reason]);
    case 'corrected':
      return canonicalJson([
        'corrected',
        entry.outcomeId,
        entry.correctionId,
        entry.quantity ?? null,
        entry.value?.amount ?? null,
        entry.value?.currency ?? null,
        entry.reason,
      ]);
    case 'verified':
      return canonicalJson([
        'verified',
        entry.outcomeId,
        entry.verifiedAtMs ?? null,
        // Appended only when present, so the content (and hash) of verifications without it is as it always was.
        ...(entry.verifiedBy === undefined ? [] : [entry.verifiedBy.kind, entry.verifiedBy.id ?? null, entry.verifiedBy.method ?? null]),
      ]);
    case 'disputed':
      return canonicalJson(['disputed', entry.outcomeId, entry.sequence, entry.disputeId, entry.reason, entry.raisedBy, entry.hold]);
    case 'dispute-resolved':
      return canonicalJson(['dispute-resolved', entry.outcomeId, entry.sequence, entry.disputeId, entry.upheld, entry.note, entry.resolvedBy]);
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
  recorded: [
    'kind',
    'outcomeId',
    'customerId',
    'metric',
    'quantity',
    'value.amount',
    'value.currency',
    'occurredAt',
    'attributes',
    'evidence.reference',
    'evidence.sha256',
    'evidence.summary',
  ],
  reversed: ['kind', 'outcomeId', 'reason'],
  corrected: ['kind', 'outcomeId', 'correctionId', 'quantity', 'value.amount', 'value.currency', 'reason'],
  verified: ['kind', 'outcomeId', 'verifiedAt', 'verifiedBy.kind', 'verifiedBy.id', 'verifiedBy.method'],
  disputed: ['kind', 'outcomeId', 'sequence', 'disputeId', 'reason', 'raisedBy', 'hold'],
  'dispute-resolved': ['kind', 'outcomeId', 'sequence', 'disputeId', 'upheld', 'note', 'resolvedBy'],
};

import type { CatalogSnapshot } from './catalog';
import type { AdjustmentEntry, LedgerEntry, RecordedEntry } from './ledger-entries';
import { describeContentDifference, sameContent } from './outcome-content';
import { valueCurrencyProblem } from './prepare-outcome-message';
import type { AdjustmentRequest } from './prepared-message';
import type { RejectionCode } from './rejection-codes';

// Reversals, corrections and verifications are new entries next to the
// outcome they adjust. Whether one may be written depends on what the
// outcome's partition already holds; this decides it from that list alone.

export type AdjustmentDecision =
  | { readonly kind: 'write'; readonly entry: AdjustmentEntry }
  | { readonly kind: 'duplicate'; readonly entry: AdjustmentEntry }
  | { readonly kind: 'reject'; readonly code: RejectionCode; readonly message: string };

const VERB: Record<AdjustmentRequest['kind'], string> = {
  reversed: 'reversal',
  corrected: 'correction',
  verified: 'verification',
};

/** The adjustment entry a request makes, copying the outcome's customer, metric and occurredAt. */
export function buildAdjustmentEntry(request: AdjustmentRequest, original: RecordedEntry): AdjustmentEntry {
  const base = {
    outcomeId: original.outcomeId,
    customerId: original.customerId,
    metric: original.metric,
    occurredAtMs: original.occurredAtMs,
    recordedAtMs: request.recordedAtMs,
  };
  switch (request.kind) {
    case 'reversed':
      return { ...base, kind: 'reversed', reason: request.reason };
    case 'corrected':
      return {
        ...base,
        kind: 'corrected',
        correctionId: request.correctionId,
        quantity: request.quantity,
        value: request.value,
        reason: request.reason,
      };
    case 'verified':
      return { ...base, kind: 'verified', verifiedAtMs: request.verifiedAtMs, verifiedBy: request.verifiedBy };
    default: {
      const unknown: never = request;
      throw new TypeError(`unknown adjustment ${JSON.stringify(unknown)}`);
    }
  }
}

/** Same entry key? (one reversal and one verification per outcome; corrections keyed by correctionId) */
function sameKey(a: AdjustmentEntry, b: AdjustmentEntry): boolean {
  if (a.kind !== b.kind) return false;
  return a.kind !== 'corrected' || a.correctionId === (b as typeof a).correctionId;
}

/**
 * An adjustment that finds its key already taken: an exact resend is a
 * duplicate; anything else is refused and the stored entry stays.
 */
export function resolveTakenAdjustmentKey(
  stored: AdjustmentEntry,
  incoming: AdjustmentEntry,
): { kind: 'duplicate' } | { kind: 'reject'; code: RejectionCode; message: string } {
  if (sameContent(stored, incoming)) return { kind: 'duplicate' };
  if (incoming.kind === 'reversed') {
    return {
      kind: 'reject',
      code: 'ALREADY_REVERSED',
      message: `outcome "${incoming.outcomeId}" was already reversed on ${new Date(stored.recordedAtMs).toISOString()} with another reason; the first reversal stands`,
    };
  }
  const which = incoming.kind === 'corrected' ? `correction "${incoming.correctionId}"` : 'verification';
  return {
    kind: 'reject',
    code: 'OUTCOME_CONFLICT',
    message: `${which} of outcome "${incoming.outcomeId}" was already recorded with different content (${describeContentDifference(stored, incoming)}); the first one stands`,
  };
}

export function decideAdjustment(
  request: AdjustmentRequest,
  existing: readonly LedgerEntry[],
  catalog: CatalogSnapshot,
): AdjustmentDecision {
  let original: RecordedEntry | undefined;
  let reversal: AdjustmentEntry | undefined;
  for (const entry of existing) {
    if (entry.kind === 'recorded') original = entry;
    else if (entry.kind === 'reversed') reversal = entry;
  }
  if (original === undefined) {
    return {
      kind: 'reject',
      code: 'UNKNOWN_OUTCOME',
      message: `no outcome "${request.outcomeId}" has been recorded, so this ${VERB[request.kind]} has nothing to apply to (send "Outcome Recorded" first)`,
    };
  }
  const entry = buildAdjustmentEntry(request, original);
  const taken = existing.find(
    (stored): stored is AdjustmentEntry => stored.kind !== 'recorded' && sameKey(stored, entry),
  );
  if (taken !== undefined) {
    const resolution = resolveTakenAdjustmentKey(taken, entry);
    return resolution.kind === 'duplicate' ? { kind: 'duplicate', entry: taken } : resolution;
  }
  if (reversal !== undefined) {
    return {
      kind: 'reject',
      code: 'ALREADY_REVERSED',
      message: `outcome "${request.outcomeId}" was reversed on ${new Date(reversal.recordedAtMs).toISOString()}; a reversed outcome cannot be ${request.kind === 'reversed' ? 'reversed again' : request.kind}`,
    };
  }
  if (entry.kind === 'corrected') {
    const metric = catalog.metrics.get(original.metric);
    const problem = metric === undefined ? undefined : valueCurrencyProblem(metric, entry.value);
    if (problem !== undefined) return { kind: 'reject', code: 'INVALID_FIELD', message: problem };
  }
  return { kind: 'write', entry };
}

import type { MetricDefinition } from '../ledger/catalog';
import {
  definitionVersionOf,
  type DisputeOpenedEntry,
  type DisputeResolvedEntry,
  type LedgerEntry,
  type RecordedEntry,
  type ReversalEntry,
} from '../ledger/ledger-entries';
import { disputeTermsFor } from './dispute-terms';

// Whether a dispute may be opened on an outcome, and what deciding it writes,
// from the outcome's own entries alone (read strongly consistent just
// before). Each outcome of a bulk dispute is decided on its own: the good
// ones open, each bad one is refused with a code and a sentence.
//
// The dispute window runs from the outcome's occurredAt, not from the
// invoice date: occurredAt is on the outcome itself, the same for every
// reader, and known before any invoice exists (an outcome is disputable
// while its period is still open).

const DAY_MS = 86_400_000;

export const DISPUTE_REFUSAL_CODES = [
  'UNKNOWN_OUTCOME',
  'OUTSIDE_DISPUTE_WINDOW',
  'ALREADY_REVERSED',
  'DISPUTE_ALREADY_OPEN',
  'NAMED_TWICE',
] as const;
export type DisputeRefusalCode = (typeof DISPUTE_REFUSAL_CODES)[number];

export const RESOLUTION_REFUSAL_CODES = ['NOT_IN_DISPUTE', 'ALREADY_DECIDED'] as const;
export type ResolutionRefusalCode = (typeof RESOLUTION_REFUSAL_CODES)[number];

export interface OpenDisputeRequest {
  readonly disputeId: string;
  readonly outcomeId: string;
  readonly reason: string;
  readonly raisedBy: string;
  /** The ledger's clock: the dispute's recordedAt and the end of the window check. */
  readonly nowMs: number;
}

export type OpenDecision =
  | { readonly kind: 'open'; readonly entry: DisputeOpenedEntry }
  /** This dispute already names this outcome (a resend): nothing to write. */
  | { readonly kind: 'duplicate'; readonly entry: DisputeOpenedEntry }
  | { readonly kind: 'refuse'; readonly outcomeId: string; readonly code: DisputeRefusalCode; readonly message: string };

const iso = (ms: number) => new Date(ms).toISOString();

function partsOf(entries: readonly LedgerEntry[]) {
  let original: RecordedEntry | undefined;
  let reversal: ReversalEntry | undefined;
  const opened: DisputeOpenedEntry[] = [];
  const decided = new Map<number, DisputeResolvedEntry>();
  for (const entry of entries) {
    if (entry.kind === 'recorded') original = entry;
    else if (entry.kind === 'reversed') reversal = entry;
    else if (entry.kind === 'disputed') opened.push(entry);
    else if (entry.kind === 'dispute-resolved') decided.set(entry.sequence, entry);
  }
  opened.sort((a, b) => a.sequence - b.sequence);
  return { original, reversal, opened, decided };
}

/**
 * Decides one outcome of a dispute. `metricOf` gives the catalog's
 * definition of the outcome's metric (its dispute terms), undefined when the
 * catalog no longer lists it. `pinnedVersionOf` gives the definition version
 * the customer's contract pins for the outcome, whose dispute window and
 * hold/bill terms then apply instead of the recorded version's.
 */
export function decideDisputeOpening(
  request: OpenDisputeRequest,
  existing: readonly LedgerEntry[],
  metricOf: (metric: string) => (Pick<MetricDefinition, 'dispute'> & Partial<MetricDefinition>) | undefined,
  pinnedVersionOf: (original: RecordedEntry) => number | undefined = () => undefined,
): OpenDecision {
  const { outcomeId } = request;
  const { original, reversal, opened, decided } = partsOf(existing);
  const refuse = (code: DisputeRefusalCode, message: string): OpenDecision => ({ kind: 'refuse', outcomeId, code, message });
  if (original === undefined) return refuse('UNKNOWN_OUTCOME', `no outcome "${outcomeId}" has been recorded, so there is nothing to dispute`);
  const resend = opened.find((entry) => entry.disputeId === request.disputeId);
  if (resend !== undefined) return { kind: 'duplicate', entry: resend };
  if (reversal !== undefined) {
    return refuse(
      'ALREADY_REVERSED',
      `outcome "${outcomeId}" was reversed on ${iso(reversal.recordedAtMs)} ("${reversal.reason}"); it no longer counts, so there is nothing to dispute`,
    );
  }
  const open = opened.find((entry) => !decided.has(entry.sequence));
  if (open !== undefined) {
    return refuse(
      'DISPUTE_ALREADY_OPEN',
      `outcome "${outcomeId}" is already disputed by "${open.disputeId}" (opened ${iso(open.recordedAtMs)}); wait for its decision`,
    );
  }
  const pinned = pinnedVersionOf(original);
  const terms = disputeTermsFor(metricOf(original.metric), original.occurredAtMs, pinned ?? definitionVersionOf(original));
  const closesAtMs = original.occurredAtMs + terms.windowDays * DAY_MS;
  if (request.nowMs > closesAtMs) {
    return refuse(
      'OUTSIDE_DISPUTE_WINDOW',
      `outcome "${outcomeId}" occurred on ${iso(original.occurredAtMs)}; outcomes of "${original.metric}" may be disputed for ` +
        `${terms.windowDays} days after they occur, so until ${iso(closesAtMs)}` +
        (pinned !== undefined ? ` (definition version ${pinned}, which the customer's contract pins)` : ''),
    );
  }
  return {
    kind: 'open',
    entry: {
      kind: 'disputed',
      outcomeId,
      customerId: original.customerId,
      metric: original.metric,
      occurredAtMs: original.occurredAtMs,
      recordedAtMs: request.nowMs,
      sequence: (opened.at(-1)?.sequence ?? 0) + 1,
      disputeId: request.disputeId,
      reason: request.reason,
      raisedBy: request.raisedBy,
      hold: terms.whileOpen === 'hold',
    },
  };
}

/**
 * The outcome ids of a bulk dispute, each once: an id named again is refused
 * (NAMED_TWICE) and decided only at its first place.
 */
export function distinctOutcomeIds(outcomeIds: readonly string[]): { readonly ids: string[]; readonly refused: OpenDecision[] } {
  const seen = new Set<string>();
  const ids: string[] = [];
  const refused: OpenDecision[] = [];
  outcomeIds.forEach((outcomeId, index) => {
    if (seen.has(outcomeId)) {
      refused.push({ kind: 'refuse', outcomeId, code: 'NAMED_TWICE', message: `outcome "${outcomeId}" is named again at position ${index + 1}; it is disputed once` });
      return;
    }
    seen.add(outcomeId);
    ids.push(outcomeId);
  });
  return { ids, refused };
}

export interface ResolveDisputeRequest {
  readonly disputeId: string;
  readonly upheld: boolean;
  readonly note: string;
  readonly resolvedBy: string;
  readonly nowMs: number;
}

export type ResolutionDecision =
  | {
      readonly kind: 'resolve';
      readonly entry: DisputeResolvedEntry;
      /** Upheld on an outcome that still counts: the reversal to write (through the ledger's reversal path) once the decision is stored. */
      readonly reversalReason: string | undefined;
    }
  /** Already decided the same way (a resend, or a run cut off before its reversal): only the reversal, if still missing. */
  | { readonly kind: 'duplicate'; readonly entry: DisputeResolvedEntry; readonly reversalReason: string | undefined }
  | { readonly kind: 'refuse'; readonly outcomeId: string; readonly code: ResolutionRefusalCode; readonly message: string };

/** The reversal reason an upheld dispute writes: it names the dispute, so the ledger and the correction show why. */
export function upheldReversalReason(disputeId: string, note: string): string {
  return `dispute ${disputeId} upheld: ${note}`;
}

/** Decides one outcome of a dispute: open → upheld | rejected, once. */
export function decideDisputeResolution(request: ResolveDisputeRequest, outcomeId: string, existing: readonly LedgerEntry[]): ResolutionDecision {
  const { reversal, opened, decided } = partsOf(existing);
  const dispute = opened.find((entry) => entry.disputeId === request.disputeId);
  if (dispute === undefined) {
    return { kind: 'refuse', outcomeId, code: 'NOT_IN_DISPUTE', message: `dispute "${request.disputeId}" does not name outcome "${outcomeId}"` };
  }
  const previous = decided.get(dispute.sequence);
  if (previous !== undefined) {
    if (previous.upheld === request.upheld && previous.note === request.note) {
      return { kind: 'duplicate', entry: previous, reversalReason: reversalFor(previous, reversal) };
    }
    return {
      kind: 'refuse',
      outcomeId,
      code: 'ALREADY_DECIDED',
      message: `dispute "${request.disputeId}" of outcome "${outcomeId}" was already ${previous.upheld ? 'upheld' : 'rejected'} on ${iso(previous.recordedAtMs)}; a decision is final`,
    };
  }
  const entry: DisputeResolvedEntry = {
      kind: 'dispute-resolved',
      outcomeId,
      customerId: dispute.customerId,
      metric: dispute.metric,
      occurredAtMs: dispute.occurredAtMs,
      recordedAtMs: request.nowMs,
      sequence: dispute.sequence,
      disputeId: request.disputeId,
      upheld: request.upheld,
      note: request.note,
      resolvedBy: request.resolvedBy,
  };
  return { kind: 'resolve', entry, reversalReason: reversalFor(entry, reversal) };
}

/**
 * The decision is stored first (it claims the dispute's one decision key),
 * the reversal after it: a concurrent opposite decision can then never leave
 * a rejected dispute with its outcome reversed. An upheld decision already
 * keeps the outcome out of billing, so the moment between the two changes nothing billed.
 */
function reversalFor(decision: DisputeResolvedEntry, reversal: ReversalEntry | undefined): string | undefined {
  return decision.upheld && reversal === undefined ? upheldReversalReason(decision.disputeId, decision.note) : undefined;
}

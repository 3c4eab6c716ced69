import type { BillableRule } from './catalog';
import { IMPLICIT_DEFINITION_VERSION } from './outcome-definitions';
import type { OutcomeEvidence, OutcomeValue, VerifiedBy } from './outcome-events';

// What the ledger stores. Every entry is append-only and carries the
// original outcome's customer, metric and occurredAt, so an adjustment lands
// in the same usage partition as the outcome it adjusts and one usage query
// sees the outcome and everything that happened to it.

export type EntryKind = 'recorded' | 'reversed' | 'corrected' | 'verified' | 'disputed' | 'dispute-resolved';

interface EntryBase {
  readonly outcomeId: string;
  readonly customerId: string;
  readonly metric: string;
  /** Event time of the original outcome, epoch milliseconds. */
  readonly occurredAtMs: number;
  /** When the ledger recorded this entry (the ingest clock), epoch milliseconds. */
  readonly recordedAtMs: number;
}

export interface RecordedEntry extends EntryBase {
  readonly kind: 'recorded';
  /** Canonical non-negative decimal string. */
  readonly quantity: string;
  readonly value: OutcomeValue | undefined;
  /** Canonical JSON (sorted keys) of the attributes, or undefined. */
  readonly attributesJson: string | undefined;
  /** Where the buyer can check the outcome, as the producer sent it. */
  readonly evidence?: OutcomeEvidence | undefined;
  /** The billable rule of the definition version below, as the catalog had it when the outcome was recorded. */
  readonly billableRule: BillableRule;
  /** The metric's definition version in force at occurredAt when the outcome was recorded; absent means 1 (definitionVersionOf). */
  readonly definitionVersion?: number | undefined;
  /** False when the customer was not in the catalog when the outcome was recorded. */
  readonly attributed: boolean;
}

export interface ReversalEntry extends EntryBase {
  readonly kind: 'reversed';
  readonly reason: string;
}

export interface CorrectionEntry extends EntryBase {
  readonly kind: 'corrected';
  readonly correctionId: string;
  readonly quantity: string | undefined;
  readonly value: OutcomeValue | undefined;
  readonly reason: string;
}

export interface VerificationEntry extends EntryBase {
  readonly kind: 'verified';
  /** The producer's verifiedAt, when given (informational). */
  readonly verifiedAtMs: number | undefined;
  /** Who or what verified it, and how, when the producer said. */
  readonly verifiedBy?: VerifiedBy | undefined;
}

/**
 * A dispute of the outcome opened. `sequence` numbers the outcome's disputes
 * (1, 2, ...): the entry's key, so two disputes opened at once cannot both
 * claim the next one and an outcome never has two open disputes.
 */
export interface DisputeOpenedEntry extends EntryBase {
  readonly kind: 'disputed';
  readonly sequence: number;
  readonly disputeId: string;
  readonly reason: string;
  readonly raisedBy: string;
  /** The metric's terms when it was opened: true holds the outcome out of billing until resolved. */
  readonly hold: boolean;
}

/** The decision on a dispute of the outcome: keyed by the dispute's sequence, so it is taken once. */
export interface DisputeResolvedEntry extends EntryBase {
  readonly kind: 'dispute-resolved';
  readonly sequence: number;
  readonly disputeId: string;
  readonly upheld: boolean;
  readonly note: string;
  readonly resolvedBy: string;
}

export type DisputeEntry = DisputeOpenedEntry | DisputeResolvedEntry;

export type AdjustmentEntry = ReversalEntry | CorrectionEntry | VerificationEntry | DisputeEntry;
export type LedgerEntry = RecordedEntry | AdjustmentEntry;

/** The definition version an outcome was counted under (entries from before versions count under version 1). */
export function definitionVersionOf(entry: RecordedEntry): number {
  return entry.definitionVersion ?? IMPLICIT_DEFINITION_VERSION;
}

import type { CatalogSnapshot } from './catalog';
import type { RecordedEntry } from './ledger-entries';
import type { OutcomeValue, VerifiedBy } from './outcome-events';
import type { RejectionDraft } from './rejection';
import type { RejectionCode } from './rejection-codes';

// What the validate-and-key step of ingest works with and gives back, shared
// by the single-event path (prepare-outcome-message.ts) and the batch path
// (prepare-outcome-batch.ts), which depend on these types and not on each other.

export interface PrepareContext {
  /** The ingest clock; becomes recordedAt. */
  readonly nowMs: number;
  readonly catalog: CatalogSnapshot;
  /** Outcomes whose occurredAt is older than this are refused. */
  readonly backdatingWindowMs: number;
  /** Outcomes whose occurredAt is further ahead than this are refused (producer clock skew). */
  readonly maxFutureSkewMs: number;
}

export type AdjustmentRequest =
  | { readonly kind: 'reversed'; readonly outcomeId: string; readonly reason: string; readonly recordedAtMs: number }
  | {
      readonly kind: 'corrected';
      readonly outcomeId: string;
      readonly correctionId: string;
      readonly quantity: string | undefined;
      readonly value: OutcomeValue | undefined;
      readonly reason: string;
      readonly recordedAtMs: number;
    }
  | {
      readonly kind: 'verified';
      readonly outcomeId: string;
      readonly verifiedAtMs: number | undefined;
      readonly verifiedBy?: VerifiedBy | undefined;
      readonly recordedAtMs: number;
    };

export interface PreparedRejection {
  readonly kind: 'reject';
  readonly rejection: RejectionDraft;
  readonly rejectionId: string;
  /**
   * The entry the message would have recorded, for rejections that depend on
   * when or against which catalog the message is read (too old, unknown
   * metric): an exact resend of an outcome already recorded is still a
   * duplicate, not a rejection.
   */
  readonly candidate: RecordedEntry | undefined;
  /**
   * The body to store with the rejection when it is not the message's own:
   * for an item of an 'Outcomes Recorded' batch, that item alone as an
   * 'Outcome Recorded' event, so it can be inspected and resent by itself.
   */
  readonly body?: string;
}

/** A new outcome ready for its one conditional write, or its rejection. */
export type PreparedOutcome = { readonly kind: 'record'; readonly entry: RecordedEntry } | PreparedRejection;

/**
 * Who a rejection of an 'Outcome Recorded' detail is about: a whole message,
 * or one item of a batch (which gets its own id, body and a message that
 * names the event and the item's index).
 */
export type RejectOutcome = (code: RejectionCode, message: string, candidate?: RecordedEntry) => PreparedRejection;

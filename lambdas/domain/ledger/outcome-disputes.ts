import type { DisputeOpenedEntry, DisputeResolvedEntry, LedgerEntry } from './ledger-entries';

// The disputes of one outcome, read from its entries. A dispute is opened by
// one entry and decided by another with the same sequence number; neither is
// ever overwritten. An open dispute under 'hold' terms keeps the outcome out
// of billing; so does an upheld one under any terms (the reversal that follows it then makes
// it count zero everywhere), so there is no moment between the decision and
// the reversal in which the outcome would bill again.

export type DisputeStatus = 'open' | 'upheld' | 'rejected';
export const DISPUTE_STATUSES: readonly DisputeStatus[] = ['open', 'upheld', 'rejected'];

export interface OutcomeDisputeView {
  readonly disputeId: string;
  readonly sequence: number;
  readonly status: DisputeStatus;
  readonly reason: string;
  readonly raisedBy: string;
  readonly openedAt: string;
  /** Opened under terms that hold the outcome out of billing while open. */
  readonly hold: boolean;
  readonly resolution?: { readonly upheld: boolean; readonly note: string; readonly resolvedBy: string; readonly resolvedAt: string };
}

/** Whether a dispute keeps its outcome out of billing: while open under 'hold' terms, and once upheld (under any terms). */
export function disputeHolds(opened: Pick<DisputeOpenedEntry, 'hold'>, resolution: Pick<DisputeResolvedEntry, 'upheld'> | undefined): boolean {
  return resolution === undefined ? opened.hold : resolution.upheld;
}

export function statusOf(resolution: Pick<DisputeResolvedEntry, 'upheld'> | undefined): DisputeStatus {
  if (resolution === undefined) return 'open';
  return resolution.upheld ? 'upheld' : 'rejected';
}

/** The outcome's disputes known at asOfMs, oldest first, each with whether it holds the outcome out of billing. */
export function summarizeDisputes(entries: readonly LedgerEntry[], asOfMs: number): (OutcomeDisputeView & { readonly holds: boolean })[] {
  const opened = new Map<number, DisputeOpenedEntry>();
  const resolved = new Map<number, DisputeResolvedEntry>();
  for (const entry of entries) {
    if (entry.recordedAtMs > asOfMs) continue;
    if (entry.kind === 'disputed') opened.set(entry.sequence, entry);
    else if (entry.kind === 'dispute-resolved') resolved.set(entry.sequence, entry);
  }
  return [...opened.values()]
    .sort((a, b) => a.sequence - b.sequence)
    .map((entry) => {
      const resolution = resolved.get(entry.sequence);
      return {
        disputeId: entry.disputeId,
        sequence: entry.sequence,
        status: statusOf(resolution),
        reason: entry.reason,
        raisedBy: entry.raisedBy,
        openedAt: new Date(entry.recordedAtMs).toISOString(),
        hold: entry.hold,
        ...(resolution !== undefined
          ? {
              resolution: {
                upheld: resolution.upheld,
                note: resolution.note,
                resolvedBy: resolution.resolvedBy,
                resolvedAt: new Date(resolution.recordedAtMs).toISOString(),
              },
            }
          : {}),
        holds: disputeHolds(entry, resolution),
      };
    });
}

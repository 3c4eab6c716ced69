import { z } from 'zod';
import type { DisputeOpenedEntry, DisputeResolvedEntry } from '../ledger/ledger-entries';
import { InstantSchema } from '../periods/time-schemas';

// 'Dispute Opened' and 'Dispute Resolved': one event per outcome of a
// dispute, published after the entry is stored and again on every retry of
// the same request (at least once: consumers dedupe on disputeId + outcomeId).

const instant = InstantSchema;

const DisputedOutcomeFields = {
  schemaVersion: z.literal(1),
  disputeId: z.string().min(1),
  outcomeId: z.string().min(1),
  customerId: z.string().min(1),
  metric: z.string().min(1),
  occurredAt: instant,
};

export const DisputeOpenedDetailSchema = z
  .strictObject({
    ...DisputedOutcomeFields,
    reason: z.string().min(1),
    raisedBy: z.string().min(1),
    /** True when the metric's terms hold the outcome out of billing until the dispute is decided. */
    hold: z.boolean(),
    openedAt: instant,
  })
  .meta({ description: 'A dispute of one billed outcome was opened and stored in the ledger.' });
export type DisputeOpenedDetail = z.infer<typeof DisputeOpenedDetailSchema>;

export const DisputeResolvedDetailSchema = z
  .strictObject({
    ...DisputedOutcomeFields,
    decision: z.enum(['upheld', 'rejected']),
    note: z.string().min(1),
    resolvedBy: z.string().min(1),
    resolvedAt: instant,
  })
  .meta({ description: 'A dispute of one outcome was decided: upheld (the outcome is reversed and credited) or rejected (nothing changes).' });
export type DisputeResolvedDetail = z.infer<typeof DisputeResolvedDetailSchema>;

const iso = (ms: number) => new Date(ms).toISOString();

/** The fields both events take from the entry: which dispute of which outcome. */
function disputedOutcomeOf(entry: DisputeOpenedEntry | DisputeResolvedEntry) {
  return {
    schemaVersion: 1 as const,
    disputeId: entry.disputeId,
    outcomeId: entry.outcomeId,
    customerId: entry.customerId,
    metric: entry.metric,
    occurredAt: iso(entry.occurredAtMs),
  };
}

export function disputeOpenedDetail(entry: DisputeOpenedEntry): DisputeOpenedDetail {
  return {
    ...disputedOutcomeOf(entry),
    reason: entry.reason,
    raisedBy: entry.raisedBy,
    hold: entry.hold,
    openedAt: iso(entry.recordedAtMs),
  };
}

export function disputeResolvedDetail(entry: DisputeResolvedEntry): DisputeResolvedDetail {
  return {
    ...disputedOutcomeOf(entry),
    decision: entry.upheld ? 'upheld' : 'rejected',
    note: entry.note,
    resolvedBy: entry.resolvedBy,
    resolvedAt: iso(entry.recordedAtMs),
  };
}

// 'Outcome Adjustment Recorded': the ledger announces a change that may
// touch a period already invoiced, so billing can correct that period at once
// instead of waiting for the next close. A period closes at its end plus the
// close grace and rates what was recorded by then; an entry recorded at most
// `grace` after its outcome occurred was therefore recorded before that
// period's cutoff and is in its invoice. Only later entries are announced:
// late outcomes, and reversals, corrections and verifications of outcomes
// that occurred longer ago than the grace. Disputes are announced only when
// they change billing: opened under 'hold' terms, and their decisions.
import { z } from 'zod';
import { InstantSchema } from '../periods/time-schemas';
import type { LedgerEntry } from './ledger-entries';

export const OUTCOME_ADJUSTMENT_KINDS = ['late', 'reversed', 'corrected', 'verified', 'disputed', 'dispute-resolved'] as const;
export type OutcomeAdjustmentKind = (typeof OUTCOME_ADJUSTMENT_KINDS)[number];

const instant = InstantSchema;

export const OutcomeAdjustmentRecordedDetailSchema = z
  .strictObject({
    schemaVersion: z.literal(1),
    outcomeId: z.string().min(1).max(255),
    /** `late` for an outcome recorded after the grace; otherwise the adjustment's kind. */
    kind: z.enum(OUTCOME_ADJUSTMENT_KINDS),
    customerId: z.string().min(1),
    metric: z.string().min(1),
    /** The original outcome's event time: it decides which period changed. */
    occurredAt: instant,
    /** When the ledger recorded this entry: the period's correction must rate at least this far. */
    recordedAt: instant,
  })
  .meta({ description: 'A ledger entry recorded after the close grace of its outcome, which may change an invoiced period.' });
export type OutcomeAdjustmentRecordedDetail = z.infer<typeof OutcomeAdjustmentRecordedDetailSchema>;

/** The announcement for an entry that may change an invoiced period, or undefined when its period's close read it. */
export function adjustmentNoticeOf(entry: LedgerEntry, lateAfterMs: number): OutcomeAdjustmentRecordedDetail | undefined {
  if (entry.recordedAtMs - entry.occurredAtMs <= lateAfterMs) return undefined;
  if (entry.kind === 'disputed' && !entry.hold) return undefined;
  return {
    schemaVersion: 1,
    outcomeId: entry.outcomeId,
    kind: entry.kind === 'recorded' ? 'late' : entry.kind,
    customerId: entry.customerId,
    metric: entry.metric,
    occurredAt: new Date(entry.occurredAtMs).toISOString(),
    recordedAt: new Date(entry.recordedAtMs).toISOString(),
  };
}

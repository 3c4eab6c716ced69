import type { DisputeStatus } from '../../domain/ledger/outcome-disputes';
import { statusOf } from '../../domain/ledger/outcome-disputes';
import type { DisputeOpenedEntry, DisputeResolvedEntry } from '../../domain/ledger/ledger-entries';
import type { DisputeEntryReader } from './ports';

// Disputes as finance and the CSM read them: one row per disputed outcome,
// with its decision. Read from the ledger's dispute listing (every dispute
// entry), filtered by customer and status.

export interface DisputeRow {
  readonly disputeId: string;
  readonly outcomeId: string;
  readonly customerId: string;
  readonly metric: string;
  readonly occurredAt: string;
  readonly status: DisputeStatus;
  readonly reason: string;
  readonly raisedBy: string;
  readonly openedAt: string;
  readonly hold: boolean;
  readonly decision?: { readonly note: string; readonly resolvedBy: string; readonly resolvedAt: string };
}

export interface DisputeListQuery {
  /** Only disputes of outcomes of these customers. */
  readonly customerIds?: readonly string[];
  readonly status?: DisputeStatus;
  /** Only disputes of outcomes that occurred in [fromMs, toMs). */
  readonly occurredFromMs?: number;
  readonly occurredToMs?: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Disputes oldest first (by when they were opened, then dispute and outcome id). */
export async function listDisputes(deps: { readonly ledger: DisputeEntryReader }, query: DisputeListQuery = {}): Promise<DisputeRow[]> {
  const opened = new Map<string, DisputeOpenedEntry>();
  const decided = new Map<string, DisputeResolvedEntry>();
  const keyOf = (entry: { disputeId: string; outcomeId: string }) => `${entry.disputeId}\u0000${entry.outcomeId}`;
  const customers = query.customerIds === undefined ? undefined : new Set(query.customerIds);
  for await (const page of deps.ledger.streamAllDisputeEntries()) {
    for (const entry of page) {
      if (customers !== undefined && !customers.has(entry.customerId)) continue;
      if (query.occurredFromMs !== undefined && entry.occurredAtMs < query.occurredFromMs) continue;
      if (query.occurredToMs !== undefined && entry.occurredAtMs >= query.occurredToMs) continue;
      if (entry.kind === 'disputed') opened.set(keyOf(entry), entry);
      else decided.set(keyOf(entry), entry);
    }
  }
  const rows: DisputeRow[] = [];
  for (const [key, entry] of opened) {
    const decision = decided.get(key);
    const status = statusOf(decision);
    if (query.status !== undefined && status !== query.status) continue;
    rows.push({
      disputeId: entry.disputeId,
      outcomeId: entry.outcomeId,
      customerId: entry.customerId,
      metric: entry.metric,
      occurredAt: iso(entry.occurredAtMs),
      status,
      reason: entry.reason,
      raisedBy: entry.raisedBy,
      openedAt: iso(entry.recordedAtMs),
      hold: entry.hold,
      ...(decision !== undefined ? { decision: { note: decision.note, resolvedBy: decision.resolvedBy, resolvedAt: iso(decision.recordedAtMs) } } : {}),
    });
  }
  return rows.sort(
    (a, b) => a.openedAt.localeCompare(b.openedAt) || a.disputeId.localeCompare(b.disputeId) || a.outcomeId.localeCompare(b.outcomeId),
  );
}

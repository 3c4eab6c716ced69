import { buildOutcomeView, type OutcomeView } from '../domain/ledger/outcome-view';
import { InvalidLedgerQueryError } from './errors';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './list-rejected';
import { mapWithConcurrency } from '../shared/map-with-concurrency';
import type { LedgerRepository, Page } from './ports';

/**
 * Outcomes recorded for customers the catalog did not know at the time,
 * newest first, each with its adjustments (reversed? corrected?).
 */
export async function listUnattributed(
  deps: { readonly ledger: LedgerRepository; readonly nowMs: () => number },
  query: { readonly limit?: number; readonly cursor?: string },
): Promise<Page<OutcomeView>> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new InvalidLedgerQueryError(`invalid unattributed query: limit must be an integer in 1..${MAX_PAGE_SIZE}`);
  }
  const page = await deps.ledger.listUnattributed({ limit, cursor: query.cursor });
  const asOfMs = deps.nowMs();
  const views = await mapWithConcurrency(page.items, 8, async (recorded) => {
    const entries = await deps.ledger.getOutcomeEntries(recorded.outcomeId);
    return buildOutcomeView(entries.length > 0 ? entries : [recorded], Math.max(asOfMs, recorded.recordedAtMs));
  });
  return {
    items: views.filter((view): view is OutcomeView => view !== undefined),
    ...(page.cursor !== undefined ? { cursor: page.cursor } : {}),
  };
}

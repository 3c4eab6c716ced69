import { buildOutcomeView, type OutcomeView } from '../domain/ledger/outcome-view';
import type { LedgerRepository } from './ports';

/** One outcome by its key, as the ledger knew it at asOf (default now); undefined if not recorded by then. */
export async function getOutcome(
  deps: { readonly ledger: LedgerRepository; readonly nowMs: () => number },
  outcomeId: string,
  options: { readonly asOf?: Date } = {},
): Promise<OutcomeView | undefined> {
  const entries = await deps.ledger.getOutcomeEntries(outcomeId);
  return buildOutcomeView(entries, options.asOf?.getTime() ?? deps.nowMs());
}

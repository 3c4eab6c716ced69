import type { CatalogSnapshot } from '../../domain/ledger/catalog';
import type { PinningContract } from '../../domain/ledger/governing-definition';
import type { DisputeEntry, LedgerEntry } from '../../domain/ledger/ledger-entries';
import type { EventPublisher, PutEntryResult } from '../ports';

// What the dispute use cases need. Disputes are ledger entries next to the
// outcome they name (append-only, conditional writes), so the ledger's own
// repository serves them; only the listing is theirs.

/** Every dispute entry of the ledger, page by page (what a listing reads). */
export interface DisputeEntryReader {
  streamAllDisputeEntries(): AsyncIterable<readonly DisputeEntry[]>;
}

export interface DisputeLedger extends DisputeEntryReader {
  /** Claims the entry's key by writing it, conditionally: never overwrites. */
  putEntry(entry: LedgerEntry): Promise<PutEntryResult>;
  /** Every entry of one outcome, strongly consistent. */
  getOutcomeEntries(outcomeId: string): Promise<LedgerEntry[]>;
  /** The dispute entries (opened and decided) of one dispute, across its outcomes. */
  listDisputeEntries(disputeId: string): Promise<DisputeEntry[]>;
}

/** The customer's contracts, to find the definition version they pin for a disputed outcome. */
export interface DisputeContracts {
  contractsOf(customerId: string): Promise<readonly PinningContract[]>;
}

export interface DisputeDeps {
  readonly ledger: DisputeLedger;
  readonly catalog: { get(): Promise<CatalogSnapshot> };
  readonly publisher: EventPublisher;
  readonly nowMs: () => number;
  /** Entries recorded this long after their outcome may change an invoiced period: announced (outcome-adjustment-notice.ts). */
  readonly lateAfterMs: number;
  /** The customers' contracts: where one pins a definition version, its dispute terms apply. */
  readonly contracts: DisputeContracts;
}

import type { ContractChangeOutbox, PendingContractChange } from './ports';

/** The outbox in memory: tests, and loads that keep no state between runs. */
export class InMemoryContractChangeOutbox implements ContractChangeOutbox {
  private readonly entries = new Map<string, PendingContractChange>();

  put(pending: PendingContractChange): Promise<void> {
    this.entries.set(pending.contractId, pending);
    return Promise.resolve();
  }

  get(contractId: string): Promise<PendingContractChange | undefined> {
    return Promise.resolve(this.entries.get(contractId));
  }

  remove(contractId: string, revision: number): Promise<void> {
    if (this.entries.get(contractId)?.revision === revision) this.entries.delete(contractId);
    return Promise.resolve();
  }

  list(): PendingContractChange[] {
    return [...this.entries.values()];
  }
}

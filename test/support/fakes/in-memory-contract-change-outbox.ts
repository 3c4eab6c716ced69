import type { ContractChangeOutbox, PendingContractChange } from '../../../lambdas/application/plans/ports';

/** The outbox in memory, for use-case tests that need no table. */
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

// Contracts and plans read at most once for as long as the reader is kept:
// the stream function keeps one per batch, so the spend alerts, the spend
// they rate and the threshold-invoicing announcement of the same customers
// share one read of each contract and plan. A read that fails is not kept,
// so it is tried again. Not a cache across batches: a contract changed
// between two batches is read anew by the next one.
import type { Contract } from '../../domain/plans/contract-schema';
import type { Plan } from '../../domain/plans/plan-schema';
import type { ContractReader } from './ports';

export function readOnceContractReader(reader: ContractReader): ContractReader {
  const contracts = new Map<string, Promise<Contract | undefined>>();
  const plans = new Map<string, Promise<Plan | undefined>>();
  const once = <T>(kept: Map<string, Promise<T>>, key: string, read: () => Promise<T>): Promise<T> => {
    const existing = kept.get(key);
    if (existing) return existing;
    const reading = read();
    kept.set(key, reading);
    reading.catch(() => kept.delete(key));
    return reading;
  };
  return {
    getContract: (contractId) => once(contracts, contractId, () => reader.getContract(contractId)),
    getPlan: (planCode) => once(plans, planCode, () => reader.getPlan(planCode)),
  };
}

import type { RiskContractReader } from '../../../lambdas/application/risk/ports';
import type { Contract } from '../../../lambdas/domain/plans/contract-schema';

/**
 * Contracts that each have one revision, read through `lookup` at call time:
 * the revision in force at any moment is the current contract. For use-case
 * tests that are not about revision history (test/support/fakes/in-memory-plan-store.ts
 * and the DynamoDB plan store keep every revision).
 */
export function singleRevisionContracts(lookup: (contractId: string) => Contract | undefined): RiskContractReader {
  return {
    getContract: async (contractId) => lookup(contractId),
    getContractAsOf: async (contractId) => lookup(contractId),
  };
}

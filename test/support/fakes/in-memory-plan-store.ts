import type { PlanStore, PutContractResult, PutPlanResult, StoredContract } from '../../../lambdas/application/plans/ports';
import { PlanCurrencyConflictError, PlanVersionConflictError, PlanVersionsInconsistentError } from '../../../lambdas/application/plans/plan-store-errors';
import { canonicalJson } from '../../../lambdas/domain/json/canonical-json';
import type { Contract } from '../../../lambdas/domain/plans/contract-schema';
import { PlanSchema, type Plan, type PlanVersion } from '../../../lambdas/domain/plans/plan-schema';

/**
 * PlanStore in memory, for use-case tests. It keeps the DynamoDB store's
 * rules (immutable versions, a currency that never changes, versions that
 * must fit together, a revision raised only by a change), and
 * test/support/contracts/plan-store-contract.ts holds both to them.
 */
export class InMemoryPlanStore implements PlanStore {
  private readonly plans = new Map<string, Plan>();
  private readonly contracts = new Map<string, StoredContract>();
  /** Every revision of each contract, oldest first, as the DynamoDB store keeps them. */
  private readonly revisions = new Map<string, StoredContract[]>();

  async putPlan(plan: Plan): Promise<PutPlanResult> {
    const stored = this.plans.get(plan.code);
    if (stored && stored.currency !== plan.currency) throw new PlanCurrencyConflictError(plan.code, stored.currency, plan.currency);
    const merged = new Map<number, PlanVersion>((stored?.versions ?? []).map((version) => [version.version, version]));
    for (const version of plan.versions) if (!merged.has(version.version)) merged.set(version.version, version);
    const union = PlanSchema.safeParse({ ...plan, versions: [...merged.values()].sort((a, b) => a.version - b.version) });
    if (!union.success) throw new PlanVersionsInconsistentError(plan.code, union.error.issues.map((issue) => issue.message));
    const versions = plan.versions.map((version) => {
      const existing = stored?.versions.find((candidate) => candidate.version === version.version);
      if (existing === undefined) return { version: version.version, status: 'created' as const };
      if (canonicalJson(existing) !== canonicalJson(version)) throw new PlanVersionConflictError(plan.code, version.version);
      return { version: version.version, status: 'unchanged' as const };
    });
    this.plans.set(plan.code, structuredClone(union.data));
    return { planCode: plan.code, versions };
  }

  async getPlan(planCode: string): Promise<Plan | undefined> {
    const plan = this.plans.get(planCode);
    return plan && structuredClone(plan);
  }

  async listPlanCodes(): Promise<string[]> {
    return [...this.plans.keys()].sort();
  }

  async putContract(contract: Contract, now: Date): Promise<PutContractResult> {
    const current = this.contracts.get(contract.contractId);
    if (current && canonicalJson(current.contract) === canonicalJson(contract)) {
      return { contractId: contract.contractId, status: 'unchanged', revision: current.revision };
    }
    const revision = (current?.revision ?? 0) + 1;
    const stored = { contract: structuredClone(contract), revision, updatedAt: now.toISOString() };
    this.contracts.set(contract.contractId, stored);
    this.revisions.set(contract.contractId, [...(this.revisions.get(contract.contractId) ?? []), stored]);
    return { contractId: contract.contractId, status: current ? 'updated' : 'created', revision };
  }

  async getContract(contractId: string): Promise<Contract | undefined> {
    return (await this.getStoredContract(contractId))?.contract;
  }

  async getStoredContract(contractId: string): Promise<StoredContract | undefined> {
    const stored = this.contracts.get(contractId);
    return stored && structuredClone(stored);
  }

  async getContractAsOf(contractId: string, asOf: Date): Promise<Contract | undefined> {
    const revisions = this.revisions.get(contractId) ?? [];
    const inForce = revisions.filter((stored) => Date.parse(stored.updatedAt) <= asOf.getTime()).at(-1) ?? revisions[0];
    return inForce && structuredClone(inForce.contract);
  }

  async listContracts(): Promise<StoredContract[]> {
    return [...this.contracts.values()].map((stored) => structuredClone(stored)).sort((a, b) => (a.contract.contractId < b.contract.contractId ? -1 : 1));
  }
}

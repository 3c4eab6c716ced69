import { checkContractAgainstPlan } from '../../domain/plans/contract-plan';
import type { Contract } from '../../domain/plans/contract-schema';
import { formatIssuePath } from '../../domain/plans/describe-schema-issues';
import type { Plan } from '../../domain/plans/plan-schema';
import {
  ContractInvalidForPlanError,
  ContractPlanNotStoredError,
  ContractRevisionConflictError,
  PlanCurrencyConflictError,
  PlanVersionConflictError,
  PlanVersionsInconsistentError,
} from './plan-store-errors';
import type { ContractWriteStatus, PlanStore, PlanVersionWriteStatus } from './ports';

// Loads validated plans and contracts into the store, item by item: one bad
// item never stops the others, and each gets its own result. Only storage
// failures (InfrastructureError) abort the whole load, so the caller retries.

export type LoadItemResult =
  | {
      readonly kind: 'plan';
      readonly id: string;
      readonly status: 'loaded';
      readonly versions: ReadonlyArray<{ readonly version: number; readonly status: PlanVersionWriteStatus }>;
    }
  | { readonly kind: 'contract'; readonly id: string; readonly status: ContractWriteStatus; readonly revision: number }
  | { readonly kind: 'plan' | 'contract'; readonly id: string; readonly status: 'failed'; readonly code: string; readonly message: string };

export interface LoadResult {
  readonly items: readonly LoadItemResult[];
  /** True when every item was stored (or already stored as given). */
  readonly ok: boolean;
}

/** Errors that are about the item loaded, not about storage. */
function isItemError(
  error: unknown,
): error is
  | PlanVersionConflictError
  | PlanCurrencyConflictError
  | PlanVersionsInconsistentError
  | ContractRevisionConflictError
  | ContractPlanNotStoredError
  | ContractInvalidForPlanError {
  return (
    error instanceof PlanVersionConflictError ||
    error instanceof PlanCurrencyConflictError ||
    error instanceof PlanVersionsInconsistentError ||
    error instanceof ContractRevisionConflictError ||
    error instanceof ContractPlanNotStoredError ||
    error instanceof ContractInvalidForPlanError
  );
}

function result(items: LoadItemResult[]): LoadResult {
  return { items, ok: items.every((item) => item.status !== 'failed') };
}

export async function loadPlans(deps: { readonly store: PlanStore }, plans: readonly Plan[]): Promise<LoadResult> {
  const items: LoadItemResult[] = [];
  for (const plan of plans) {
    try {
      const stored = await deps.store.putPlan(plan);
      items.push({ kind: 'plan', id: plan.code, status: 'loaded', versions: stored.versions });
    } catch (error) {
      if (!isItemError(error)) throw error;
      items.push({ kind: 'plan', id: plan.code, status: 'failed', code: error.code, message: error.message });
    }
  }
  return result(items);
}

/**
 * Upserts contracts. Each is checked against its stored plan first (currency,
 * pinned version, versions in effect over the term, price overrides), so a
 * contract that could never be invoiced is refused when loaded, not at close.
 */
export async function loadContracts(
  deps: { readonly store: PlanStore; readonly now: () => Date },
  contracts: readonly Contract[],
): Promise<LoadResult> {
  const items: LoadItemResult[] = [];
  const plans = new Map<string, Plan | undefined>();
  for (const contract of contracts) {
    try {
      const code = contract.plan.code;
      if (!plans.has(code)) plans.set(code, await deps.store.getPlan(code));
      const plan = plans.get(code);
      if (!plan) throw new ContractPlanNotStoredError(contract.contractId, code);
      const problems = checkContractAgainstPlan(contract, plan);
      if (problems.length > 0) {
        throw new ContractInvalidForPlanError(
          contract.contractId,
          problems.map((issue) => `${formatIssuePath(issue.path)}: ${issue.message}`),
        );
      }
      const stored = await deps.store.putContract(contract, deps.now());
      items.push({ kind: 'contract', id: contract.contractId, status: stored.status, revision: stored.revision });
    } catch (error) {
      if (!isItemError(error)) throw error;
      items.push({ kind: 'contract', id: contract.contractId, status: 'failed', code: error.code, message: error.message });
    }
  }
  return result(items);
}

import { OUTBOUND_DETAIL_TYPES } from '../../domain/events/detail-types';
import { contractTermId, deriveContractChange, renewalCheckpointDaysFor, type ContractChange, type ContractChangeKind } from '../../domain/plans/contract-change';
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
import type { EventPublisher } from '../ports';
import type { ContractChangeOutbox, ContractWriteStatus, DefinitionVersionCatalog, PlanStore, PlanVersionWriteStatus, PutContractResult } from './ports';

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
  | {
      readonly kind: 'contract';
      readonly id: string;
      readonly status: ContractWriteStatus;
      readonly revision: number;
      /** The 'Contract Changed' this load announced for the contract (also a change a failed earlier load left unannounced). */
      readonly announced?: ContractChangeKind;
    }
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

export interface LoadPlansDeps {
  readonly store: PlanStore;
  /** Where 'Contract Changed' goes when a new plan version moves a contract's renewal checkpoints. */
  readonly events?: EventPublisher;
  readonly outbox?: ContractChangeOutbox;
  readonly defaultCheckpointsDays?: readonly number[];
}

export async function loadPlans(deps: LoadPlansDeps, plans: readonly Plan[]): Promise<LoadResult> {
  const items: LoadItemResult[] = [];
  for (const plan of plans) {
    try {
      const before = deps.events ? await deps.store.getPlan(plan.code) : undefined;
      const stored = await deps.store.putPlan(plan);
      if (deps.events) await announceCheckpointMoves(deps, deps.events, plan.code, before);
      items.push({ kind: 'plan', id: plan.code, status: 'loaded', versions: stored.versions });
    } catch (error) {
      if (!isItemError(error)) throw error;
      items.push({ kind: 'plan', id: plan.code, status: 'failed', code: error.code, message: error.message });
    }
  }
  return result(items);
}

/**
 * A new plan version can change the checkpoint days of contracts that follow
 * the plan's days (no days of their own): those contracts are announced as
 * 'updated' with the days they were planned with. The contract itself does not
 * change, so the announcement goes through the outbox under its current
 * revision; a re-run of the load (whose plan now stores as 'unchanged')
 * announces what a failed run left there.
 */
async function announceCheckpointMoves(deps: LoadPlansDeps, events: EventPublisher, planCode: string, before: Plan | undefined): Promise<void> {
  const after = await deps.store.getPlan(planCode);
  const onPlan = (await deps.store.listContracts()).filter((stored) => stored.contract.plan.code === planCode);
  for (const stored of onPlan) {
    const { contract, revision } = stored;
    const pending = await deps.outbox?.get(contract.contractId);
    if (pending?.revision === revision) {
      await events.publish([contractChangedEvent(pending.change)]);
      await deps.outbox?.remove(contract.contractId, revision);
    }
    if (!before || contract.cancelledOn !== undefined || contract.renewalCheckpointsDays) continue;
    const previousDays = renewalCheckpointDaysFor(contract, before, deps.defaultCheckpointsDays);
    const days = renewalCheckpointDaysFor(contract, after, deps.defaultCheckpointsDays);
    if (previousDays.length === days.length && previousDays.every((day, index) => day === days[index])) continue;
    const change: ContractChange = {
      schemaVersion: 1,
      contractId: contract.contractId,
      change: 'updated',
      termId: contractTermId(contract),
      fields: ['renewalCheckpointsDays'],
      previousCheckpointsDays: [...previousDays],
      revision,
    };
    await deps.outbox?.put({ contractId: contract.contractId, revision, change });
    await events.publish([contractChangedEvent(change)]);
    await deps.outbox?.remove(contract.contractId, revision);
  }
}

export interface LoadContractsDeps {
  readonly store: PlanStore;
  readonly now: () => Date;
  /** Where 'Contract Changed' goes (the engine's bus); without it nothing is announced. */
  readonly events?: EventPublisher;
  /** Keeps changes until announced; without it a change whose announcement failed is not re-announced by a re-run. */
  readonly outbox?: ContractChangeOutbox;
  /** The engine's default checkpoint days (a plan's or contract's own list wins). */
  readonly defaultCheckpointsDays?: readonly number[];
  /** Where pinned definition versions are checked; a contract that pins one is refused without it. */
  readonly definitions?: DefinitionVersionCatalog;
}

/** Why the definition versions a contract pins cannot be used (none when it pins none, or all exist). */
async function pinnedDefinitionProblems(contract: Contract, catalog: DefinitionVersionCatalog | undefined): Promise<string[]> {
  const pins = Object.entries(contract.definitionVersions ?? {});
  if (pins.length === 0) return [];
  if (catalog === undefined) return ['definitionVersions: pinned definition versions cannot be checked here (no metric catalog); load the contract through the CLI or the load-plans function'];
  const problems: string[] = [];
  for (const [metric, version] of pins) {
    const versions = await catalog.versionsOf(metric);
    if (versions === undefined) problems.push(`definitionVersions.${metric}: metric "${metric}" is not in the catalog`);
    else if (!versions.includes(version)) {
      problems.push(`definitionVersions.${metric}: metric "${metric}" has no definition version ${version} (versions: ${versions.join(', ')})`);
    }
  }
  return problems;
}

/** The 'Contract Changed' event of a change (source: the engine itself, so producers cannot fake one). */
export function contractChangedEvent(change: ContractChange) {
  return { detailType: OUTBOUND_DETAIL_TYPES.contractChanged, detail: change } as const;
}

/**
 * Upserts contracts. Each is checked against its stored plan first (currency,
 * pinned version, versions in effect over the term, price overrides), so a
 * contract that could never be invoiced is refused when loaded, not at close.
 *
 * Every stored change is announced as 'Contract Changed' before the item is
 * reported loaded; a failed announcement throws (the caller retries). The
 * change is put in the outbox before the contract is written, so a re-run
 * that finds the contract 'unchanged' still announces what the failed run
 * stored. Schedulers converge on the stored contract, so an announcement
 * made twice is harmless.
 */
export async function loadContracts(deps: LoadContractsDeps, contracts: readonly Contract[]): Promise<LoadResult> {
  const items: LoadItemResult[] = [];
  const plans = new Map<string, Plan | undefined>();
  const planOf = async (code: string): Promise<Plan | undefined> => {
    if (!plans.has(code)) plans.set(code, await deps.store.getPlan(code));
    return plans.get(code);
  };
  for (const contract of contracts) {
    try {
      const code = contract.plan.code;
      const plan = await planOf(code);
      if (!plan) throw new ContractPlanNotStoredError(contract.contractId, code);
      const problems = [
        ...checkContractAgainstPlan(contract, plan).map((issue) => `${formatIssuePath(issue.path)}: ${issue.message}`),
        ...(await pinnedDefinitionProblems(contract, deps.definitions)),
      ];
      if (problems.length > 0) {
        throw new ContractInvalidForPlanError(contract.contractId, problems);
      }
      const { stored, announced } = await storeAndAnnounce(deps, contract, planOf);
      items.push({
        kind: 'contract',
        id: contract.contractId,
        status: stored.status,
        revision: stored.revision,
        ...(announced ? { announced } : {}),
      });
    } catch (error) {
      if (!isItemError(error)) throw error;
      items.push({ kind: 'contract', id: contract.contractId, status: 'failed', code: error.code, message: error.message });
    }
  }
  return result(items);
}

/** Writes one checked contract and announces what the write changed (see loadContracts). */
async function storeAndAnnounce(
  deps: LoadContractsDeps,
  contract: Contract,
  planOf: (code: string) => Promise<Plan | undefined>,
): Promise<{ stored: PutContractResult; announced?: ContractChangeKind }> {
  const events = deps.events;
  if (!events) return { stored: await deps.store.putContract(contract, deps.now()) };
  const daysOf = async (of: Contract) => renewalCheckpointDaysFor(of, await planOf(of.plan.code), deps.defaultCheckpointsDays);
  const previous = await deps.store.getStoredContract(contract.contractId);
  const derived = deriveContractChange(
    previous && { contract: previous.contract, checkpointsDays: await daysOf(previous.contract) },
    { contract, checkpointsDays: await daysOf(contract) },
  );
  let announced: ContractChangeKind | undefined;
  const announce = async (change: ContractChange, revision: number) => {
    await events.publish([contractChangedEvent(change)]);
    await deps.outbox?.remove(contract.contractId, revision);
    announced = change.change;
  };
  // A change an earlier load stored but did not get onto the bus goes out first, so
  // the clean-up it carries (the old term, the old checkpoint days) is not lost.
  const pending = previous && (await deps.outbox?.get(contract.contractId));
  if (previous && pending?.revision === previous.revision) await announce(pending.change, pending.revision);

  const change = derived && { ...derived, revision: (previous?.revision ?? 0) + 1 };
  if (change) await deps.outbox?.put({ contractId: contract.contractId, revision: change.revision, change });
  const stored = await deps.store.putContract(contract, deps.now());
  if (change && stored.status !== 'unchanged') await announce({ ...change, revision: stored.revision }, stored.revision);
  return { stored, ...(announced ? { announced } : {}) };
}

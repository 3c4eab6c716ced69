import { planRenewalCheckpoints, type RenewalCheckpointPlan } from '../../domain/risk/checkpoint-plan';
import { renewalCheckpointDaysFor, type ContractChange } from '../../domain/plans/contract-change';
import type { Contract } from '../../domain/plans/contract-schema';
import type { CheckpointSchedulerPort, RiskContractReader, RiskPlanReader, ScheduleDeleteResult, ScheduleUpsertResult } from './ports';
import { reassignRenewalTasks, type ReassignRenewalTasksDeps } from './reassign-renewal-tasks';
import { RiskContractNotFoundError } from './risk-errors';
import { termIdOf, type RenewalRiskSettings } from './risk-settings';

// The change's schema lives with the contract it describes (pure domain);
// re-exported here for the modules that have always imported it from here.
export { ContractChangeSchema, type ContractChange } from '../../domain/plans/contract-change';

export interface ScheduleRenewalChecksDeps {
  readonly scheduler: CheckpointSchedulerPort;
  readonly contracts: RiskContractReader;
  /** Plans, for plan-level checkpoint days; without it only the contract's own days and the defaults apply. */
  readonly plans?: RiskPlanReader;
  readonly settings: Pick<RenewalRiskSettings, 'checkpointsDays' | 'localTime'>;
  readonly clock: () => Date;
  /** Tasks and the bus: with them, a change of CSM moves the contract's open tasks to the new owner. */
  readonly taskOwners?: Omit<ReassignRenewalTasksDeps, 'clock'>;
}

export type ScheduleRenewalChecksResult =
  | {
      readonly change: 'created' | 'renewed' | 'term_changed' | 'updated';
      readonly plan: RenewalCheckpointPlan;
      readonly upserted: readonly ScheduleUpsertResult[];
      readonly deleted: readonly ScheduleDeleteResult[];
    }
  | { readonly change: 'cancelled'; readonly deleted: readonly ScheduleDeleteResult[] };

export function planForContract(
  contract: Contract,
  settings: ScheduleRenewalChecksDeps['settings'],
  now: Date,
  checkpointsDays: readonly number[] = contract.renewalCheckpointsDays ?? settings.checkpointsDays,
): RenewalCheckpointPlan {
  return planRenewalCheckpoints({
    contractId: contract.contractId,
    termId: termIdOf(contract),
    termEnd: contract.termEnd,
    timeZone: contract.timeZone,
    checkpointsDays: [...checkpointsDays],
    localTime: settings.localTime,
    now: now.toISOString(),
  });
}

/** Contract's own days, else the plan version's, else the engine's. */
export async function checkpointDaysOf(deps: Pick<ScheduleRenewalChecksDeps, 'plans' | 'settings'>, contract: Contract): Promise<readonly number[]> {
  if (contract.renewalCheckpointsDays) return contract.renewalCheckpointsDays;
  const plan = deps.plans ? await deps.plans.getPlan(contract.plan.code) : undefined;
  return renewalCheckpointDaysFor(contract, plan, deps.settings.checkpointsDays);
}

// Schedule names are derived from the days, and nothing lists them: delete
// every name the term could have been planned with. A name never created
// comes back 'absent', which costs one call and harms nothing.
function unionDays(...lists: (readonly number[] | undefined)[]): number[] {
  return [...new Set(lists.flatMap((list) => list ?? []))].sort((a, b) => b - a);
}

/**
 * Keeps a contract's checkpoint schedules in step with its term: created →
 * upsert; renewed, term changed or updated → move (new plan first, then the
 * old term's leftovers go); cancelled → delete. The stored contract decides
 * what is planned; the change only says what to clean up. Every path is
 * idempotent, so a redelivered event changes nothing.
 */
export async function scheduleRenewalChecks(deps: ScheduleRenewalChecksDeps, change: ContractChange): Promise<ScheduleRenewalChecksResult> {
  if (change.change === 'cancelled') {
    const current = await deps.contracts.getContract(change.contractId);
    if (current && change.cancelledOn !== undefined && current.cancelledOn === undefined) {
      // Reinstated since this cancellation was announced (events can arrive late): the store wins.
      return scheduleRenewalChecks(deps, { contractId: change.contractId, change: 'term_changed', previousTermId: change.termId });
    }
    const currentDays = current ? await checkpointDaysOf(deps, current) : undefined;
    const deleted = await deps.scheduler.deleteCheckpointSchedules({
      contractId: change.contractId,
      termId: change.termId,
      checkpointsDays: unionDays(change.checkpointsDays, currentDays, deps.settings.checkpointsDays),
    });
    return { change: 'cancelled', deleted };
  }
  const contract = await deps.contracts.getContract(change.contractId);
  if (!contract) throw new RiskContractNotFoundError(change.contractId);
  const days = await checkpointDaysOf(deps, contract);
  if (contract.cancelledOn !== undefined) {
    // The store is ahead of this event (a cancellation loaded since): converge on it.
    const deleted = await deps.scheduler.deleteCheckpointSchedules({
      contractId: contract.contractId,
      termId: termIdOf(contract),
      checkpointsDays: unionDays(days, deps.settings.checkpointsDays),
    });
    return { change: 'cancelled', deleted };
  }
  // Owners first: a CSM change is an 'updated' change, and its tasks should
  // follow it even when the schedules need nothing.
  if (deps.taskOwners) await reassignRenewalTasks({ ...deps.taskOwners, clock: deps.clock }, contract);
  const plan = planForContract(contract, deps.settings, deps.clock(), days);
  if (change.change === 'created') {
    return { change: 'created', plan, upserted: await deps.scheduler.upsertCheckpointSchedules(plan), deleted: [] };
  }
  const previousTermId = change.change === 'updated' ? change.termId : change.previousTermId;
  const moved = await deps.scheduler.moveCheckpointSchedules(
    {
      contractId: change.contractId,
      termId: previousTermId,
      checkpointsDays: unionDays(change.previousCheckpointsDays, days, deps.settings.checkpointsDays),
    },
    plan,
  );
  return { change: change.change, plan, upserted: moved.upserted, deleted: moved.deleted };
}

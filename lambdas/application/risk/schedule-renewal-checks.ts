import { z } from 'zod';
import type { CheckpointSchedulerPort, ScheduleDeleteResult, ScheduleUpsertResult } from '../../adapters/scheduler/scheduler-port';
import { planRenewalCheckpoints, type RenewalCheckpointPlan } from '../../domain/risk/checkpoint-plan';
import type { Contract } from '../../domain/plans/contract-schema';
import type { RiskContractReader } from './ports';
import { RiskContractNotFoundError } from './risk-errors';
import { termIdOf, type RenewalRiskSettings } from './risk-settings';

/** What happened to a contract, as the 'Contract Changed' event (or a contracts load) reports it. */
export const ContractChangeSchema = z.discriminatedUnion('change', [
  z.strictObject({ change: z.literal('created'), contractId: z.string().min(1).max(128) }),
  z.strictObject({
    change: z.enum(['renewed', 'term_changed']),
    contractId: z.string().min(1).max(128),
    /** The term whose checks move or go (the term's id: its first local day). */
    previousTermId: z.string().min(1).max(128),
  }),
  z.strictObject({
    change: z.literal('cancelled'),
    contractId: z.string().min(1).max(128),
    termId: z.string().min(1).max(128),
  }),
]);
export type ContractChange = z.infer<typeof ContractChangeSchema>;

export interface ScheduleRenewalChecksDeps {
  readonly scheduler: CheckpointSchedulerPort;
  readonly contracts: RiskContractReader;
  readonly settings: Pick<RenewalRiskSettings, 'checkpointsDays' | 'localTime'>;
  readonly clock: () => Date;
}

export type ScheduleRenewalChecksResult =
  | { readonly change: 'created' | 'renewed' | 'term_changed'; readonly plan: RenewalCheckpointPlan; readonly upserted: readonly ScheduleUpsertResult[]; readonly deleted: readonly ScheduleDeleteResult[] }
  | { readonly change: 'cancelled'; readonly deleted: readonly ScheduleDeleteResult[] };

export function planForContract(contract: Contract, settings: ScheduleRenewalChecksDeps['settings'], now: Date): RenewalCheckpointPlan {
  return planRenewalCheckpoints({
    contractId: contract.contractId,
    termId: termIdOf(contract),
    termEnd: contract.termEnd,
    timeZone: contract.timeZone,
    checkpointsDays: [...settings.checkpointsDays],
    localTime: settings.localTime,
    now: now.toISOString(),
  });
}

/**
 * Keeps a contract's checkpoint schedules in step with its term: created →
 * upsert; renewed or term changed → move (new plan first, then the old
 * term's leftovers go); cancelled → delete. Every path is idempotent, so a
 * redelivered event changes nothing.
 */
export async function scheduleRenewalChecks(deps: ScheduleRenewalChecksDeps, change: ContractChange): Promise<ScheduleRenewalChecksResult> {
  if (change.change === 'cancelled') {
    const deleted = await deps.scheduler.deleteCheckpointSchedules({
      contractId: change.contractId,
      termId: change.termId,
      checkpointsDays: deps.settings.checkpointsDays,
    });
    return { change: 'cancelled', deleted };
  }
  const contract = await deps.contracts.getContract(change.contractId);
  if (!contract) throw new RiskContractNotFoundError(change.contractId);
  const plan = planForContract(contract, deps.settings, deps.clock());
  if (change.change === 'created') {
    return { change: 'created', plan, upserted: await deps.scheduler.upsertCheckpointSchedules(plan), deleted: [] };
  }
  const moved = await deps.scheduler.moveCheckpointSchedules(
    { contractId: change.contractId, termId: change.previousTermId, checkpointsDays: deps.settings.checkpointsDays },
    plan,
  );
  return { change: change.change, plan, upserted: moved.upserted, deleted: moved.deleted };
}

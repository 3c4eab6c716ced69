import { z } from 'zod';
import { billingScheduleForContract, planVersionForContract } from '../../domain/plans/contract-plan';
import type { Contract } from '../../domain/plans/contract-schema';
import type { Plan } from '../../domain/plans/plan-schema';
import { newestPlanVersion, selectPlanVersion } from '../../domain/plans/resolve-plan-version';
import { periodsForTerm } from '../../domain/periods/billing-period';
import { LocalDateSchema } from '../../domain/periods/time-schemas';
import { simulatePlanChange, type SimulationResult } from '../../domain/rating/simulate-plan-change';
import { usageRequirementsFor } from '../../domain/rating/usage-requirements';
import { BillingNotFoundError } from '../billing/billing-errors';
import type { PlanStore, UsageForRequirements } from './ports';
import { EngineError } from '../../domain/errors/engine-error';
import { pinnedDefinitionsForContract } from '../billing/rate-for-invoice';
import type { DefinitionCatalog } from '../billing/ports';

// `outcome-engine simulate`: replays the recorded history of stored contracts
// under their current plan and under a proposed plan (or a new version of
// their plan), period by period, from the ledger as recorded up to a cutoff.

export const SimulatePlansInputSchema = z
  .strictObject({
    proposedVersion: z.int().min(1).optional(),
    /** Contracts to replay (on any plan); default: every stored contract on the proposed plan's code. */
    contractIds: z.array(z.string().min(1).max(128)).optional(),
    /** Periods whose local start date lies in [from, to] (local dates) are replayed. */
    from: LocalDateSchema,
    to: LocalDateSchema,
    /** Ledger recordedAt cutoff; default: now. */
    asOf: z.date().optional(),
  })
  .refine((input) => input.from <= input.to, { error: 'from must not be after to', path: ['to'] });
export type SimulatePlansInput = z.infer<typeof SimulatePlansInputSchema>;

export interface SimulatePlansDeps {
  readonly store: Pick<PlanStore, 'getContract' | 'getPlan' | 'listContracts'>;
  readonly usage: UsageForRequirements;
  /** The metric catalog: a contract that pins definition versions is replayed under the pinned terms. */
  readonly definitions: DefinitionCatalog;
  readonly now: () => Date;
}

export interface SimulatePlansResult extends SimulationResult {
  readonly from: string;
  readonly to: string;
  readonly asOf: string;
  /** How the replayed contracts were chosen: those on the proposed plan, or the ids given. */
  readonly selection: { readonly by: 'plan'; readonly planCode: string } | { readonly by: 'ids'; readonly contractIds: readonly string[] };
}

async function contractsToReplay(deps: SimulatePlansDeps, ids: readonly string[] | undefined, planCode: string): Promise<Contract[]> {
  // By default a proposal is tried on the contracts of the plan it revises:
  // pricing another plan's customers with it is a choice to make by name.
  if (ids === undefined) {
    return (await deps.store.listContracts()).map((stored) => stored.contract).filter((contract) => contract.plan.code === planCode);
  }
  const contracts: Contract[] = [];
  for (const id of ids) {
    const contract = await deps.store.getContract(id);
    if (!contract) throw new BillingNotFoundError('contract_not_found', `no contract "${id}"`);
    contracts.push(contract);
  }
  return contracts;
}

export async function simulatePlans(
  deps: SimulatePlansDeps,
  proposedPlan: Plan,
  input: SimulatePlansInput,
): Promise<SimulatePlansResult> {
  const parsed = SimulatePlansInputSchema.parse(input);
  const now = deps.now();
  const asOf = (parsed.asOf ?? now).toISOString();
  const proposed =
    parsed.proposedVersion === undefined ? newestPlanVersion(proposedPlan) : selectPlanVersion(proposedPlan, parsed.proposedVersion, '9999-12-31');
  const contracts = await contractsToReplay(deps, parsed.contractIds, proposedPlan.code);
  const plans = new Map<string, Plan | undefined>();
  const inputs = [];
  const skipped: Array<{ contractId: string; code: string; reason: string }> = [];
  for (const contract of contracts) {
    if (!plans.has(contract.plan.code)) plans.set(contract.plan.code, await deps.store.getPlan(contract.plan.code));
    const currentPlan = plans.get(contract.plan.code);
    if (!currentPlan) {
      skipped.push({ contractId: contract.contractId, code: 'plan_not_found', reason: `plan "${contract.plan.code}" is not loaded` });
      continue;
    }
    // Only periods that have begun by the cutoff have history to replay.
    const periods = periodsForTerm(billingScheduleForContract(contract)).filter(
      (period) => period.startDate >= parsed.from && period.startDate <= parsed.to && Date.parse(period.start) <= Date.parse(asOf),
    );
    const replayed = [];
    try {
      // Both plans are priced on the usage the contract is billed on: under its pinned definition versions.
      const pinned = await pinnedDefinitionsForContract(deps.definitions, contract);
      for (const period of periods) {
        const current = planVersionForContract(currentPlan, contract, period.startDate);
        const requirements = usageRequirementsFor([current, proposed]);
        const usage = await deps.usage.readUsage({ customerId: contract.customerId, requirements, from: period.start, to: period.end, asOf, ...(pinned ? { pinned } : {}) });
        replayed.push({ period, usage });
      }
    } catch (error) {
      // Contract-level problems (e.g. no plan version in effect) skip the contract; storage failures abort.
      if (!(error instanceof EngineError) || error.category === 'infrastructure' || error.category === 'internal') throw error;
      skipped.push({ contractId: contract.contractId, code: error.code, reason: error.message });
      continue;
    }
    if (replayed.length > 0) inputs.push({ contract, currentPlan, periods: replayed });
  }
  const result = simulatePlanChange({
    contracts: inputs,
    proposedPlan,
    ...(parsed.proposedVersion !== undefined ? { proposedVersion: proposed.version } : {}),
    now,
  });
  return {
    ...result,
    skipped: [...skipped, ...result.skipped],
    from: parsed.from,
    to: parsed.to,
    asOf,
    selection: parsed.contractIds === undefined ? { by: 'plan', planCode: proposedPlan.code } : { by: 'ids', contractIds: parsed.contractIds },
  };
}

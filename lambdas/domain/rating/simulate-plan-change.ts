import { MoneyDecimal } from '../money/decimal';
import type { CurrencyCode } from '../money/currencies';
import type { Contract } from '../plans/contract-schema';
import type { Plan } from '../plans/plan-schema';
import { planVersionForContract } from '../plans/contract-plan';
import { newestPlanVersion, selectPlanVersion, type ResolvedPlanVersion } from '../plans/resolve-plan-version';
import type { InstantInput } from '../periods/local-date';
import type { RatingPeriod } from './draft-invoice';
import { rateContractPeriod } from './rate-contract-period';
import type { PeriodUsage } from './usage';

export interface SimulationContractInput {
  readonly contract: Contract;
  /** The plan the contract is on today; its versions (pinned or latest) give the "current" revenue. */
  readonly currentPlan: Plan;
  /**
   * The contract's periods to replay, in order, with the usage the ledger
   * recorded for each. For a term-end commitment start at the term's first
   * period, since the true-up counts only the periods replayed.
   */
  readonly periods: ReadonlyArray<{ readonly period: RatingPeriod; readonly usage: PeriodUsage }>;
}

export interface SimulatePlanChangeInput {
  readonly contracts: readonly SimulationContractInput[];
  /** The plan file under test (a new plan, or the current plan with a new version). */
  readonly proposedPlan: Plan;
  /** Version of proposedPlan to try; default its newest, whatever its effective date. */
  readonly proposedVersion?: number;
  readonly now: InstantInput;
}

/** Revenue of one contract period under both plans, in minor units. */
export interface SimulationPeriodRow {
  readonly contractId: string;
  readonly customerId: string;
  readonly periodId: string;
  readonly currency: CurrencyCode;
  readonly currentPlanVersion: string;
  readonly proposedPlanVersion: string;
  readonly current: bigint;
  readonly proposed: bigint;
  readonly difference: bigint;
}

export interface SimulationContractRow {
  readonly contractId: string;
  readonly customerId: string;
  readonly currency: CurrencyCode;
  readonly periods: number;
  readonly current: bigint;
  readonly proposed: bigint;
  readonly difference: bigint;
  /** (proposed - current) / current in percent, 2 decimals; null when current is 0. */
  readonly differencePercent: string | null;
  readonly notes: readonly string[];
}

export interface SimulationTotal {
  readonly currency: CurrencyCode;
  readonly contracts: number;
  readonly current: bigint;
  readonly proposed: bigint;
  readonly difference: bigint;
  readonly differencePercent: string | null;
}

export interface SimulationResult {
  readonly proposed: { readonly planCode: string; readonly version: number };
  readonly contracts: readonly SimulationContractRow[];
  readonly periods: readonly SimulationPeriodRow[];
  /** One total per currency: amounts in different currencies are never added. */
  readonly totals: readonly SimulationTotal[];
  /** Contracts that could not be replayed, with the reason (e.g. another currency than the proposed plan). */
  readonly skipped: ReadonlyArray<{ readonly contractId: string; readonly code: string; readonly reason: string }>;
}

export function differencePercent(current: bigint, proposed: bigint): string | null {
  if (current === 0n) return null;
  return new MoneyDecimal((proposed - current).toString())
    .times(100)
    .dividedBy(current.toString())
    .toDecimalPlaces(2, MoneyDecimal.ROUND_HALF_UP)
    .toFixed(2);
}

function hasCode(error: unknown): error is Error & { code: string } {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string';
}

interface Replay {
  readonly rows: SimulationPeriodRow[];
  readonly notes: string[];
}

function replayContract(input: SimulationContractInput, proposed: ResolvedPlanVersion, now: InstantInput): Replay {
  const { contract } = input;
  const rows: SimulationPeriodRow[] = [];
  const notes = new Set<string>();
  let currentTermToDate = 0n;
  let proposedTermToDate = 0n;
  for (const { period, usage } of input.periods) {
    if (period.startDate === contract.termStart) {
      currentTermToDate = 0n;
      proposedTermToDate = 0n;
    }
    const currentVersion = planVersionForContract(input.currentPlan, contract, period.startDate);
    // Prepaid credits are money already received: revenue is what the period
    // bills before credits, so both sides are rated with no balance.
    const common = { contract, period, usage, now, creditBalance: 0n } as const;
    const current = rateContractPeriod({
      ...common,
      planVersion: currentVersion,
      termToDate: { subtotal: currentTermToDate },
    });
    const proposedInvoice = rateContractPeriod({
      ...common,
      planVersion: proposed,
      termToDate: { subtotal: proposedTermToDate },
      purpose: 'simulation',
    });
    for (const chargeId of proposedInvoice.skippedOverrides) {
      notes.add(`price override of "${chargeId}" does not fit the proposed version and was not applied`);
    }
    currentTermToDate += current.subtotal;
    proposedTermToDate += proposedInvoice.subtotal;
    const currentRevenue = current.subtotal + (current.commitmentTrueUp?.amount ?? 0n);
    const proposedRevenue = proposedInvoice.subtotal + (proposedInvoice.commitmentTrueUp?.amount ?? 0n);
    rows.push({
      contractId: contract.contractId,
      customerId: contract.customerId,
      periodId: period.id,
      currency: contract.currency,
      currentPlanVersion: `${currentVersion.planCode}@${currentVersion.version}`,
      proposedPlanVersion: `${proposed.planCode}@${proposed.version}`,
      current: currentRevenue,
      proposed: proposedRevenue,
      difference: proposedRevenue - currentRevenue,
    });
  }
  if (contract.commitment?.trueUp === 'term_end' && input.periods[0]?.period.startDate !== contract.termStart) {
    notes.add('term-end commitment: the replay does not start at the term start, so the true-up counts only replayed periods');
  }
  return { rows, notes: [...notes] };
}

/**
 * Backtests a proposed plan (or plan version) on recorded usage: each contract's
 * periods are rated under its current plan and under the proposal, with the
 * contract's own terms (overrides, commitments) applied to both. Revenue is
 * what the periods bill before prepaid credits (subtotal + commitment true-up).
 */
export function simulatePlanChange(input: SimulatePlanChangeInput): SimulationResult {
  const proposed =
    input.proposedVersion === undefined
      ? newestPlanVersion(input.proposedPlan)
      : // A pinned version ignores effective dates: a proposal may start in the future.
        selectPlanVersion(input.proposedPlan, input.proposedVersion, '9999-12-31');
  const contracts: SimulationContractRow[] = [];
  const periods: SimulationPeriodRow[] = [];
  const skipped: Array<{ contractId: string; code: string; reason: string }> = [];
  for (const entry of input.contracts) {
    let replay: Replay;
    try {
      replay = replayContract(entry, proposed, input.now);
    } catch (error) {
      // Typed domain errors (currency mismatch, missing usage...) skip one
      // contract and are reported; anything else is a bug and propagates.
      if (!hasCode(error)) throw error;
      skipped.push({ contractId: entry.contract.contractId, code: error.code, reason: error.message });
      continue;
    }
    periods.push(...replay.rows);
    const current = replay.rows.reduce((sum, row) => sum + row.current, 0n);
    const proposedTotal = replay.rows.reduce((sum, row) => sum + row.proposed, 0n);
    contracts.push({
      contractId: entry.contract.contractId,
      customerId: entry.contract.customerId,
      currency: entry.contract.currency,
      periods: replay.rows.length,
      current,
      proposed: proposedTotal,
      difference: proposedTotal - current,
      differencePercent: differencePercent(current, proposedTotal),
      notes: replay.notes,
    });
  }
  const byCurrency = new Map<CurrencyCode, { contracts: number; current: bigint; proposed: bigint }>();
  for (const row of contracts) {
    const total = byCurrency.get(row.currency) ?? { contracts: 0, current: 0n, proposed: 0n };
    byCurrency.set(row.currency, {
      contracts: total.contracts + 1,
      current: total.current + row.current,
      proposed: total.proposed + row.proposed,
    });
  }
  const totals = [...byCurrency.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, total]) => ({
      currency,
      ...total,
      difference: total.proposed - total.current,
      differencePercent: differencePercent(total.current, total.proposed),
    }));
  return { proposed: { planCode: proposed.planCode, version: proposed.version }, contracts, periods, totals, skipped };
}

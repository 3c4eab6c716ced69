import { MoneyDecimal } from '../money/decimal';
import type { CurrencyCode } from '../money/currencies';
import { formatAmountWithCode } from '../money/format-money';
import type { Contract } from '../plans/contract-schema';
import type { Plan } from '../plans/plan-schema';
import { planVersionForContract } from '../plans/contract-plan';
import { newestPlanVersion, selectPlanVersion, type ResolvedPlanVersion } from '../plans/resolve-plan-version';
import type { InstantInput } from '../periods/local-date';
import type { RatingPeriod } from './draft-invoice';
import { rateContractPeriod } from './rate-contract-period';
import type { PeriodUsage } from './usage';
import { EngineError } from '../errors/engine-error';

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

/**
 * Revenue split into what the charges bill and what the commitment true-up
 * adds, in minor units. The split matters: a commitment tops both sides up to
 * the same amount, so revenue can be equal while the prices differ, and the
 * difference shows up the moment usage grows past the commitment.
 */
export interface SimulationAmounts {
  /** Sum of the charge lines (usage and fees), before the true-up and credits. */
  readonly currentCharges: bigint;
  readonly currentTrueUp: bigint;
  /** Revenue: currentCharges + currentTrueUp. */
  readonly current: bigint;
  readonly proposedCharges: bigint;
  readonly proposedTrueUp: bigint;
  readonly proposed: bigint;
  /** proposedCharges - currentCharges: the price difference the true-up may hide. */
  readonly chargesDifference: bigint;
  /** proposed - current: the revenue difference. */
  readonly difference: bigint;
}

/** Revenue of one contract period under both plans, in minor units. */
export interface SimulationPeriodRow extends SimulationAmounts {
  readonly contractId: string;
  readonly customerId: string;
  readonly periodId: string;
  readonly currency: CurrencyCode;
  readonly currentPlanVersion: string;
  readonly proposedPlanVersion: string;
}

export interface SimulationContractRow extends SimulationAmounts {
  readonly contractId: string;
  readonly customerId: string;
  readonly currency: CurrencyCode;
  readonly periods: number;
  /** (proposed - current) / current in percent, 2 decimals; null when current is 0. */
  readonly differencePercent: string | null;
  readonly notes: readonly string[];
}

export interface SimulationTotal extends SimulationAmounts {
  readonly currency: CurrencyCode;
  readonly contracts: number;
  readonly differencePercent: string | null;
}

const NO_AMOUNTS: SimulationAmounts = {
  currentCharges: 0n,
  currentTrueUp: 0n,
  current: 0n,
  proposedCharges: 0n,
  proposedTrueUp: 0n,
  proposed: 0n,
  chargesDifference: 0n,
  difference: 0n,
};

function addAmounts(a: SimulationAmounts, b: SimulationAmounts): SimulationAmounts {
  return {
    currentCharges: a.currentCharges + b.currentCharges,
    currentTrueUp: a.currentTrueUp + b.currentTrueUp,
    current: a.current + b.current,
    proposedCharges: a.proposedCharges + b.proposedCharges,
    proposedTrueUp: a.proposedTrueUp + b.proposedTrueUp,
    proposed: a.proposed + b.proposed,
    chargesDifference: a.chargesDifference + b.chargesDifference,
    difference: a.difference + b.difference,
  };
}

function sumAmounts(rows: readonly SimulationAmounts[]): SimulationAmounts {
  return rows.reduce<SimulationAmounts>((sum, row) => addAmounts(sum, pickAmounts(row)), NO_AMOUNTS);
}

function pickAmounts(row: SimulationAmounts): SimulationAmounts {
  const { currentCharges, currentTrueUp, current, proposedCharges, proposedTrueUp, proposed, chargesDifference, difference } = row;
  return { currentCharges, currentTrueUp, current, proposedCharges, proposedTrueUp, proposed, chargesDifference, difference };
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

function signedAmount(minor: bigint, currency: CurrencyCode): string {
  return `${minor > 0n ? '+' : ''}${formatAmountWithCode(minor, currency)}`;
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
    const currentTrueUp = current.commitmentTrueUp?.amount ?? 0n;
    const proposedTrueUp = proposedInvoice.commitmentTrueUp?.amount ?? 0n;
    const currentRevenue = current.subtotal + currentTrueUp;
    const proposedRevenue = proposedInvoice.subtotal + proposedTrueUp;
    rows.push({
      contractId: contract.contractId,
      customerId: contract.customerId,
      periodId: period.id,
      currency: contract.currency,
      currentPlanVersion: `${currentVersion.planCode}@${currentVersion.version}`,
      proposedPlanVersion: `${proposed.planCode}@${proposed.version}`,
      currentCharges: current.subtotal,
      currentTrueUp,
      current: currentRevenue,
      proposedCharges: proposedInvoice.subtotal,
      proposedTrueUp,
      proposed: proposedRevenue,
      chargesDifference: proposedInvoice.subtotal - current.subtotal,
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
 * what the periods bill before prepaid credits (subtotal + commitment true-up);
 * charges and true-up are also reported apart, so a commitment that tops both
 * sides up to the same amount cannot hide a change of prices.
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
      if (!(error instanceof EngineError)) throw error;
      skipped.push({ contractId: entry.contract.contractId, code: error.code, reason: error.message });
      continue;
    }
    periods.push(...replay.rows);
    const amounts = sumAmounts(replay.rows);
    const notes = [...replay.notes];
    if (amounts.chargesDifference !== amounts.difference) {
      const currency = entry.contract.currency;
      notes.push(
        `the commitment true-up absorbs part of the price difference: charges differ by ${signedAmount(amounts.chargesDifference, currency)}, revenue by ${signedAmount(amounts.difference, currency)}`,
      );
    }
    contracts.push({
      contractId: entry.contract.contractId,
      customerId: entry.contract.customerId,
      currency: entry.contract.currency,
      periods: replay.rows.length,
      ...amounts,
      differencePercent: differencePercent(amounts.current, amounts.proposed),
      notes,
    });
  }
  const byCurrency = new Map<CurrencyCode, { contracts: number; amounts: SimulationAmounts }>();
  for (const row of contracts) {
    const total = byCurrency.get(row.currency) ?? { contracts: 0, amounts: NO_AMOUNTS };
    byCurrency.set(row.currency, { contracts: total.contracts + 1, amounts: addAmounts(total.amounts, pickAmounts(row)) });
  }
  const totals = [...byCurrency.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, total]) => ({
      currency,
      contracts: total.contracts,
      ...total.amounts,
      differencePercent: differencePercent(total.amounts.current, total.amounts.proposed),
    }));
  return { proposed: { planCode: proposed.planCode, version: proposed.version }, contracts, periods, totals, skipped };
}

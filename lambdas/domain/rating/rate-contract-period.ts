import { minorUnitsFromDecimal } from '../money/minor-units';
import { formatMinorUnits } from '../money/format-money';
import type { Contract } from '../plans/contract-schema';
import { contractCharges } from '../plans/contract-plan';
import type { ResolvedPlanVersion } from '../plans/resolve-plan-version';
import { ContractPlanMismatchError, PlanVersionNotYetEffectiveError } from '../plans/plan-errors';
import { toUtcIsoString, type InstantInput } from '../periods/local-date';
import { COMMITMENT_TRUE_UP_CHARGE_ID } from '../plans/plan-schema';
import type { DraftInvoice, InvoiceLine, RatingPeriod } from './draft-invoice';
import { indexUsage } from './measure-usage';
import { commitmentTrueUp, type CommitmentTrueUp } from './pricers/minimum-commitment';
import { drawDownCredits } from './pricers/prepaid-credits';
import { rateChargeLines } from './rate-lines';
import { applySpendCap, metricCapsOf, spendCapOf } from './apply-caps';
import { RatingInputMissingError, RatingPeriodError, UsageInputError } from './rating-errors';
import type { PeriodUsage } from './usage';

export interface RateContractPeriodInput {
  readonly contract: Contract;
  /** From planVersionForContract(plan, contract, period.startDate). */
  readonly planVersion: ResolvedPlanVersion;
  /** From periodById / periodContaining / periodsForTerm on the contract's schedule. */
  readonly period: RatingPeriod;
  /** The ledger's usage for the contract's customer and this period (see usageRequirementsFor). */
  readonly usage: PeriodUsage;
  /** When the draft is made (recorded on it; rating reads no clock). */
  readonly now: InstantInput;
  /** Prepaid credit balance (minor units) left at the start of the period; required when the contract has prepaid credits. */
  readonly creditBalance?: bigint;
  /** For a term-end commitment: the sum of the term's earlier invoice subtotals; required on the term's last period. */
  readonly termToDate?: { readonly subtotal: bigint };
  /**
   * 'simulation' lets a proposed version of another plan price the contract and
   * skips (and reports) price overrides of charges that version lacks.
   */
  readonly purpose?: 'invoice' | 'simulation';
}

function checkPeriodFitsContract(contract: Contract, period: RatingPeriod): void {
  if (period.timeZone !== contract.timeZone) {
    throw new RatingPeriodError(
      `period ${period.id} was computed in ${period.timeZone} but contract "${contract.contractId}" bills in ${contract.timeZone}`,
    );
  }
  if (period.startDate < contract.termStart || period.endDate > contract.termEnd) {
    throw new RatingPeriodError(
      `period ${period.id} (${period.startDate} .. ${period.endDate}) is outside the term of contract "${contract.contractId}" (${contract.termStart} .. ${contract.termEnd})`,
    );
  }
}

function checkUsageFitsPeriod(contract: Contract, period: RatingPeriod, usage: PeriodUsage): void {
  if (usage.customerId !== undefined && usage.customerId !== contract.customerId) {
    throw new UsageInputError(
      'invalid_usage',
      `usage is for customer "${usage.customerId}" but contract "${contract.contractId}" is for "${contract.customerId}"`,
    );
  }
  const sameInstant = (a: string | undefined, b: string) => a === undefined || Date.parse(a) === Date.parse(b);
  if (!sameInstant(usage.from, period.start) || !sameInstant(usage.to, period.end)) {
    throw new UsageInputError(
      'invalid_usage',
      `usage covers ${usage.from ?? '?'} .. ${usage.to ?? '?'} but period ${period.id} is ${period.start} .. ${period.end}`,
    );
  }
}

/**
 * Rates one period of a contract into a draft invoice. Pure: the same inputs
 * always give the same invoice. Each charge line is priced exactly (on the
 * capped quantity of a capped metric) and rounded once; a spend cap limits
 * the rounded subtotal; the commitment true-up is computed on that subtotal;
 * prepaid credits are drawn down last.
 */
export function rateContractPeriod(input: RateContractPeriodInput): DraftInvoice {
  const { contract, planVersion, period, usage } = input;
  const simulation = input.purpose === 'simulation';
  if (planVersion.planCode !== contract.plan.code && !simulation) {
    throw new ContractPlanMismatchError(
      `contract "${contract.contractId}" is on plan "${contract.plan.code}", not "${planVersion.planCode}"`,
    );
  }
  if (planVersion.currency !== contract.currency) {
    throw new ContractPlanMismatchError(
      `contract "${contract.contractId}" bills in ${contract.currency} but plan "${planVersion.planCode}" is priced in ${planVersion.currency}`,
    );
  }
  // A proposal in a simulation may be dated in the future on purpose; an invoice never.
  if (!simulation && planVersion.effectiveFrom > period.startDate) {
    throw new PlanVersionNotYetEffectiveError(
      contract.contractId,
      planVersion.planCode,
      planVersion.version,
      planVersion.effectiveFrom,
      period.startDate,
    );
  }
  checkPeriodFitsContract(contract, period);
  checkUsageFitsPeriod(contract, period, usage);
  if (contract.prepaidCredits !== undefined && input.creditBalance === undefined) {
    throw new RatingInputMissingError(
      'credit_balance_required',
      `contract "${contract.contractId}" has prepaid credits: pass creditBalance (minor units left at the start of period ${period.id})`,
    );
  }

  const { charges, skippedOverrides } = contractCharges(contract, planVersion, {
    unmatched: simulation ? 'skip' : 'error',
  });
  const uncappedLines = rateChargeLines({
    version: planVersion,
    charges,
    usageByKey: indexUsage(usage),
    measure: {
      currency: contract.currency,
      customerId: contract.customerId,
      from: period.start,
      to: period.end,
      asOf: usage.asOf ?? null,
      missingUsage: 'error',
    },
    period,
    metricCaps: metricCapsOf(contract.caps),
  });
  // The spend cap comes after every charge and before the commitment and credits (see apply-caps.ts).
  const { lines: chargeLines, spendCap } = applySpendCap(uncappedLines, spendCapOf(contract.caps, contract.currency), contract.currency);
  const subtotal = chargeLines.reduce((sum, line) => sum + line.amount, 0n);

  const trueUp = contract.commitment
    ? commitmentTrueUp({
        commitment: contract.commitment,
        currency: contract.currency,
        subtotal,
        proration: period.proration,
        lastOfTerm: period.lastOfTerm,
        termToDateSubtotal: input.termToDate?.subtotal,
        contractId: contract.contractId,
      })
    : undefined;
  const trueUpLine = trueUp ? trueUpLineFor(contract, period, trueUp) : null;
  const { lines, trueUpLine: finalTrueUp, credits } = applyPrepaidCredits(contract, input.creditBalance, chargeLines, trueUpLine);

  const trueUpAmount = finalTrueUp?.amount ?? 0n;
  return {
    contractId: contract.contractId,
    customerId: contract.customerId,
    planCode: planVersion.planCode,
    planVersion: planVersion.version,
    currency: contract.currency,
    period,
    lines,
    subtotal,
    spendCap,
    commitmentTrueUp: finalTrueUp,
    credits,
    total: subtotal + trueUpAmount - (credits?.applied ?? 0n),
    ratedAt: toUtcIsoString(input.now),
    usageAsOf: usage.asOf ?? null,
    skippedOverrides,
  };
}

function trueUpLineFor(contract: Contract, period: RatingPeriod, trueUp: CommitmentTrueUp): InvoiceLine {
  return {
    chargeId: COMMITMENT_TRUE_UP_CHARGE_ID,
    chargeName: 'Minimum commitment true-up',
    model: 'commitment',
    description:
      contract.commitment?.trueUp === 'term_end'
        ? 'Minimum commitment true-up (term commitment)'
        : 'Minimum commitment true-up (period commitment)',
    metric: null,
    quantity: '1',
    exactAmount: formatMinorUnits(trueUp.amount, contract.currency),
    amount: trueUp.amount,
    creditApplied: 0n,
    amountDue: trueUp.amount,
    priceSource: 'contract',
    breakdown: trueUp.breakdown,
    usageQuery: null,
    period: { id: period.id, start: period.start, end: period.end },
  };
}

/** Pays lines (the true-up last) from the prepaid balance, when the contract has one. */
function applyPrepaidCredits(
  contract: Contract,
  creditBalance: bigint | undefined,
  chargeLines: readonly InvoiceLine[],
  trueUpLine: InvoiceLine | null,
): { lines: readonly InvoiceLine[]; trueUpLine: InvoiceLine | null; credits: DraftInvoice['credits'] } {
  if (contract.prepaidCredits === undefined) return { lines: chargeLines, trueUpLine, credits: null };
  const balance = creditBalance ?? 0n;
  const payable = trueUpLine ? [...chargeLines, trueUpLine] : [...chargeLines];
  const drawn = drawDownCredits({
    lines: payable.map((line) => ({ chargeId: line.chargeId, amount: line.amount, isTrueUp: line === trueUpLine })),
    balance,
    appliesTo: contract.prepaidCredits.appliesTo,
  });
  const paid = payable.map((line, index) => {
    const creditApplied = drawn.appliedPerLine[index] ?? 0n;
    return creditApplied === 0n ? line : { ...line, creditApplied, amountDue: line.amount - creditApplied };
  });
  return {
    lines: paid.slice(0, chargeLines.length),
    trueUpLine: trueUpLine ? (paid[chargeLines.length] ?? null) : null,
    credits: { balanceBefore: balance, applied: drawn.applied, balanceAfter: drawn.balanceAfter },
  };
}

/** The prepaid credit grant of a contract in minor units (the balance before its first period). */
export function initialCreditBalance(contract: Contract): bigint {
  return contract.prepaidCredits ? minorUnitsFromDecimal(contract.prepaidCredits.amount, contract.currency) : 0n;
}

import type { DateTime } from 'luxon';
import type { ParsedRiskAssessmentInput } from './risk-input';
import { calendarDaysBetween, dec, formatQuantity, localDayStart, localElapsedDays, toMinorInteger } from './risk-values';
import { formatMoney } from '../money/format-money';

/** Where a task's revenue at risk comes from, most reliable first. */
export type RevenueAtRiskBasis = 'renewal_value' | 'commitment' | 'billed_run_rate';

export interface RevenueAtRisk {
  /** Integer minor units of the contract's currency. */
  readonly minor: string;
  readonly basis: RevenueAtRiskBasis;
  /** For the CSM: how the figure was arrived at. */
  readonly explanation: string;
}

/**
 * The revenue that renews with the contract, for task priority. A stated
 * renewal value wins, then the committed amount. A pay-as-you-go contract has
 * neither, yet its renewal is worth what it bills: its billed spend, extended
 * at the pace of the periods invoiced so far to the whole term (the same pace
 * commitment burn uses, so the period in progress does not drag it down).
 * Without anything invoiced there is no figure, and the task has no revenue
 * at risk (it still ranks by tier).
 */
export function revenueAtRisk(input: ParsedRiskAssessmentInput, now: DateTime): RevenueAtRisk | undefined {
  const { contract } = input;
  const money = (minor: string | bigint) => formatMoney(BigInt(minor), contract.currency);
  if (contract.renewalValueMinor !== undefined) {
    return { minor: contract.renewalValueMinor, basis: 'renewal_value', explanation: `revenue at risk ${money(contract.renewalValueMinor)}: the contract's renewal value` };
  }
  if (contract.committedAmountMinor !== undefined) {
    return {
      minor: contract.committedAmountMinor,
      basis: 'commitment',
      explanation: `revenue at risk ${money(contract.committedAmountMinor)}: the amount committed for the term`,
    };
  }
  if (input.spendToDateMinor === undefined) return undefined;
  const termEnd = localDayStart(contract.termEnd, contract.timeZone);
  const asOf = now.toMillis() < termEnd.toMillis() ? now : termEnd;
  const through = input.spendThroughDate === undefined ? undefined : localDayStart(input.spendThroughDate, contract.timeZone);
  const covered = through !== undefined && through.toMillis() < asOf.toMillis() ? through : asOf;
  const billedDays = localElapsedDays(contract.termStart, covered, contract.timeZone);
  if (billedDays.lessThanOrEqualTo(0)) return undefined;
  const termDays = calendarDaysBetween(contract.termStart, contract.termEnd);
  const projected = toMinorInteger(dec(input.spendToDateMinor).times(termDays).dividedBy(billedDays));
  return {
    minor: projected.toString(),
    basis: 'billed_run_rate',
    explanation:
      `revenue at risk ${money(projected)}: no commitment, so the billed run rate: ${money(input.spendToDateMinor)} billed for the ` +
      `${formatQuantity(billedDays, 1)} days invoiced so far, extended to the term's ${termDays} days`,
  };
}

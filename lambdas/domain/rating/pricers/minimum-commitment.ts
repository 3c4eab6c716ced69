import { planDecimal } from '../../money/decimal';
import { formatMinorUnits } from '../../money/format-money';
import { minorUnitsFromDecimal } from '../../money/minor-units';
import { roundToMinorUnits } from '../../money/rounding';
import type { CurrencyCode } from '../../money/currencies';
import type { Commitment } from '../../plans/contract-schema';
import type { BreakdownRow, Proration } from '../breakdown';
import { RatingInputMissingError } from '../rating-errors';

export interface CommitmentTrueUp {
  /** Minor units added to reach the commitment (0 when met). */
  readonly amount: bigint;
  readonly breakdown: readonly BreakdownRow[];
}

/**
 * Contract-level minimum commitment. The period's subtotal (sum of rounded
 * charge lines, before credits) counts against it.
 * - per_period: the true-up tops this period up to `amountPerPeriod`, prorated
 *   by days on a partial period (rounded once, as its own line).
 * - term_end: only the term's last period gets a true-up, topping the whole
 *   term (earlier periods' subtotals, passed in, plus this one) up to
 *   `amountForTerm`.
 * Returns undefined when this period carries no true-up line.
 */
export function commitmentTrueUp(input: {
  readonly commitment: Commitment;
  readonly currency: CurrencyCode;
  readonly subtotal: bigint;
  readonly proration: Proration;
  readonly lastOfTerm: boolean;
  readonly termToDateSubtotal: bigint | undefined;
  readonly contractId: string;
}): CommitmentTrueUp | undefined {
  const { commitment, currency, subtotal, proration } = input;
  let committed: bigint;
  let billed: bigint;
  if (commitment.trueUp === 'per_period') {
    const full = planDecimal(commitment.amountPerPeriod);
    committed =
      proration.days === proration.fullDays
        ? minorUnitsFromDecimal(full, currency)
        : roundToMinorUnits(full.times(proration.days).dividedBy(proration.fullDays), currency);
    billed = subtotal;
  } else {
    if (!input.lastOfTerm) return undefined;
    if (input.termToDateSubtotal === undefined) {
      throw new RatingInputMissingError(
        'term_to_date_required',
        `contract "${input.contractId}" has a term-end commitment: rating its last period needs termToDate.subtotal (the sum of the term's earlier invoice subtotals)`,
      );
    }
    committed = minorUnitsFromDecimal(commitment.amountForTerm, currency);
    billed = input.termToDateSubtotal + subtotal;
  }
  const amount = committed > billed ? committed - billed : 0n;
  return {
    amount,
    breakdown: [
      {
        kind: 'commitment',
        trueUp: commitment.trueUp,
        committed: formatMinorUnits(committed, currency),
        billed: formatMinorUnits(billed, currency),
        exactAmount: formatMinorUnits(amount, currency),
      },
    ],
  };
}

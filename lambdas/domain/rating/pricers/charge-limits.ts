import { MoneyDecimal, planDecimal } from '../../money/decimal';
import type { BreakdownRow, Proration } from '../breakdown';

import type { ChargeLimits } from '../../plans/plan-schema';

export type { ChargeLimits };

/**
 * Per-charge minimum and maximum per period, applied to the charge's exact
 * amount before the line is rounded. The minimum is prorated on a partial
 * period like a flat fee (it is a promise of spend for a period of service);
 * the maximum is not (it caps usage, and usage is never prorated).
 */
export function applyChargeLimits(
  exactAmount: MoneyDecimal,
  limits: ChargeLimits,
  proration: Proration,
): { exactAmount: MoneyDecimal; rows: BreakdownRow[] } {
  if (limits.minimum !== undefined) {
    const minimum = planDecimal(limits.minimum);
    const periodMinimum =
      proration.days === proration.fullDays ? minimum : minimum.times(proration.days).dividedBy(proration.fullDays);
    if (exactAmount.lessThan(periodMinimum)) {
      return {
        exactAmount: periodMinimum,
        rows: [
          {
            kind: 'charge_minimum',
            minimum: minimum.toFixed(),
            periodMinimum: periodMinimum.toFixed(),
            before: exactAmount.toFixed(),
            exactAmount: periodMinimum.minus(exactAmount).toFixed(),
          },
        ],
      };
    }
  }
  if (limits.maximum !== undefined) {
    const maximum = planDecimal(limits.maximum);
    if (exactAmount.greaterThan(maximum)) {
      return {
        exactAmount: maximum,
        rows: [
          {
            kind: 'charge_maximum',
            maximum: maximum.toFixed(),
            before: exactAmount.toFixed(),
            exactAmount: maximum.minus(exactAmount).toFixed(),
          },
        ],
      };
    }
  }
  return { exactAmount, rows: [] };
}

import { OUTBOUND_DETAIL_TYPES } from '../events/detail-types';
import { planDecimal, toDecimal, type MoneyDecimal } from '../money/decimal';
import { formatMinorUnits } from '../money/format-money';
import { minorUnitsFromDecimal } from '../money/minor-units';
import type { Cap, SpendAlerts } from '../plans/spend-alerts-schema';
import type { SpendToDate } from './spend-to-date';

// Which configured thresholds an open period has reached. Pure and
// stateless: it lists every threshold at or past its level now; "exactly once
// per contract, period and threshold" is the caller's fired marker, keyed by
// `thresholdId`. So a level crossed and then dropped below (a reversal) and
// crossed again is the same threshold and never fires twice.

export type SpendAlertDetailType =
  | typeof OUTBOUND_DETAIL_TYPES.usageThresholdReached
  | typeof OUTBOUND_DETAIL_TYPES.spendThresholdReached
  | typeof OUTBOUND_DETAIL_TYPES.creditBalanceLow
  | typeof OUTBOUND_DETAIL_TYPES.capReached;

export interface ReachedThreshold {
  /** Stable within a contract and period: "usage:resolutions:500", "spend:amount:1500.00", "spend:percent:80", "credits:200.00", "cap:metric:resolutions", "cap:spend". */
  readonly thresholdId: string;
  readonly detailType: SpendAlertDetailType;
  /** The event detail without the contract, period and cutoff fields the caller adds. */
  readonly figures: Readonly<Record<string, string | null>>;
}

/** The alerts in force: each key the contract sets replaces the plan version's. */
export function alertsInForce(planAlerts: SpendAlerts | undefined, contractAlerts: SpendAlerts | undefined): SpendAlerts {
  return { ...(planAlerts ?? {}), ...(contractAlerts ?? {}) };
}

/** A canonical text for a level, so "500", "500.0" and 500 name one threshold. */
function levelKey(level: string): string {
  return planDecimal(level).toFixed();
}

/** The measured quantity of each plan metric in the draft (the first line that reads it: every line of a metric measures it alike). */
export function quantitiesByMetric(spend: Pick<SpendToDate, 'usage'>): Map<string, MoneyDecimal> {
  const quantities = new Map<string, MoneyDecimal>();
  for (const row of spend.usage) if (!quantities.has(row.metric)) quantities.set(row.metric, toDecimal(row.quantity));
  return quantities;
}

export function reachedThresholds(input: {
  readonly alerts: SpendAlerts;
  readonly caps: readonly Cap[];
  readonly spend: Pick<SpendToDate, 'usage' | 'commitment' | 'creditsLeft'> & {
    readonly draft: Pick<SpendToDate['draft'], 'subtotal' | 'currency'> & { readonly spendCap?: SpendToDate['draft']['spendCap'] };
  };
}): ReachedThreshold[] {
  const { alerts, caps, spend } = input;
  const currency = spend.draft.currency;
  const money = (minor: bigint) => formatMinorUnits(minor, currency);
  const subtotal = spend.draft.subtotal;
  const quantities = quantitiesByMetric(spend);
  const reached: ReachedThreshold[] = [];

  for (const alert of alerts.usage ?? []) {
    const quantity = quantities.get(alert.metric);
    if (quantity === undefined) continue;
    for (const level of alert.levels) {
      if (quantity.gte(planDecimal(level))) {
        reached.push({
          thresholdId: `usage:${alert.metric}:${levelKey(level)}`,
          detailType: OUTBOUND_DETAIL_TYPES.usageThresholdReached,
          figures: { metric: alert.metric, level: levelKey(level), quantity: quantity.toFixed() },
        });
      }
    }
  }

  for (const alert of alerts.spend ?? []) {
    if ('amount' in alert) {
      const level = minorUnitsFromDecimal(alert.amount, currency);
      if (subtotal >= level) {
        reached.push({
          thresholdId: `spend:amount:${money(level)}`,
          detailType: OUTBOUND_DETAIL_TYPES.spendThresholdReached,
          figures: { currency, level: money(level), percentOfCommitment: null, amount: money(subtotal) },
        });
      }
      continue;
    }
    // A percentage of nothing is no level: without a commitment (or with a zero one) it never fires.
    const commitment = spend.commitment;
    if (!commitment || commitment.committed === 0n) continue;
    const percent = planDecimal(alert.percentOfCommitment);
    if (toDecimal(commitment.burned).times(100).gte(toDecimal(commitment.committed).times(percent))) {
      const level = toDecimal(commitment.committed).times(percent).dividedBy(100);
      reached.push({
        thresholdId: `spend:percent:${percent.toFixed()}`,
        detailType: OUTBOUND_DETAIL_TYPES.spendThresholdReached,
        figures: { currency, level: level.toFixed(), percentOfCommitment: percent.toFixed(), amount: money(commitment.burned) },
      });
    }
  }

  if (alerts.creditBalanceBelow !== undefined && spend.creditsLeft !== null) {
    const level = minorUnitsFromDecimal(alerts.creditBalanceBelow, currency);
    if (spend.creditsLeft < level) {
      reached.push({
        thresholdId: `credits:${money(level)}`,
        detailType: OUTBOUND_DETAIL_TYPES.creditBalanceLow,
        figures: { currency, level: money(level), creditsLeft: money(spend.creditsLeft) },
      });
    }
  }

  for (const cap of caps) {
    if ('metric' in cap) {
      const quantity = quantities.get(cap.metric);
      if (quantity !== undefined && quantity.gte(planDecimal(cap.quantity))) {
        reached.push({
          thresholdId: `cap:metric:${cap.metric}`,
          detailType: OUTBOUND_DETAIL_TYPES.capReached,
          figures: { metric: cap.metric, cap: levelKey(cap.quantity), reached: quantity.toFixed(), currency },
        });
      }
    } else {
      const level = minorUnitsFromDecimal(cap.spend, currency);
      if (subtotal >= level) {
        // Rating holds the subtotal at the cap; what the charges came to before it is the figure reached.
        const before = spend.draft.spendCap?.subtotalBefore ?? subtotal;
        reached.push({
          thresholdId: 'cap:spend',
          detailType: OUTBOUND_DETAIL_TYPES.capReached,
          figures: { metric: null, cap: money(level), reached: money(before), currency },
        });
      }
    }
  }
  return reached;
}

/**
 * The usage-drop rule: the last complete day's quantity is below
 * `belowPercentOfBaseline` % of the average of the `baselineDays` days before
 * it. `dailyQuantities` holds those days, oldest first, the day measured
 * last. A customer with no baseline (all zero) has not dropped.
 */
export function usageDropped(input: { readonly dailyQuantities: readonly string[]; readonly baselineDays: number; readonly belowPercentOfBaseline: string }): {
  readonly dropped: boolean;
  readonly dayQuantity: string;
  readonly baselineDailyAverage: string;
} {
  const days = input.dailyQuantities.slice(-(input.baselineDays + 1));
  const measured = toDecimal(days.at(-1) ?? '0');
  const baseline = days.slice(0, -1);
  const total = baseline.reduce((sum, day) => sum.plus(toDecimal(day)), toDecimal('0'));
  // Too little history for the stated baseline: no verdict rather than a false alarm.
  if (baseline.length < input.baselineDays || total.isZero()) {
    return { dropped: false, dayQuantity: measured.toFixed(), baselineDailyAverage: baseline.length === 0 ? '0' : total.dividedBy(baseline.length).toFixed() };
  }
  const average = total.dividedBy(input.baselineDays);
  // measured < average × percent / 100, kept exact by multiplying out.
  const dropped = measured.times(100).lt(total.times(planDecimal(input.belowPercentOfBaseline)).dividedBy(input.baselineDays));
  return { dropped, dayQuantity: measured.toFixed(), baselineDailyAverage: average.toFixed() };
}

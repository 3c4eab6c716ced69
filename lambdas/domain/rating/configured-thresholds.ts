import type { CurrencyCode } from '../money/currencies';
import { planDecimal } from '../money/decimal';
import { formatMinorUnits } from '../money/format-money';
import { minorUnitsFromDecimal } from '../money/minor-units';
import type { Cap, SpendAlerts } from '../plans/spend-alerts-schema';

// Every threshold a contract has configured for a period, named by the same
// threshold id `reachedThresholds` gives when it is reached and the fired
// marker keeps, so a view can list each level with whether and when it fired.

export interface ConfiguredThreshold {
  readonly thresholdId: string;
  readonly kind: 'usage' | 'spend' | 'credits' | 'cap';
  /** What is watched and at which level, for people: "resolutions at 500", "spend at 80% of the commitment". */
  readonly description: string;
}

export function configuredThresholds(input: { readonly alerts: SpendAlerts; readonly caps: readonly Cap[]; readonly currency: CurrencyCode }): ConfiguredThreshold[] {
  const { alerts, caps, currency } = input;
  const money = (amount: string) => formatMinorUnits(minorUnitsFromDecimal(amount, currency), currency);
  const thresholds: ConfiguredThreshold[] = [];
  for (const alert of alerts.usage ?? []) {
    for (const level of alert.levels) {
      const key = planDecimal(level).toFixed();
      thresholds.push({ thresholdId: `usage:${alert.metric}:${key}`, kind: 'usage', description: `${alert.metric} at ${key}` });
    }
  }
  for (const alert of alerts.spend ?? []) {
    if ('amount' in alert) {
      thresholds.push({ thresholdId: `spend:amount:${money(alert.amount)}`, kind: 'spend', description: `spend at ${money(alert.amount)} ${currency}` });
    } else {
      const percent = planDecimal(alert.percentOfCommitment).toFixed();
      thresholds.push({ thresholdId: `spend:percent:${percent}`, kind: 'spend', description: `spend at ${percent}% of the commitment` });
    }
  }
  if (alerts.creditBalanceBelow !== undefined) {
    const level = money(alerts.creditBalanceBelow);
    thresholds.push({ thresholdId: `credits:${level}`, kind: 'credits', description: `prepaid credits below ${level} ${currency}` });
  }
  for (const cap of caps) {
    if ('metric' in cap) thresholds.push({ thresholdId: `cap:metric:${cap.metric}`, kind: 'cap', description: `${cap.metric} capped at ${planDecimal(cap.quantity).toFixed()}` });
    else thresholds.push({ thresholdId: 'cap:spend', kind: 'cap', description: `spend capped at ${money(cap.spend)} ${currency}` });
  }
  return thresholds;
}

import { z } from 'zod';
import { MoneyAmountSchema, QuantitySchema, decimalOrUndefined } from '../money';

// What a plan version or a contract asks to be told about while a period is
// open, and what a contract refuses to bill past. Metrics are the plan's
// metric codes (the quantities `spend` shows); amounts are in the contract's
// currency, major units. Plan and contract schemas import this file (not
// the other way round); they check metric codes against the version's metrics
// and amounts against the currency.

const MetricCodeSchema = z.string({ error: 'expected a plan metric code' }).min(1).max(64);

/** A metric's quantity levels: each fires 'Usage Threshold Reached' once per period when reached. */
export const UsageAlertSchema = z.strictObject({
  metric: MetricCodeSchema,
  levels: z.array(QuantitySchema).min(1, { error: 'give at least one level' }),
});

/** A spend level: a fixed amount, or a percentage of the period's commitment (above 100 allowed). */
export const SpendAlertSchema = z.union(
  [z.strictObject({ amount: MoneyAmountSchema }), z.strictObject({ percentOfCommitment: QuantitySchema })],
  { error: 'expected { amount: "1500.00" } or { percentOfCommitment: "80" }' },
);

/** A metric's daily rate below this share of the customer's own trailing daily average. */
export const UsageDropAlertSchema = z.strictObject({
  metric: MetricCodeSchema,
  /** Percentage of the baseline daily rate, e.g. "50". */
  belowPercentOfBaseline: QuantitySchema,
  /** Complete days before the day measured that make the baseline. */
  baselineDays: z.int({ error: 'expected a whole number of days' }).min(1).max(90),
});

export const SpendAlertsSchema = z.strictObject({
  usage: z.array(UsageAlertSchema).optional(),
  spend: z.array(SpendAlertSchema).optional(),
  /** Prepaid credits left below this amount fires 'Credit Balance Low'. */
  creditBalanceBelow: MoneyAmountSchema.optional(),
  usageDrop: UsageDropAlertSchema.optional(),
});
export type SpendAlerts = z.infer<typeof SpendAlertsSchema>;
export type SpendAlert = z.infer<typeof SpendAlertSchema>;

/**
 * A hard cap: a metric's billable quantity, or the period's spend (the sum of
 * the charge lines). Outcomes past a cap are recorded and shown, not billed.
 */
export const CapSchema = z.union(
  [z.strictObject({ metric: MetricCodeSchema, quantity: QuantitySchema }), z.strictObject({ spend: MoneyAmountSchema })],
  { error: 'expected { metric: resolutions, quantity: "1000" } or { spend: "5000.00" }' },
);
export type Cap = z.infer<typeof CapSchema>;

type IssueSink = { addIssue: (issue: { code: 'custom'; path: PropertyKey[]; message: string }) => void };
/** The plan schema's check that a fixed amount fits the currency, passed in (plans import this file). */
type AmountCheck = (value: unknown, path: PropertyKey[]) => void;

/** Checks levels for repeats and zeros, and amounts with `checkAmount` (refinements see unvalidated input: stay defensive). */
export function checkSpendAlerts(alerts: SpendAlerts | undefined, checkAmount: AmountCheck | undefined, path: PropertyKey[], ctx: IssueSink): void {
  if (!alerts || typeof alerts !== 'object') return;
  if (Array.isArray(alerts.usage)) {
    const metrics = new Set<string>();
    alerts.usage.forEach((alert, index) => {
      if (metrics.has(alert.metric)) ctx.addIssue({ code: 'custom', path: [...path, 'usage', index, 'metric'], message: `metric "${alert.metric}" has two usage alerts: list all its levels in one` });
      metrics.add(alert.metric);
      if (!Array.isArray(alert.levels)) return;
      const seen = new Set<string>();
      alert.levels.forEach((level, levelIndex) => {
        const value = decimalOrUndefined(level);
        if (value === undefined) return;
        if (value.isZero()) ctx.addIssue({ code: 'custom', path: [...path, 'usage', index, 'levels', levelIndex], message: 'must be greater than 0' });
        if (seen.has(value.toFixed())) ctx.addIssue({ code: 'custom', path: [...path, 'usage', index, 'levels', levelIndex], message: `level ${level} is listed twice` });
        seen.add(value.toFixed());
      });
    });
  }
  if (checkAmount !== undefined) checkSpendAlertAmounts(alerts, checkAmount, path);
  if (alerts.usageDrop && decimalOrUndefined(alerts.usageDrop.belowPercentOfBaseline)?.isZero() === true) {
    ctx.addIssue({ code: 'custom', path: [...path, 'usageDrop', 'belowPercentOfBaseline'], message: 'must be greater than 0' });
  }
}

/** The alerts' fixed amounts against the currency (a plan checks them where its currency is known). */
export function checkSpendAlertAmounts(alerts: SpendAlerts | undefined, checkAmount: AmountCheck, path: PropertyKey[]): void {
  if (!alerts || typeof alerts !== 'object') return;
  if (Array.isArray(alerts.spend)) {
    alerts.spend.forEach((alert, index) => {
      if ('amount' in alert) checkAmount(alert.amount, [...path, 'spend', index, 'amount']);
    });
  }
  checkAmount(alerts.creditBalanceBelow, [...path, 'creditBalanceBelow']);
}

/** Caps: one per metric, at most one spend cap, amounts that fit the currency. */
export function checkCaps(caps: readonly Cap[] | undefined, checkAmount: AmountCheck | undefined, path: PropertyKey[], ctx: IssueSink): void {
  if (!Array.isArray(caps)) return;
  const seen = new Set<string>();
  caps.forEach((cap, index) => {
    const key = 'metric' in cap ? `metric ${cap.metric}` : 'spend';
    if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [...path, index], message: `${key === 'spend' ? 'spend' : `metric "${(cap as { metric: string }).metric}"`} is capped twice` });
    seen.add(key);
    if ('spend' in cap && checkAmount !== undefined) checkAmount(cap.spend, [...path, index, 'spend']);
  });
}

/** Metric codes the alerts and caps name, with their paths, for checking against a plan version's metrics. */
export function metricReferences(alerts: SpendAlerts | undefined, caps: readonly Cap[] | undefined, alertsPath: PropertyKey[], capsPath: PropertyKey[]): { metric: string; path: PropertyKey[] }[] {
  const references: { metric: string; path: PropertyKey[] }[] = [];
  if (alerts && Array.isArray(alerts.usage)) alerts.usage.forEach((alert, index) => references.push({ metric: alert.metric, path: [...alertsPath, 'usage', index, 'metric'] }));
  if (alerts?.usageDrop) references.push({ metric: alerts.usageDrop.metric, path: [...alertsPath, 'usageDrop', 'metric'] });
  if (Array.isArray(caps)) caps.forEach((cap, index) => 'metric' in cap && references.push({ metric: cap.metric, path: [...capsPath, index, 'metric'] }));
  return references;
}

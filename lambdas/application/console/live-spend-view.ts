// A contract's open period as finance and the customer see it: the spend to
// date `outcome-engine spend` reports (the invoice-preview draft, commitment
// burn, credits left, forecast), each configured alert and cap level with
// whether it is reached now and when its marker fired, each cap's status as
// `caps check` answers it, and the period's threshold invoices with what is
// still unbilled. Nothing is rated here beyond the one `spend` call.
import { unbilledSpend } from '../../domain/invoicing/threshold-invoice';
import { toDecimal } from '../../domain/money/decimal';
import { minorUnitsFromDecimal } from '../../domain/money/minor-units';
import { billingScheduleForContract, planVersionForContract } from '../../domain/plans/contract-plan';
import { periodContainingIfInTerm } from '../../domain/periods/billing-period';
import { configuredThresholds, type ConfiguredThreshold } from '../../domain/rating/configured-thresholds';
import { serializeAmount, type SerializedAmount } from '../../domain/rating/draft-invoice';
import { serializeSpend, type SerializedSpend } from '../../domain/rating/serialize-spend';
import { alertsInForce, quantitiesByMetric, reachedThresholds } from '../../domain/rating/spend-alert-rules';
import { listThresholdRecords } from '../billing/close-contract-period';
import { loadContract } from '../billing/rate-for-invoice';
import { metricCapStatus, spendCapStatus } from '../plans/check-cap-allowance';
import { reportSpend } from '../plans/report-spend';
import type { ConsoleLiveSpend } from './ports';

/** One alert or cap level of the period. */
export interface AlertLevel extends ConfiguredThreshold {
  /** False for a marker that fired under a level the plan or contract no longer sets. */
  readonly configured: boolean;
  /** At or past its level on the figures read now. */
  readonly reachedNow: boolean;
  /** When its marker was written (the alert fired once for the period); null when it has not fired. */
  readonly firedAt: string | null;
  /** Whether the bus accepted its event; null when it has not fired. */
  readonly published: boolean | null;
}

/** A cap as `caps check` answers it now. */
export interface CapStatus {
  readonly thresholdId: string;
  readonly kind: 'metric' | 'spend';
  /** The plan metric of a metric cap; null for the spend cap. */
  readonly metric: string | null;
  /** The cap: a quantity, or an amount in `currency`. */
  readonly cap: string;
  /** The metric's quantity, or the rated charges, to date. */
  readonly usedToDate: string;
  /** What is left before the cap (never negative). */
  readonly remaining: string;
  readonly currency: string | null;
  /** `caps check --quantity 1` for a metric cap; for the spend cap, whether the charges to date are still below it. */
  readonly allowsMore: boolean;
  /** Why it refuses, as `caps check` says it; null while it allows. */
  readonly reason: string | null;
}

export interface ThresholdInvoicingStatus {
  readonly threshold: SerializedAmount;
  /** The period's threshold invoices, in sequence order. */
  readonly invoices: readonly { invoiceRecordId: string; sequence: number; total: SerializedAmount; status: string | null }[];
  /** What they billed, and the spend to date not billed by any of them (what the threshold is compared with). */
  readonly billed: SerializedAmount;
  readonly unbilled: SerializedAmount;
}

export type LiveSpendView =
  | {
      readonly contractId: string;
      readonly customerId: string;
      readonly open: true;
      readonly periodId: string;
      readonly asOf: string;
      readonly spend: SerializedSpend;
      readonly alerts: readonly AlertLevel[];
      readonly caps: readonly CapStatus[];
      /** Null when the contract has no thresholdInvoicing. */
      readonly thresholdInvoicing: ThresholdInvoicingStatus | null;
    }
  | { readonly contractId: string; readonly customerId: string; readonly open: false; readonly asOf: string; readonly message: string };

/** The open period of a contract now; `open: false` outside its term. */
export async function liveSpendView(deps: ConsoleLiveSpend & { readonly now: () => Date }, contractId: string): Promise<LiveSpendView> {
  const contract = await loadContract(deps.contracts, contractId);
  const now = deps.now();
  const asOf = now.toISOString();
  const period = periodContainingIfInTerm(billingScheduleForContract(contract), now);
  if (period === undefined) {
    return { contractId, customerId: contract.customerId, open: false, asOf, message: `no period of the term ${contract.termStart} – ${contract.termEnd} is open at ${asOf}` };
  }
  const spend = await reportSpend(deps, { contractId, asOf: now });
  const currency = contract.currency;
  const plan = await deps.contracts.getPlan(contract.plan.code);
  const planAlerts = plan ? planVersionForContract(plan, contract, period.startDate).alerts : undefined;
  const alerts = alertsInForce(planAlerts, contract.alerts);
  const caps = contract.caps ?? [];
  const reached = new Set(reachedThresholds({ alerts, caps, spend }).map((threshold) => threshold.thresholdId));
  const fired = new Map((await deps.fired.listFired(contractId, period.id)).map((marker) => [marker.thresholdId, marker]));
  const configured = configuredThresholds({ alerts, caps, currency });
  const levels: AlertLevel[] = configured.map((threshold) => {
    const marker = fired.get(threshold.thresholdId);
    return { ...threshold, configured: true, reachedNow: reached.has(threshold.thresholdId), firedAt: marker?.firedAt ?? null, published: marker?.published ?? null };
  });
  for (const marker of fired.values()) {
    if (configured.some((threshold) => threshold.thresholdId === marker.thresholdId)) continue;
    const kind = marker.thresholdId.split(':')[0] as AlertLevel['kind'];
    levels.push({ thresholdId: marker.thresholdId, kind, description: `${marker.detailType} (level no longer set)`, configured: false, reachedNow: false, firedAt: marker.firedAt, published: marker.published });
  }

  const quantities = quantitiesByMetric(spend);
  const capStatuses: CapStatus[] = [];
  for (const cap of caps) {
    if ('metric' in cap) {
      const used = quantities.get(cap.metric) ?? toDecimal('0');
      const status = metricCapStatus(contract, cap.metric, used, toDecimal('1'));
      if (!status) continue;
      capStatuses.push({
        thresholdId: `cap:metric:${cap.metric}`,
        kind: 'metric',
        metric: cap.metric,
        cap: status.view.cap,
        usedToDate: used.toFixed(),
        remaining: status.view.remaining,
        currency: null,
        allowsMore: status.reason === null,
        reason: status.reason,
      });
    } else {
      const status = spendCapStatus(contract, spend.draft.subtotal);
      if (!status) continue;
      const capMinor = minorUnitsFromDecimal(cap.spend, currency);
      const left = capMinor > spend.draft.subtotal ? capMinor - spend.draft.subtotal : 0n;
      capStatuses.push({
        thresholdId: 'cap:spend',
        kind: 'spend',
        metric: null,
        cap: status.view.cap,
        usedToDate: status.view.spentToDate,
        remaining: serializeAmount(left, currency).decimal,
        currency,
        allowsMore: status.reason === null,
        reason: status.reason,
      });
    }
  }

  let thresholdInvoicing: ThresholdInvoicingStatus | null = null;
  if (contract.thresholdInvoicing) {
    const records = await listThresholdRecords(deps.invoices, contractId, period.id);
    const unbilled = unbilledSpend(spend.draft, records);
    const invoices = await Promise.all(
      records.map(async (record, index) => ({
        invoiceRecordId: record.invoiceRecordId,
        sequence: record.thresholdOf?.sequence ?? index + 1,
        total: serializeAmount(record.total, currency),
        status: (await deps.invoices.getStatus(contractId, record.periodId))?.status ?? null,
      })),
    );
    thresholdInvoicing = {
      threshold: serializeAmount(minorUnitsFromDecimal(contract.thresholdInvoicing.amount, currency), currency),
      invoices,
      billed: serializeAmount(unbilled.billed, currency),
      unbilled: serializeAmount(unbilled.unbilled, currency),
    };
  }
  return {
    contractId,
    customerId: contract.customerId,
    open: true,
    periodId: period.id,
    asOf,
    spend: serializeSpend(spend),
    alerts: levels,
    caps: capStatuses,
    thresholdInvoicing,
  };
}

/**
 * The customer's own view of it: spend against the commitment and caps, the
 * alerts that fired for it, its threshold invoices. Levels that have not
 * fired are the seller's settings and stay off the portal.
 */
export function portalLiveSpend(view: LiveSpendView): LiveSpendView {
  if (!view.open) return view;
  return { ...view, alerts: view.alerts.filter((level) => level.firedAt !== null) };
}

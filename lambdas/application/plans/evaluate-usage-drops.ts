import { ENGINE_EVENT_SOURCE, OUTBOUND_DETAIL_TYPES } from '../../domain/events/detail-types';
import { UsageDroppedDetailSchema } from '../../domain/events/spend-alert-events';
import { EngineError } from '../../domain/errors/engine-error';
import { periodContainingIfInTerm, type BillingPeriod } from '../../domain/periods/billing-period';
import { completeDaysBefore } from '../../domain/periods/local-days';
import { billingScheduleForContract, planVersionForContract } from '../../domain/plans/contract-plan';
import type { Contract } from '../../domain/plans/contract-schema';
import { indexUsage, measureMetric } from '../../domain/rating/measure-usage';
import { alertsInForce, usageDropped } from '../../domain/rating/spend-alert-rules';
import { usageRequirementsFor } from '../../domain/rating/usage-requirements';
import { mapWithConcurrency } from '../../shared/map-with-concurrency';
import type { EventPublisher } from '../ports';
import type { UsageWindowReader } from '../usage/ports';
import type { FiredAlertStore, PlanStore } from './ports';

// Once a day: for each contract whose plan version or contract sets
// `alerts.usageDrop`, the rule's metric is measured on each of the last
// `baselineDays + 1` complete days (the contract's time zone, through the
// usage rollups) and `usageDropped` decides. A drop fires 'Usage Dropped'
// once per contract, metric and day: a marker (the spend alerts' fired-alert
// store, threshold id `usage-drop:<metric>:<day>`) is claimed before the
// event is published, and a marker still unpublished (a publish that failed)
// is published by the next run, which fails while it cannot.

export interface EvaluateUsageDropsDeps {
  readonly contracts: Pick<PlanStore, 'listContracts' | 'getPlan'>;
  readonly usage: UsageWindowReader;
  readonly fired: FiredAlertStore;
  readonly events: EventPublisher;
  readonly now: () => Date;
  /** Contracts evaluated at once. @default 4 */
  readonly concurrency?: number;
}

export interface EvaluateUsageDropsResult {
  /** Contracts with a usage-drop rule in force in their open period. */
  readonly evaluated: number;
  /** Contracts whose measured day dropped (newly or already marked). */
  readonly dropped: number;
  /** 'Usage Dropped' events published by this call (newly fired, or owed from a failed publish). */
  readonly published: number;
  /** Contracts whose usage cannot be measured (an error no retry fixes); reported, not retried. */
  readonly notEvaluated: ReadonlyArray<{ readonly contractId: string; readonly error: EngineError }>;
}

export const USAGE_DROP_THRESHOLD_PREFIX = 'usage-drop:';

function openPeriod(contract: Contract, now: Date): BillingPeriod | undefined {
  return periodContainingIfInTerm(billingScheduleForContract(contract), now);
}

async function evaluateContract(deps: EvaluateUsageDropsDeps, contract: Contract, now: Date): Promise<{ evaluated: boolean; dropped: boolean; published: number }> {
  const skipped = { evaluated: false, dropped: false, published: 0 };
  const period = openPeriod(contract, now);
  if (!period) return skipped;
  const plan = await deps.contracts.getPlan(contract.plan.code);
  if (!plan) return skipped;
  const planVersion = planVersionForContract(plan, contract, period.startDate);
  const rule = alertsInForce(planVersion.alerts, contract.alerts).usageDrop;
  const metric = rule ? planVersion.metrics.find((candidate) => candidate.code === rule.metric) : undefined;
  if (!rule || !metric) return skipped;

  const asOf = now.toISOString();
  const requirements = usageRequirementsFor(planVersion).filter((requirement) => requirement.ledgerMetric === metric.ledgerMetric);
  const days = completeDaysBefore(now, contract.timeZone, rule.baselineDays + 1);
  const dailyQuantities = await mapWithConcurrency(days, 4, async (day) => {
    const usage = await deps.usage.readUsage({ customerId: contract.customerId, requirements, from: day.start, to: day.end, asOf });
    const context = { currency: contract.currency, customerId: contract.customerId, from: day.start, to: day.end, asOf, missingUsage: 'zero' as const };
    return measureMetric(metric, indexUsage(usage), context, false).quantity.toFixed();
  });
  const verdict = usageDropped({ dailyQuantities, baselineDays: rule.baselineDays, belowPercentOfBaseline: rule.belowPercentOfBaseline });
  const measuredDay = days.at(-1)?.date ?? '';
  if (verdict.dropped) {
    const thresholdId = `${USAGE_DROP_THRESHOLD_PREFIX}${metric.code}:${measuredDay}`;
    // The published shape is the documented one, or nothing is published.
    const detail = UsageDroppedDetailSchema.parse({
      schemaVersion: 1,
      contractId: contract.contractId,
      customerId: contract.customerId,
      periodId: period.id,
      thresholdId,
      asOf,
      metric: metric.code,
      day: measuredDay,
      dayQuantity: verdict.dayQuantity,
      baselineDailyAverage: verdict.baselineDailyAverage,
      baselineDays: rule.baselineDays,
      belowPercentOfBaseline: rule.belowPercentOfBaseline,
    });
    await deps.fired.claim({
      contractId: contract.contractId,
      periodId: period.id,
      thresholdId,
      detailType: OUTBOUND_DETAIL_TYPES.usageDropped,
      detail,
      firedAt: asOf,
      published: false,
    });
  }
  // Only this rule's markers: the spend alerts publish their own after each stream batch.
  const owed = (await deps.fired.listUnpublished(contract.contractId, period.id)).filter((alert) => alert.thresholdId.startsWith(USAGE_DROP_THRESHOLD_PREFIX));
  if (owed.length > 0) {
    await deps.events.publish(owed.map((alert) => ({ source: ENGINE_EVENT_SOURCE, detailType: alert.detailType, detail: alert.detail })));
    for (const alert of owed) await deps.fired.markPublished(alert);
  }
  return { evaluated: true, dropped: verdict.dropped, published: owed.length };
}

/**
 * Evaluates every contract's usage-drop rule now. A platform failure is
 * thrown after every contract was tried, so the run is retried and publishes
 * what it owes; a contract whose usage cannot be measured is reported.
 */
export async function evaluateUsageDrops(deps: EvaluateUsageDropsDeps): Promise<EvaluateUsageDropsResult> {
  const now = deps.now();
  const contracts = (await deps.contracts.listContracts()).map((stored) => stored.contract);
  let evaluated = 0;
  let dropped = 0;
  let published = 0;
  const notEvaluated: { contractId: string; error: EngineError }[] = [];
  const failures: unknown[] = [];
  await mapWithConcurrency(contracts, deps.concurrency ?? 4, async (contract) => {
    try {
      const result = await evaluateContract(deps, contract, now);
      if (result.evaluated) evaluated += 1;
      if (result.dropped) dropped += 1;
      published += result.published;
    } catch (error) {
      if (error instanceof EngineError && !error.retryable) notEvaluated.push({ contractId: contract.contractId, error });
      else failures.push(error);
    }
  });
  if (failures.length > 0) throw failures[0];
  return { evaluated, dropped, published, notEvaluated };
}

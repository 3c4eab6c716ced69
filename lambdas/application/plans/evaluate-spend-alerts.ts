import { ENGINE_EVENT_SOURCE, OUTBOUND_DETAIL_TYPES } from '../../domain/events/detail-types';
import {
  CapReachedDetailSchema,
  CreditBalanceLowDetailSchema,
  SpendThresholdReachedDetailSchema,
  UsageThresholdReachedDetailSchema,
} from '../../domain/events/spend-alert-events';
import { billingScheduleForContract, planVersionForContract } from '../../domain/plans/contract-plan';
import type { Contract } from '../../domain/plans/contract-schema';
import { periodContainingIfInTerm, type BillingPeriod } from '../../domain/periods/billing-period';
import { alertsInForce, reachedThresholds, type ReachedThreshold } from '../../domain/rating/spend-alert-rules';
import { EngineError } from '../../domain/errors/engine-error';
import type { EventPublisher } from '../ports';
import type { ContractDirectory } from '../billing/ports';
import type { FiredAlertStore } from './ports';
import { reportSpend, type ReportSpendDeps } from './report-spend';

// After a batch of ledger changes is folded into the rollups: for each
// customer the batch touched, each of its contracts with alerts or caps is
// read as `spend` reads it (the invoice-preview draft through the rollups) and
// the thresholds it has reached are fired once per contract, period and
// threshold. A marker is claimed before the event is published; any marker
// still unpublished (a publish that failed, on this run or an earlier one) is
// published before returning, and a publish failure fails the call so the
// batch is retried and nothing is lost.

export interface EvaluateSpendAlertsDeps extends ReportSpendDeps {
  readonly directory: ContractDirectory;
  readonly fired: FiredAlertStore;
  readonly events: EventPublisher;
}

export interface EvaluateSpendAlertsResult {
  /** Contracts with alerts or caps that were evaluated. */
  readonly evaluated: number;
  /** Events published by this call (newly fired, or owed from an earlier failed publish). */
  readonly published: number;
  /**
   * Contracts that could not be rated (an error no retry fixes: a contract or
   * plan period close refuses too). They are reported, not retried, so the
   * ledger stream never stalls on them.
   */
  readonly notRated: ReadonlyArray<{ readonly contractId: string; readonly error: EngineError }>;
}

const DETAIL_SCHEMAS = {
  [OUTBOUND_DETAIL_TYPES.usageThresholdReached]: UsageThresholdReachedDetailSchema,
  [OUTBOUND_DETAIL_TYPES.spendThresholdReached]: SpendThresholdReachedDetailSchema,
  [OUTBOUND_DETAIL_TYPES.creditBalanceLow]: CreditBalanceLowDetailSchema,
  [OUTBOUND_DETAIL_TYPES.capReached]: CapReachedDetailSchema,
} as const;

function hasAlerts(contract: Contract, planAlerts: ReturnType<typeof alertsInForce>): boolean {
  const alerts = alertsInForce(planAlerts, contract.alerts);
  return (contract.caps ?? []).length > 0 || (alerts.usage ?? []).length > 0 || (alerts.spend ?? []).length > 0 || alerts.creditBalanceBelow !== undefined;
}

/** The period open at `now`, or undefined when `now` is outside the contract's term (nothing to alert on). */
function openPeriod(contract: Contract, now: Date): BillingPeriod | undefined {
  return periodContainingIfInTerm(billingScheduleForContract(contract), now);
}

function eventDetail(contract: Contract, periodId: string, asOf: string, threshold: ReachedThreshold): Record<string, unknown> {
  const detail = {
    schemaVersion: 1,
    contractId: contract.contractId,
    customerId: contract.customerId,
    periodId,
    thresholdId: threshold.thresholdId,
    asOf,
    ...threshold.figures,
  };
  // The published shape is the documented one, or nothing is published.
  return DETAIL_SCHEMAS[threshold.detailType].parse(detail);
}

async function evaluateContract(deps: EvaluateSpendAlertsDeps, contractId: string, now: Date): Promise<{ evaluated: boolean; published: number }> {
  const contract = await deps.contracts.getContract(contractId);
  if (!contract) return { evaluated: false, published: 0 };
  const period = openPeriod(contract, now);
  if (!period) return { evaluated: false, published: 0 };
  const plan = await deps.contracts.getPlan(contract.plan.code);
  if (!plan) return { evaluated: false, published: 0 };
  const planVersion = planVersionForContract(plan, contract, period.startDate);
  if (!hasAlerts(contract, planVersion.alerts ?? {})) return { evaluated: false, published: 0 };

  const spend = await reportSpend(deps, { contractId, asOf: now });
  const asOf = now.toISOString();
  const reached = reachedThresholds({ alerts: alertsInForce(planVersion.alerts, contract.alerts), caps: contract.caps ?? [], spend });
  for (const threshold of reached) {
    await deps.fired.claim({
      contractId,
      periodId: period.id,
      thresholdId: threshold.thresholdId,
      detailType: threshold.detailType,
      detail: eventDetail(contract, period.id, asOf, threshold),
      firedAt: asOf,
      published: false,
    });
  }
  // Newly claimed and earlier unpublished alike: what is owed is published now.
  const owed = await deps.fired.listUnpublished(contractId, period.id);
  if (owed.length > 0) {
    await deps.events.publish(owed.map((alert) => ({ source: ENGINE_EVENT_SOURCE, detailType: alert.detailType, detail: alert.detail })));
    for (const alert of owed) await deps.fired.markPublished(alert);
  }
  return { evaluated: true, published: owed.length };
}

export async function evaluateSpendAlerts(deps: EvaluateSpendAlertsDeps, customerIds: Iterable<string>): Promise<EvaluateSpendAlertsResult> {
  const now = deps.now();
  let evaluated = 0;
  let published = 0;
  const notRated: { contractId: string; error: EngineError }[] = [];
  for (const customerId of new Set(customerIds)) {
    for (const contractId of await deps.directory.contractIdsOfCustomer(customerId)) {
      try {
        const result = await evaluateContract(deps, contractId, now);
        if (result.evaluated) evaluated += 1;
        published += result.published;
      } catch (error) {
        // What a retry can fix (the platform failing) fails the batch, which is retried; a contract that cannot be rated is reported.
        if (error instanceof EngineError && !error.retryable) notRated.push({ contractId, error });
        else throw error;
      }
    }
  }
  return { evaluated, published, notRated };
}

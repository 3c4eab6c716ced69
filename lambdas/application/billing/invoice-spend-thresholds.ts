// Threshold invoicing: after usage changes (a batch of the ledger's stream
// applied to the rollups), or when asked (CLI, a schedule), each contract with
// `thresholdInvoicing` has its open period rated to date; once the spend no
// invoice has billed reaches the threshold, a threshold invoice for the
// period to date goes through the close path (immutable record, derived
// Stripe keys, reconciliation). The record's id is derived from the period
// and its number, and is put conditionally, so a retried batch or two
// evaluations at once issue it once.
import { planThresholdInvoice, unbilledSpend } from '../../domain/invoicing/threshold-invoice';
import { minorUnitsFromDecimal } from '../../domain/money/minor-units';
import { periodContainingIfInTerm } from '../../domain/periods/billing-period';
import { toUtcIsoString } from '../../domain/periods/local-date';
import { billingScheduleForContract } from '../../domain/plans/contract-plan';
import { mapWithConcurrency } from '../../shared/map-with-concurrency';
import { ThresholdInvoicingFailedError } from './billing-errors';
import { issueInvoiceRecord, listThresholdRecords, type BillingDeps, type ClosePeriodResult } from './close-contract-period';
import type { ContractDirectory } from './ports';
import { loadContract, rateForInvoice } from './rate-for-invoice';

export type ThresholdEvaluationOutcome =
  /** The contract has no thresholdInvoicing. */
  | 'not_configured'
  /** asOf is outside the term, or past the contract's cancellation. */
  | 'no_open_period'
  /** The period already has its period-end invoice: late usage is corrected against it instead. */
  | 'period_closed'
  | 'below_threshold'
  | 'issued';

export interface ThresholdEvaluation {
  readonly contractId: string;
  readonly outcome: ThresholdEvaluationOutcome;
  readonly periodId?: string;
  /** Minor units of the contract's currency. */
  readonly thresholdAmount?: bigint;
  readonly spendToDate?: bigint;
  /** Spend not billed by any threshold invoice, after this evaluation. */
  readonly unbilled?: bigint;
  /** Threshold invoices issued, or finished after an interruption, by this call. */
  readonly invoices: readonly ClosePeriodResult[];
}

export interface InvoiceSpendThresholdInput {
  readonly contractId: string;
  /** The ledger recordedAt cutoff to rate at, and the instant whose period is the open one (normally now). */
  readonly asOf: string;
}

/** Evaluates one contract's threshold now: issues its next threshold invoice if the unbilled spend reached it. */
export async function invoiceSpendThreshold(deps: BillingDeps, input: InvoiceSpendThresholdInput): Promise<ThresholdEvaluation> {
  const contract = await loadContract(deps.contracts, input.contractId);
  const { contractId } = contract;
  if (!contract.thresholdInvoicing) return { contractId, outcome: 'not_configured', invoices: [] };
  const asOf = toUtcIsoString(input.asOf);
  const period = periodContainingIfInTerm(billingScheduleForContract(contract), asOf);
  if (period === undefined) return { contractId, outcome: 'no_open_period', invoices: [] };
  if (contract.cancelledOn !== undefined && period.startDate >= contract.cancelledOn) {
    return { contractId, outcome: 'no_open_period', periodId: period.id, invoices: [] };
  }
  const thresholdAmount = minorUnitsFromDecimal(contract.thresholdInvoicing.amount, contract.currency);
  if (await deps.invoices.getRecord(contractId, period.id)) {
    return { contractId, outcome: 'period_closed', periodId: period.id, thresholdAmount, invoices: [] };
  }
  const thresholds = await listThresholdRecords(deps.invoices, contractId, period.id);
  const invoices: ClosePeriodResult[] = [];
  // One interrupted before Stripe had all of it is finished first (no call when already reconciled).
  for (const record of thresholds) {
    const status = await deps.invoices.getStatus(contractId, record.periodId);
    if (status?.status !== 'reconciled' && status?.status !== 'reconciliation_failed') invoices.push(await issueInvoiceRecord(deps, record, false));
  }
  const draft = await rateForInvoice(deps, {
    contract,
    periodId: period.id,
    asOf,
    now: deps.clock().toISOString(),
    earlierRecords: await deps.invoices.listRecords(contractId),
  });
  const planned = planThresholdInvoice({ draft, thresholdRecords: thresholds, thresholdAmount });
  if (!planned) {
    const spend = unbilledSpend(draft, thresholds);
    return { contractId, outcome: 'below_threshold', periodId: period.id, thresholdAmount, spendToDate: spend.spendToDate, unbilled: spend.unbilled, invoices };
  }
  const put = await deps.invoices.putRecord(planned);
  invoices.push(await issueInvoiceRecord(deps, put.value, put.created));
  const spend = unbilledSpend(draft, [...thresholds, put.value]);
  return { contractId, outcome: 'issued', periodId: period.id, thresholdAmount, spendToDate: spend.spendToDate, unbilled: spend.unbilled, invoices };
}

export interface InvoiceSpendThresholdsInput {
  /** Customers whose usage changed (a ledger stream batch). */
  readonly customerIds: readonly string[];
  readonly asOf: string;
  readonly concurrency?: number;
}

/**
 * Evaluates the threshold of every contract of the customers whose usage
 * changed. A failure is thrown after every contract was tried, so the
 * caller (the stream batch) is retried and evaluates again: an evaluation
 * that already issued its invoice issues nothing more.
 */
export async function invoiceSpendThresholds(
  deps: BillingDeps & { readonly directory: ContractDirectory },
  input: InvoiceSpendThresholdsInput,
): Promise<ThresholdEvaluation[]> {
  const contractIds = [...new Set((await Promise.all(input.customerIds.map((customerId) => deps.directory.contractIdsOfCustomer(customerId)))).flat())];
  const evaluations: ThresholdEvaluation[] = [];
  const failures: { contractId: string; error: unknown }[] = [];
  await mapWithConcurrency(contractIds, input.concurrency ?? 4, async (contractId) => {
    try {
      evaluations.push(await invoiceSpendThreshold(deps, { contractId, asOf: input.asOf }));
    } catch (error) {
      failures.push({ contractId, error });
    }
  });
  if (failures.length > 0) throw new ThresholdInvoicingFailedError(failures, contractIds.length);
  return evaluations;
}

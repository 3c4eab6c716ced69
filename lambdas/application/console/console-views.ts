// The console's and the portal's read models, built from the same stores and
// use cases the command line calls: renewal tasks, a contract's progress
// against its success target (the risk check's own reading of the ledger),
// contracts and plans, invoices explained, rejected outcomes, plan
// simulation. Amounts leave as exact decimal strings with their minor units.
import { DateTime } from 'luxon';
import { ZERO } from '../../domain/money/decimal';
import { explainInvoice, parseInvoiceRecordId, type InvoiceExplanation } from '../billing/explain-invoice';
import { simulatePlans } from '../plans/simulate-plans';
import { gatherRiskInput } from '../risk/gather-risk-input';
import type { RenewalTaskView } from '../risk/manage-renewal-tasks';
import { loadPlanSource } from '../../domain/plans';
import type { Contract } from '../../domain/plans/contract-schema';
import { RiskAssessmentInputSchema } from '../../domain/risk/risk-input';
import { summarizeValue, type ValueSummary } from '../../domain/risk/value-summary';
import { serializeAmount, type SerializedAmount } from '../../domain/rating/draft-invoice';
import { serializeSimulation, simulationRows, type SerializedSimulation, type SimulationOutputRow } from '../../domain/rating/simulation-output';
import type { CurrencyCode } from '../../domain/money/currencies';
import type { RejectionCode } from '../../domain/ledger/rejection-codes';
import type { RejectedOutcome } from '../../domain/ledger/rejection';
import type { NetOutcome } from '../../domain/ledger/net-outcomes';
import { ConsoleNotFoundError } from './console-errors';
import type { ConsoleDisputes, ConsoleStatements, ConsoleStores } from './ports';
import { statementSourceOfRecord, type StatementLineTotal, type StatementRow, type StatementSource } from '../../domain/invoicing/outcome-statement';
import { streamOutcomeStatement, type StatementPart } from '../billing/stream-outcome-statement';
import type { DisputeRow } from '../disputes/list-disputes';

/** Open tasks, the most urgent first: priority rank (P1 first), then due date, then task id (a stable order). */
export async function renewalBoard(stores: ConsoleStores, request: { includeResolved?: boolean; owner?: string }): Promise<RenewalTaskView[]> {
  const tasks = await stores.tasks.listTasks({
    ...(request.includeResolved ? { includeResolved: true } : {}),
    ...(request.owner !== undefined ? { owner: request.owner } : {}),
  });
  return [...tasks].sort((a, b) => a.priority.rank.localeCompare(b.priority.rank) || a.dueDate.localeCompare(b.dueDate) || a.id.localeCompare(b.id));
}

export interface ProgressPeriod {
  readonly periodStart: string;
  readonly periodEnd: string;
  /** Outcomes per targeted metric (decimal strings); absent for periods that have not started. */
  readonly outcomes?: Readonly<Record<string, string>>;
  readonly state: 'complete' | 'in_progress' | 'future';
}

export interface CheckpointMark {
  readonly checkpointDays: number;
  readonly at: string;
  readonly tier: string;
  readonly score: number;
  /** The period the checkpoint fell in. */
  readonly periodStart?: string;
}

export interface ContractProgress {
  readonly contractId: string;
  readonly customerId: string;
  readonly currency: CurrencyCode;
  readonly termStart: string;
  readonly termEnd: string;
  readonly timeZone: string;
  readonly targets: readonly { metric: string; label: string; targetPerPeriod: string }[];
  readonly periods: readonly ProgressPeriod[];
  readonly value: ValueSummary;
  /** Committed spend for the term and rated spend so far; absent when the contract has no commitment. */
  readonly commitment?: { readonly committed: SerializedAmount; readonly spent: SerializedAmount };
  readonly spentToDate?: SerializedAmount;
}

async function contractOf(stores: ConsoleStores, contractId: string): Promise<Contract> {
  const stored = await stores.plans.getStoredContract(contractId);
  if (!stored) throw new ConsoleNotFoundError('contract', contractId);
  return stored.contract;
}

/** A contract's outcomes per billing period of its term against its success targets, read as the risk check reads them. */
export async function contractProgress(stores: ConsoleStores, contractId: string): Promise<ContractProgress> {
  const contract = await contractOf(stores, contractId);
  const now = stores.now();
  // Only what the chart and the value summary read: usage per period, delivered values and invoices. Payment
  // signals, disputes and the ledger's freshness are the risk score's; the disputes alone cost a term-wide count.
  const { usage, invoices, catalog, settings } = stores.tasks.deps;
  const input = RiskAssessmentInputSchema.parse(
    await gatherRiskInput({ usage, settings, ...(invoices ? { invoices } : {}), ...(catalog ? { catalog } : {}) }, { contract, now }),
  );
  const nowMs = now.getTime();
  const zone = input.contract.timeZone;
  const startMs = (date: string) => DateTime.fromISO(date, { zone }).toMillis();
  const targets = input.contract.successTargets.map((target) => ({
    metric: target.metric,
    label: target.label ?? target.metric,
    targetPerPeriod: target.targetPerPeriod,
  }));
  const periods = input.termPeriods.map((period): ProgressPeriod => {
    const state = startMs(period.periodEnd) <= nowMs ? 'complete' : startMs(period.periodStart) > nowMs ? 'future' : 'in_progress';
    if (state === 'future') return { ...period, state };
    const outcomes: Record<string, string> = {};
    for (const target of targets) {
      const rows = input.usageByPeriod.filter((row) => row.metric === target.metric && row.periodStart === period.periodStart && row.periodEnd === period.periodEnd);
      outcomes[target.metric] = rows.reduce((sum, row) => sum.plus(row.quantity), ZERO).toFixed();
    }
    return { ...period, state, outcomes };
  });
  const currency = input.contract.currency;
  const money = (minor: string | undefined) => (minor === undefined ? undefined : serializeAmount(BigInt(minor), currency));
  const spent = money(input.spendToDateMinor);
  const committed = money(input.contract.committedAmountMinor);
  return {
    contractId: contract.contractId,
    customerId: contract.customerId,
    currency,
    termStart: input.contract.termStart,
    termEnd: input.contract.termEnd,
    timeZone: zone,
    targets,
    periods,
    value: summarizeValue(input, DateTime.fromJSDate(now, { zone })),
    ...(committed ? { commitment: { committed, spent: spent ?? serializeAmount(0n, currency) } } : {}),
    ...(spent ? { spentToDate: spent } : {}),
  };
}

/** Each checkpoint's assessment of the contract's current term, from its tasks' histories, oldest first. */
export async function checkpointMarks(stores: ConsoleStores, progress: ContractProgress): Promise<CheckpointMark[]> {
  const tasks = await stores.tasks.listTasks({ contractId: progress.contractId, includeResolved: true });
  const marks: CheckpointMark[] = [];
  for (const task of tasks) {
    if (task.termEnd !== progress.termEnd) continue;
    for (const entry of task.history) {
      if (entry.kind !== 'created' && entry.kind !== 'escalated' && entry.kind !== 'reassessed') continue;
      const day = DateTime.fromISO(entry.at, { zone: progress.timeZone }).toISODate() ?? '';
      const period = progress.periods.find((p) => p.periodStart <= day && day < p.periodEnd);
      marks.push({
        checkpointDays: entry.checkpointDays,
        at: entry.at,
        tier: entry.tier,
        score: entry.score,
        ...(period ? { periodStart: period.periodStart } : {}),
      });
    }
  }
  return marks.sort((a, b) => a.at.localeCompare(b.at));
}

export interface ContractSummary {
  readonly contractId: string;
  readonly customerId: string;
  readonly plan: { readonly code: string; readonly version: number | 'latest' };
  readonly currency: string;
  readonly termStart: string;
  readonly termEnd: string;
  readonly timeZone: string;
  readonly cadence: string;
  readonly csmOwner?: string;
  readonly revision: number;
  readonly commitment?: string;
}

function summaryOf(contract: Contract, revision: number): ContractSummary {
  const commitment = contract.commitment;
  return {
    contractId: contract.contractId,
    customerId: contract.customerId,
    plan: { code: contract.plan.code, version: contract.plan.version },
    currency: contract.currency,
    termStart: contract.termStart,
    termEnd: contract.termEnd,
    timeZone: contract.timeZone,
    cadence: contract.billingPeriod.cadence,
    revision,
    ...(contract.csmOwner !== undefined ? { csmOwner: contract.csmOwner } : {}),
    ...(commitment
      ? { commitment: commitment.trueUp === 'term_end' ? `${commitment.amountForTerm} ${contract.currency} for the term` : `${commitment.amountPerPeriod} ${contract.currency} per period` }
      : {}),
  };
}

/** Every stored contract with its plan, and the stored plan codes. */
export async function contractsAndPlans(stores: ConsoleStores, filter: { customerId?: string } = {}): Promise<{ contracts: ContractSummary[]; planCodes: string[] }> {
  const [contracts, planCodes] = await Promise.all([stores.plans.listContracts(), stores.plans.listPlanCodes()]);
  return {
    contracts: contracts
      .filter((stored) => filter.customerId === undefined || stored.contract.customerId === filter.customerId)
      .map((stored) => summaryOf(stored.contract, stored.revision))
      .sort((a, b) => a.contractId.localeCompare(b.contractId)),
    planCodes: [...planCodes].sort(),
  };
}

export interface InvoiceSummary {
  readonly invoiceRecordId: string;
  readonly contractId: string;
  readonly customerId: string;
  readonly periodId: string;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly total: SerializedAmount;
  readonly currency: string;
  readonly status: string | null;
  readonly stripeStatus: string | null;
}

/** The issued invoices of some contracts, newest period first. */
export async function listInvoices(stores: ConsoleStores, contractIds: readonly string[]): Promise<InvoiceSummary[]> {
  const perContract = await Promise.all(
    contractIds.map(async (contractId) => {
      const records = await stores.invoices.listRecords(contractId);
      return Promise.all(
        records.map(async (record): Promise<InvoiceSummary> => {
          const status = await stores.invoices.getStatus(record.contractId, record.periodId);
          return {
            invoiceRecordId: record.invoiceRecordId,
            contractId: record.contractId,
            customerId: record.customerId,
            periodId: record.periodId,
            periodStart: record.period.startDate,
            periodEnd: record.period.endDate,
            total: serializeAmount(record.total, record.currency as CurrencyCode),
            currency: record.currency,
            status: status?.status ?? null,
            stripeStatus: status?.stripeStatus ?? null,
          };
        }),
      );
    }),
  );
  return perContract.flat().sort((a, b) => b.periodStart.localeCompare(a.periodStart) || a.contractId.localeCompare(b.contractId));
}

/** An issued invoice explained (`invoice explain`); `customerId` limits it to one customer's invoices (the portal). */
export async function invoiceExplanation(
  stores: ConsoleStores,
  invoiceRecordId: string,
  scope: { customerId?: string } = {},
  disputes?: ConsoleDisputes,
): Promise<InvoiceExplanation> {
  const ref = parseInvoiceRecordId(invoiceRecordId);
  const disputesOf = disputes ? (customerId: string) => disputes.listDisputes({ customerIds: [customerId] }) : undefined;
  const explained = ref ? await explainInvoice(stores.invoices, ref, undefined, disputesOf) : undefined;
  // Another customer's invoice reads exactly like one that does not exist.
  if (!explained || (scope.customerId !== undefined && explained.customerId !== scope.customerId)) throw new ConsoleNotFoundError('invoice', invoiceRecordId);
  return explained;
}

export interface LineOutcome {
  readonly outcomeId: string;
  readonly occurredAt: string;
  readonly quantity: string;
  readonly billable: boolean;
  readonly verified: boolean;
  readonly corrected: boolean;
}

/** The outcomes behind one invoice line: its ledger query re-run as of the invoice's cutoff. */
export async function lineOutcomes(
  stores: ConsoleStores,
  invoiceRecordId: string,
  lineId: string,
  scope: { customerId?: string } = {},
): Promise<{ lineId: string; description: string; quantity: string; outcomes: LineOutcome[] }> {
  const explained = await invoiceExplanation(stores, invoiceRecordId, scope);
  const line = explained.lines.find((candidate) => candidate.lineId === lineId);
  if (!line) throw new ConsoleNotFoundError('invoice line', `${invoiceRecordId} ${lineId}`);
  const query = line.ledgerQuery;
  const outcomes: NetOutcome[] =
    query && query.customerId !== null
      ? await stores.outcomes.listNetOutcomes({
          customerId: query.customerId,
          metric: query.ledgerMetric,
          from: new Date(query.from),
          to: new Date(query.to),
          basis: query.eligibility,
          ...(query.asOf !== null ? { asOf: new Date(query.asOf) } : {}),
        })
      : [];
  return {
    lineId,
    description: line.description,
    quantity: line.quantity,
    outcomes: outcomes.map((outcome) => ({
      outcomeId: outcome.outcomeId,
      occurredAt: new Date(outcome.occurredAtMs).toISOString(),
      quantity: outcome.quantity,
      billable: outcome.billable,
      verified: outcome.verified,
      corrected: outcome.corrected,
    })),
  };
}

/** Rejected outcomes of a window, grouped by code (newest first within each). */
export async function rejectedByCode(
  stores: ConsoleStores,
  query: { from?: Date; to?: Date; code?: RejectionCode; limit?: number },
): Promise<{ byCode: { code: string; count: number; items: RejectedOutcome[] }[]; more: boolean }> {
  const page = await stores.rejected.listRejected(query);
  const groups = new Map<string, RejectedOutcome[]>();
  for (const item of page.items) groups.set(item.code, [...(groups.get(item.code) ?? []), item]);
  return {
    byCode: [...groups.entries()].map(([code, items]) => ({ code, count: items.length, items })).sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
    more: page.cursor !== undefined,
  };
}

/** `simulate` on a proposed plan file's text: per-contract current vs proposed revenue. */
export async function simulateProposal(
  stores: ConsoleStores,
  request: { planText: string; from: string; to: string; contractIds?: string[]; proposedVersion?: number },
): Promise<{ simulation: SerializedSimulation; rows: SimulationOutputRow[] }> {
  const proposed = loadPlanSource({ path: 'proposed-plan.yaml', text: request.planText });
  const result = await simulatePlans({ ...stores.simulation, now: stores.now }, proposed, {
    from: request.from,
    to: request.to,
    ...(request.contractIds ? { contractIds: request.contractIds } : {}),
    ...(request.proposedVersion !== undefined ? { proposedVersion: request.proposedVersion } : {}),
  });
  return { simulation: serializeSimulation(result), rows: simulationRows(result) };
}

/** The customer portal's overview: each of the customer's contracts with its progress, value and spend, and its invoices. */
export async function portalOverview(stores: ConsoleStores, customerId: string): Promise<{ customerId: string; contracts: (ContractSummary & { progress: ContractProgress })[]; invoices: InvoiceSummary[] }> {
  const { contracts } = await contractsAndPlans(stores, { customerId });
  const withProgress = await Promise.all(contracts.map(async (contract) => ({ ...contract, progress: await contractProgress(stores, contract.contractId) })));
  return { customerId, contracts: withProgress, invoices: await listInvoices(stores, contracts.map((contract) => contract.contractId)) };
}

/** An issued invoice as a statement's source; another customer's invoice reads exactly like a missing one. */
export async function invoiceStatementSource(stores: ConsoleStores, invoiceRecordId: string, scope: { customerId?: string } = {}): Promise<StatementSource> {
  const ref = parseInvoiceRecordId(invoiceRecordId);
  const record = ref ? await stores.invoices.getRecord(ref.contractId, ref.periodId) : undefined;
  if (!record || record.invoiceRecordId !== invoiceRecordId || (scope.customerId !== undefined && record.customerId !== scope.customerId)) {
    throw new ConsoleNotFoundError('invoice', invoiceRecordId);
  }
  return statementSourceOfRecord(record);
}

/** The parts of an invoice's itemised statement, streamed as the ledger is paged (`invoice statement`). */
export function statementParts(statements: ConsoleStatements, source: StatementSource, now: Date): AsyncIterable<StatementPart> {
  return streamOutcomeStatement({ ledger: statements }, source, now.getTime());
}

/** Rows a statement page shows; the CSV download carries every row. */
export const STATEMENT_VIEW_ROWS = 2000;

export interface StatementView {
  readonly invoiceRecordId: string | null;
  readonly contractId: string;
  readonly customerId: string;
  readonly periodId: string;
  readonly currency: string;
  readonly cutoff: string;
  /** The first STATEMENT_VIEW_ROWS rows, each with the status of its outcome's latest dispute (null when never disputed). */
  readonly rows: (StatementRow & { readonly disputeStatus: DisputeRow['status'] | null })[];
  readonly totalRows: number;
  readonly lines: StatementLineTotal[];
  readonly reconciles: boolean;
}

/** A statement for a page: every line total, the first rows, and each row's dispute status. */
export async function statementView(parts: AsyncIterable<StatementPart>, source: StatementSource, disputes: readonly DisputeRow[]): Promise<StatementView> {
  const latestStatus = new Map<string, DisputeRow['status']>();
  // Rows come oldest first, so the last one seen per outcome is its latest dispute.
  for (const dispute of disputes) latestStatus.set(dispute.outcomeId, dispute.status);
  const rows: StatementView['rows'][number][] = [];
  const lines: StatementLineTotal[] = [];
  let totalRows = 0;
  for await (const part of parts) {
    if (part.kind === 'line') {
      lines.push(part.total);
      continue;
    }
    totalRows += 1;
    if (rows.length < STATEMENT_VIEW_ROWS) rows.push({ ...part.row, disputeStatus: latestStatus.get(part.row.outcomeId) ?? null });
  }
  const { lines: _lines, ...header } = source;
  return { ...header, rows, totalRows, lines, reconciles: lines.every((line) => line.reconciles) };
}

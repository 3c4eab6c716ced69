import { MoneyDecimal } from '../../domain/money/decimal';
import { DateTime } from 'luxon';
import { billingScheduleForContract } from '../../domain/plans/contract-plan';
import type { InvoiceRecord } from '../../domain/invoicing/invoice-record';
import type { MetricDisplayName } from '../../domain/ledger/metric-display-name';
import type { Contract, SuccessTarget } from '../../domain/plans/contract-schema';
import { minorUnitsFromDecimal } from '../../domain/money/minor-units';
import { periodsForTerm, type BillingPeriod } from '../../domain/periods/billing-period';
import { CADENCE_MONTHS } from '../../domain/periods/billing-schedule';
import { DEFAULT_RISK_CONFIG } from '../../domain/risk/risk-config';
import type { DeliveredValue, DisputeTally, Feedback, PaymentSignal, RiskAssessmentInput, UsageByPeriod } from '../../domain/risk/risk-input';
import type { PaymentSignal as StripePaymentSignal } from '../billing/ports';
import type {
  RiskDisputeReader,
  RiskDataFreshnessReader,
  RiskInvoiceReader,
  RiskMetricCatalog,
  RiskPaymentSignalReader,
  RiskStripeInvoice,
  RiskUsageQuery,
  RiskUsageReader,
  RiskUsageSummary,
} from './ports';
import { termIdOf, type RenewalRiskSettings } from './risk-settings';

export interface GatherRiskInputDeps {
  readonly usage: RiskUsageReader;
  /** Absent: spend to date is unknown and commitment burn does not apply. */
  readonly invoices?: RiskInvoiceReader;
  /** Absent: payment health does not apply (never counted as healthy). */
  readonly payments?: RiskPaymentSignalReader;
  /** Absent: the ledger is assumed current (no stale-data flag). */
  readonly freshness?: RiskDataFreshnessReader;
  /** Absent: sentences name metrics by code, and both feedback metrics are read. */
  readonly catalog?: RiskMetricCatalog;
  /** Absent: the dispute-rate signal does not apply. */
  readonly disputes?: RiskDisputeReader;
  readonly settings: RenewalRiskSettings;
}

export interface GatherRiskInputRequest {
  readonly contract: Contract;
  readonly checkpointDays?: number;
  /** The assessment's `now`, and the ledger cutoff (usage as recorded by then). */
  readonly now: Date;
}

function committedAmountMinor(contract: Contract, periods: readonly BillingPeriod[]): string | undefined {
  const commitment = contract.commitment;
  if (!commitment) return undefined;
  if (commitment.trueUp === 'term_end') return minorUnitsFromDecimal(commitment.amountForTerm, contract.currency).toString();
  return (minorUnitsFromDecimal(commitment.amountPerPeriod, contract.currency) * BigInt(periods.length)).toString();
}

const MINOR_UNITS = /^\d+$/;

/** What is still owed on an invoice: amount due less amount paid, when Stripe sent both. */
function outstandingMinor(signal: StripePaymentSignal): string | undefined {
  const due = signal.amountDue ?? signal.total;
  if (!due || !MINOR_UNITS.test(due)) return undefined;
  if (signal.amountPaid && MINOR_UNITS.test(signal.amountPaid)) {
    const remaining = BigInt(due) - BigInt(signal.amountPaid);
    return remaining > 0n ? remaining.toString() : due;
  }
  return due;
}

/**
 * Stripe webhook signals in the risk core's vocabulary; types that say nothing
 * about payment (credit notes) are dropped.
 *
 * Past due follows Stripe's rules: an invoice with payment terms is past due
 * once its due date has passed while it is still open (every invoice event
 * carries the due date, `invoice.finalized` first); an invoice is past due
 * from its first failed payment while it stays open (Stripe keeps retrying
 * it), and an uncollectible invoice is past due. Paying or voiding it settles
 * it. The due date itself is judged against `now` by the risk core.
 */
export function toRiskPaymentSignals(signals: readonly StripePaymentSignal[]): PaymentSignal[] {
  const mapped: PaymentSignal[] = [];
  for (const signal of signals) {
    const invoiceId = signal.stripeInvoiceId ?? signal.stripeObjectId;
    if (!invoiceId) continue;
    const isInvoice = signal.type.startsWith('invoice.');
    const amountMinor = outstandingMinor(signal);
    const dueAt = isInvoice ? signal.dueAt : null;
    const base = { invoiceId, occurredAt: signal.occurredAt, ...(amountMinor ? { amountMinor } : {}), ...(dueAt ? { dueAt } : {}) };
    if (signal.type === 'invoice.payment_failed') mapped.push({ kind: 'payment_failed', ...base });
    else if (signal.type === 'invoice.paid') mapped.push({ kind: 'invoice_paid', ...base });
    else if (signal.type === 'invoice.voided') mapped.push({ kind: 'invoice_voided', ...base });
    else if (signal.type === 'invoice.finalized') mapped.push({ kind: 'invoice_finalized', ...base });
    const stillOwedAfterFailure = signal.type === 'invoice.payment_failed' && (signal.status === 'open' || signal.status === null);
    if (isInvoice && (stillOwedAfterFailure || signal.status === 'past_due' || signal.status === 'uncollectible')) {
      mapped.push({ kind: 'invoice_past_due', ...base });
    }
  }
  return mapped;
}

/** The term's periods before `now` started, plus earlier periods the trend may use as a baseline. */
interface PeriodPlan {
  readonly all: readonly BillingPeriod[];
  readonly started: readonly BillingPeriod[];
  /** Periods of the previous term just before termStart (oldest first); empty when the term has enough history. */
  readonly previous: readonly BillingPeriod[];
}

function planPeriods(contract: Contract, nowMs: number, settings: RenewalRiskSettings): PeriodPlan {
  const schedule = billingScheduleForContract(contract);
  const all = periodsForTerm(schedule);
  const started = all.filter((period) => Date.parse(period.start) <= nowMs);
  const complete = started.filter((period) => Date.parse(period.end) <= nowMs).length;
  const trend = (settings.riskConfig ?? DEFAULT_RISK_CONFIG).trend;
  const needed = trend.recentPeriods + trend.baselinePeriods - complete;
  if (needed <= 0) return { all, started, previous: [] };
  // The previous term is read only as far as the baseline needs, with the same cadence and anchors.
  const months = CADENCE_MONTHS[schedule.cadence] * Math.min(needed, trend.baselinePeriods);
  const previousStart = DateTime.fromISO(contract.termStart, { zone: contract.timeZone }).minus({ months }).toISODate();
  if (!previousStart) return { all, started, previous: [] };
  const previous = periodsForTerm({ ...schedule, termStart: previousStart, termEnd: contract.termStart });
  return { all, started, previous };
}

function usageQuery(contract: Contract, target: SuccessTarget, period: BillingPeriod, now: Date): RiskUsageQuery {
  return {
    customerId: contract.customerId,
    metric: target.metric,
    measure: target.measure,
    basis: target.eligibility,
    from: new Date(period.start),
    to: new Date(period.end),
    asOf: now,
  };
}

const isZero = (quantity: string): boolean => new MoneyDecimal(quantity).isZero();

/**
 * Builds the risk core's input for one contract term at `now` from the ledger
 * (usage per success metric and period, the previous term's last periods as
 * the trend's baseline, the values producers reported, the last outcome,
 * feedback outcomes, the ledger's freshness), invoice records (spend to date)
 * and Stripe payment signals filed under the contract.
 */
export async function gatherRiskInput(deps: GatherRiskInputDeps, request: GatherRiskInputRequest): Promise<RiskAssessmentInput> {
  const { contract, now } = request;
  const nowMs = now.getTime();
  const periods = planPeriods(contract, nowMs, deps.settings);
  const metricNames = deps.catalog ? await deps.catalog.metricDisplayNames() : undefined;

  const usageByPeriod: UsageByPeriod[] = [];
  const deliveredValues: DeliveredValue[] = [];
  let lastOutcomeMs: number | undefined;
  for (const target of contract.successTargets) {
    const [summaries, previous] = await Promise.all([
      Promise.all(periods.started.map((period) => deps.usage.summarize(usageQuery(contract, target, period, now)))),
      Promise.all(periods.previous.map((period) => deps.usage.measure(usageQuery(contract, target, period, now)))),
    ]);
    // Leading empty periods of the previous term most likely predate the customer's integration, not a
    // real lull: they would drag the baseline down and hide a drop, so the baseline starts at the first outcome.
    const firstWithUsage = previous.findIndex((quantity) => !isZero(quantity));
    if (firstWithUsage >= 0) {
      periods.previous.slice(firstWithUsage).forEach((period, index) =>
        usageByPeriod.push({
          periodStart: period.startDate,
          periodEnd: period.endDate,
          metric: target.metric,
          quantity: previous[firstWithUsage + index] ?? '0',
        }),
      );
    }
    periods.started.forEach((period, index) =>
      usageByPeriod.push({ periodStart: period.startDate, periodEnd: period.endDate, metric: target.metric, quantity: summaries[index]?.quantity ?? '0' }),
    );
    periods.started.forEach((period, index) => {
      // Values in another currency cannot be set against this contract's price; they are left out.
      const values = (summaries[index]?.values ?? []).filter((entry) => entry.currency === contract.currency);
      if (values.length === 0) return;
      // The money decimal (40 significant digits), not the global one (20): a sum of values stays exact.
      const amount = values.reduce((sum, entry) => sum.plus(entry.amount), new MoneyDecimal(0));
      deliveredValues.push({
        periodStart: period.startDate,
        periodEnd: period.endDate,
        metric: target.metric,
        amount: amount.isNegative() ? '0' : amount.toFixed(),
      });
    });
    lastOutcomeMs = latestOf(lastOutcomeMs, await lastOutcomeOf(deps, contract, periods.started, summaries, target.metric, now));
  }

  const [feedback, records, stripeSignals, issued, dataAsOf, disputes] = await Promise.all([
    gatherFeedback(deps, contract, now, metricNames),
    // Only what was rated by now: a check as of a past moment sees the invoices of that moment.
    deps.invoices ? deps.invoices.listRecords(contract.contractId).then((all) => all.filter((record) => Date.parse(record.ratedAt) <= nowMs)) : undefined,
    // Every signal up to now: an invoice left unpaid since the previous term is still owed.
    deps.payments ? deps.payments.listPaymentSignals(contract.contractId, { to: new Date(nowMs + 1) }) : undefined,
    deps.payments && deps.invoices ? deps.invoices.listStripeInvoices(contract.contractId) : [],
    deps.freshness ? deps.freshness.ledgerDataAsOf(now) : undefined,
    deps.disputes ? gatherDisputes(deps.disputes, deps.usage, contract, periods.all, now) : undefined,
  ]);
  const spend = records === undefined ? undefined : spendToDate(contract, periods.all, records);
  const paymentSignals = await paymentSignalsFor(deps, contract, stripeSignals, finalizedBy(issued, nowMs), records);
  const committed = committedAmountMinor(contract, periods.all);
  const valuesPerUnit = deps.settings.outcomeValuesPerUnit ?? {};
  const outcomeValues = contract.successTargets
    .filter((target) => valuesPerUnit[target.metric] !== undefined)
    .map((target) => ({ metric: target.metric, valuePerUnit: valuesPerUnit[target.metric] as string }));

  return {
    contract: {
      contractId: contract.contractId,
      customerId: contract.customerId,
      termId: termIdOf(contract),
      termStart: contract.termStart,
      termEnd: contract.termEnd,
      timeZone: contract.timeZone,
      currency: contract.currency,
      // Revenue at risk follows from these: the commitment, else the billed run rate (revenue-at-risk.ts).
      ...(committed !== undefined ? { committedAmountMinor: committed } : {}),
      successTargets: contract.successTargets.map((target) => {
        const name = metricNames?.get(target.metric);
        return {
          metric: target.metric,
          ...(name ? { label: name.plural.slice(0, 64), singularLabel: name.singular.slice(0, 64) } : {}),
          targetPerPeriod: target.targetPerPeriod,
        };
      }),
      ...(contract.csmOwner !== undefined ? { csmOwner: contract.csmOwner } : {}),
    },
    ...(request.checkpointDays !== undefined ? { checkpointDays: request.checkpointDays } : {}),
    termPeriods: periods.all.map((period) => ({ periodStart: period.startDate, periodEnd: period.endDate })),
    usageByPeriod,
    ...(spend !== undefined ? { spendToDateMinor: spend.spendMinor, spendThroughDate: spend.throughDate } : {}),
    ...(paymentSignals !== undefined ? { paymentSignals } : {}),
    feedback,
    ...(disputes !== undefined ? { disputes } : {}),
    outcomeValues,
    deliveredValues,
    ...(lastOutcomeMs !== undefined ? { lastOutcomeAt: new Date(lastOutcomeMs).toISOString() } : {}),
    ...(dataAsOf !== undefined ? { dataAsOf: dataAsOf.toISOString() } : {}),
    now: now.toISOString(),
  };
}

/**
 * The signals in the risk core's vocabulary; undefined (payment health not
 * applicable) when there are none because nothing had been invoiced through
 * Stripe by now: silence from Stripe is only "nothing went wrong" once there
 * is something to pay. An invoice goes to Stripe in the close that rates it,
 * so "invoiced by now" is a record rated by now (`records` holds only those),
 * which keeps a check `--as-of` a moment before the first close not applicable.
 */
async function paymentSignalsFor(
  deps: GatherRiskInputDeps,
  contract: Contract,
  stripeSignals: readonly StripePaymentSignal[] | undefined,
  finalizedByNow: readonly PaymentSignal[],
  recordsByNow: readonly InvoiceRecord[] | undefined,
): Promise<PaymentSignal[] | undefined> {
  if (stripeSignals === undefined) return undefined;
  if (stripeSignals.length === 0 && finalizedByNow.length === 0) {
    if (recordsByNow !== undefined && recordsByNow.length === 0) return undefined;
    if (deps.invoices && !(await deps.invoices.hasStripeInvoices(contract.contractId))) return undefined;
  }
  // The close's reading first: for the same invoice at the same instant, the webhook's signal is the later word.
  return [...finalizedByNow, ...toRiskPaymentSignals(stripeSignals)];
}

/**
 * The engine's Stripe invoices finalized by `now` (as the close read them from
 * Stripe), as `invoice_finalized` signals with their due dates: the same fact
 * the `invoice.finalized` webhook brings, kept so a lost webhook does not hide
 * a past-due invoice. Drafts and statuses without a finalization time add nothing.
 */
function finalizedBy(invoices: readonly RiskStripeInvoice[], nowMs: number): PaymentSignal[] {
  return invoices
    .filter((invoice) => invoice.finalizedAt !== undefined && Date.parse(invoice.finalizedAt) <= nowMs)
    .map((invoice) => ({
      kind: 'invoice_finalized' as const,
      invoiceId: invoice.stripeInvoiceId,
      occurredAt: invoice.finalizedAt as string,
      ...(invoice.amountDueMinor && MINOR_UNITS.test(invoice.amountDueMinor) ? { amountMinor: invoice.amountDueMinor } : {}),
      ...(invoice.dueAt ? { dueAt: invoice.dueAt } : {}),
    }));
}

function latestOf(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

/** The newest outcome lies in the latest period that has any: only that period's outcomes are read. */
async function lastOutcomeOf(
  deps: GatherRiskInputDeps,
  contract: Contract,
  started: readonly BillingPeriod[],
  summaries: readonly RiskUsageSummary[],
  metric: string,
  now: Date,
): Promise<number | undefined> {
  const nowMs = now.getTime();
  for (let index = started.length - 1; index >= 0; index -= 1) {
    if (isZero(summaries[index]?.quantity ?? '0')) continue;
    const period = started[index] as BillingPeriod;
    const outcomes = await deps.usage.outcomes({
      customerId: contract.customerId,
      metric,
      basis: 'all',
      from: new Date(period.start),
      to: new Date(Math.min(Date.parse(period.end), nowMs + 1)),
      asOf: now,
    });
    let latest: number | undefined;
    for (const outcome of outcomes) {
      const at = Date.parse(outcome.occurredAt);
      if (at <= nowMs) latest = latestOf(latest, at);
    }
    return latest;
  }
  return undefined;
}

/**
 * Rated totals of the term's invoice records rated by `now` (the price paid so
 * far), and the end of the last period they cover: the period in progress is
 * not rated until it closes, so burn pace is measured over the rated span.
 */
function spendToDate(
  contract: Contract,
  periods: readonly BillingPeriod[],
  recordsByNow: readonly InvoiceRecord[],
): { spendMinor: string; throughDate: string } {
  const termPeriods = new Map(periods.map((period) => [period.id, period]));
  const records = recordsByNow.filter((record) => termPeriods.has(record.periodId));
  const spend = records.reduce((sum, record) => sum + record.ratedTotal, 0n);
  const throughDate = records
    .map((record) => (termPeriods.get(record.periodId) as BillingPeriod).endDate)
    .reduce((latest, end) => (end > latest ? end : latest), contract.termStart);
  return { spendMinor: (spend < 0n ? 0n : spend).toString(), throughDate };
}

/**
 * Per success-target metric, the outcomes of the term so far that were
 * billed (every one still counted, plus those an upheld dispute reversed),
 * disputed, and upheld.
 */
async function gatherDisputes(
  reader: RiskDisputeReader,
  usage: RiskUsageReader,
  contract: Contract,
  termPeriods: readonly BillingPeriod[],
  now: Date,
): Promise<DisputeTally[]> {
  const first = termPeriods[0];
  const last = termPeriods.at(-1);
  if (first === undefined || last === undefined) return [];
  const from = new Date(first.start);
  const to = new Date(Math.min(Date.parse(last.end), now.getTime() + 1));
  if (!(to.getTime() > from.getTime())) return [];
  const rows = await reader.disputesOf(contract.customerId, { from, to });
  const metrics = [...new Set(contract.successTargets.map((target) => target.metric))];
  return Promise.all(
    metrics.map(async (metric) => {
      const counted = await usage.measure({ customerId: contract.customerId, metric, measure: 'count', basis: 'all', from, to, asOf: now });
      const ofMetric = rows.filter((row) => row.metric === metric);
      const upheld = ofMetric.filter((row) => row.status === 'upheld').length;
      return { metric, billed: Number(counted) + upheld, disputed: ofMetric.length, upheld }; // exact: a count of outcomes, not money
    }),
  );
}

/** NPS and CSAT answers sent as outcomes; a feedback metric the catalog does not define has none, so it is not read. */
async function gatherFeedback(
  deps: GatherRiskInputDeps,
  contract: Contract,
  now: Date,
  metricNames: ReadonlyMap<string, MetricDisplayName> | undefined,
): Promise<Feedback[]> {
  const settings = deps.settings.feedback;
  const from = DateTime.fromJSDate(now).minus({ days: settings.windowDays }).toJSDate();
  const window = { customerId: contract.customerId, basis: 'all' as const, from, to: now, asOf: now };
  const read = (metric: string) => (metricNames && !metricNames.has(metric) ? Promise.resolve([]) : deps.usage.outcomes({ ...window, metric }));
  const [nps, csat] = await Promise.all([read(settings.npsMetric), read(settings.csatMetric)]);
  const feedback: Feedback[] = [];
  for (const answer of nps) {
    const score = Number(answer.quantity);
    // Answers outside 0..10 are a producer's mistake; they are not counted rather than failing the check.
    if (Number.isInteger(score) && score >= 0 && score <= 10) feedback.push({ kind: 'nps', score, occurredAt: answer.occurredAt });
  }
  for (const answer of csat) {
    if (/^\d+(\.\d+)?$/.test(answer.quantity)) {
      feedback.push({ kind: 'csat', score: answer.quantity, scaleMax: settings.csatScaleMax, occurredAt: answer.occurredAt });
    }
  }
  return feedback;
}

import { DateTime } from 'luxon';
import { billingScheduleForContract } from '../../domain/plans/contract-plan';
import type { Contract } from '../../domain/plans/contract-schema';
import { minorUnitsFromDecimal } from '../../domain/money/minor-units';
import { periodsForTerm, type BillingPeriod } from '../../domain/periods/billing-period';
import type { Feedback, PaymentSignal, RiskAssessmentInput, UsageByPeriod } from '../../domain/risk/risk-input';
import type { PaymentSignal as StripePaymentSignal } from '../billing/record-payment-signal';
import type { RiskInvoiceReader, RiskPaymentSignalReader, RiskUsageReader } from './ports';
import { termIdOf, type RenewalRiskSettings } from './risk-settings';

export interface GatherRiskInputDeps {
  readonly usage: RiskUsageReader;
  /** Absent: spend to date is unknown and commitment burn does not apply. */
  readonly invoices?: RiskInvoiceReader;
  /** Absent: payment health does not apply (never counted as healthy). */
  readonly payments?: RiskPaymentSignalReader;
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

/** Stripe webhook signals in the risk core's vocabulary; types that say nothing about payment are dropped. */
export function toRiskPaymentSignals(signals: readonly StripePaymentSignal[]): PaymentSignal[] {
  const mapped: PaymentSignal[] = [];
  for (const signal of signals) {
    const invoiceId = signal.stripeInvoiceId ?? signal.stripeObjectId;
    if (!invoiceId) continue;
    const amountMinor = signal.amountDue ?? signal.total;
    const base = { invoiceId, occurredAt: signal.occurredAt, ...(amountMinor && /^\d+$/.test(amountMinor) ? { amountMinor } : {}) };
    if (signal.type === 'invoice.payment_failed') mapped.push({ kind: 'payment_failed', ...base });
    else if (signal.type === 'invoice.paid') mapped.push({ kind: 'invoice_paid', ...base });
    // An invoice whose Stripe status is past due (open after a failed collection) or uncollectible.
    if (signal.status === 'past_due' || signal.status === 'uncollectible') mapped.push({ kind: 'invoice_past_due', ...base });
  }
  return mapped;
}

/**
 * Builds the risk core's input for one contract term at `now` from the ledger
 * (usage per success metric and period, last outcome, feedback outcomes),
 * invoices (spend to date) and Stripe payment signals.
 */
export async function gatherRiskInput(deps: GatherRiskInputDeps, request: GatherRiskInputRequest): Promise<RiskAssessmentInput> {
  const { contract, now } = request;
  const periods = periodsForTerm(billingScheduleForContract(contract));
  const nowMs = now.getTime();
  const started = periods.filter((period) => Date.parse(period.start) <= nowMs);

  const usageByPeriod: UsageByPeriod[] = [];
  let lastOutcomeMs: number | undefined;
  for (const target of contract.successTargets) {
    const quantities = await Promise.all(
      started.map((period) =>
        deps.usage.measure({
          customerId: contract.customerId,
          metric: target.metric,
          measure: target.measure,
          basis: target.eligibility,
          from: new Date(period.start),
          to: new Date(period.end),
          asOf: now,
        }),
      ),
    );
    started.forEach((period, index) =>
      usageByPeriod.push({ periodStart: period.startDate, periodEnd: period.endDate, metric: target.metric, quantity: quantities[index] ?? '0' }),
    );
    // The newest outcome lies in the latest period that has any: read only that one.
    for (let index = started.length - 1; index >= 0; index -= 1) {
      if (quantities[index] === '0') continue;
      const period = started[index] as BillingPeriod;
      const outcomes = await deps.usage.outcomes({
        customerId: contract.customerId,
        metric: target.metric,
        basis: 'all',
        from: new Date(period.start),
        to: new Date(Math.min(Date.parse(period.end), nowMs + 1)),
        asOf: now,
      });
      for (const outcome of outcomes) {
        const at = Date.parse(outcome.occurredAt);
        if (at <= nowMs && (lastOutcomeMs === undefined || at > lastOutcomeMs)) lastOutcomeMs = at;
      }
      break;
    }
  }

  const feedback = await gatherFeedback(deps, contract, now);

  let spendToDateMinor: string | undefined;
  if (deps.invoices) {
    const termPeriodIds = new Set(periods.map((period) => period.id));
    const records = await deps.invoices.listRecords(contract.contractId);
    const spend = records
      .filter((record) => termPeriodIds.has(record.periodId) && Date.parse(record.ratedAt) <= nowMs)
      .reduce((sum, record) => sum + record.ratedTotal, 0n);
    spendToDateMinor = (spend < 0n ? 0n : spend).toString();
  }

  const paymentSignals = deps.payments ? toRiskPaymentSignals(await deps.payments.listPaymentSignals(contract.contractId)) : undefined;
  const committed = committedAmountMinor(contract, periods);

  return {
    contract: {
      contractId: contract.contractId,
      customerId: contract.customerId,
      termId: termIdOf(contract),
      termStart: contract.termStart,
      termEnd: contract.termEnd,
      timeZone: contract.timeZone,
      currency: contract.currency,
      ...(committed !== undefined ? { committedAmountMinor: committed, renewalValueMinor: committed } : {}),
      successTargets: contract.successTargets.map((target) => ({ metric: target.metric, targetPerPeriod: target.targetPerPeriod })),
      ...(contract.csmOwner !== undefined ? { csmOwner: contract.csmOwner } : {}),
    },
    ...(request.checkpointDays !== undefined ? { checkpointDays: request.checkpointDays } : {}),
    termPeriods: periods.map((period) => ({ periodStart: period.startDate, periodEnd: period.endDate })),
    usageByPeriod,
    ...(spendToDateMinor !== undefined ? { spendToDateMinor } : {}),
    ...(paymentSignals !== undefined ? { paymentSignals } : {}),
    feedback,
    ...(lastOutcomeMs !== undefined ? { lastOutcomeAt: new Date(lastOutcomeMs).toISOString() } : {}),
    now: now.toISOString(),
  };
}

async function gatherFeedback(deps: GatherRiskInputDeps, contract: Contract, now: Date): Promise<Feedback[]> {
  const settings = deps.settings.feedback;
  const from = DateTime.fromJSDate(now).minus({ days: settings.windowDays }).toJSDate();
  const window = { customerId: contract.customerId, basis: 'all' as const, from, to: now, asOf: now };
  const [nps, csat] = await Promise.all([
    deps.usage.outcomes({ ...window, metric: settings.npsMetric }),
    deps.usage.outcomes({ ...window, metric: settings.csatMetric }),
  ]);
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

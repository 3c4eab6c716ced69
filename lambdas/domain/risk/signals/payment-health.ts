import type { DateTime } from 'luxon';
import type { RiskConfig } from '../risk-config';
import type { ParsedRiskAssessmentInput, PaymentSignal } from '../risk-input';
import { ONE, ZERO, dec, formatMinor, instant } from '../risk-values';
import { notApplicable, type RiskReason, type SignalEvaluation } from '../signal-result';

const SETTLED: ReadonlySet<PaymentSignal['kind']> = new Set(['payment_succeeded', 'invoice_paid', 'invoice_voided']);

interface PastDueInvoice {
  readonly invoiceId: string;
  readonly days: number;
  readonly amountMinor?: string;
}

/**
 * Signal 4: payment health from Stripe webhooks. Failed payments in the window
 * (less risk once the same invoice was later paid) and invoices still past
 * due; the oldest past-due invoice dominates. Events after `now` are ignored
 * so an assessment "as of" a date is reproducible.
 */
export function evaluatePaymentHealth(input: ParsedRiskAssessmentInput, now: DateTime, config: RiskConfig): SignalEvaluation {
  const settings = config.payment;
  const threshold = ONE;
  if (input.paymentSignals === undefined) {
    return notApplicable('payment_health', 'count', threshold, ZERO, 'no payment signals: payments are not connected, or nothing has been invoiced through Stripe yet');
  }
  const events = input.paymentSignals
    .map((signal) => ({ signal, at: instant(signal.occurredAt) }))
    .filter((e) => e.at.toMillis() <= now.toMillis())
    .sort((a, b) => a.at.toMillis() - b.at.toMillis());
  const windowStart = now.minus({ days: settings.windowDays }).toMillis();
  const settledAfter = (invoiceId: string, at: number): boolean =>
    events.some((e) => e.signal.invoiceId === invoiceId && SETTLED.has(e.signal.kind) && e.at.toMillis() > at);

  let recovered = 0;
  let unrecovered = 0;
  for (const e of events) {
    if (e.signal.kind !== 'payment_failed' || e.at.toMillis() < windowStart) continue;
    if (settledAfter(e.signal.invoiceId, e.at.toMillis())) recovered += 1;
    else unrecovered += 1;
  }

  const pastDue: PastDueInvoice[] = [];
  const seen = new Set<string>();
  for (const e of events) {
    if (e.signal.kind !== 'invoice_past_due' || seen.has(e.signal.invoiceId)) continue;
    seen.add(e.signal.invoiceId);
    if (settledAfter(e.signal.invoiceId, e.at.toMillis())) continue;
    const amountMinor =
      e.signal.amountMinor ?? events.find((x) => x.signal.invoiceId === e.signal.invoiceId && x.signal.amountMinor)?.signal.amountMinor;
    pastDue.push({ invoiceId: e.signal.invoiceId, days: Math.floor(now.diff(e.at, 'days').days), amountMinor });
  }
  pastDue.sort((a, b) => b.days - a.days);

  const failureRisk = dec(settings.unrecoveredFailureRisk).times(unrecovered).plus(dec(settings.recoveredFailureRisk).times(recovered));
  const oldest = pastDue[0];
  const pastDueRisk = oldest
    ? dec(settings.pastDueBaseRisk).plus(
        ONE.minus(settings.pastDueBaseRisk).times(dec(Math.min(oldest.days, settings.pastDueFullRiskDays)).dividedBy(settings.pastDueFullRiskDays)),
      )
    : ZERO;
  const failureRiskCapped = ONE.lessThan(failureRisk) ? ONE : failureRisk;
  const problems = unrecovered + pastDue.length;

  const reasons: RiskReason[] = [];
  if (unrecovered + recovered > 0) {
    const total = unrecovered + recovered;
    reasons.push({
      code: 'payment_failed',
      signal: 'payment_health',
      message: `${total} failed payment${total === 1 ? '' : 's'} in the last ${settings.windowDays} days, ${unrecovered} not yet recovered`,
    });
  }
  for (const invoice of pastDue) {
    const amount = invoice.amountMinor ? ` (${formatMinor(BigInt(invoice.amountMinor), input.contract.currency)})` : '';
    reasons.push({
      code: 'invoice_past_due',
      signal: 'payment_health',
      message: `invoice ${invoice.invoiceId}${amount} is ${invoice.days} day${invoice.days === 1 ? '' : 's'} past due`,
    });
  }
  return {
    code: 'payment_health',
    applicable: true,
    value: dec(problems),
    unit: 'count',
    threshold,
    risk: pastDueRisk.greaterThan(failureRiskCapped) ? pastDueRisk : failureRiskCapped,
    reasons,
    details: {
      failedPaymentsInWindow: unrecovered + recovered,
      unrecoveredFailures: unrecovered,
      pastDueInvoices: pastDue.length,
      oldestPastDueDays: oldest ? oldest.days : null,
    },
  };
}

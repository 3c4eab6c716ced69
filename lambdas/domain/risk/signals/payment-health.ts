import type { DateTime } from 'luxon';
import type { RiskConfig } from '../risk-config';
import type { ParsedRiskAssessmentInput, PaymentSignal } from '../risk-input';
import { ONE, ZERO, dec, instant } from '../risk-values';
import { notApplicable, type RiskReason, type SignalEvaluation } from '../signal-result';
import { formatMoney } from '../../money/format-money';

const SETTLED: ReadonlySet<PaymentSignal['kind']> = new Set(['payment_succeeded', 'invoice_paid', 'invoice_voided']);

interface DatedSignal {
  readonly signal: PaymentSignal;
  readonly at: DateTime;
}

/**
 * When one invoice became past due as of `now`, from its signals up to `now`
 * (oldest first); undefined when it is not past due. The due date is the one
 * the latest signal carrying it gives (a due date moved later in Stripe wins).
 */
function pastDueSince(signals: readonly DatedSignal[], now: DateTime): DateTime | undefined {
  const settlements = signals.filter((e) => SETTLED.has(e.signal.kind));
  const starts: DateTime[] = [];
  const flagged = signals.find((e) => e.signal.kind === 'invoice_past_due');
  if (flagged && !settlements.some((e) => e.at.toMillis() > flagged.at.toMillis())) starts.push(flagged.at);
  const dueAt = signals.findLast((e) => e.signal.dueAt !== undefined)?.signal.dueAt;
  if (dueAt !== undefined && settlements.length === 0) {
    const due = instant(dueAt);
    if (due.toMillis() < now.toMillis()) starts.push(due);
  }
  return starts.reduce<DateTime | undefined>((earliest, at) => (earliest === undefined || at.toMillis() < earliest.toMillis() ? at : earliest), undefined);
}

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
 *
 * An invoice is past due from the earliest of: its first `invoice_past_due`
 * signal (a failed payment while open, or uncollectible) unless settled after
 * it; its due date, once that is before `now` and nothing settled the invoice
 * by `now`. The amount is what the latest signal by `now` says is still owed.
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
  for (const invoiceId of new Set(events.map((e) => e.signal.invoiceId))) {
    const since = pastDueSince(events.filter((e) => e.signal.invoiceId === invoiceId), now);
    if (since === undefined) continue;
    const amountMinor = events.findLast((e) => e.signal.invoiceId === invoiceId && e.signal.amountMinor)?.signal.amountMinor;
    pastDue.push({ invoiceId, days: Math.floor(now.diff(since, 'days').days), amountMinor }); // exact: whole days past due, a duration, not money
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
    const amount = invoice.amountMinor ? ` (${formatMoney(BigInt(invoice.amountMinor), input.contract.currency)})` : '';
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

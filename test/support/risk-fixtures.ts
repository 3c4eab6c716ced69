import type { RiskAssessmentInput } from '../../lambdas/domain/risk';

/** Monthly periods of a calendar-year term. */
export function monthlyPeriods(year: number): { periodStart: string; periodEnd: string }[] {
  return Array.from({ length: 12 }, (_, i) => {
    const start = `${year}-${String(i + 1).padStart(2, '0')}-01`;
    const end = i === 11 ? `${year + 1}-01-01` : `${year}-${String(i + 2).padStart(2, '0')}-01`;
    return { periodStart: start, periodEnd: end };
  });
}

/** Usage rows for `metric`, one per month from January, with the given quantities. */
export function monthlyUsage(year: number, metric: string, quantities: readonly string[]) {
  return monthlyPeriods(year)
    .slice(0, quantities.length)
    .map((period, i) => ({ ...period, metric, quantity: quantities[i] ?? '0' }));
}

/**
 * A 2026 calendar-year contract in New York: 500 resolutions a month targeted,
 * USD 60,000.00 committed; checked mid-October at the 90-day checkpoint.
 */
export function baseInput(overrides: Partial<RiskAssessmentInput> = {}): RiskAssessmentInput {
  return {
    contract: {
      contractId: 'acme',
      customerId: 'cust-acme',
      termId: '2026',
      termStart: '2026-01-01',
      termEnd: '2027-01-01',
      timeZone: 'America/New_York',
      currency: 'USD',
      committedAmountMinor: '6000000',
      successTargets: [{ metric: 'ticket.resolved', label: 'resolutions', singularLabel: 'resolution', targetPerPeriod: '500' }],
      csmOwner: 'dana@vendor.example',
    },
    checkpointDays: 90,
    termPeriods: monthlyPeriods(2026),
    usageByPeriod: monthlyUsage(2026, 'ticket.resolved', ['500', '500', '500', '500', '500', '400', '450', '450', '312', '150']),
    spendToDateMinor: '4500000',
    paymentSignals: [],
    feedback: [],
    outcomeValues: [{ metric: 'ticket.resolved', valuePerUnit: '25' }],
    lastOutcomeAt: '2026-10-15T10:00:00Z',
    dataAsOf: '2026-10-15T11:55:00Z',
    now: '2026-10-15T12:00:00Z',
    ...overrides,
  };
}

// gatherRiskInput with in-memory ports: what it reads for each signal, and how
// (previous-term baseline, reported values, freshness, payment signals).
import { describe, expect, it } from 'vitest';
import { gatherRiskInput, type GatherRiskInputDeps } from '../../../../../lambdas/application/risk/gather-risk-input';
import type { RiskUsageQuery, RiskUsageReader, RiskUsageSummary } from '../../../../../lambdas/application/risk/ports';
import { DEFAULT_RENEWAL_RISK_SETTINGS } from '../../../../../lambdas/application/risk/risk-settings';
import type { PaymentSignal as StripePaymentSignal } from '../../../../../lambdas/application/billing/ports';
import type { InvoiceRecord } from '../../../../../lambdas/domain/invoicing/invoice-record';
import { ContractSchema, type Contract } from '../../../../../lambdas/domain/plans/contract-schema';
import { assessRenewalRisk } from '../../../../../lambdas/domain/risk';

function contract(overrides: Record<string, unknown> = {}): Contract {
  return ContractSchema.parse({
    kind: 'contract',
    contractId: 'ctr-g',
    customerId: 'acme',
    plan: { code: 'support', version: 'latest' },
    termStart: '2026-01-01',
    termEnd: '2027-01-01',
    billingPeriod: { cadence: 'monthly' },
    timeZone: 'UTC',
    currency: 'USD',
    successTargets: [{ metric: 'ticket.resolved', targetPerPeriod: '100' }],
    ...overrides,
  });
}

/** Usage per period start; values reported per period start too; every query recorded. */
class FakeUsage implements RiskUsageReader {
  readonly queries: RiskUsageQuery[] = [];
  constructor(
    private readonly quantities: Record<string, string>,
    private readonly values: Record<string, RiskUsageSummary['values']> = {},
  ) {}
  async measure(query: RiskUsageQuery): Promise<string> {
    return (await this.summarize(query)).quantity;
  }
  async summarize(query: RiskUsageQuery): Promise<RiskUsageSummary> {
    this.queries.push(query);
    const start = query.from.toISOString().slice(0, 10);
    return { quantity: this.quantities[start] ?? '0', values: this.values[start] ?? [] };
  }
  readonly outcomeMetrics: string[] = [];
  async outcomes(query: Omit<RiskUsageQuery, 'measure'>): Promise<{ occurredAt: string; quantity: string }[]> {
    this.outcomeMetrics.push(query.metric);
    return [];
  }
}

function deps(usage: RiskUsageReader, overrides: Partial<GatherRiskInputDeps> = {}): GatherRiskInputDeps {
  return { usage, settings: DEFAULT_RENEWAL_RISK_SETTINGS, ...overrides };
}

/** Only what gatherRiskInput reads of an invoice record. */
const invoiceRecord = (periodId: string, ratedAt: string, ratedTotal: bigint) => ({ periodId, ratedAt, ratedTotal }) as unknown as InvoiceRecord;
const januaryRecord = invoiceRecord('2026-01', '2026-02-02T00:00:00.000Z', 310_000n);
const februaryRecord = invoiceRecord('2026-02', '2026-03-02T00:00:00.000Z', 280_000n);

describe('gatherRiskInput', () => {
  it('reads the previous term as the trend baseline early in a term, from its first outcome on', async () => {
    const usage = new FakeUsage({ '2025-11-01': '100', '2025-12-01': '100', '2026-01-01': '50' });
    const input = await gatherRiskInput(deps(usage), { contract: contract(), now: new Date('2026-02-10T00:00:00Z') });
    // October 2025 had nothing (before the customer integrated): left out, not a zero in the baseline.
    expect(input.usageByPeriod?.map((row) => [row.periodStart, row.quantity])).toEqual([
      ['2025-11-01', '100'],
      ['2025-12-01', '100'],
      ['2026-01-01', '50'],
      ['2026-02-01', '0'],
    ]);
    expect(usage.queries.some((query) => query.from.toISOString() === '2025-10-01T00:00:00.000Z')).toBe(true);
    const assessment = assessRenewalRisk(input);
    expect(assessment.reasons.find((r) => r.code === 'outcome_trend_down')?.message).toBe(
      'ticket.resolved down 50% on the prior 2 months: 50 in the latest month against a baseline of 100 per month',
    );
  });

  it('does not read the previous term once the term has a full baseline of its own', async () => {
    const usage = new FakeUsage({});
    await gatherRiskInput(deps(usage), { contract: contract(), now: new Date('2026-06-10T00:00:00Z') });
    expect(usage.queries.every((query) => query.from.getTime() >= Date.parse('2026-01-01T00:00:00Z'))).toBe(true);
  });

  it('sums the values producers reported in the contract currency, and reads freshness', async () => {
    const usage = new FakeUsage(
      { '2026-01-01': '100', '2026-02-01': '100' },
      {
        '2026-01-01': [{ amount: '1200.50', currency: 'USD' }, { amount: '99', currency: 'EUR' }],
        '2026-02-01': [{ amount: '800.25', currency: 'USD' }],
      },
    );
    const dataAsOf = new Date('2026-02-05T00:00:00Z');
    const input = await gatherRiskInput(
      deps(usage, { freshness: { ledgerDataAsOf: async () => dataAsOf }, settings: { ...DEFAULT_RENEWAL_RISK_SETTINGS, outcomeValuesPerUnit: { other: '3' } } }),
      { contract: contract(), now: new Date('2026-02-10T00:00:00Z') },
    );
    expect(input.deliveredValues).toEqual([
      { periodStart: '2026-01-01', periodEnd: '2026-02-01', metric: 'ticket.resolved', amount: '1200.5' },
      { periodStart: '2026-02-01', periodEnd: '2026-03-01', metric: 'ticket.resolved', amount: '800.25' },
    ]);
    expect(input.outcomeValues).toEqual([]);
    expect(input.dataAsOf).toBe('2026-02-05T00:00:00.000Z');
    const assessment = assessRenewalRisk(input);
    expect(assessment.staleData).toBe(true);
    expect(assessment.valueSummary.totalValueMinor).toBe('200075');
  });

  it('uses a configured value per unit for a targeted metric', async () => {
    const usage = new FakeUsage({ '2026-01-01': '100' });
    const input = await gatherRiskInput(
      deps(usage, { settings: { ...DEFAULT_RENEWAL_RISK_SETTINGS, outcomeValuesPerUnit: { 'ticket.resolved': '25' } } }),
      { contract: contract(), now: new Date('2026-01-20T00:00:00Z') },
    );
    expect(input.outcomeValues).toEqual([{ metric: 'ticket.resolved', valuePerUnit: '25' }]);
  });

  it('lists payment signals up to now and maps them; none with nothing invoiced through Stripe is not applicable', async () => {
    const failed: StripePaymentSignal = {
      stripeEventId: 'evt_1',
      type: 'invoice.payment_failed',
      occurredAt: '2026-02-01T00:00:00.000Z',
      receivedAt: '2026-02-01T00:00:00.000Z',
      livemode: false,
      stripeObjectId: 'in_1',
      stripeInvoiceId: 'in_1',
      stripeCustomerId: null,
      contractId: 'ctr-g',
      periodId: '2026-01',
      currency: 'usd',
      total: '5000',
      amountDue: '5000',
      amountPaid: '0',
      attemptCount: 1,
      status: 'open',
    };
    const ranges: { from?: Date; to?: Date }[] = [];
    let signals: StripePaymentSignal[] = [failed];
    let stripeInvoices = true;
    const base = deps(new FakeUsage({}), {
      payments: {
        listPaymentSignals: async (_contractId, range) => {
          ranges.push(range ?? {});
          return signals;
        },
      },
      // January, rated (and sent to Stripe) at its close on February 2.
      invoices: { listRecords: async () => [januaryRecord], hasStripeInvoices: async () => stripeInvoices, listStripeInvoices: async () => [] },
    });
    const now = new Date('2026-02-10T00:00:00Z');
    const withFailure = await gatherRiskInput(base, { contract: contract(), now });
    expect(withFailure.paymentSignals?.map((signal) => signal.kind)).toEqual(['payment_failed', 'invoice_past_due']);
    expect(ranges[0]).toEqual({ to: new Date(now.getTime() + 1) });

    signals = [];
    expect((await gatherRiskInput(base, { contract: contract(), now })).paymentSignals).toEqual([]);
    // As of a moment before the first close there was nothing to pay yet: not applicable, not "healthy".
    expect((await gatherRiskInput(base, { contract: contract(), now: new Date('2026-02-01T12:00:00Z') })).paymentSignals).toBeUndefined();
    stripeInvoices = false;
    expect((await gatherRiskInput(base, { contract: contract(), now })).paymentSignals).toBeUndefined();
  });

  it('adds the invoices the close saw finalized by now, with their due dates, so a lost webhook hides no past-due invoice', async () => {
    const listed: string[] = [];
    const base = deps(new FakeUsage({}), {
      // The invoice.finalized webhook never arrived.
      payments: { listPaymentSignals: async () => [] },
      invoices: {
        listRecords: async () => [januaryRecord],
        hasStripeInvoices: async () => true,
        listStripeInvoices: async (contractId) => {
          listed.push(contractId);
          return [
            { stripeInvoiceId: 'in_1', finalizedAt: '2026-02-02T00:00:05.000Z', dueAt: '2026-03-04T00:00:05.000Z', amountDueMinor: '310000' },
            // A draft left for review: not issued, so nothing is owed on it yet.
            { stripeInvoiceId: 'in_draft' },
          ];
        },
      },
    });
    const pastDue = await gatherRiskInput(base, { contract: contract(), now: new Date('2026-03-10T00:00:00Z') });
    expect(pastDue.paymentSignals).toEqual([
      { kind: 'invoice_finalized', invoiceId: 'in_1', occurredAt: '2026-02-02T00:00:05.000Z', amountMinor: '310000', dueAt: '2026-03-04T00:00:05.000Z' },
    ]);
    expect(listed).toEqual(['ctr-g']);
    expect(assessRenewalRisk(pastDue).reasons.find((r) => r.code === 'invoice_past_due')?.message).toBe('invoice in_1 ($3,100.00) is 5 days past due');

    // Before it was due the invoice is simply open; before it was finalized it is not read at all.
    const open = await gatherRiskInput(base, { contract: contract(), now: new Date('2026-02-10T00:00:00Z') });
    expect(assessRenewalRisk(open).signals.find((s) => s.code === 'payment_health')).toMatchObject({ applicable: true, value: '0' });
    expect((await gatherRiskInput(base, { contract: contract(), now: new Date('2026-02-01T12:00:00Z') })).paymentSignals).toBeUndefined();
    // Payments not connected: not read.
    expect((await gatherRiskInput({ ...base, payments: undefined }, { contract: contract(), now: new Date('2026-03-10T00:00:00Z') })).paymentSignals).toBeUndefined();
    expect(listed).toHaveLength(3);
  });

  it('reads spend only from invoices rated by now, and leaves revenue at risk to the billed run rate without a commitment', async () => {
    const base = deps(new FakeUsage({}), {
      invoices: { listRecords: async () => [januaryRecord, februaryRecord], hasStripeInvoices: async () => true, listStripeInvoices: async () => [] },
    });
    const before = await gatherRiskInput(base, { contract: contract(), now: new Date('2026-03-01T12:00:00Z') });
    expect([before.spendToDateMinor, before.spendThroughDate]).toEqual(['310000', '2026-02-01']);
    const after = await gatherRiskInput(base, { contract: contract(), now: new Date('2026-03-10T00:00:00Z') });
    expect([after.spendToDateMinor, after.spendThroughDate]).toEqual(['590000', '2026-03-01']);
    expect(after.contract).not.toHaveProperty('renewalValueMinor');
    // 590,000 over January and February (59 days), extended to 365 days = 3,650,000.
    expect(assessRenewalRisk(after).revenueAtRisk).toMatchObject({ minor: '3650000', basis: 'billed_run_rate' });
  });

  it('names metrics by their catalog display name, and reads only the feedback metrics the catalog defines', async () => {
    const usage = new FakeUsage({ '2026-01-01': '100' });
    const catalog = {
      metricDisplayNames: async () =>
        new Map([
          ['ticket.resolved', { singular: 'resolution', plural: 'resolutions' }],
          ['feedback.nps', { singular: 'NPS answer', plural: 'NPS answers' }],
        ]),
    };
    const input = await gatherRiskInput(deps(usage, { catalog }), { contract: contract(), now: new Date('2026-01-20T00:00:00Z') });
    expect(input.contract.successTargets).toEqual([
      { metric: 'ticket.resolved', label: 'resolutions', singularLabel: 'resolution', targetPerPeriod: '100' },
    ]);
    expect(usage.outcomeMetrics.filter((metric) => metric.startsWith('feedback.'))).toEqual(['feedback.nps']);
    const without = new FakeUsage({});
    await gatherRiskInput(deps(without), { contract: contract(), now: new Date('2026-01-20T00:00:00Z') });
    expect(without.outcomeMetrics.filter((metric) => metric.startsWith('feedback.')).sort()).toEqual(['feedback.csat', 'feedback.nps']);
  });
});

describe('gatherRiskInput: disputes', () => {
  it("tallies the term's disputes per success-target metric: billed = counted now + upheld (reversed since)", async () => {
    const usage = new FakeUsage({ '2026-01-01': '1170' });
    const ranges: { from: Date; to: Date }[] = [];
    const rows = [
      ...Array.from({ length: 30 }, () => ({ metric: 'ticket.resolved', status: 'upheld' as const })),
      ...Array.from({ length: 8 }, () => ({ metric: 'ticket.resolved', status: 'rejected' as const })),
      ...Array.from({ length: 3 }, () => ({ metric: 'ticket.resolved', status: 'open' as const })),
      { metric: 'order.recovered', status: 'upheld' as const },
    ];
    const input = await gatherRiskInput(
      deps(usage, {
        disputes: {
          disputesOf: async (customerId, range) => {
            expect(customerId).toBe('acme');
            ranges.push(range);
            return rows;
          },
        },
      }),
      { contract: contract(), now: new Date('2026-02-10T00:00:00Z') },
    );
    expect(ranges).toEqual([{ from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-02-10T00:00:00.001Z') }]);
    expect(input.disputes).toEqual([{ metric: 'ticket.resolved', billed: 1200, disputed: 41, upheld: 30 }]);
    const countQuery = usage.queries.find((query) => query.measure === 'count' && query.basis === 'all');
    expect(countQuery).toMatchObject({ from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-02-10T00:00:00.001Z') });
    expect(assessRenewalRisk(input).reasons.find((reason) => reason.code === 'outcomes_disputed')?.message).toBe(
      '41 of 1,200 ticket.resolved outcomes disputed this term, 30 upheld',
    );
  });

  it('leaves disputes out without a dispute reader (the signal does not apply)', async () => {
    const input = await gatherRiskInput(deps(new FakeUsage({})), { contract: contract(), now: new Date('2026-02-10T00:00:00Z') });
    expect(input.disputes).toBeUndefined();
  });
});

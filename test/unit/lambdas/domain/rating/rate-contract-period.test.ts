import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ContractPlanMismatchError,
  ContractSchema,
  PlanSchema,
  billingScheduleForContract,
  loadContractSource,
  loadPlanSource,
  planVersionForContract,
  selectPlanVersion,
  type Contract,
} from '../../../../../lambdas/domain/plans';
import { periodById, periodsForTerm } from '../../../../../lambdas/domain/periods';
import { MoneyDecimal } from '../../../../../lambdas/domain/money';
import {
  CurrencyMismatchError,
  RatingInputMissingError,
  RatingPeriodError,
  UsageInputError,
  initialCreditBalance,
  rateContractPeriod,
  serializeDraftInvoice,
  type PeriodUsage,
} from '../../../../../lambdas/domain/rating';

const load = (file: string) => ({ path: file, text: readFileSync(`docs/examples/plans/${file}`, 'utf8') });
const plan = loadPlanSource(load('support-automation.yaml'));
const acme = loadContractSource(load('acme-contract.yaml'));
const jpyPlan = loadPlanSource(load('resolutions-jpy.yaml'));
const kaisha = loadContractSource(load('tokyo-contract.yaml'));

const usage = (resolutions: number, values: string[], agents = 17): PeriodUsage => ({
  customerId: 'acme',
  asOf: '2026-04-15T06:00:00.000Z',
  metrics: [
    { ledgerMetric: 'ticket.resolved', eligibility: 'billable', count: resolutions, sumQuantity: String(resolutions), uniqueCounts: { agentId: agents }, query: 'usage#acme#ticket.resolved#2026-03' },
    {
      ledgerMetric: 'order.recovered',
      eligibility: 'billable',
      count: values.length,
      sumQuantity: String(values.length),
      sumValue: values.reduce((sum, value) => sum.plus(value), new MoneyDecimal(0)).toFixed(),
      valueCurrency: 'USD',
      outcomeValues: values,
    },
  ],
});

function rate(contract: Contract, periodId: string, periodUsage: PeriodUsage, extra: Partial<Parameters<typeof rateContractPeriod>[0]> = {}) {
  const period = periodById(billingScheduleForContract(contract), periodId);
  return rateContractPeriod({
    contract,
    planVersion: planVersionForContract(plan, contract, period.startDate),
    period,
    usage: periodUsage,
    now: '2026-04-16T09:30:00+02:00',
    creditBalance: 50_000n,
    ...extra,
  });
}

describe('rateContractPeriod', () => {
  it('rates every charge, explains each line, and totals the rounded lines', () => {
    const invoice = rate(acme, '2026-03', usage(1234, ['10.00', '200.40', '1000']));
    expect(invoice.lines.map((line) => [line.chargeId, line.amount, line.priceSource, line.quantity])).toEqual([
      ['platform', 45_000n, 'contract_override', '1'],
      ['resolutions', 166_080n, 'plan', '1234'], // (1234 - 100) -> 1000 × 1.50 + 134 × 1.20
      ['recovery-success-fee', 3_061n, 'plan', '1210.4'],
      ['agent-seats', 8_000n, 'plan', '17'],
    ]);
    expect(invoice.subtotal).toBe(222_141n);
    expect(invoice.commitmentTrueUp?.amount).toBe(0n);
    // 500.00 of credits pay the first lines in order.
    expect(invoice.lines.map((line) => line.creditApplied)).toEqual([45_000n, 5_000n, 0n, 0n]);
    expect(invoice.credits).toEqual({ balanceBefore: 50_000n, applied: 50_000n, balanceAfter: 0n });
    expect(invoice.total).toBe(172_141n);
    expect(invoice.ratedAt).toBe('2026-04-16T07:30:00.000Z');
    expect(invoice.usageAsOf).toBe('2026-04-15T06:00:00.000Z');
    expect(invoice.lines[1]?.usageQuery).toEqual({
      customerId: 'acme',
      ledgerMetric: 'ticket.resolved',
      eligibility: 'billable',
      aggregation: 'count',
      attribute: null,
      from: '2026-03-15T04:00:00.000Z',
      to: '2026-04-15T04:00:00.000Z',
      asOf: '2026-04-15T06:00:00.000Z',
      reference: 'usage#acme#ticket.resolved#2026-03',
    });
    expect(invoice.lines[3]?.usageQuery).toMatchObject({ aggregation: 'unique_count', attribute: 'agentId' });
  });

  it('adds a commitment true-up line when the period bills less than committed', () => {
    const invoice = rate(acme, '2026-03', usage(150, [], 5), { creditBalance: 0n });
    // 450.00 platform + 50 × 1.50 + 1 package of seats (40.00) = 565.00; committed 2000.00
    expect(invoice.subtotal).toBe(56_500n);
    expect(invoice.commitmentTrueUp).toMatchObject({ chargeId: 'commitment-true-up', amount: 143_500n, priceSource: 'contract' });
    expect(invoice.total).toBe(200_000n);
    expect(serializeDraftInvoice(invoice).total).toEqual({ minor: '200000', decimal: '2000.00' });
  });

  it('changes version at the first period starting on or after the new effectiveFrom', () => {
    expect(rate(acme, '2026-12', usage(0, [])).planVersion).toBe(1);
    // The Acme term ends 2027-01-15, so version 2 (from 2027-01-01) never prices a period start.
    const longer = ContractSchema.parse({ ...acme, termEnd: '2027-03-15' });
    expect(rate(longer, '2027-01', usage(0, [])).planVersion).toBe(2);
  });

  it('prorates flat fees and the commitment on a partial first period', () => {
    const partial = ContractSchema.parse({ ...acme, termStart: '2026-01-20', billingPeriod: { cadence: 'monthly', anchorDay: 15 } });
    const first = periodsForTerm(billingScheduleForContract(partial))[0];
    expect(first).toMatchObject({ id: '2026-01', startDate: '2026-01-20', endDate: '2026-02-15', proration: { days: 26, fullDays: 31 } });
    const invoice = rate(partial, '2026-01', usage(0, [], 0), { creditBalance: 0n });
    // 450 × 26/31 = 377.419… -> 377.42; commitment 2000 × 26/31 = 1677.42
    expect(invoice.lines[0]?.amount).toBe(37_742n);
    expect(invoice.lines[0]?.description).toBe('Platform fee (26 of 31 days)');
    expect(invoice.commitmentTrueUp?.amount).toBe(167_742n - 37_742n);
  });

  it('prorates a per-charge minimum (a floor) on a partial period, never the usage or the maximum', () => {
    // The worked example of docs/plans-and-rating.md: per_unit 1.00 with minimum 310.00 and maximum 500.00 a
    // month; the term starts 2026-01-22 on a monthly schedule anchored on the 1st, so the first period has 10
    // of January's 31 days.
    const floorPlan = PlanSchema.parse({
      kind: 'plan',
      code: 'floor',
      name: 'Floor',
      currency: 'USD',
      versions: [
        {
          version: 1,
          effectiveFrom: '2026-01-01',
          metrics: [{ code: 'resolutions', ledgerMetric: 'ticket.resolved', aggregation: 'count' }],
          charges: [{ id: 'units', name: 'Units', model: 'per_unit', metric: 'resolutions', unitPrice: '1.00', minimum: '310.00', maximum: '500.00' }],
        },
      ],
    });
    const stub = ContractSchema.parse({
      kind: 'contract',
      contractId: 'c-floor',
      customerId: 'acme',
      plan: { code: 'floor', version: 'latest' },
      termStart: '2026-01-22',
      termEnd: '2027-01-01',
      billingPeriod: { cadence: 'monthly', anchorDay: 1 },
      timeZone: 'UTC',
      currency: 'USD',
    });
    const rateUnits = (periodId: string, count: number) => {
      const period = periodById(billingScheduleForContract(stub), periodId);
      return rateContractPeriod({
        contract: stub,
        planVersion: planVersionForContract(floorPlan, stub, period.startDate),
        period,
        usage: { metrics: [{ ledgerMetric: 'ticket.resolved', eligibility: 'billable', count, sumQuantity: String(count) }] },
        now: '2026-02-01T00:00:00Z',
      }).lines[0];
    };
    // 40 units = 40.00, below the floor of 310.00 × 10/31 = 100.00.
    const low = rateUnits('2026-01', 40);
    expect(low?.amount).toBe(10_000n);
    expect(low?.breakdown.at(-1)).toEqual({ kind: 'charge_minimum', minimum: '310', periodMinimum: '100', before: '40', exactAmount: '60' });
    // 150 units = 150.00: usage is never prorated, so above the prorated floor it is billed in full.
    expect(rateUnits('2026-01', 150)?.amount).toBe(15_000n);
    // 600 units = 600.00 is capped at the full 500.00: a maximum is not prorated.
    expect(rateUnits('2026-01', 600)?.amount).toBe(50_000n);
    // A full period: the floor is the whole 310.00.
    expect(rateUnits('2026-02', 40)?.amount).toBe(31_000n);
  });

  it('trues up a term commitment in JPY on the last period', () => {
    const schedule = billingScheduleForContract(kaisha);
    const periods = periodsForTerm(schedule);
    expect(periods.map((period) => period.id)).toEqual(['2026-Q2', '2026-Q3', '2026-Q4', '2027-Q1']);
    const last = periods.at(-1);
    if (!last) throw new Error('no periods');
    const jpyUsage: PeriodUsage = { metrics: [{ ledgerMetric: 'ticket.resolved', eligibility: 'billable', count: 1001, sumQuantity: '1001' }] };
    const invoice = rateContractPeriod({
      contract: kaisha,
      planVersion: planVersionForContract(jpyPlan, kaisha, last.startDate),
      period: last,
      usage: jpyUsage,
      now: '2027-04-02T00:00:00Z',
      termToDate: { subtotal: 600_000n },
    });
    // 50,000 base + 1001 × 100 (volume tier 2) = 150,100 yen; term 600,000 + 150,100 < 1,200,000
    expect(invoice.subtotal).toBe(150_100n);
    expect(invoice.commitmentTrueUp?.amount).toBe(449_900n);
    expect(invoice.total).toBe(600_000n);
    expect(() =>
      rateContractPeriod({ contract: kaisha, planVersion: planVersionForContract(jpyPlan, kaisha, last.startDate), period: last, usage: jpyUsage, now: '2027-04-02T00:00:00Z' }),
    ).toThrow(RatingInputMissingError);
  });

  it('refuses inputs that would produce a wrong invoice', () => {
    expect(() => rate(acme, '2026-03', usage(1, []), { creditBalance: undefined })).toThrow(
      expect.objectContaining({ code: 'credit_balance_required' }),
    );
    expect(() => rate(acme, '2026-03', { metrics: [] })).toThrow(
      'no usage for ledger metric "ticket.resolved" (billable), which plan metric "resolutions" reads',
    );
    expect(() => rate(acme, '2026-03', { ...usage(1, []), customerId: 'globex' })).toThrow(UsageInputError);
    expect(() => rate(acme, '2026-03', { ...usage(1, []), from: '2026-03-01T00:00:00Z' })).toThrow(/usage covers/);
    const euros = usage(1, ['1']);
    const eurosWithCurrency = { ...euros, metrics: euros.metrics.map((metric) => (metric.valueCurrency ? { ...metric, valueCurrency: 'EUR' as const } : metric)) };
    expect(() => rate(acme, '2026-03', eurosWithCurrency)).toThrow(CurrencyMismatchError);
    const berlin = periodById(billingScheduleForContract(ContractSchema.parse({ ...acme, timeZone: 'Europe/Berlin' })), '2026-03');
    expect(() => rate(acme, '2026-03', usage(1, []), { period: berlin })).toThrow(RatingPeriodError);
    const jpyVersion = planVersionForContract(jpyPlan, kaisha, '2026-04-01');
    expect(() => rate(acme, '2026-03', usage(1, []), { planVersion: jpyVersion })).toThrow(ContractPlanMismatchError);
    const twice = usage(1, []);
    expect(() => rate(acme, '2026-03', { ...twice, metrics: [...twice.metrics, ...twice.metrics] })).toThrow(
      expect.objectContaining({ code: 'duplicate_usage' }),
    );
  });

  it('refuses a plan version for a period that starts before the version takes effect', () => {
    // Version 2 of support-automation takes effect 2027-01-01; Acme's 2026-03 period starts 2026-03-15.
    const version2 = selectPlanVersion(plan, 2, '2027-01-01');
    expect(() => rate(acme, '2026-03', usage(1, []), { planVersion: version2 })).toThrow(
      expect.objectContaining({ code: 'plan_version_not_yet_effective' }),
    );
    // The same version is accepted by a simulation, which proposes future prices on past usage on purpose.
    expect(rate(acme, '2026-03', usage(1, []), { planVersion: version2, purpose: 'simulation' }).planVersion).toBe(2);
  });

  it('gives the prepaid grant as the first balance', () => {
    expect(initialCreditBalance(acme)).toBe(100_000n);
    expect(initialCreditBalance(kaisha)).toBe(0n);
  });

  it('serializes to JSON with amounts as strings', () => {
    const json = JSON.parse(JSON.stringify(serializeDraftInvoice(rate(acme, '2026-03', usage(1234, ['10.00'])))));
    expect(json.lines[1]).toMatchObject({ amount: { minor: '166080', decimal: '1660.80' }, breakdown: [{ kind: 'included_units' }, { kind: 'tier' }, { kind: 'tier' }] });
  });
});

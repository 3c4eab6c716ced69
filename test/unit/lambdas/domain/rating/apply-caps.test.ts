import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  adjustmentTotal,
  createInvoiceRecord,
  creditNoteTotal,
  planCorrection,
  planThresholdInvoice,
  settleAgainstThresholdInvoices,
  thresholdCreditCorrection,
  type InvoiceRecord,
} from '../../../../../lambdas/domain/invoicing';
import { MoneyDecimal, formatMinorUnits } from '../../../../../lambdas/domain/money';
import {
  billingScheduleForContract,
  loadContractSource,
  loadPlanSource,
  planVersionForContract,
  type Contract,
} from '../../../../../lambdas/domain/plans';
import type { Cap } from '../../../../../lambdas/domain/plans/spend-alerts-schema';
import { periodById } from '../../../../../lambdas/domain/periods';
import {
  UsageInputError,
  applySpendCap,
  outcomesWithinValueCap,
  rateContractPeriod,
  serializeDraftInvoice,
  type PeriodUsage,
} from '../../../../../lambdas/domain/rating';
import { contractWith, rate } from '../../../../support/invoicing-fixtures';

// The acme example: platform 450.00 (override), graduated resolutions (100
// included, 1.50 to 1000, 1.20 to 5000), a 2.5% success fee (+0.10, per
// outcome 0.50..25.00), agent seats (packages of 10 at 40.00), a 2,000.00
// monthly commitment and 1,000.00 of prepaid credits.
const load = (file: string) => ({ path: file, text: readFileSync(`docs/examples/plans/${file}`, 'utf8') });
const plan = loadPlanSource(load('support-automation.yaml'));
const acme = loadContractSource(load('acme-contract.yaml'));

const usage = (resolutions: number, values: string[], agents = 17): PeriodUsage => ({
  customerId: 'acme',
  asOf: '2026-04-15T06:00:00.000Z',
  metrics: [
    { ledgerMetric: 'ticket.resolved', eligibility: 'billable', count: resolutions, sumQuantity: String(resolutions), uniqueCounts: { agentId: agents } },
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

function rateAcme(caps: Cap[] | undefined, periodUsage: PeriodUsage, creditBalance = 50_000n, extra: Partial<Contract> = {}) {
  const contract: Contract = { ...acme, ...(caps ? { caps } : {}), ...extra };
  const period = periodById(billingScheduleForContract(contract), '2026-03');
  return rateContractPeriod({
    contract,
    planVersion: planVersionForContract(plan, contract, period.startDate),
    period,
    usage: periodUsage,
    now: '2026-04-16T00:00:00Z',
    creditBalance,
  });
}

const amounts = (invoice: ReturnType<typeof rateAcme>) => invoice.lines.map((line) => [line.chargeId, line.amount]);
const VALUES = ['10.00', '200.40', '1000'];

describe('metric caps', () => {
  it('below and at the cap change nothing and show no cap row', () => {
    const uncapped = rateAcme(undefined, usage(1234, VALUES));
    for (const quantity of ['5000', '1234']) {
      const capped = rateAcme([{ metric: 'resolutions', quantity }], usage(1234, VALUES));
      expect(amounts(capped)).toEqual(amounts(uncapped));
      expect(capped.lines[1]?.breakdown.some((row) => row.kind === 'metric_cap')).toBe(false);
    }
  });

  it('above the cap prices the capped quantity through the tiers, keeps the measured quantity and shows what is over', () => {
    const invoice = rateAcme([{ metric: 'resolutions', quantity: '1000' }], usage(1234, VALUES));
    const line = invoice.lines[1]!;
    // 1000 billable: 100 included, 900 × 1.50 (uncapped: 1000 × 1.50 + 134 × 1.20 = 1660.80).
    expect(line.amount).toBe(135_000n);
    expect(line.quantity).toBe('1234');
    expect(line.breakdown[0]).toEqual({ kind: 'metric_cap', metric: 'resolutions', cap: '1000', measured: '1234', billable: '1000', overCap: '234' });
    expect(line.breakdown[1]).toEqual({ kind: 'included_units', measured: '1000', included: '100', billable: '900' });
    // The cap limits that metric only: seats read another metric of the same outcomes.
    expect(invoice.lines[3]?.amount).toBe(8_000n);
    expect(invoice.subtotal).toBe(45_000n + 135_000n + 3_061n + 8_000n);
  });

  it('a zero cap bills nothing for the metric but still shows every outcome measured', () => {
    const invoice = rateAcme([{ metric: 'resolutions', quantity: '0' }], usage(1234, VALUES));
    expect(invoice.lines[1]?.amount).toBe(0n);
    expect(invoice.lines[1]?.quantity).toBe('1234');
    expect(invoice.lines[1]?.breakdown[0]).toMatchObject({ kind: 'metric_cap', billable: '0', overCap: '1234' });
  });

  it('caps a percentage fee on value in occurredAt order: the crossing outcome is billed on its part within the cap', () => {
    // Billed values 10.00, 200.40 and 289.60 of the 1000: fees 0.50 (raised), 5.11 and 7.34 (uncapped 0.50 + 5.11 + 25.00).
    const invoice = rateAcme([{ metric: 'recovered-order-value', quantity: '500' }], usage(1234, VALUES));
    const line = invoice.lines[2]!;
    expect(line.amount).toBe(1_295n);
    expect(line.quantity).toBe('1210.4');
    expect(line.breakdown[0]).toEqual({ kind: 'metric_cap', metric: 'recovered-order-value', cap: '500', measured: '1210.4', billable: '500', overCap: '710.4' });
    expect(line.breakdown[1]).toMatchObject({ kind: 'percentage', outcomes: 3, value: '500', raisedToMinimum: 1, cappedAtMaximum: 0 });
  });

  it('leaves the outcomes past a value cap without any fee, and needs their values to choose them', () => {
    const outcomes = { count: 4, sumValue: new MoneyDecimal('40'), values: ['10', '10', '10', '10'] };
    expect(outcomesWithinValueCap('m', outcomes, new MoneyDecimal('20'))).toEqual({ count: 2, sumValue: new MoneyDecimal('20'), values: ['10', '10'] });
    expect(outcomesWithinValueCap('m', outcomes, new MoneyDecimal('0'))).toEqual({ count: 0, sumValue: new MoneyDecimal('0'), values: [] });
    expect(outcomesWithinValueCap('m', outcomes, new MoneyDecimal('40'))).toBe(outcomes);
    expect(() => outcomesWithinValueCap('m', { ...outcomes, values: undefined }, new MoneyDecimal('20'))).toThrow(UsageInputError);
  });
});

describe('spend cap', () => {
  it('takes the excess off the usage lines last first, shows it on each, then the commitment tops up and credits pay', () => {
    // Uncapped 2221.41: the 1221.41 over 1000.00 comes off seats (80.00), the success fee (30.61), then resolutions (1110.80).
    const invoice = rateAcme([{ spend: '1000.00' }], usage(1234, VALUES));
    expect(amounts(invoice)).toEqual([
      ['platform', 45_000n],
      ['resolutions', 55_000n],
      ['recovery-success-fee', 0n],
      ['agent-seats', 0n],
    ]);
    expect(invoice.subtotal).toBe(100_000n);
    expect(invoice.spendCap).toEqual({ cap: 100_000n, subtotalBefore: 222_141n, reduction: 122_141n });
    const resolutions = invoice.lines[1]!;
    expect(resolutions.description).toBe('Resolved tickets: 1234 resolutions (spend cap 1000.00: -1110.80)');
    expect(resolutions.breakdown.at(-1)).toEqual({ kind: 'spend_cap', cap: '1000.00', subtotalBefore: '2221.41', exactAmount: '-1110.80' });
    // The line's rows still add up to its exact amount.
    expect(resolutions.exactAmount).toBe('550');
    expect(invoice.lines[0]?.breakdown.some((row) => row.kind === 'spend_cap')).toBe(false);
    // Commitment 2000.00 on the capped 1000.00; 500.00 of credits on the capped lines in order.
    expect(invoice.commitmentTrueUp?.amount).toBe(100_000n);
    expect(invoice.credits).toEqual({ balanceBefore: 50_000n, applied: 50_000n, balanceAfter: 0n });
    expect(invoice.total).toBe(100_000n + 100_000n - 50_000n);
    expect(serializeDraftInvoice(invoice).spendCap).toEqual({
      cap: { minor: '100000', decimal: '1000.00' },
      subtotalBefore: { minor: '222141', decimal: '2221.41' },
      reduction: { minor: '122141', decimal: '1221.41' },
    });
  });

  it('at or below the cap changes nothing; a zero cap leaves only the commitment', () => {
    const uncapped = rateAcme(undefined, usage(1234, VALUES));
    const atCap = rateAcme([{ spend: '2221.41' }], usage(1234, VALUES));
    expect(amounts(atCap)).toEqual(amounts(uncapped));
    expect(atCap.spendCap).toBeNull();
    const zero = rateAcme([{ spend: '0' }], usage(1234, VALUES));
    expect(zero.lines.every((line) => line.amount === 0n)).toBe(true);
    expect(zero.subtotal).toBe(0n);
    expect(zero.commitmentTrueUp?.amount).toBe(200_000n);
    // Credits pay the true-up when nothing else is billed.
    expect(zero.total).toBe(150_000n);
  });

  it('credits never draw more than the capped charges', () => {
    const invoice = rateAcme([{ spend: '300.00' }], usage(1234, VALUES), 1_000_000n, { commitment: undefined });
    expect(invoice.subtotal).toBe(30_000n);
    // Fees go last: the platform line gives up 150.00 once every usage line is at zero.
    expect(amounts(invoice)[0]).toEqual(['platform', 30_000n]);
    expect(invoice.credits).toEqual({ balanceBefore: 1_000_000n, applied: 30_000n, balanceAfter: 970_000n });
    expect(invoice.total).toBe(0n);
  });

  it('applies after the metric caps', () => {
    // The metric cap makes resolutions 1350.00 and the subtotal 1910.61; the spend cap takes the 510.61 over 1400.00 off seats, the fee, then resolutions.
    const invoice = rateAcme([{ metric: 'resolutions', quantity: '1000' }, { spend: '1400.00' }], usage(1234, VALUES));
    expect(invoice.spendCap).toEqual({ cap: 140_000n, subtotalBefore: 191_061n, reduction: 51_061n });
    expect(amounts(invoice)).toEqual([
      ['platform', 45_000n],
      ['resolutions', 95_000n],
      ['recovery-success-fee', 0n],
      ['agent-seats', 0n],
    ]);
    expect(invoice.lines[1]?.breakdown.map((row) => row.kind)).toEqual(['metric_cap', 'included_units', 'tier', 'spend_cap']);
  });

  it('returns the lines untouched without a cap', () => {
    const lines = rate(10).lines;
    expect(applySpendCap(lines, undefined, 'USD')).toEqual({ lines, spendCap: null });
  });
});

// The invoicing fixture: a 100.00 platform fee and 1.50 per resolution, October 2026.
const sum = (values: readonly bigint[]) => values.reduce((total, value) => total + value, 0n);
const asOf = (step: number) => new Date(Date.parse('2026-10-02T00:00:00Z') + step * 3_600_000).toISOString();

describe('caps (property)', () => {
  it('capped quantity = min(quantity, cap); capped subtotal = min(uncapped, cap) <= cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 0, max: 400_000 }), (count, quantityCap, spendCap) => {
        const uncapped = rate(count);
        const metricCapped = rate(count, undefined, contractWith({ caps: [{ metric: 'resolutions', quantity: String(quantityCap) }] }));
        expect(metricCapped.lines[1]!.amount).toBe(BigInt(Math.min(count, quantityCap)) * 150n);
        expect(metricCapped.lines[1]!.quantity).toBe(String(count));
        const spendCapped = rate(count, undefined, contractWith({ caps: [{ spend: formatMinorUnits(BigInt(spendCap), 'USD') }] }));
        const expected = uncapped.subtotal < BigInt(spendCap) ? uncapped.subtotal : BigInt(spendCap);
        expect(spendCapped.subtotal).toBe(expected);
        expect(spendCapped.subtotal).toBeLessThanOrEqual(BigInt(spendCap));
        expect(sum(spendCapped.lines.map((line) => line.amount))).toBe(spendCapped.subtotal);
        for (const line of spendCapped.lines) expect(line.amount).toBeGreaterThanOrEqual(0n);
      }),
      { numRuns: 300 },
    );
  });

  it("threshold invoices, period end, late outcomes and reversals: invoices less credit notes equal the capped rated total", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 1, max: 40_000 }),
        fc.option(fc.integer({ min: 0, max: 50_000 }), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: undefined }),
        (counts, finalCount, lateCount, threshold, credits, quantityCap, spendCap) => {
          const caps: Cap[] = [
            ...(quantityCap === undefined ? [] : [{ metric: 'resolutions', quantity: String(quantityCap) }]),
            ...(spendCap === undefined ? [] : [{ spend: formatMinorUnits(BigInt(spendCap), 'USD') }]),
          ];
          const contract = contractWith({ caps, ...(credits === undefined ? {} : { prepaidCredits: { amount: '500.00' } }) });
          const rateAt = (count: number, step: number) => rate(count, asOf(step), contract, credits === undefined ? undefined : BigInt(credits));
          const thresholds: InvoiceRecord[] = [];
          counts.forEach((count, step) => {
            const planned = planThresholdInvoice({ draft: rateAt(count, step), thresholdRecords: thresholds, thresholdAmount: BigInt(threshold) });
            if (planned) thresholds.push(planned);
          });
          const final = rateAt(finalCount, counts.length);
          if (spendCap !== undefined) expect(final.subtotal).toBeLessThanOrEqual(BigInt(spendCap));
          const settled = settleAgainstThresholdInvoices(createInvoiceRecord(final), thresholds);
          const credited = sum(settled.credits.map((credit) => creditNoteTotal(thresholdCreditCorrection(credit, settled.record))));
          const invoiced = sum(thresholds.map((record) => record.total)) + settled.record.total;
          expect(invoiced - credited).toBe(final.total);
          // A late outcome or a reversal after the close: the correction is the difference of the capped ratings.
          const late = rateAt(lateCount, counts.length + 1);
          const correction = planCorrection({ record: settled.record, previous: [], rerated: late });
          const corrected = correction ? adjustmentTotal(correction) - creditNoteTotal(correction) : 0n;
          expect(invoiced - credited + corrected).toBe(late.total);
        },
      ),
      { numRuns: 300 },
    );
  });
});

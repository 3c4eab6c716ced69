import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  InvoiceRecordInvalidError,
  adjustmentTotal,
  createInvoiceRecord,
  creditNoteTotal,
  planCorrection,
  planThresholdInvoice,
  settleAgainstThresholdInvoices,
  thresholdCreditCorrection,
  unbilledSpend,
  type InvoiceRecord,
} from '../../../../../lambdas/domain/invoicing';
import { contractWith, rate } from '../../../../support/invoicing-fixtures';

// The fixture plan: a 100.00 platform fee and 1.50 per resolution (USD), October 2026.
const sum = (values: readonly bigint[]) => values.reduce((total, value) => total + value, 0n);
const asOf = (step: number) => new Date(Date.parse('2026-10-02T00:00:00Z') + step * 3_600_000).toISOString();

describe('planThresholdInvoice', () => {
  it('issues nothing below the threshold and, once crossed, bills the period to date line by line', () => {
    expect(planThresholdInvoice({ draft: rate(10, asOf(1)), thresholdRecords: [], thresholdAmount: 20_000n })).toBeNull();
    // 100.00 + 80 x 1.50 = 220.00 >= 200.00
    const first = planThresholdInvoice({ draft: rate(80, asOf(2)), thresholdRecords: [], thresholdAmount: 20_000n })!;
    expect(first.periodId).toBe('2026-10-threshold-1');
    expect(first.invoiceRecordId).toBe('oe:ctr-1:2026-10-threshold-1:r1');
    expect(first.thresholdOf).toEqual({ periodId: '2026-10', sequence: 1, thresholdAmount: 20_000n, spendToDate: 22_000n });
    expect(first.lines.map((line) => [line.lineId, line.amount])).toEqual([
      ['platform', 10_000n],
      ['resolutions', 12_000n],
    ]);
    expect(first.total).toBe(22_000n);
    // The threshold resets after each invoice: 100 more resolutions (150.00) are not enough, 134 are (201.00).
    expect(planThresholdInvoice({ draft: rate(180, asOf(3)), thresholdRecords: [first], thresholdAmount: 20_000n })).toBeNull();
    const second = planThresholdInvoice({ draft: rate(214, asOf(4)), thresholdRecords: [first], thresholdAmount: 20_000n })!;
    expect(second.periodId).toBe('2026-10-threshold-2');
    expect(second.lines.map((line) => [line.lineId, line.amount])).toEqual([['resolutions', 20_100n]]);
    // Asked again with the same usage (a retried batch): nothing more.
    expect(planThresholdInvoice({ draft: rate(214, asOf(4)), thresholdRecords: [first, second], thresholdAmount: 20_000n })).toBeNull();
  });

  it('refuses a threshold that is not positive', () => {
    expect(() => planThresholdInvoice({ draft: rate(1), thresholdRecords: [], thresholdAmount: 0n })).toThrow(InvoiceRecordInvalidError);
  });
});

describe('settleAgainstThresholdInvoices', () => {
  it('bills only the rest at period end, and credits a reversal that followed a threshold invoice', () => {
    const first = planThresholdInvoice({ draft: rate(80, asOf(1)), thresholdRecords: [], thresholdAmount: 20_000n })!;
    // 30 of the 80 were reversed before the period ended: 50 resolutions, 175.00 in all, 220.00 billed.
    const final = rate(50, asOf(2));
    const settled = settleAgainstThresholdInvoices(createInvoiceRecord(final), [first]);
    expect(settled.record.lines.map((line) => [line.lineId, line.amount, line.amountDue])).toEqual([
      ['platform', 0n, 10_000n],
      ['resolutions', 0n, 7_500n],
    ]);
    expect(settled.record.total).toBe(0n);
    expect(settled.credits).toHaveLength(1);
    expect(settled.credits[0]!.lines).toEqual([{ chargeId: 'resolutions', metric: 'resolutions', amount: 4_500n }]);
    const correction = thresholdCreditCorrection(settled.credits[0]!, settled.record);
    expect(correction.correctionId).toBe('oe:ctr-1:2026-10-threshold-1:correction:1');
    expect(creditNoteTotal(correction)).toBe(4_500n);
    expect(first.total + settled.record.total - creditNoteTotal(correction)).toBe(final.total);
  });

  it('leaves a period without threshold invoices as it was', () => {
    const record = createInvoiceRecord(rate(12));
    expect(settleAgainstThresholdInvoices(record, [])).toEqual({ record, credits: [] });
  });
});

describe('threshold invoices, period end, late outcomes and reversals (property)', () => {
  it("sum of a period's invoices, less credits, equals its rated total to the cent; no line is ever negative", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 1, max: 40_000 }),
        fc.option(fc.integer({ min: 0, max: 50_000 }), { nil: undefined }),
        (counts, finalCount, lateCount, threshold, credits) => {
          const contract = credits === undefined ? contractWith() : contractWith({ prepaidCredits: { amount: '500.00' } });
          const rateAt = (count: number, step: number) => rate(count, asOf(step), contract, credits === undefined ? undefined : BigInt(credits));
          const thresholds: InvoiceRecord[] = [];
          counts.forEach((count, step) => {
            const draft = rateAt(count, step);
            const planned = planThresholdInvoice({ draft, thresholdRecords: thresholds, thresholdAmount: BigInt(threshold) });
            if (planned) {
              thresholds.push(planned);
              // Evaluated again on the same usage (a redelivered batch): never a second invoice.
              expect(planThresholdInvoice({ draft, thresholdRecords: thresholds, thresholdAmount: BigInt(threshold) })).toBeNull();
              expect(unbilledSpend(draft, thresholds).unbilled).toBeLessThanOrEqual(0n);
            }
          });
          const final = rateAt(finalCount, counts.length);
          const settled = settleAgainstThresholdInvoices(createInvoiceRecord(final), thresholds);
          const creditCorrections = settled.credits.map((credit) => thresholdCreditCorrection(credit, settled.record));
          for (const record of [...thresholds, settled.record]) {
            // The prepaid credit line of a period without threshold invoices is negative by design; nothing else is.
            for (const line of record.lines.filter((l) => l.kind !== 'prepaid_credits')) expect(line.amount).toBeGreaterThanOrEqual(0n);
          }
          for (const credit of settled.credits) {
            for (const line of credit.lines) {
              expect(line.amount).toBeGreaterThan(0n);
              const billed = credit.thresholdRecord.lines.find((billedLine) => billedLine.lineId === line.chargeId)!.amount;
              expect(line.amount).toBeLessThanOrEqual(billed);
            }
          }
          const credited = sum(creditCorrections.map(creditNoteTotal));
          const invoiced = sum(thresholds.map((record) => record.total)) + settled.record.total;
          expect(invoiced - credited).toBe(final.total);

          // A late outcome or reversal after the close is corrected against the period-end record, which
          // remembers every line's full rated amount: the threshold invoices' share is never billed or credited twice.
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

describe('a contract\'s thresholdInvoicing', () => {
  it('takes a positive amount that fits the currency, and refuses anything else with its path', async () => {
    const { ContractSchema } = await import('../../../../../lambdas/domain/plans/contract-schema');
    const base = {
      kind: 'contract', contractId: 'c', customerId: 'u', plan: { code: 'p', version: 1 }, termStart: '2026-01-01', termEnd: '2027-01-01',
      billingPeriod: { cadence: 'monthly' }, timeZone: 'UTC', currency: 'USD',
    };
    expect(ContractSchema.parse({ ...base, thresholdInvoicing: { amount: '500.00' } }).thresholdInvoicing).toEqual({ amount: '500.00' });
    const issues = (input: unknown) => ContractSchema.safeParse(input).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];
    expect(issues({ ...base, thresholdInvoicing: { amount: '0' } })).toEqual(['thresholdInvoicing.amount: must be greater than 0']);
    expect(issues({ ...base, thresholdInvoicing: { amount: '-5' } })[0]).toMatch(/^thresholdInvoicing\.amount: /);
    expect(issues({ ...base, thresholdInvoicing: { amount: '5.001' } })[0]).toMatch(/^thresholdInvoicing\.amount: /);
    expect(issues({ ...base, thresholdInvoicing: { amount: '5', every: 'day' } })[0]).toMatch(/^thresholdInvoicing: /);
  });
});

import { describe, expect, it } from 'vitest';
import type { Contract } from '../../../../../lambdas/domain/plans/contract-schema';
import type { DraftInvoice, InvoiceLine } from '../../../../../lambdas/domain/rating/draft-invoice';
import { SPEND_FORECAST_RULE, spendToDate } from '../../../../../lambdas/domain/rating/spend-to-date';

const period = {
  id: '2026-11',
  timeZone: 'UTC',
  start: '2026-11-01T00:00:00.000Z',
  end: '2026-12-01T00:00:00.000Z',
  startDate: '2026-11-01',
  endDate: '2026-12-01',
  partial: false,
  proration: { days: 30, fullDays: 30 },
  lastOfTerm: false,
};

function line(chargeId: string, metric: string | null, amount: bigint, quantity = '1'): InvoiceLine {
  return {
    chargeId, chargeName: chargeId, model: metric === null ? 'flat' : 'per_unit', description: chargeId, metric, quantity,
    exactAmount: '0', amount, creditApplied: 0n, amountDue: amount, priceSource: 'plan', breakdown: [], usageQuery: null,
    period: { id: period.id, start: period.start, end: period.end },
  };
}

function draft(lines: InvoiceLine[], extra: Partial<DraftInvoice> = {}): DraftInvoice {
  const subtotal = lines.reduce((sum, item) => sum + item.amount, 0n);
  return {
    contractId: 'ctr-1', customerId: 'acme', planCode: 'p', planVersion: 1, currency: 'USD', period, lines, subtotal, spendCap: null,
    commitmentTrueUp: null, credits: null, total: subtotal, ratedAt: null, usageAsOf: null, skippedOverrides: [], ...extra,
  };
}

const contract = (extra: Partial<Contract> = {}) => ({ contractId: 'ctr-1', ...extra }) as Contract;

describe('spendToDate', () => {
  it('scales usage lines linearly by the elapsed share, keeps flat fees, and states the rule', () => {
    // A third of the way through: 10.00 of usage → 30.00; the 100.00 fee stays.
    const spend = spendToDate({ contract: contract(), draft: draft([line('fee', null, 10_000n), line('resolutions', 'resolutions', 1_000n, '20')]), asOf: '2026-11-11T00:00:00.000Z', termToDateSubtotal: 0n });
    expect(spend.forecast).toEqual({ rule: SPEND_FORECAST_RULE, elapsedPercent: '33.33', subtotal: 13_000n, total: 13_000n });
    expect(spend.usage).toEqual([{ chargeId: 'resolutions', metric: 'resolutions', quantity: '20' }]);
    expect(spend.commitment).toBeNull();
    expect(spend.creditsLeft).toBeNull();
  });

  it('rounds the forecast half up in minor units, and does not scale before the period starts', () => {
    const lines = [line('resolutions', 'resolutions', 1n)];
    // 1 minor unit × 30 / 7 days = 4.29 → 4.
    expect(spendToDate({ contract: contract(), draft: draft(lines), asOf: '2026-11-08T00:00:00.000Z', termToDateSubtotal: 0n }).forecast.subtotal).toBe(4n);
    // × 30 / 4 = 7.5 → 8.
    expect(spendToDate({ contract: contract(), draft: draft(lines), asOf: '2026-11-05T00:00:00.000Z', termToDateSubtotal: 0n }).forecast.subtotal).toBe(8n);
    expect(spendToDate({ contract: contract(), draft: draft(lines), asOf: '2026-10-05T00:00:00.000Z', termToDateSubtotal: 0n }).forecast).toMatchObject({ elapsedPercent: '0.00', subtotal: 1n });
  });

  it('burns a term-end commitment with the term’s earlier invoices, and reports no share for a zero commitment', () => {
    const termEnd = spendToDate({
      contract: contract({ commitment: { trueUp: 'term_end', amountForTerm: '1000.00' } }),
      draft: draft([line('resolutions', 'resolutions', 5_000n)]),
      asOf: '2026-12-01T00:00:00.000Z',
      termToDateSubtotal: 20_000n,
    });
    expect(termEnd.commitment).toEqual({ trueUp: 'term_end', committed: 100_000n, burned: 25_000n, remaining: 75_000n, burnedPercent: '25.00' });
    // A term-end commitment sets no floor on one period's forecast.
    expect(termEnd.forecast.total).toBe(5_000n);

    const zero = spendToDate({ contract: contract({ commitment: { trueUp: 'per_period', amountPerPeriod: '0' } }), draft: draft([line('fee', null, 500n)]), asOf: '2026-11-15T00:00:00.000Z', termToDateSubtotal: 0n });
    expect(zero.commitment).toEqual({ trueUp: 'per_period', committed: 0n, burned: 500n, remaining: 0n, burnedPercent: null });
  });
});

// @vitest-environment happy-dom
// The live-spend panel in a DOM: finance sees the spend figures beside the
// chart, the rated lines, every alert and cap level and the threshold
// invoices; the portal asks its own route and shows only what fired.
import { cleanup, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import type { Api } from '../src/api';
import { LiveSpendPanel, spendBars } from '../src/live-spend';
import type { LiveSpend } from '../src/types';

afterEach(cleanup);

const amount = (minor: string, decimal: string) => ({ minor, decimal });

const view: LiveSpend = {
  contractId: 'ctr-1',
  customerId: 'acme',
  open: true,
  periodId: '2026-09',
  asOf: '2026-09-04T00:00:00.000Z',
  spend: {
    currency: 'USD',
    period: { id: '2026-09', startDate: '2026-09-01', endDate: '2026-10-01' },
    usage: [{ chargeId: 'resolutions', metric: 'resolutions', quantity: '4' }],
    ratedToDate: { subtotal: amount('10600', '106.00'), total: amount('20000', '200.00') },
    commitment: { trueUp: 'per_period', committed: amount('20000', '200.00'), burned: amount('10600', '106.00'), remaining: amount('9400', '94.00'), burnedPercent: '53.00' },
    creditsLeft: null,
    forecast: { rule: 'linear: scaled', elapsedPercent: '10.00', subtotal: amount('16000', '160.00'), total: amount('20000', '200.00') },
    preview: {
      lines: [{ chargeId: 'resolutions', description: 'Resolutions', metric: 'resolutions', quantity: '4', amount: amount('600', '6.00'), creditApplied: amount('0', '0.00'), amountDue: amount('600', '6.00') }],
      commitmentTrueUp: null,
      total: amount('20000', '200.00'),
    },
  },
  alerts: [
    { thresholdId: 'usage:resolutions:2', kind: 'usage', description: 'resolutions at 2', configured: true, reachedNow: true, firedAt: '2026-09-03T10:00:00.000Z', published: true },
    { thresholdId: 'usage:resolutions:10', kind: 'usage', description: 'resolutions at 10', configured: true, reachedNow: false, firedAt: null, published: null },
  ],
  caps: [
    { thresholdId: 'cap:metric:resolutions', kind: 'metric', metric: 'resolutions', cap: '3', usedToDate: '4', remaining: '0', currency: null, allowsMore: false, reason: 'resolutions is capped at 3 this period: 4 used, 0 left' },
    { thresholdId: 'cap:spend', kind: 'spend', metric: null, cap: '5000.00', usedToDate: '106.00', remaining: '4894.00', currency: 'USD', allowsMore: true, reason: null },
  ],
  thresholdInvoicing: { threshold: amount('100000', '1000.00'), invoices: [], billed: amount('0', '0.00'), unbilled: amount('10600', '106.00') },
};

function apiAnswering(path: string, answer: unknown): Api & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    get: async (asked) => {
      calls.push(asked);
      if (asked !== path) throw new Error(`unexpected ${asked}`);
      return answer as never;
    },
    post: async () => {
      throw new Error('no posts');
    },
    download: async () => ({ kind: 'file', blob: new Blob([]) }),
  };
}

describe('LiveSpendPanel', () => {
  it("shows finance the chart's figures, the rated lines, every level with whether it fired, the caps and the threshold", async () => {
    const api = apiAnswering('/api/contracts/ctr-1/spend', view);
    render(<LiveSpendPanel api={api} contractId="ctr-1" />);
    await screen.findByText('Rated lines to date (as `invoice preview`)');
    expect(spendBars(view as Extract<LiveSpend, { open: true }>).map((bar) => [bar.label, bar.decimal])).toEqual([
      ['rated to date', '106.00'],
      ['forecast at period end', '160.00'],
      ['commitment', '200.00'],
      ['spend cap', '5000.00'],
    ]);
    expect(document.querySelector('[data-figure="rated to date"]')?.textContent).toBe('106.00 USD');
    expect(document.querySelector('[data-figure="spend cap"]')?.textContent).toBe('5,000.00 USD');
    expect(document.querySelector('[data-figure="usage:resolutions"]')?.textContent).toBe('4');
    expect(screen.getByText('Alert and cap levels this period')).toBeTruthy();
    expect(screen.getByText('not fired')).toBeTruthy();
    expect(screen.getByText('no: resolutions is capped at 3 this period: 4 used, 0 left')).toBeTruthy();
    expect(screen.getByText(/Threshold 1,000.00 USD: 0.00 USD billed on threshold invoices this period, 106.00 USD not yet billed/)).toBeTruthy();
    expect(screen.getByRole('img').getAttribute('aria-label')).toContain('rated to date 106.00 USD');
  });

  it('asks the portal route for the customer and shows what fired without the rated lines', async () => {
    const fired = { ...view, alerts: view.open ? view.alerts.filter((level) => level.firedAt !== null) : [] };
    const api = apiAnswering('/api/portal/contracts/ctr-1/spend', fired);
    render(<LiveSpendPanel api={api} contractId="ctr-1" portal />);
    await screen.findByText('Alerts that fired this period');
    expect(api.calls).toEqual(['/api/portal/contracts/ctr-1/spend']);
    expect(screen.queryByText('Rated lines to date (as `invoice preview`)')).toBeNull();
    expect(screen.getByText(/2026-09-03T10:00:00.000Z/)).toBeTruthy();
  });

  it('says so when no period is open', async () => {
    const api = apiAnswering('/api/contracts/ctr-1/spend', { contractId: 'ctr-1', customerId: 'acme', open: false, asOf: '2027-02-01T00:00:00.000Z', message: 'no period of the term is open' });
    render(<LiveSpendPanel api={api} contractId="ctr-1" />);
    await waitFor(() => expect(screen.getByText('no period of the term is open')).toBeTruthy());
  });
});

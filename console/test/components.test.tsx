// @vitest-environment happy-dom
// The console's components in a DOM: a task card with its facts, reasons and
// actions (acknowledging calls the API and reloads), the progress chart's
// text alternative, an invoice line's outcomes on demand, the portal's spend
// against commitment, and the fragment credential kept out of the address bar.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiPath, createApi, credentialFromFragment, type Api } from '../src/api';
import { groupDigits, minorToDecimal } from '../src/format';
import { SimulationChart } from '../src/finance';
import { InvoiceView } from '../src/invoice-view';
import { ProgressChart } from '../src/progress-chart';
import { TaskCard } from '../src/renewal-board';
import type { ContractProgress, InvoiceExplanation, Task } from '../src/types';

afterEach(cleanup);

const progress: ContractProgress = {
  contractId: 'ctr-1',
  customerId: 'acme',
  currency: 'USD',
  termStart: '2026-01-01',
  termEnd: '2026-04-01',
  targets: [{ metric: 'energy.saved', label: 'kWh', targetPerPeriod: '1000' }],
  periods: [
    { periodStart: '2026-01-01', periodEnd: '2026-02-01', state: 'complete', outcomes: { 'energy.saved': '1000' } },
    { periodStart: '2026-02-01', periodEnd: '2026-03-01', state: 'in_progress', outcomes: { 'energy.saved': '420.5' } },
    { periodStart: '2026-03-01', periodEnd: '2026-04-01', state: 'future' },
  ],
  value: { sentence: '1,420.5 kWh delivered this term', currency: 'USD' },
  checkpoints: [{ checkpointDays: 90, at: '2026-02-10T09:00:00Z', tier: 'at_risk', score: 55, periodStart: '2026-02-01' }],
};

const task: Task = {
  id: 'ctr-1#2026-01-01#90d',
  contractId: 'ctr-1',
  customerId: 'acme',
  customerName: 'Acme Corp',
  termId: '2026-01-01',
  termEnd: '2026-04-01',
  status: 'open',
  tier: 'at_risk',
  score: 55,
  dueDate: '2026-02-17',
  owner: 'dana',
  priority: { rank: 'P2', revenueAtRiskMinor: '600823', currency: 'USD' },
  reasons: [{ code: 'outcome_attainment_below_target', message: '420 of 1,000 targeted kWh per month (42%)' }],
  recommendedPlay: { code: 'usage_drop_investigation', title: 'Find out what changed' },
  valueSummary: { sentence: '1,420 kWh delivered this term, for $2,000.00 paid' },
};

/** An API whose answers are scripted per path, recording every call. */
function scriptedApi(answers: Record<string, unknown>): Api & { calls: string[]; bodies: unknown[] } {
  const calls: string[] = [];
  const bodies: unknown[] = [];
  const answer = async (method: string, path: string, body?: unknown) => {
    calls.push(`${method} ${path}`);
    if (method === 'POST') bodies.push(body);
    if (!(path in answers)) throw new Error(`no scripted answer for ${path}`);
    return answers[path] as never;
  };
  return { calls, bodies, get: (path) => answer('GET', path), post: (path, body) => answer('POST', path, body), download: async (path) => ({ kind: 'file', blob: new Blob([String(await answer('GET', path))]) }) };
}

describe('TaskCard', () => {
  it('shows the tier, score, numeric reasons, play, value and revenue at risk; Acknowledge posts and reloads', async () => {
    const api = scriptedApi({ [apiPath('contracts', 'ctr-1', 'progress')]: progress, [apiPath('tasks', task.id, 'acknowledge')]: { ...task, status: 'acknowledged' } });
    const onChanged = vi.fn();
    render(<TaskCard api={api} task={task} onChanged={onChanged} />);
    expect(screen.getByRole('heading', { name: /Acme Corp/ })).toBeTruthy();
    const card = screen.getByRole('article');
    expect(card.textContent).toContain('at_risk');
    expect(card.textContent).toContain('55 / 100');
    expect(card.textContent).toContain('6,008.23 USD');
    expect(card.textContent).toContain('420 of 1,000 targeted kWh per month (42%)');
    expect(card.textContent).toContain('Find out what changed (usage_drop_investigation)');
    await screen.findByRole('img', { name: /outcomes per period against target/ });
    fireEvent.click(screen.getByRole('button', { name: 'Acknowledge' }));
    await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(1));
    expect(api.calls).toContain(`POST /api/tasks/${encodeURIComponent(task.id)}/acknowledge`);
    expect(await screen.findByText('Acknowledged.')).toBeTruthy();
  });

  it('records the chosen renewal result through the form (keyboard: a labelled select and a submit button)', async () => {
    const api = scriptedApi({ [apiPath('contracts', 'ctr-1', 'progress')]: progress, [apiPath('tasks', task.id, 'resolve')]: { ...task, status: 'resolved' } });
    render(<TaskCard api={api} task={task} onChanged={() => undefined} />);
    fireEvent.change(screen.getByLabelText('Renewal result'), { target: { value: 'churned' } });
    fireEvent.click(screen.getByRole('button', { name: 'Resolve' }));
    expect(await screen.findByText('Renewal result recorded: churned.')).toBeTruthy();
    expect(api.bodies).toEqual([{ result: 'churned' }]);
  });
});

describe('ProgressChart', () => {
  it('has a table alternative with every period, the target and the checkpoint scores', () => {
    render(<ProgressChart progress={progress} title="Progress" />);
    const rows = screen.getAllByRole('row').map((row) => row.textContent);
    expect(rows[0]).toBe('Periodkwh (target 1000)Checkpoint'.replace('kwh', 'kWh'));
    expect(rows.slice(1)).toEqual([
      '2026-01-01 – 2026-02-011000',
      '2026-02-01 – 2026-03-01 (in progress)420.590-day: at_risk (55)',
      '2026-03-01 – 2026-04-01not started',
    ]);
    expect(screen.getByRole('img').getAttribute('aria-label')).toContain('kWh: target 1000 per period');
  });
});

describe('InvoiceView', () => {
  it('traces a line to its charge, tiers and ledger query, and lists its outcomes on demand', async () => {
    const invoice: InvoiceExplanation = {
      invoiceRecordId: 'oe:ctr-1:2026-01:r1',
      contractId: 'ctr-1',
      customerId: 'acme',
      periodId: '2026-01',
      cutoff: '2026-02-02T00:00:00Z',
      plan: { code: 'energy', version: 1 },
      currency: 'USD',
      totals: Object.fromEntries(['subtotal', 'commitmentTrueUp', 'creditsApplied', 'ratedTotal', 'adjustmentsTotal', 'total'].map((key) => [key, { minor: '1200', decimal: '12.00' }])) as InvoiceExplanation['totals'],
      stripe: { invoiceId: 'in_1', status: 'reconciled (Stripe: paid)', reconciled: true },
      lines: [
        {
          lineId: 'saved',
          kind: 'charge',
          description: 'Energy saved',
          chargeId: 'saved',
          metric: 'saved',
          quantity: '2',
          amount: { minor: '1200', decimal: '12.00' },
          amountDue: { minor: '1200', decimal: '12.00' },
          tiers: [{ kind: 'tier', upTo: '1000', unitPrice: '6' }],
          ledgerQuery: { ledgerMetric: 'energy.saved', from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z', asOf: '2026-02-02T00:00:00Z', eligibility: 'billable', rerun: 'outcome-engine usage --customer acme --metric energy.saved' },
        },
      ],
      followedBy: [{ correctionId: 'c1', sequence: 1, adjustments: { lines: [], billedOn: null }, creditNote: { lines: [{ amount: { minor: '-100', decimal: '-1.00' } }], creditNoteId: 'cn_1', credited: true } }],
    };
    const api = scriptedApi({
      [apiPath('portal', 'invoices', invoice.invoiceRecordId)]: invoice,
      [apiPath('portal', 'invoices', invoice.invoiceRecordId, 'lines', 'saved', 'outcomes')]: {
        lineId: 'saved',
        description: 'Energy saved',
        quantity: '2',
        outcomes: [
          { outcomeId: 'o-1', occurredAt: '2026-01-05T00:00:00Z', quantity: '1', billable: true, verified: false, corrected: false },
          { outcomeId: 'o-2', occurredAt: '2026-01-06T00:00:00Z', quantity: '1', billable: true, verified: false, corrected: false },
        ],
      },
    });
    render(<InvoiceView api={api} invoiceId={invoice.invoiceRecordId} base={['portal', 'invoices']} />);
    const line = await screen.findByRole('row', { name: /Energy saved/ });
    expect(line.textContent).toContain('12.00 USD');
    expect(line.textContent).toContain('upTo 1000, unitPrice 6');
    expect(line.textContent).toContain('outcome-engine usage --customer acme --metric energy.saved');
    expect(screen.getByText(/credit note cn_1/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Show outcomes for Energy saved' }));
    const outcomes = await screen.findByRole('table', { name: 'Outcomes behind Energy saved' });
    expect(outcomes.textContent).toContain('o-1');
    expect(outcomes.textContent).toContain('2 outcome(s)');
  });
});

describe('SimulationChart', () => {
  it('tables current against proposed revenue per contract with the totals, exact decimals grouped', () => {
    render(
      <SimulationChart
        rows={[
          { contractId: 'ctr-acme-2026', customerId: 'acme', currency: 'USD', periods: '3', current: '6150.00', proposed: '5750.00', difference: '-400.00', differencePercent: '-6.50' },
          { contractId: 'TOTAL', customerId: '1 contract(s)', currency: 'USD', periods: '', current: '6150.00', proposed: '5750.00', difference: '-400.00', differencePercent: '-6.50' },
        ]}
      />,
    );
    expect(screen.getByRole('img', { name: /Current against proposed revenue per contract/ })).toBeTruthy();
    const rows = screen.getAllByRole('row').map((row) => row.textContent);
    expect(rows.slice(1)).toEqual(['ctr-acme-2026acme36,150.00 USD5,750.00 USD-400.00 USD (-6.50%)', 'TOTAL1 contract(s)6,150.00 USD5,750.00 USD-400.00 USD (-6.50%)']);
  });
});

describe('api and formatting', () => {
  it('sends the credential as a bearer token and turns an error answer into its message', async () => {
    const fetchImpl = vi.fn(async () => new Response(JSON.stringify({ code: 'forbidden', message: 'staff routes do not accept portal links' }), { status: 403 }));
    const api = createApi(() => 'tok', fetchImpl as unknown as typeof fetch);
    await expect(api.get('/api/tasks')).rejects.toThrow('staff routes do not accept portal links');
    expect(fetchImpl).toHaveBeenCalledWith('/api/tasks', expect.objectContaining({ method: 'GET', headers: expect.objectContaining({ authorization: 'Bearer tok' }) }));
  });

  it('takes the credential from the fragment, keeps it for the tab and clears the address bar', () => {
    window.history.replaceState(null, '', '/portal/#link=abc.def');
    const token = credentialFromFragment('link', 'test.link', window.location, window.history, window.sessionStorage);
    expect(token).toBe('abc.def');
    expect(window.location.hash).toBe('');
    expect(credentialFromFragment('link', 'test.link', window.location, window.history, window.sessionStorage)).toBe('abc.def');
  });

  it('formats exact decimals without floating point', () => {
    expect(minorToDecimal('600823')).toBe('6008.23');
    expect(minorToDecimal('5', 2)).toBe('0.05');
    expect(minorToDecimal('-1200', 0)).toBe('-1200');
    expect(groupDigits('12345678.90')).toBe('12,345,678.90');
    expect(groupDigits('-1000')).toBe('-1,000');
  });
});

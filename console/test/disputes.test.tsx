// @vitest-environment happy-dom
// Disputes in a DOM: the portal's statement lists each outcome with its line
// totals, selecting an outcome and giving a reason posts the dispute and shows
// what opened and what was refused; finance's disputes page filters and
// decides a dispute with a note; an invoice line shows its dispute counts; the
// statement's CSV downloads from the answer itself (local) or from the link
// the API answers (AWS).
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiPath, createApi, type Api } from '../src/api';
import { describeDisputeCounts, DisputesPage, StatementSection } from '../src/disputes';
import type { DisputeRow, Statement } from '../src/types';

afterEach(cleanup);

const INVOICE = 'oe:ctr-acme:2026-07:r1';

function scriptedApi(answers: Record<string, (body?: unknown) => unknown>): Api & { calls: string[]; bodies: unknown[] } {
  const calls: string[] = [];
  const bodies: unknown[] = [];
  const answer = async (method: string, path: string, body?: unknown) => {
    calls.push(`${method} ${path}`);
    if (method === 'POST') bodies.push(body);
    const script = answers[`${method} ${path}`];
    if (!script) throw new Error(`no scripted answer for ${method} ${path}`);
    return script(body) as never;
  };
  return { calls, bodies, get: (path) => answer('GET', path), post: (path, body) => answer('POST', path, body), download: async (path) => {
      const answered: unknown = await answer('GET', path);
      return answered instanceof Blob ? { kind: 'file', blob: answered } : { kind: 'link', url: (answered as { downloadUrl: string }).downloadUrl };
    } };
}

const statement = (disputed: boolean): Statement => ({
  invoiceRecordId: INVOICE,
  currency: 'USD',
  cutoff: '2026-08-02T00:00:00.000Z',
  totalRows: 2,
  reconciles: true,
  rows: ['acme-t1', 'acme-t2'].map((outcomeId, index) => ({
    lineId: 'resolutions',
    outcomeId,
    occurredAt: `2026-07-10T00:00:0${index + 1}.000Z`,
    quantity: '1',
    definitionVersion: 1,
    evidence: { summary: 'closed by the agent' },
    laterReversal: null,
    disputeStatus: disputed && index === 0 ? 'open' : null,
  })),
  lines: [{ lineId: 'resolutions', description: 'Resolved tickets', outcomes: 2, measured: '2', lineQuantity: '2', amount: { minor: '300', decimal: '3.00' }, reconciles: true, pricing: '2 × 1.50' }],
});

const openRow: DisputeRow = {
  disputeId: 'D-1',
  outcomeId: 'acme-t1',
  customerId: 'acme',
  metric: 'ticket.resolved',
  occurredAt: '2026-07-10T00:00:01.000Z',
  status: 'open',
  reason: 'reopened',
  raisedBy: 'customer:acme',
  openedAt: '2026-08-05T00:00:00.000Z',
  hold: false,
};

describe('StatementSection (portal)', () => {
  it('lists outcomes and line totals; disputing a selected outcome posts it with the reason, shows what opened and refused, and reloads', async () => {
    let disputed = false;
    const api = scriptedApi({
      [`GET ${apiPath('portal', 'invoices', INVOICE, 'statement')}`]: () => statement(disputed),
      'POST /api/portal/disputes': () => {
        disputed = true;
        return { disputeId: 'D-abc', opened: [{ outcomeId: 'acme-t1', hold: false, created: true }], refused: [] };
      },
    });
    render(<StatementSection api={api} base={['portal', 'invoices']} invoiceId={INVOICE} canDispute />);
    const totals = await screen.findByRole('table', { name: 'Line totals' });
    expect(within(totals).getByRole('row', { name: /Resolved tickets/ }).textContent).toContain('3.00 USD');
    const submit = screen.getByRole('button', { name: 'Open dispute' }) as HTMLButtonElement;
    expect(submit.disabled).toBe(true);
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select outcome acme-t1 (resolutions)' }));
    fireEvent.input(screen.getByLabelText('Why do you dispute them?'), { target: { value: 'ticket was reopened' } });
    await waitFor(() => expect(submit.disabled).toBe(false));
    fireEvent.submit(submit.closest('form') as HTMLFormElement);
    await screen.findByText(/Dispute D-abc: 1 opened, 0 refused/);
    expect(api.bodies).toEqual([{ outcomeIds: ['acme-t1'], reason: 'ticket was reopened' }]);
    // Reloaded: the disputed outcome shows its open dispute and can no longer be selected.
    await waitFor(() => expect((screen.getByRole('checkbox', { name: 'Select outcome acme-t1 (resolutions)' }) as HTMLInputElement).disabled).toBe(true));
    expect(screen.getByRole('row', { name: /acme-t1/ }).textContent).toContain('dispute open');
  });
});

describe('Download statement (CSV)', () => {
  const csvPath = apiPath('portal', 'invoices', INVOICE, 'statement.csv');
  function clickedAnchors() {
    const clicked: { href: string; download: string }[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push({ href: this.href, download: this.download });
    });
    return { clicked, restore: () => click.mockRestore() };
  }

  it('follows the download link the API answers in AWS (the page does not fetch it)', async () => {
    const link = 'https://statements.s3.eu-west-1.amazonaws.com/statements/inv-1/r/statement.csv?X-Amz-Signature=abc';
    const api = scriptedApi({
      [`GET ${apiPath('portal', 'invoices', INVOICE, 'statement')}`]: () => statement(false),
      [`GET ${csvPath}`]: () => ({ downloadUrl: link, expiresAt: '2026-08-01T00:05:00.000Z' }),
    });
    const anchors = clickedAnchors();
    try {
      render(<StatementSection api={api} base={['portal', 'invoices']} invoiceId={INVOICE} canDispute />);
      fireEvent.click(await screen.findByRole('button', { name: 'Download statement (CSV)' }));
      await waitFor(() => expect(anchors.clicked).toEqual([{ href: link, download: '' }]));
    } finally {
      anchors.restore();
    }
  });

  it('saves the streamed file as it is answered locally', async () => {
    const api = scriptedApi({
      [`GET ${apiPath('portal', 'invoices', INVOICE, 'statement')}`]: () => statement(false),
      [`GET ${csvPath}`]: () => new Blob(['kind,line_id\r\n'], { type: 'text/csv' }),
    });
    const anchors = clickedAnchors();
    try {
      render(<StatementSection api={api} base={['portal', 'invoices']} invoiceId={INVOICE} canDispute />);
      fireEvent.click(await screen.findByRole('button', { name: 'Download statement (CSV)' }));
      await waitFor(() => expect(anchors.clicked).toHaveLength(1));
      expect(anchors.clicked[0]?.href).toMatch(/^blob:/);
      expect(anchors.clicked[0]?.download).toBe(`statement-${INVOICE.replace(/[^A-Za-z0-9._-]/g, '_')}.csv`);
    } finally {
      anchors.restore();
    }
  });
});

describe('createApi download', () => {
  const answer = (body: BodyInit, type: string, status = 200) => async () => new Response(body, { status, headers: { 'content-type': type } });

  it('answers a JSON download link as a link, and a file as its blob', async () => {
    const link = await createApi(() => 'tok', answer(JSON.stringify({ downloadUrl: 'https://s3.example/x?sig', expiresAt: 'later' }), 'application/json; charset=utf-8')).download('/api/x.csv');
    expect(link).toEqual({ kind: 'link', url: 'https://s3.example/x?sig' });
    const file = await createApi(() => 'tok', answer('a,b\r\n', 'text/csv; charset=utf-8')).download('/api/x.csv');
    expect(file.kind).toBe('file');
    expect(file.kind === 'file' ? await file.blob.text() : undefined).toBe('a,b\r\n');
  });

  it('refuses a JSON answer without a link, and reports an error answer with its message', async () => {
    await expect(createApi(() => 'tok', answer('{}', 'application/json')).download('/api/x.csv')).rejects.toThrow(/no file and no download link/);
    await expect(createApi(() => 'tok', answer(JSON.stringify({ code: 'not_found', message: 'no invoice "x"' }), 'application/json', 404)).download('/api/x.csv')).rejects.toThrow('no invoice "x"');
  });
});

describe('DisputesPage (finance)', () => {
  it('filters by status and contract, and resolves an open dispute with a decision and a note', async () => {
    let decided = false;
    const api = scriptedApi({
      'GET /api/disputes': () => (decided ? [{ ...openRow, status: 'upheld', decision: { note: 'confirmed', resolvedBy: 'dana', resolvedAt: '2026-08-06T00:00:00.000Z' } }] : [openRow]),
      'GET /api/disputes?status=open&contractId=ctr-acme': () => [openRow],
      'POST /api/disputes/D-1/resolve': () => {
        decided = true;
        return { disputeId: 'D-1', decided: [], refused: [] };
      },
    });
    render(<DisputesPage api={api} />);
    await screen.findByRole('table', { name: 'Disputed outcomes, oldest first' });
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'open' } });
    fireEvent.input(screen.getByLabelText('Contract'), { target: { value: 'ctr-acme' } });
    fireEvent.submit(screen.getByRole('form', { name: 'Filter disputes' }));
    await waitFor(() => expect(api.calls).toContain('GET /api/disputes?status=open&contractId=ctr-acme'));

    fireEvent.change(screen.getByLabelText('Decision'), { target: { value: 'upheld' } });
    fireEvent.input(screen.getByLabelText('Note'), { target: { value: 'confirmed' } });
    fireEvent.submit(screen.getByRole('button', { name: 'Resolve dispute D-1 of acme-t1' }).closest('form') as HTMLFormElement);
    await waitFor(() => expect(api.bodies).toEqual([{ decision: 'upheld', note: 'confirmed', outcomeIds: ['acme-t1'] }]));
  });

  it('says how many disputes an invoice line has, by status', () => {
    expect(describeDisputeCounts({ open: 1, upheld: 2, rejected: 0 })).toBe('1 open, 2 upheld');
    expect(describeDisputeCounts({ open: 0, upheld: 0, rejected: 0 })).toBe('none');
    expect(describeDisputeCounts(null)).toBe('–');
  });
});

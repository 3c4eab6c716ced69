// Statements and disputes through the console API's handler core, over the
// real dispute use cases: the portal reads its own invoice's itemised
// statement (JSON and CSV), disputes its own outcomes only (another
// customer's outcome is refused as unknown, never revealed), and lists its
// disputes; staff list them with filters and decide them; staff routes
// refuse portal links; bad input gets a specific 4xx.
import { describe, expect, it } from 'vitest';
import { createPortalLink } from '../../../../../lambdas/application/console/console-routes';
import { createConsoleApiHandler, createStreamingConsoleApiHandler } from '../../../../../lambdas/handlers/console-api';
import { STATEMENT_CSV_COLUMNS } from '../../../../../lambdas/application/billing/outcome-statement-csv';
import type { StatementFileStore } from '../../../../../lambdas/application/console/ports';
import { ACME_CONTRACT, ACME_INVOICE, apiEvent, consoleFixture, GLOBEX_CONTRACT, GLOBEX_INVOICE, NOW, STAFF_TOKEN } from '../../../../support/console-fixture';

type Fixture = ReturnType<typeof consoleFixture>;

async function call(fixture: Fixture, ...args: Parameters<typeof apiEvent>) {
  const result = await createConsoleApiHandler(() => fixture.service)(apiEvent(...args));
  const type = String(result.headers?.['content-type'] ?? '');
  return { status: result.statusCode ?? 0, body: (type.startsWith('application/json') ? JSON.parse(result.body ?? 'null') : result.body) as any, headers: result.headers ?? {} };
}

async function linkFor(fixture: Fixture, customerId: string): Promise<string> {
  return (await createPortalLink({ keyring: fixture.service.keyring, now: () => NOW }, { customerId, ttlSeconds: 3600 })).token;
}

const enc = encodeURIComponent;

describe('portal statements', () => {
  it("show the link's own invoice itemised, with per-line totals that reconcile, and stream it as CSV", async () => {
    const fixture = consoleFixture();
    const link = await linkFor(fixture, 'acme');
    const statement = await call(fixture, 'GET', `/api/portal/invoices/${enc(ACME_INVOICE)}/statement`, { token: link });
    expect(statement.status).toBe(200);
    expect(statement.body.rows.map((row: any) => [row.outcomeId, row.quantity, row.disputeStatus])).toEqual([
      ['acme-t1', '1', null],
      ['acme-t2', '1', null],
    ]);
    expect(statement.body.lines).toMatchObject([{ lineId: 'resolutions', outcomes: 2, measured: '2', lineQuantity: '2', reconciles: true }]);
    expect(statement.body).toMatchObject({ totalRows: 2, reconciles: true, customerId: 'acme' });

    const streamed = await createStreamingConsoleApiHandler(() => fixture.service)(apiEvent('GET', `/api/portal/invoices/${enc(ACME_INVOICE)}/statement.csv`, { token: link }));
    expect('chunks' in streamed).toBe(true);
    if (!('chunks' in streamed)) return;
    expect(streamed.headers).toMatchObject({ 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="statement-${ACME_CONTRACT}-2026-07.csv"` });
    const chunks: string[] = [];
    for await (const chunk of streamed.chunks) chunks.push(chunk);
    // One chunk per record: the file is written as the ledger is read, never assembled first.
    expect(chunks).toHaveLength(4);
    const lines = chunks.join('').trimEnd().split('\r\n');
    expect(lines[0]).toBe(STATEMENT_CSV_COLUMNS.join(','));
    expect(lines.slice(1).map((line) => line.split(',').slice(0, 5).join(','))).toEqual([
      'outcome,resolutions,resolutions,ticket.resolved,acme-t1',
      'outcome,resolutions,resolutions,ticket.resolved,acme-t2',
      'line_total,resolutions,resolutions,resolutions,',
    ]);
    expect(chunks.join('')).not.toContain('globex');
  });

  it("answer another customer's statement exactly as a missing one (404), in JSON and CSV", async () => {
    const fixture = consoleFixture();
    const link = await linkFor(fixture, 'acme');
    for (const path of [`/api/portal/invoices/${enc(GLOBEX_INVOICE)}/statement`, `/api/portal/invoices/${enc(GLOBEX_INVOICE)}/statement.csv`]) {
      const answer = await call(fixture, 'GET', path, { token: link });
      expect([answer.status, answer.body], path).toEqual([404, { code: 'not_found', message: `no invoice "${GLOBEX_INVOICE}"`, retryable: false }]);
      const missing = await call(fixture, 'GET', path.replace(GLOBEX_CONTRACT, 'nope'), { token: link });
      expect(missing.status).toBe(404);
      expect(Object.keys(missing.body).sort()).toEqual(Object.keys(answer.body).sort());
    }
  });
});

/** The AWS shape: statements are stored (here in memory, whole) and answered as a link to the stored file. */
function withStoredStatements(fixture: Fixture) {
  const stored: { scope: string; fileName: string; contentType: string; text: string }[] = [];
  const files: StatementFileStore = {
    async store({ scope, fileName, contentType, chunks }) {
      let text = '';
      for await (const chunk of chunks) text += chunk;
      stored.push({ scope, fileName, contentType, text });
      return { downloadUrl: `https://statements.example/${stored.length}/${fileName}?signed`, expiresAt: '2026-08-01T00:05:00.000Z' };
    },
  };
  const aws: Fixture = { ...fixture, service: { ...fixture.service, extensions: { ...fixture.service.extensions, statementFiles: files } } };
  return { aws, stored };
}

describe('statement CSVs where a file store is wired (AWS)', () => {
  it('store the whole CSV and answer a download link, for staff and for the portal', async () => {
    const { aws, stored } = withStoredStatements(consoleFixture());
    const link = await linkFor(aws, 'acme');
    const fileName = `statement-${ACME_CONTRACT}-2026-07.csv`;
    for (const [path, token] of [
      [`/api/invoices/${enc(ACME_INVOICE)}/statement.csv`, STAFF_TOKEN],
      [`/api/portal/invoices/${enc(ACME_INVOICE)}/statement.csv`, link],
    ] as const) {
      const answer = await call(aws, 'GET', path, { token });
      expect([answer.status, answer.body], path).toEqual([200, { downloadUrl: `https://statements.example/${stored.length}/${fileName}?signed`, expiresAt: '2026-08-01T00:05:00.000Z' }]);
    }
    expect(stored.map(({ scope, fileName: name, contentType }) => ({ scope, name, contentType }))).toEqual([
      { scope: ACME_INVOICE, name: fileName, contentType: 'text/csv; charset=utf-8' },
      { scope: ACME_INVOICE, name: fileName, contentType: 'text/csv; charset=utf-8' },
    ]);
    const lines = (stored[1]?.text ?? '').trimEnd().split('\r\n');
    expect(lines[0]).toBe(STATEMENT_CSV_COLUMNS.join(','));
    expect(lines.slice(1).map((line) => line.split(',')[4])).toEqual(['acme-t1', 'acme-t2', '']);
    expect(stored[1]?.text).not.toContain('globex');
  });

  it("answer another customer's invoice (and a missing one) 404 and store nothing", async () => {
    const { aws, stored } = withStoredStatements(consoleFixture());
    const link = await linkFor(aws, 'acme');
    for (const invoiceId of [GLOBEX_INVOICE, GLOBEX_INVOICE.replace(GLOBEX_CONTRACT, 'nope')]) {
      const answer = await call(aws, 'GET', `/api/portal/invoices/${enc(invoiceId)}/statement.csv`, { token: link });
      expect([answer.status, answer.body.code], invoiceId).toEqual([404, 'not_found']);
    }
    const staffMissing = await call(aws, 'GET', `/api/invoices/${enc('inv-none')}/statement.csv`, { token: STAFF_TOKEN });
    expect(staffMissing.status).toBe(404);
    expect(stored).toEqual([]);
  });
});

describe('portal disputes', () => {
  it("open a dispute on the link's own outcome as customer:<id>; another customer's outcome is refused as unknown", async () => {
    const fixture = consoleFixture();
    const link = await linkFor(fixture, 'acme');
    const answer = await call(fixture, 'POST', '/api/portal/disputes', { token: link, body: { outcomeIds: ['acme-t1', 'globex-t1', 'ghost'], reason: 'ticket was reopened' } });
    expect(answer.status).toBe(200);
    expect(answer.body.opened).toEqual([{ outcomeId: 'acme-t1', customerId: 'acme', metric: 'ticket.resolved', hold: false, created: true }]);
    const refusals = Object.fromEntries(answer.body.refused.map((r: any) => [r.outcomeId, r]));
    expect(refusals['globex-t1']).toEqual({ outcomeId: 'globex-t1', code: 'UNKNOWN_OUTCOME', message: 'no outcome "globex-t1" has been recorded, so there is nothing to dispute' });
    // Refused exactly as an outcome never recorded.
    expect(refusals.ghost.code).toBe('UNKNOWN_OUTCOME');
    expect(fixture.entries.filter((entry) => entry.kind === 'disputed').map((entry) => [entry.outcomeId, (entry as any).raisedBy])).toEqual([['acme-t1', 'customer:acme']]);

    // A second click opens nothing twice.
    const again = await call(fixture, 'POST', '/api/portal/disputes', { token: link, body: { outcomeIds: ['acme-t1', 'globex-t1', 'ghost'], reason: 'ticket was reopened' } });
    expect(again.body.disputeId).toBe(answer.body.disputeId);
    expect(again.body.opened[0].created).toBe(false);
    expect(fixture.entries.filter((entry) => entry.kind === 'disputed')).toHaveLength(1);

    const listed = await call(fixture, 'GET', '/api/portal/disputes', { token: link });
    expect(listed.body.map((row: any) => [row.outcomeId, row.status, row.raisedBy])).toEqual([['acme-t1', 'open', 'customer:acme']]);
    const statement = await call(fixture, 'GET', `/api/portal/invoices/${enc(ACME_INVOICE)}/statement`, { token: link });
    expect(statement.body.rows.map((row: any) => row.disputeStatus)).toEqual(['open', null]);

    // globex sees none of acme's disputes, and cannot dispute acme's outcome.
    const globex = await linkFor(fixture, 'globex');
    expect((await call(fixture, 'GET', '/api/portal/disputes', { token: globex })).body).toEqual([]);
    const refused = await call(fixture, 'POST', '/api/portal/disputes', { token: globex, body: { outcomeIds: ['acme-t2'], reason: 'not ours' } });
    expect([refused.status, refused.body.code, refused.body.refused]).toEqual([
      422,
      'nothing_disputed',
      [{ outcomeId: 'acme-t2', code: 'UNKNOWN_OUTCOME', message: 'no outcome "acme-t2" has been recorded, so there is nothing to dispute' }],
    ]);
    expect(fixture.entries.filter((entry) => entry.kind === 'disputed')).toHaveLength(1);
  });

  const bad: [string, unknown, string][] = [
    ['no outcomes', { outcomeIds: [], reason: 'x' }, 'select at least one outcome'],
    ['no reason', { outcomeIds: ['acme-t1'], reason: '   ' }, 'reason is required'],
    ['raisedBy chosen by the caller', { outcomeIds: ['acme-t1'], reason: 'x', raisedBy: 'finance' }, 'Unrecognized key: "raisedBy"'],
    ['not JSON', '{"outcomeIds":', 'expected a JSON object'],
  ];
  it.each(bad)('refuse bad input with a specific 400: %s', async (_name, body, message) => {
    const fixture = consoleFixture();
    const answer = await call(fixture, 'POST', '/api/portal/disputes', { token: await linkFor(fixture, 'acme'), body });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toContain(message);
    expect(fixture.entries.some((entry) => entry.kind === 'disputed')).toBe(false);
  });
});

describe('staff disputes', () => {
  async function withDisputes() {
    const fixture = consoleFixture();
    const acme = await call(fixture, 'POST', '/api/portal/disputes', { token: await linkFor(fixture, 'acme'), body: { outcomeIds: ['acme-t1'], reason: 'reopened' } });
    const globex = await call(fixture, 'POST', '/api/portal/disputes', { token: await linkFor(fixture, 'globex'), body: { outcomeIds: ['globex-t2'], reason: 'duplicate' } });
    return { fixture, acmeDispute: acme.body.disputeId as string, globexDispute: globex.body.disputeId as string };
  }

  it('list every dispute, filtered by status and contract, and decide one with a note as the signed-in staff member', async () => {
    const { fixture, acmeDispute } = await withDisputes();
    const all = await call(fixture, 'GET', '/api/disputes', { token: STAFF_TOKEN });
    expect(all.body.map((row: any) => row.outcomeId).sort()).toEqual(['acme-t1', 'globex-t2']);
    const byContract = await call(fixture, 'GET', '/api/disputes', { token: STAFF_TOKEN, query: { contractId: GLOBEX_CONTRACT } });
    expect(byContract.body.map((row: any) => row.outcomeId)).toEqual(['globex-t2']);

    const resolved = await call(fixture, 'POST', `/api/disputes/${enc(acmeDispute)}/resolve`, { token: STAFF_TOKEN, body: { decision: 'upheld', note: 'confirmed reopened' } });
    expect(resolved.status).toBe(200);
    expect(resolved.body.decided).toMatchObject([{ outcomeId: 'acme-t1', decision: 'upheld', reversed: true, created: true }]);
    const upheld = await call(fixture, 'GET', '/api/disputes', { token: STAFF_TOKEN, query: { status: 'upheld' } });
    expect(upheld.body).toMatchObject([{ outcomeId: 'acme-t1', status: 'upheld', decision: { note: 'confirmed reopened', resolvedBy: 'dana@vendor.example' } }]);
    expect((await call(fixture, 'GET', '/api/disputes', { token: STAFF_TOKEN, query: { status: 'open' } })).body.map((row: any) => row.outcomeId)).toEqual(['globex-t2']);

    // The invoice view counts each line's disputes.
    const invoice = await call(fixture, 'GET', `/api/invoices/${enc(ACME_INVOICE)}`, { token: STAFF_TOKEN });
    expect(invoice.body.lines[0].disputes).toEqual({ open: 0, upheld: 1, rejected: 0 });
  });

  it('refuse portal links on every staff dispute route (403)', async () => {
    const { fixture, acmeDispute } = await withDisputes();
    const link = await linkFor(fixture, 'acme');
    for (const [method, path, body] of [
      ['GET', '/api/disputes', undefined],
      ['POST', `/api/disputes/${enc(acmeDispute)}/resolve`, { decision: 'upheld', note: 'self-service' }],
      ['GET', `/api/invoices/${enc(ACME_INVOICE)}/statement`, undefined],
    ] as const) {
      const answer = await call(fixture, method, path, { token: link, ...(body ? { body } : {}) });
      expect([answer.status, answer.body.code], path).toEqual([403, 'forbidden']);
    }
    expect(fixture.entries.some((entry) => entry.kind === 'dispute-resolved')).toBe(false);
  });

  const bad: [string, string, string, Parameters<typeof apiEvent>[2], number, string][] = [
    ['bad status', 'GET', '/api/disputes', { query: { status: 'closed' } }, 400, 'invalid query: status'],
    ['unknown contract', 'GET', '/api/disputes', { query: { contractId: 'nope' } }, 404, 'no contract "nope"'],
    ['bad decision', 'POST', '/api/disputes/D-1/resolve', { body: { decision: 'maybe', note: 'x' } }, 400, 'expected upheld or rejected'],
    ['no note', 'POST', '/api/disputes/D-1/resolve', { body: { decision: 'rejected', note: '' } }, 400, 'note is required'],
    ['bad dispute id', 'POST', `/api/disputes/${enc('D#1')}/resolve`, { body: { decision: 'rejected', note: 'x' } }, 400, 'invalid dispute id'],
    ['unknown dispute', 'POST', '/api/disputes/D-nope/resolve', { body: { decision: 'rejected', note: 'x' } }, 404, 'no dispute "D-nope"'],
  ];
  it.each(bad)('refuse bad input with a specific 4xx: %s', async (_name, method, path, options, status, message) => {
    const fixture = consoleFixture();
    const answer = await call(fixture, method, path, { ...options, token: STAFF_TOKEN });
    expect(answer.status).toBe(status);
    expect(answer.body.message).toContain(message);
  });
});

// The console API through its Lambda handler core: staff routes, portal
// routes scoped to the link's customer on every route, link refusals
// (expired, tampered, wrong audience, unknown key), staff routes refusing
// portal links, and a specific 4xx for every kind of bad input.
import { describe, expect, it } from 'vitest';
import { createPortalLink, ROUTES } from '../../../../../lambdas/application/console/console-routes';
import { signPortalLinkPayload } from '../../../../../lambdas/domain/console/portal-link-token';
import { createConsoleApiHandler } from '../../../../../lambdas/handlers/console-api';
import { ACME_CONTRACT, ACME_INVOICE, ACME_TASK, apiEvent, consoleFixture, GLOBEX_CONTRACT, GLOBEX_INVOICE, KEYS, NOW, STAFF_TOKEN } from '../../../../support/console-fixture';

async function call(fixture: ReturnType<typeof consoleFixture>, ...args: Parameters<typeof apiEvent>) {
  const result = await createConsoleApiHandler(() => fixture.service)(apiEvent(...args));
  return { status: result.statusCode ?? 0, body: JSON.parse(result.body ?? 'null') as any, headers: result.headers ?? {} };
}

async function linkFor(fixture: ReturnType<typeof consoleFixture>, customerId: string, ttlSeconds = 3600): Promise<string> {
  return (await createPortalLink({ keyring: fixture.service.keyring, now: () => NOW }, { customerId, ttlSeconds })).token;
}

const enc = encodeURIComponent;

describe('staff routes', () => {
  it('list the board, a contract progress with checkpoints, contracts, invoices, an explanation and its outcomes, rejected by code', async () => {
    const fixture = consoleFixture();
    const board = await call(fixture, 'GET', '/api/tasks', { token: STAFF_TOKEN });
    expect(board.status).toBe(200);
    expect(board.body.map((t: any) => [t.id, t.tier, t.reasons[0].code])).toEqual([[ACME_TASK, 'at_risk', 'outcome_attainment']]);
    expect(board.headers['cache-control']).toBe('no-store');

    const progress = await call(fixture, 'GET', `/api/contracts/${ACME_CONTRACT}/progress`, { token: STAFF_TOKEN });
    expect(progress.status).toBe(200);
    expect(progress.body.targets).toEqual([{ metric: 'energy.saved', label: 'energy.saved', targetPerPeriod: '1000' }]);
    expect(progress.body.periods.slice(5, 8)).toEqual([
      { periodStart: '2026-06-01', periodEnd: '2026-07-01', state: 'complete', outcomes: { 'energy.saved': '1000' } },
      { periodStart: '2026-07-01', periodEnd: '2026-08-01', state: 'complete', outcomes: { 'energy.saved': '400' } },
      { periodStart: '2026-08-01', periodEnd: '2026-09-01', state: 'complete', outcomes: { 'energy.saved': '300' } },
    ]);
    expect(progress.body.periods.at(-1)).toMatchObject({ periodStart: '2026-12-01', state: 'future' });
    expect(progress.body.checkpoints).toEqual([{ checkpointDays: 120, at: NOW.toISOString(), tier: 'at_risk', score: 48, periodStart: '2026-09-01' }]);

    const contracts = await call(fixture, 'GET', '/api/contracts', { token: STAFF_TOKEN });
    expect(contracts.body.contracts.map((c: any) => c.contractId)).toEqual([ACME_CONTRACT, GLOBEX_CONTRACT]);

    const invoices = await call(fixture, 'GET', '/api/invoices', { token: STAFF_TOKEN });
    expect(invoices.body.map((i: any) => [i.invoiceRecordId, i.total.decimal])).toEqual([
      [ACME_INVOICE, '3.00'],
      [GLOBEX_INVOICE, '3.00'],
    ]);

    const explained = await call(fixture, 'GET', `/api/invoices/${enc(ACME_INVOICE)}`, { token: STAFF_TOKEN });
    expect(explained.status).toBe(200);
    expect(explained.body.lines[0]).toMatchObject({ lineId: 'resolutions', chargeId: 'resolutions', quantity: '2', amount: { minor: '300', decimal: '3.00' } });
    expect(explained.body.lines[0].ledgerQuery.rerun).toContain('outcome-engine usage --customer acme --metric ticket.resolved');

    const outcomes = await call(fixture, 'GET', `/api/invoices/${enc(ACME_INVOICE)}/lines/resolutions/outcomes`, { token: STAFF_TOKEN });
    expect(outcomes.body.outcomes.map((o: any) => o.outcomeId)).toEqual(['acme-t1', 'acme-t2']);
    expect(fixture.outcomeQueries).toEqual([
      { customerId: 'acme', metric: 'ticket.resolved', from: new Date('2026-07-01T00:00:00Z'), to: new Date('2026-08-01T00:00:00Z'), basis: 'billable', asOf: new Date('2026-08-02T00:00:00Z') },
    ]);

    const rejected = await call(fixture, 'GET', '/api/rejected', { token: STAFF_TOKEN });
    expect(rejected.body.byCode.map((g: any) => [g.code, g.count])).toEqual([['UNKNOWN_METRIC', 2]]);
  });

  it('order the board by priority rank, then due date', async () => {
    const fixture = consoleFixture();
    const base = fixture.tasks.get(ACME_TASK);
    if (!base) throw new Error('fixture without its task');
    const add = (id: string, rank: string, dueDate: string) => fixture.tasks.set(id, { ...base, id, dueDate, priority: { ...base.priority, rank } } as typeof base);
    add('t-p1-late', 'P1', '2026-10-01');
    add('t-p3-soon', 'P3', '2026-09-05');
    add('t-p2-soon', 'P2', '2026-09-05');
    const board = await call(fixture, 'GET', '/api/tasks', { token: STAFF_TOKEN });
    expect(board.body.map((t: any) => t.id)).toEqual(['t-p1-late', 't-p2-soon', ACME_TASK, 't-p3-soon']);
  });

  it('acknowledge a task and record the renewal result in the store, as the signed-in staff member', async () => {
    const fixture = consoleFixture();
    const acked = await call(fixture, 'POST', `/api/tasks/${enc(ACME_TASK)}/acknowledge`, { token: STAFF_TOKEN });
    expect(acked.status).toBe(200);
    expect(fixture.tasks.get(ACME_TASK)).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'dana@vendor.example' });
    const resolved = await call(fixture, 'POST', `/api/tasks/${enc(ACME_TASK)}/resolve`, { token: STAFF_TOKEN, body: { result: 'renewed' } });
    expect(resolved.status).toBe(200);
    expect(fixture.tasks.get(ACME_TASK)).toMatchObject({ status: 'resolved', resolution: { result: 'renewed' } });
    const result = await call(fixture, 'POST', `/api/contracts/${ACME_CONTRACT}/renewal-result`, { token: STAFF_TOKEN, body: { result: 'churned' } });
    expect(result.body).toMatchObject({ status: 'recorded', record: { contractId: ACME_CONTRACT, result: 'churned' } });
  });

  it('mint portal links for a customer with a URL', async () => {
    const fixture = consoleFixture();
    const created = await call(fixture, 'POST', '/api/portal-links', { token: STAFF_TOKEN, body: { customerId: 'acme', ttl: '2d' } });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ customerId: 'acme', expiresAt: '2026-09-06T00:00:00.000Z' });
    expect(created.body.url).toBe(`https://console.example.com/portal/#link=${created.body.token}`);
    const overview = await call(fixture, 'GET', '/api/portal/overview', { token: created.body.token });
    expect(overview.body.customerId).toBe('acme');
  });
});

describe('access', () => {
  it('staff routes refuse no credential (401), a wrong token (401) and a portal link (403)', async () => {
    const fixture = consoleFixture();
    const link = await linkFor(fixture, 'acme');
    const staffRoutes = ROUTES.filter((route) => route.audience === 'staff');
    expect(staffRoutes.length).toBeGreaterThan(10);
    for (const route of staffRoutes) {
      const path = `/api/${route.pattern.map((part) => (part.startsWith(':') ? 'x' : part)).join('/')}`;
      expect((await call(fixture, route.method, path)).status, path).toBe(401);
      expect((await call(fixture, route.method, path, { token: 'not-the-staff-token' })).status, path).toBe(401);
      const withLink = await call(fixture, route.method, path, { token: link });
      expect([withLink.status, withLink.body.code], path).toEqual([403, 'forbidden']);
    }
    expect(fixture.tasks.get(ACME_TASK)?.status).toBe('open');
  });

  it('portal routes refuse expired, tampered, wrong-audience, unknown-key and missing links, and staff tokens', async () => {
    const fixture = consoleFixture();
    const iat = Math.floor(NOW.getTime() / 1000);
    const good = await linkFor(fixture, 'acme');
    const [payload = '', signature = ''] = good.split('.');
    const forged = Buffer.from(JSON.stringify({ aud: 'portal', customerId: 'globex', exp: iat + 3600, iat, kid: 'k2' })).toString('base64url');
    const cases: [string, string | undefined, string][] = [
      ['expired', signPortalLinkPayload({ customerId: 'acme', aud: 'portal', iat: iat - 7200, exp: iat - 1, kid: 'k2' }, KEYS.current.secret), 'expired'],
      ['tampered payload', `${forged}.${signature}`, 'signature'],
      ['tampered signature', `${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BA' : 'AA'}`, 'signature'],
      ['wrong audience', signPortalLinkPayload({ customerId: 'acme', aud: 'staff', iat, exp: iat + 3600, kid: 'k2' }, KEYS.current.secret), 'not the portal'],
      ['unknown key', signPortalLinkPayload({ customerId: 'acme', aud: 'portal', iat, exp: iat + 3600, kid: 'k0' }, KEYS.current.secret), 'signature'],
      ['a staff token', STAFF_TOKEN, 'not a link token'],
      ['no link', undefined, 'needs a portal link'],
    ];
    for (const route of ROUTES.filter((candidate) => candidate.audience === 'portal')) {
      const path = `/api/${route.pattern.map((part) => (part.startsWith(':') ? 'x' : part)).join('/')}`;
      for (const [name, token, message] of cases) {
        const answer = await call(fixture, route.method, path, token ? { token } : {});
        expect([answer.status, answer.body.code], `${path}: ${name}`).toEqual([401, 'unauthenticated']);
        expect(answer.body.message, `${path}: ${name}`).toContain(message);
      }
    }
  });

  it('a link signed with the previous key still opens the portal during a rotation', async () => {
    const fixture = consoleFixture();
    const iat = Math.floor(NOW.getTime() / 1000);
    const old = signPortalLinkPayload({ customerId: 'acme', aud: 'portal', iat, exp: iat + 60, kid: 'k1' }, KEYS.previous.secret);
    expect((await call(fixture, 'GET', '/api/portal/overview', { token: old })).status).toBe(200);
  });

  it("a link for acme never returns globex's data through any portal route", async () => {
    const fixture = consoleFixture();
    const link = await linkFor(fixture, 'acme');
    const overview = await call(fixture, 'GET', '/api/portal/overview', { token: link });
    expect(overview.status).toBe(200);
    expect(overview.body.contracts.map((c: any) => c.contractId)).toEqual([ACME_CONTRACT]);
    expect(overview.body.invoices.map((i: any) => i.invoiceRecordId)).toEqual([ACME_INVOICE]);
    expect(JSON.stringify(overview.body)).not.toContain('globex');
    // The customer sees its progress, never the seller's risk scores.
    expect(overview.body.contracts[0].progress.checkpoints).toBeUndefined();

    const own = {
      progress: `/api/portal/contracts/${ACME_CONTRACT}/progress`,
      invoice: `/api/portal/invoices/${enc(ACME_INVOICE)}`,
      outcomes: `/api/portal/invoices/${enc(ACME_INVOICE)}/lines/resolutions/outcomes`,
    };
    const other = {
      progress: `/api/portal/contracts/${GLOBEX_CONTRACT}/progress`,
      invoice: `/api/portal/invoices/${enc(GLOBEX_INVOICE)}`,
      outcomes: `/api/portal/invoices/${enc(GLOBEX_INVOICE)}/lines/resolutions/outcomes`,
    };
    for (const path of Object.values(own)) {
      const answer = await call(fixture, 'GET', path, { token: link });
      expect(answer.status, path).toBe(200);
      expect(JSON.stringify(answer.body), path).not.toContain('globex');
    }
    expect((await call(fixture, 'GET', own.progress, { token: link })).body.checkpoints).toBeUndefined();
    for (const path of Object.values(other)) {
      const answer = await call(fixture, 'GET', path, { token: link });
      // The same answer as for something that does not exist: nothing about globex leaks, not even that it is there.
      expect([answer.status, answer.body.code], path).toEqual([404, 'not_found']);
      expect(Object.keys(answer.body).sort(), path).toEqual(['code', 'message', 'retryable']);
    }
    expect(fixture.outcomeQueries.every((query: any) => query.customerId === 'acme')).toBe(true);
    // Every portal route is covered above.
    expect(ROUTES.filter((route) => route.audience === 'portal').map((route) => route.pattern.join('/'))).toEqual([
      'portal/overview',
      'portal/contracts/:contractId/progress',
      // Live spend: console-spend-routes.test.ts.
      'portal/contracts/:contractId/spend',
      'portal/invoices/:invoiceId',
      'portal/invoices/:invoiceId/lines/:lineId/outcomes',
      // Statements and disputes: console-disputes-routes.test.ts.
      'portal/invoices/:invoiceId/statement',
      'portal/invoices/:invoiceId/statement.csv',
      'portal/disputes',
      'portal/disputes',
    ]);
  });
});

describe('bad input gets a specific 4xx', () => {
  const cases: [string, string, Parameters<typeof apiEvent>[2], number, string][] = [
    ['unknown route', '/api/nope', {}, 404, 'no route "/api/nope"'],
    ['unknown query parameter', '/api/tasks', { query: { colour: 'red' } }, 400, 'invalid query: Unrecognized key: "colour"'],
    ['bad boolean', '/api/tasks', { query: { includeResolved: 'yes' } }, 400, 'includeResolved: expected true or false'],
    ['bad rejected code', '/api/rejected', { query: { code: 'NOPE' } }, 400, 'invalid query: code'],
    ['bad instant', '/api/rejected', { query: { from: 'yesterday' } }, 400, 'invalid query: from'],
    ['not JSON', `/api/tasks/${enc(ACME_TASK)}/resolve`, { body: '{"result":' }, 400, 'expected a JSON object'],
    ['bad renewal result', `/api/tasks/${enc(ACME_TASK)}/resolve`, { body: { result: 'maybe' } }, 400, 'expected renewed, churned or downsized'],
    ['extra body field', `/api/tasks/${enc(ACME_TASK)}/acknowledge`, { body: { force: true } }, 400, 'invalid body: Unrecognized key: "force"'],
    ['bad ttl', '/api/portal-links', { body: { customerId: 'acme', ttl: '7 days' } }, 400, 'expected a duration such as 30m, 12h or 7d'],
    ['ttl too long', '/api/portal-links', { body: { customerId: 'acme', ttl: '91d' } }, 400, 'at most 90d'],
    ['a link for an unknown customer', '/api/portal-links', { body: { customerId: 'acme-typo' } }, 404, 'no customer "acme-typo"'],
    ['bad simulate dates', '/api/simulate', { body: { plan: 'kind: plan', from: '2026-13-01', to: '2026-12-01' } }, 400, 'invalid body: from'],
    ['bad path encoding', '/api/tasks/%E0%A4%A/acknowledge', {}, 400, 'not URL-encoded correctly'],
    ['id with a slash', `/api/contracts/${enc('a/b')}/progress`, {}, 400, 'invalid contract id: must not contain slashes'],
    ['unknown task', `/api/tasks/${enc('nope#2026-01-01#30d')}`, {}, 404, 'nope#2026-01-01#30d'],
    ['unknown invoice', `/api/invoices/${enc('oe:nope:2026-07:r1')}`, {}, 404, 'no invoice "oe:nope:2026-07:r1"'],
  ];
  it.each(cases)('%s', async (_name, path, options, status, message) => {
    const fixture = consoleFixture();
    const method = path.endsWith('/resolve') || path.endsWith('/acknowledge') || path.startsWith('/api/portal-links') || path === '/api/simulate' ? 'POST' : 'GET';
    const answer = await call(fixture, method, path, { ...options, token: STAFF_TOKEN });
    expect(answer.status).toBe(status);
    expect(answer.body.message).toContain(message);
    expect(fixture.tasks.get(ACME_TASK)?.status).toBe('open');
  });

  it('a method the route does not take: 405 naming the allowed ones', async () => {
    const answer = await call(consoleFixture(), 'DELETE', '/api/tasks', { token: STAFF_TOKEN });
    expect(answer.status).toBe(405);
    expect(answer.body).toMatchObject({ code: 'method_not_allowed', message: 'DELETE is not allowed on /api/tasks (allowed: GET)' });
  });
});

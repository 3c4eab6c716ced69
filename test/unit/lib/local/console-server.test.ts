// The local console server: pages from the built folder with a strict
// Content-Security-Policy (the portal framable only by the configured
// origins, the console by nobody), no path outside the folder, the API
// through the same handler core as the Lambda; and the data folder's staff
// token and link keys, shared by the engine and `portal link`.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy, parseFrameAncestors, startConsoleServer, type RunningConsoleServer } from '../../../../lib/local/console-server';
import { CONSOLE_KEYS_FILE, localPortalKeyring, localStaffAuthenticator, localStaffToken, STAFF_TOKEN_FILE } from '../../../../lib/local/local-console-access';
import { ACME_INVOICE, consoleFixture, STAFF_TOKEN } from '../../../support/console-fixture';

describe('local console server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'outcome-engine-console-server-'));
  const assets = join(dir, 'console');
  let server: RunningConsoleServer;

  beforeAll(async () => {
    mkdirSync(join(assets, 'portal'), { recursive: true });
    mkdirSync(join(assets, 'assets'), { recursive: true });
    writeFileSync(join(assets, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(assets, 'portal', 'index.html'), '<!doctype html><title>portal</title>');
    writeFileSync(join(assets, 'assets', 'console-ABC.js'), 'export {};');
    writeFileSync(join(dir, 'secret.txt'), 'not served');
    server = await startConsoleServer({ service: consoleFixture().service, port: 0, assetsDir: assets, portalFrameAncestors: ['https://app.example.com', 'http://localhost:3000'] });
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the console unframable and the portal framable by the configured origins, each under a strict CSP', async () => {
    const consolePage = await fetch(server.url);
    expect(consolePage.status).toBe(200);
    expect(await consolePage.text()).toContain('console');
    expect(consolePage.headers.get('content-security-policy')).toBe(contentSecurityPolicy('console', []));
    expect(consolePage.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(consolePage.headers.get('x-frame-options')).toBe('DENY');

    const portal = await fetch(server.portalUrl);
    expect(await portal.text()).toContain('portal');
    const policy = portal.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("frame-ancestors 'self' https://app.example.com http://localhost:3000");
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("default-src 'self'");
    expect(policy).not.toContain('unsafe');
    expect(portal.headers.get('x-frame-options')).toBeNull();

    const asset = await fetch(`${server.url}assets/console-ABC.js`);
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    expect(asset.headers.get('cache-control')).toContain('immutable');
  });

  it('serves nothing outside its folder and refuses writes to pages', async () => {
    expect((await fetch(`${server.url}..%2fsecret.txt`)).status).toBe(404);
    expect((await fetch(`${server.url}assets/../../secret.txt`)).status).toBe(404);
    expect((await fetch(server.url, { method: 'POST' })).status).toBe(405);
  });

  it('answers /api/ through the handler core', async () => {
    const refused = await fetch(`${server.url}api/tasks`);
    expect(refused.status).toBe(401);
    const board = await fetch(`${server.url}api/tasks?includeResolved=false`, { headers: { authorization: `Bearer ${STAFF_TOKEN}` } });
    expect(board.status).toBe(200);
    expect(((await board.json()) as unknown[]).length).toBe(1);
  });

  it("streams a statement's CSV as a download, with the router's 404 before the first byte for a missing invoice", async () => {
    const path = `${server.url}api/invoices/${encodeURIComponent(ACME_INVOICE)}/statement.csv`;
    const csv = await fetch(path, { headers: { authorization: `Bearer ${STAFF_TOKEN}` } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="statement-ctr-acme-2026-07.csv"');
    // Written chunk by chunk: no length known up front.
    expect(csv.headers.get('transfer-encoding')).toBe('chunked');
    const lines = (await csv.text()).trimEnd().split('\r\n');
    expect(lines.map((line) => line.split(',')[0])).toEqual(['record', 'outcome', 'outcome', 'line_total']);
    const missing = await fetch(path.replace('ctr-acme', 'nope'), { headers: { authorization: `Bearer ${STAFF_TOKEN}` } });
    expect([missing.status, ((await missing.json()) as { code: string }).code]).toEqual([404, 'not_found']);
  });

  it('checks the frame-ancestor origins it is given', () => {
    expect(parseFrameAncestors(' https://a.example.com, http://localhost:3000 ')).toEqual(['https://a.example.com', 'http://localhost:3000']);
    expect(parseFrameAncestors(undefined)).toEqual([]);
    expect(() => parseFrameAncestors('https://a.example.com/path')).toThrow('portal frame ancestor "https://a.example.com/path": expected an origin');
    expect(() => parseFrameAncestors("'unsafe-inline'")).toThrow('expected an origin');
  });
});

describe('local console access', () => {
  it('keeps one staff token and one link key per data folder, readable by the owner only', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'outcome-engine-console-access-'));
    try {
      const token = await localStaffToken(dataDir);
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(await localStaffToken(dataDir)).toBe(token);
      expect(statSync(join(dataDir, STAFF_TOKEN_FILE)).mode & 0o777).toBe(0o600);
      const staff = localStaffAuthenticator(token);
      expect(await staff.authenticate(`Bearer ${token}`)).toMatchObject({ staffId: 'local-staff' });
      expect(await staff.authenticate(`Bearer ${token.slice(1)}x`)).toBeUndefined();
      expect(await staff.authenticate(undefined)).toBeUndefined();

      const signing = await localPortalKeyring(dataDir).signingKey();
      // Another process (the CLI) reads the same key.
      expect(await localPortalKeyring(dataDir).verificationKey(signing.keyId)).toEqual(signing.secret);
      expect(await localPortalKeyring(dataDir).verificationKey('other')).toBeUndefined();
      expect(JSON.parse(readFileSync(join(dataDir, CONSOLE_KEYS_FILE), 'utf8'))).toMatchObject({ current: { keyId: signing.keyId } });
      expect(statSync(join(dataDir, CONSOLE_KEYS_FILE)).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

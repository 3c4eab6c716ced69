// The web console and the customer portal in real headless Chromium (Debian's
// `chromium`, driven by playwright-core through its executable path), served
// by a local engine on DynamoDB Local. A contract falls below its target, the
// 120-day checkpoint opens a renewal task, a period is closed into an invoice;
// then the board shows the task with its reasons and chart, acknowledging it
// changes the stored task, the invoice traces a line to its outcomes, the
// portal for one customer shows only that customer, and axe-core finds no
// serious or critical violation on any view. The portal disputes one outcome
// of its itemised statement, and the dispute appears on the staff disputes
// page, where finance decides it. Finance's live spend and the portal's spend
// panel show the figures `outcome-engine spend` reports for a contract with
// an alert that fired. Screenshots of each view are written to
// docs/screenshots/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../bin/cli/program';
import type { CliIo } from '../../bin/cli/cli-io';
import type { PeriodCloseReport } from '../../bin/cli/period-command';
import { DynamoDbPlanStore } from '../../lambdas/adapters/dynamodb/plan-store';
import { DynamoDbRenewalTaskStore } from '../../lambdas/adapters/dynamodb/task-store';
import { LOCAL_CREDENTIALS } from '../../lib/local/local-aws';
import { startLocalEngine, type LocalEngine } from '../../lib/local/local-engine';
import { packageRoot } from '../../lib/local/package-root';
import { SEED_PLANS_DIR } from '../../lib/local/seed-plans';
import { groupDigits } from '../../console/src/format';
import { riskContract } from '../support/risk-test-kit';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CONTRACT = 'ctr-console-risk';
/** The seeded contract whose open period (2026-08-15 .. 2026-09-15) the live-spend panels show, with an alert and a cap. */
const SPEND_CONTRACT = 'ctr-acme-2026';
const TASK_ID = `${CONTRACT}#2026-01-01#120d`;
const SCREENSHOTS = join(packageRoot(), 'docs', 'screenshots');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
// Generous: a loaded 2-core machine renders slowly; every wait polls for a condition.
const WAIT_MS = 30_000;

const outcome = (outcomeId: string, metric: string, occurredAt: string, quantity?: string): PutEventsRequestEntry => ({
  EventBusName: 'outcome-engine',
  Source: 'com.example.support',
  DetailType: 'Outcome Recorded',
  Detail: JSON.stringify({ outcomeId, customerId: 'acme', metric, occurredAt, ...(quantity ? { quantity } : {}) }),
});

interface Canvas {
  width: number;
  toDataURL(): string;
}

/** axe-core in the page (evaluated through the DevTools protocol, so the page's own CSP stays on): serious and critical violations. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  // A string: this file is compiled without the DOM's types.
  const violations = (await page.evaluate(
    `axe.run(document, { resultTypes: ['violations'] }).then((result) => result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) })))`,
  )) as { id: string; impact: string; help: string; targets: string[] }[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.targets.join(', ')}`);
}

describe('console and portal in headless Chromium', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'outcome-engine-console-'));
  const assetsDir = join(dataDir, 'console-assets');
  let engine: LocalEngine;
  let browser: Browser;
  let dynamoDb: DynamoDBClient;
  let invoiceId: string;
  const pageErrors: string[] = [];

  async function cli(args: string[]): Promise<string> {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { out: (t) => (stdout += t), err: (t) => (stderr += t), env: {}, now: () => engine.clock.now() };
    const code = await runCli(
      ['--endpoint', engine.dynamoDbEndpoint, '--ledger-table', engine.ledgerTableName, '--engine-table', engine.engineTableName, '--region', engine.region, '--data-dir', dataDir, ...args],
      io,
    );
    if (code !== 0) throw new Error(`outcome-engine ${args.join(' ')} exited ${code}: ${stderr}`);
    return stdout;
  }

  async function openPage(url: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(`${url}: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`${url}: ${message.text()}`);
    });
    await page.goto(url);
    return page;
  }

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get update && apt-get install -y chromium (or set CHROMIUM_PATH)`);
    execFileSync(process.execPath, [join(packageRoot(), 'scripts', 'build-console.mjs'), '--outdir', assetsDir], { stdio: ['ignore', 'ignore', 'inherit'] });
    const suffix = randomUUID().slice(0, 8);
    const start = Date.parse('2026-08-30T00:00:00Z');
    engine = await startLocalEngine({
      port: 0,
      dynamoDbEndpoint: inject('dynamoDbEndpoint'),
      dataDir,
      ledgerTableName: `console-ledger-${suffix}`,
      engineTableName: `console-engine-${suffix}`,
      now: () => new Date(start),
      backdatingWindowDays: 400,
      billing: { closeCheckIntervalMs: 0, emulatorSeed: 'console-browser' },
      renewalRisk: { tickIntervalMs: 0 },
      queue: { retryDelayMs: () => 5 },
      console: { port: 0, assetsDir },
    });
    dynamoDb = new DynamoDBClient({ endpoint: engine.dynamoDbEndpoint, region: engine.region, credentials: LOCAL_CREDENTIALS });
    await new DynamoDbPlanStore({ client: dynamoDb, tableName: engine.engineTableName }).putContract(riskContract({ contractId: CONTRACT, customerId: 'acme' }), engine.clock.now());

    // Six good months, then a drop well below the 1,000 a month target; and 12 resolved tickets in August to bill.
    const producer = new EventBridgeClient({ endpoint: engine.url, region: engine.region, credentials: LOCAL_CREDENTIALS });
    const entries = [
      ...['01', '02', '03', '04', '05', '06'].map((month) => outcome(`energy-${month}`, 'energy.saved', `2026-${month}-20T10:00:00Z`, '1000')),
      outcome('energy-07', 'energy.saved', '2026-07-20T10:00:00Z', '500'),
      outcome('energy-08', 'energy.saved', '2026-08-29T10:00:00Z', '300'),
      ...Array.from({ length: 12 }, (_, index) => outcome(`ticket-08-${index + 1}`, 'ticket.resolved', `2026-08-${String(index + 2).padStart(2, '0')}T09:00:00Z`)),
    ];
    for (let index = 0; index < entries.length; index += 10) {
      const sent = await producer.send(new PutEventsCommand({ Entries: entries.slice(index, index + 10) }));
      expect(sent.FailedEntryCount).toBe(0);
    }
    producer.destroy();
    await engine.drain();
    expect(await engine.deadLetters()).toEqual([]);

    // The 120-day checkpoint opens the task; August is closed into an invoice.
    await cli(['clock', 'advance', '5d']);
    const closed = JSON.parse(await cli(['period', 'close', '--period', '2026-08', '--contract', CONTRACT, '--json'])) as PeriodCloseReport;
    invoiceId = closed.closed[0]?.invoiceRecordId ?? '';
    expect(invoiceId).toMatch(/^oe:ctr-console-risk:2026-08:r/);

    // Acme's seeded contract with a usage alert at 2 resolutions and a cap; three tickets in its open period fire the alert.
    const withAlerts = join(dataDir, 'acme-contract-alerts.yaml');
    writeFileSync(
      withAlerts,
      `${readFileSync(join(SEED_PLANS_DIR, 'acme-contract.yaml'), 'utf8')}\nalerts:\n  usage:\n    - metric: resolutions\n      levels: [2, 50]\ncaps:\n  - metric: resolutions\n    quantity: "100"\n`,
      'utf8',
    );
    await cli(['contracts', 'load', withAlerts, '--no-announce']);
    const september = new EventBridgeClient({ endpoint: engine.url, region: engine.region, credentials: LOCAL_CREDENTIALS });
    const sent = await september.send(new PutEventsCommand({ Entries: ['01', '02', '03'].map((day) => outcome(`ticket-09-${day}`, 'ticket.resolved', `2026-09-${day}T09:00:00Z`)) }));
    expect(sent.FailedEntryCount).toBe(0);
    september.destroy();
    await engine.drain();

    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    dynamoDb?.destroy();
    await engine?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the renewal board shows the at-risk task with its reasons and chart; acknowledging it changes the stored task', async () => {
    const console = engine.console;
    if (!console) throw new Error('the engine serves no console');
    const page = await openPage(console.signInUrl);
    const card = page.locator(`article[data-task-id="${TASK_ID}"]`);
    await card.waitFor({ timeout: WAIT_MS });
    await expect.poll(() => card.locator('.tier').textContent(), { timeout: WAIT_MS }).toBe('at_risk');
    const reasons = await card.locator('.reasons li').allTextContents();
    expect(reasons.length).toBeGreaterThan(0);
    expect(reasons.join('\n')).toMatch(/\d/);
    expect(await card.textContent()).toContain('Acme Corp');
    // The chart: drawn on its canvas, with the monthly figures in its table.
    const canvas = card.locator('canvas');
    await canvas.waitFor({ timeout: WAIT_MS });
    await expect.poll(() => canvas.evaluate((element) => {
              // Something was drawn: an empty canvas encodes to a short PNG.
              const canvas = element as unknown as Canvas;
              return canvas.width > 0 && canvas.toDataURL().length > 5_000;
            }), { timeout: WAIT_MS }).toBe(true);
    const rows = await card.locator('figure table tbody tr').allTextContents();
    expect(rows.find((row) => row.startsWith('2026-07-01'))).toContain('500');
    expect(rows.find((row) => row.startsWith('2026-09-01'))).toContain('120-day: at_risk');
    // The token left the address bar once read.
    expect(page.url()).not.toContain('staff=');
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'renewal-board.png'), fullPage: true });

    await card.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(() => card.locator('.task-status').textContent(), { timeout: WAIT_MS }).toBe('acknowledged');
    const stored = await new DynamoDbRenewalTaskStore({ client: dynamoDb, tableName: engine.engineTableName }).getTask(TASK_ID);
    expect(stored).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'local-staff' });
    await page.close();
  });

  it('finance lists contracts and invoices; the invoice view traces a line to its outcomes', async () => {
    const console = engine.console;
    if (!console) throw new Error('the engine serves no console');
    // Signed in once (the token is kept for the tab), then to Finance.
    const page = await openPage(console.signInUrl);
    await page.getByRole('heading', { name: 'Renewal board' }).waitFor({ timeout: WAIT_MS });
    await page.goto(`${console.url}#/finance`);
    await page.getByRole('heading', { name: 'Contracts and plans' }).waitFor({ timeout: WAIT_MS });
    await page.getByRole('link', { name: invoiceId }).waitFor({ timeout: WAIT_MS });
    expect(await page.locator('table').first().textContent()).toContain(CONTRACT);

    // Live spend of acme's open period: the chart drawn, its numbers those of `outcome-engine spend`, the alert fired.
    const spend = JSON.parse(await cli(['spend', '--contract', SPEND_CONTRACT, '--json'])) as { ratedToDate: { subtotal: { decimal: string } }; forecast: { subtotal: { decimal: string } }; usage: { metric: string; quantity: string }[] };
    expect(spend.usage.find((row) => row.metric === 'resolutions')?.quantity).toBe('3');
    await page.getByLabel('Contract', { exact: true }).selectOption(SPEND_CONTRACT);
    const panel = page.locator(`section[aria-labelledby="live-spend-${SPEND_CONTRACT}"]`);
    await panel.locator('td[data-figure="rated to date"]').waitFor({ timeout: WAIT_MS });
    expect(await panel.locator('td[data-figure="rated to date"]').textContent()).toBe(`${groupDigits(spend.ratedToDate.subtotal.decimal)} USD`);
    expect(await panel.locator('td[data-figure="forecast at period end"]').textContent()).toBe(`${groupDigits(spend.forecast.subtotal.decimal)} USD`);
    expect(await panel.locator('[data-figure="usage:resolutions"]').textContent()).toBe('3');
    await expect.poll(() => panel.locator('canvas').evaluate((element) => {
              const canvas = element as unknown as Canvas;
              return canvas.width > 0 && canvas.toDataURL().length > 3_000;
            }), { timeout: WAIT_MS }).toBe(true);
    expect(await panel.getByRole('table', { name: 'Caps (as `caps check` answers now)' }).textContent()).toContain('resolutions: 100');
    // The ledger stream fires the alert within a poll or two; the panel shows it once fired (reloading finance to read it again).
    await expect
      .poll(
        async () => {
          await page.reload();
          await page.getByLabel('Contract', { exact: true }).selectOption(SPEND_CONTRACT);
          const levels = panel.getByRole('table', { name: 'Alert and cap levels this period' });
          await levels.waitFor({ timeout: WAIT_MS });
          return (await levels.getByRole('row', { name: /resolutions at 2 / }).textContent()) ?? '';
        },
        { timeout: 60_000, interval: 2_000 },
      )
      .toMatch(/yes2026-09-04T/);
    expect(await panel.getByRole('table', { name: 'Alert and cap levels this period' }).getByRole('row', { name: /resolutions at 50 / }).textContent()).toContain('not fired');
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'finance.png'), fullPage: true });

    await page.getByRole('link', { name: invoiceId }).click();
    const line = page.locator('tr[data-line-id="resolutions"]');
    await line.waitFor({ timeout: WAIT_MS });
    expect(await line.textContent()).toContain('Resolved tickets');
    await line.getByRole('button', { name: 'Show outcomes for Resolved tickets' }).click();
    const outcomes = line.getByRole('table', { name: /Outcomes behind/ });
    await outcomes.waitFor({ timeout: WAIT_MS });
    const ids = await outcomes.locator('tbody tr td:first-child').allTextContents();
    expect(ids.sort()).toEqual(Array.from({ length: 12 }, (_, index) => `ticket-08-${index + 1}`).sort());
    expect(await page.locator('main').textContent()).toMatch(/Stripe/);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'invoice.png'), fullPage: true });
    await page.close();
  }, 120_000);

  it("the portal for one customer shows that customer's contracts and invoices and nobody else's", async () => {
    const link = JSON.parse(await cli(['portal', 'link', '--customer', 'acme', '--ttl', '1d', '--json'])) as { url: string };
    expect(link.url).toContain('/portal/#link=');
    const page = await openPage(link.url);
    await page.getByRole('heading', { name: new RegExp(CONTRACT) }).waitFor({ timeout: WAIT_MS });
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).toContain('Customer acme');
    expect(text).toContain('ctr-acme-2026');
    expect(text).toContain(invoiceId);
    // kaisha's seeded contract is in the same engine; the portal never shows it.
    expect(text).not.toContain('kaisha');
    expect(text).not.toMatch(/checkpoint/i);
    // This period's spend for acme's contract: the same figure as `spend`, and the alert that fired for it (never the levels that did not).
    const spend = JSON.parse(await cli(['spend', '--contract', SPEND_CONTRACT, '--json'])) as { ratedToDate: { subtotal: { decimal: string } } };
    const panel = page.locator(`section[aria-labelledby="live-spend-${SPEND_CONTRACT}"]`);
    await panel.locator('td[data-figure="rated to date"]').waitFor({ timeout: WAIT_MS });
    expect(await panel.locator('td[data-figure="rated to date"]').textContent()).toBe(`${groupDigits(spend.ratedToDate.subtotal.decimal)} USD`);
    const fired = await panel.getByRole('table', { name: 'Alerts that fired this period' }).textContent();
    expect(fired).toContain('resolutions at 2');
    expect(fired).not.toContain('resolutions at 50');
    await expect.poll(() => page.locator('canvas').first().evaluate((element) => {
              // Something was drawn: an empty canvas encodes to a short PNG.
              const canvas = element as unknown as Canvas;
              return canvas.width > 0 && canvas.toDataURL().length > 5_000;
            }), { timeout: WAIT_MS }).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'portal.png'), fullPage: true });

    // The portal's own invoice statement, itemised down to the outcomes.
    await page.getByRole('link', { name: invoiceId }).click();
    await page.locator('tr[data-line-id="resolutions"]').waitFor({ timeout: WAIT_MS });
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
    // Every page ran under its Content-Security-Policy without a blocked script, style or request.
    expect(pageErrors).toEqual([]);
  });
  it('the portal disputes one outcome of its statement; the dispute appears on the staff disputes page and is decided there', async () => {
    const console = engine.console;
    if (!console) throw new Error('the engine serves no console');
    const link = JSON.parse(await cli(['portal', 'link', '--customer', 'acme', '--ttl', '1d', '--json'])) as { url: string };
    const page = await openPage(link.url);
    await page.getByRole('link', { name: invoiceId }).waitFor({ timeout: WAIT_MS });
    await page.getByRole('link', { name: invoiceId }).click();
    const totals = page.getByRole('table', { name: 'Line totals' });
    await totals.waitFor({ timeout: WAIT_MS });
    expect(await totals.getByRole('row', { name: /Resolved tickets/ }).textContent()).toContain('12');
    // Every August ticket behind the resolutions line (other lines may read the same outcomes).
    const statementIds = await page.locator('table.statement tbody tr[data-line-id="resolutions"] td:nth-child(2)').allTextContents();
    expect(statementIds.sort()).toEqual(Array.from({ length: 12 }, (_, index) => `ticket-08-${index + 1}`).sort());
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('checkbox', { name: 'Select outcome ticket-08-12 (resolutions)' }).check();
    await page.getByLabel('Why do you dispute them?').fill('This ticket was reopened by the customer the next day');
    await page.getByRole('button', { name: 'Open dispute' }).click();
    await page.getByText(/1 opened, 0 refused/).waitFor({ timeout: WAIT_MS });
    await expect.poll(() => page.locator('table.statement tr[data-line-id="resolutions"][data-outcome-id="ticket-08-12"]').textContent(), { timeout: WAIT_MS }).toContain('dispute open');
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'portal-statement.png'), fullPage: true });

    // Back on the overview, the customer's disputes are listed with their status.
    await page.getByRole('link', { name: 'Back to your overview' }).click();
    const mine = page.getByRole('table', { name: 'Disputed outcomes and their decisions' });
    await mine.waitFor({ timeout: WAIT_MS });
    expect(await mine.textContent()).toContain('ticket-08-12');
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();

    const staff = await openPage(console.signInUrl);
    await staff.getByRole('heading', { name: 'Renewal board' }).waitFor({ timeout: WAIT_MS });
    await staff.getByRole('link', { name: 'Disputes' }).click();
    const row = staff.locator('tr[data-outcome-id="ticket-08-12"]');
    await row.waitFor({ timeout: WAIT_MS });
    expect(await row.textContent()).toContain('customer:acme');
    expect(await row.textContent()).toContain('open');
    expect(await seriousViolations(staff)).toEqual([]);
    await staff.screenshot({ path: join(SCREENSHOTS, 'disputes.png'), fullPage: true });

    await row.getByLabel('Decision').selectOption('upheld');
    await row.getByLabel('Note').fill('Confirmed: reopened within a day');
    await row.getByRole('button', { name: /Resolve dispute/ }).click();
    await expect.poll(() => row.textContent(), { timeout: WAIT_MS }).toContain('upheld');
    const listed = JSON.parse(await cli(['disputes', 'list', '--json'])) as { outcomeId: string; status: string; decision?: { resolvedBy: string } }[];
    expect(listed).toMatchObject([{ outcomeId: 'ticket-08-12', status: 'upheld', decision: { resolvedBy: 'local-staff' } }]);

    // The invoice view counts the line's disputes.
    await staff.goto(`${console.url}#/invoice/${encodeURIComponent(invoiceId)}`);
    const line = staff.locator('tr[data-line-id="resolutions"]');
    await line.waitFor({ timeout: WAIT_MS });
    expect(await line.textContent()).toContain('1 upheld');
    await staff.close();
    expect(pageErrors).toEqual([]);
  });
});

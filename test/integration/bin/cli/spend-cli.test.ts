// `outcome-engine spend` on the real DynamoDB Local: the local engine in
// process with its example plans and contracts, outcomes recorded through the
// ledger service, and the CLI run in process. Spend must equal `invoice
// preview` of the same period and cutoff to the cent.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CliIo } from '../../../../bin/cli/cli-io';
import { runCli } from '../../../../bin/cli/program';
import { startLocalEngine, type LocalEngine } from '../../../../lib/local/local-engine';
import { SEED_PLANS_DIR } from '../../../../lib/local/seed-plans';

interface Amount {
  minor: string;
  decimal: string;
}

interface PreviewJson {
  period: { id: string };
  usageAsOf: string;
  lines: Array<{ chargeId: string; metric: string | null; quantity: string; amount: Amount; amountDue: Amount }>;
  subtotal: Amount;
  commitmentTrueUp: { amount: Amount } | null;
  credits: { applied: Amount; balanceAfter: Amount } | null;
  total: Amount;
}

interface SpendJson {
  contractId: string;
  period: { id: string; start: string; end: string; timeZone: string };
  usageAsOf: string;
  usage: Array<{ chargeId: string; metric: string; quantity: string }>;
  ratedToDate: { subtotal: Amount; total: Amount };
  commitment: { trueUp: string; committed: Amount; burned: Amount; remaining: Amount; burnedPercent: string | null } | null;
  creditsLeft: Amount | null;
  forecast: { rule: string; elapsedPercent: string; subtotal: Amount; total: Amount };
  preview: PreviewJson & { ratedAt: string };
}

describe('outcome-engine spend', () => {
  let nowMs = Date.parse('2026-11-20T12:00:00Z');
  const now = () => new Date(nowMs);
  const dataDir = mkdtempSync(join(tmpdir(), 'outcome-engine-spend-'));
  let engine: LocalEngine;
  let sequence = 0;

  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { out: (t) => (stdout += t), err: (t) => (stderr += t), env: {}, now };
    const code = await runCli(
      ['--endpoint', engine.dynamoDbEndpoint, '--ledger-table', engine.ledgerTableName, '--engine-table', engine.engineTableName, '--region', engine.region, ...args],
      io,
    );
    return { code, stdout, stderr };
  }

  async function cliJson<T>(args: string[]): Promise<T> {
    const run = await cli([...args, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout) as T;
  }

  async function send(detailType: string, detail: Record<string, unknown>): Promise<void> {
    sequence += 1;
    const body = JSON.stringify({ version: '0', id: `evt-${sequence}`, 'detail-type': detailType, source: 'com.example.test', detail });
    const result = await engine.ledgerService.ingestMessage({ body, messageId: `m-${sequence}` });
    expect(result.status, JSON.stringify(result)).toBe('recorded');
  }

  async function resolvedTickets(prefix: string, count: number, firstAt: string): Promise<void> {
    for (let index = 0; index < count; index += 1) {
      await send('Outcome Recorded', {
        outcomeId: `${prefix}-${index}`,
        customerId: 'acme',
        metric: 'ticket.resolved',
        occurredAt: new Date(Date.parse(firstAt) + index * 60_000).toISOString(),
        attributes: { agentId: `agent-${index % 3}` },
      });
    }
  }

  function withoutRatedAt(preview: PreviewJson & { ratedAt?: string }) {
    return { ...preview, ratedAt: undefined };
  }

  beforeAll(async () => {
    const suffix = randomUUID().slice(0, 8);
    engine = await startLocalEngine({
      port: 0,
      dynamoDbEndpoint: inject('dynamoDbEndpoint'),
      dataDir,
      inMemory: true,
      writeStateFile: false,
      ledgerTableName: `spend-ledger-${suffix}`,
      engineTableName: `spend-engine-${suffix}`,
      now,
    });
  }, 120_000);

  afterAll(async () => {
    await engine?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reports the open period to date with the lines of invoice preview, burn, credits left and a stated forecast', async () => {
    await resolvedTickets('acme-a', 150, '2026-11-16T12:00:00Z');
    await send('Outcome Recorded', { outcomeId: 'ord-1', customerId: 'acme', metric: 'order.recovered', occurredAt: '2026-11-17T10:00:00Z', value: { amount: '10.00', currency: 'USD' } });
    await send('Outcome Recorded', { outcomeId: 'ord-2', customerId: 'acme', metric: 'order.recovered', occurredAt: '2026-11-17T10:00:00Z', value: { amount: '200.40', currency: 'USD' } });
    await send('Outcome Verified', { outcomeId: 'ord-1' });
    await send('Outcome Verified', { outcomeId: 'ord-2' });
    const cutoff = '2026-11-20T12:00:00.000Z';

    const spend = await cliJson<SpendJson>(['spend', '--contract', 'ctr-acme-2026', '--as-of', cutoff]);
    const preview = await cliJson<PreviewJson>(['invoice', 'preview', '--contract', 'ctr-acme-2026', '--period', '2026-11', '--as-of', cutoff]);
    // The period open at the cutoff, in the contract's time zone (New York midnights).
    expect(spend.period).toMatchObject({ id: '2026-11', start: '2026-11-15T05:00:00.000Z', end: '2026-12-15T05:00:00.000Z', timeZone: 'America/New_York' });
    expect(spend.usageAsOf).toBe(cutoff);
    // Equal to the preview to the cent, line by line.
    expect(withoutRatedAt(spend.preview)).toEqual(withoutRatedAt(preview));
    expect(spend.ratedToDate.subtotal).toEqual(preview.subtotal);
    expect(spend.ratedToDate.total).toEqual(preview.total);
    expect(spend.ratedToDate.subtotal.decimal).toBe('570.61');
    expect(spend.usage).toEqual(preview.lines.filter((line) => line.metric !== null).map((line) => ({ chargeId: line.chargeId, metric: line.metric, quantity: line.quantity })));
    expect(spend.usage.find((row) => row.metric === 'resolutions')?.quantity).toBe('150');
    // 570.61 of the 2,000.00 per-period commitment.
    expect(spend.commitment).toEqual({
      trueUp: 'per_period',
      committed: { minor: '200000', decimal: '2000.00' },
      burned: { minor: '57061', decimal: '570.61' },
      remaining: { minor: '142939', decimal: '1429.39' },
      burnedPercent: '28.53',
    });
    expect(spend.creditsLeft).toEqual(preview.credits?.balanceAfter);
    // 127 h of a 720 h period: usage lines 120.61 × 720 / 127 = 683.77, platform 450.00 as is;
    // the per-period commitment floor lifts the forecast total to 2,000.00.
    expect(spend.forecast.elapsedPercent).toBe('17.64');
    expect(spend.forecast.subtotal.decimal).toBe('1133.77');
    expect(spend.forecast.total.decimal).toBe('2000.00');
    expect(spend.forecast.rule).toMatch(/^linear/);

    const human = await cli(['spend', '--contract', 'ctr-acme-2026', '--as-of', cutoff]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('570.61 USD of 2000.00 USD (28.53%, per_period)');
    expect(human.stdout).toContain('forecast rule');
  }, 180_000);

  it('stays equal to the preview after a reversal and reads the period open now by default', async () => {
    await send('Outcome Reversed', { outcomeId: 'acme-a-0', reason: 'reopened by the customer' });
    nowMs = Date.parse('2026-11-21T00:00:00Z');
    const spend = await cliJson<SpendJson>(['spend', '--contract', 'ctr-acme-2026']);
    const preview = await cliJson<PreviewJson>(['invoice', 'preview', '--contract', 'ctr-acme-2026', '--as-of', '2026-11-21T00:00:00Z']);
    expect(withoutRatedAt(spend.preview)).toEqual(withoutRatedAt(preview));
    expect(spend.usage.find((row) => row.metric === 'resolutions')?.quantity).toBe('149');

    const missing = await cli(['spend', '--contract', 'ctr-nobody']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('ctr-nobody');
  }, 120_000);

  it('answers caps check from the open period: 0 when allowed, 6 when a cap refuses, 2 for a metric the plan does not price', async () => {
    const file = join(dataDir, 'acme-capped.yaml');
    writeFileSync(file, `${readFileSync(join(SEED_PLANS_DIR, 'acme-contract.yaml'), 'utf8')}\ncaps:\n  - metric: resolutions\n    quantity: "150"\n  - spend: "600.00"\n`, 'utf8');
    const loaded = await cli(['contracts', 'load', file, '--no-announce']);
    expect(loaded.code).toBe(0);

    const allowed = await cli(['caps', 'check', '--contract', 'ctr-acme-2026', '--metric', 'resolutions', '--quantity', '1', '--json']);
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.stdout)).toMatchObject({
      allowed: true,
      periodId: '2026-11',
      usedToDate: '149',
      requested: '1',
      metricCap: { cap: '150', remaining: '1' },
      spendCap: { cap: '600.00', currency: 'USD' },
      reason: null,
    });

    const refused = await cli(['caps', 'check', '--contract', 'ctr-acme-2026', '--metric', 'resolutions', '--quantity', '2', '--json']);
    expect(refused.code).toBe(6);
    expect(JSON.parse(refused.stdout)).toMatchObject({ allowed: false, reason: 'resolutions is capped at 150 this period: 149 used, 1 left' });
    expect(refused.stderr).toContain('refused: resolutions is capped at 150');

    const human = await cli(['caps', 'check', '--contract', 'ctr-acme-2026', '--metric', 'resolutions', '--quantity', '2']);
    expect(human.code).toBe(6);
    expect(human.stdout).toContain('refused');

    const unpriced = await cli(['caps', 'check', '--contract', 'ctr-acme-2026', '--metric', 'nothing-here', '--quantity', '1']);
    expect(unpriced.code).toBe(2);
    expect(unpriced.stderr).toContain('no charge on metric "nothing-here"');
  }, 120_000);

  it('answers the same over the local engine\'s POST /caps/check as the CLI, with 400, 404 and 405 for what it cannot answer', async () => {
    // Capped by the test above (150 resolutions, 149 used).
    const post = async (body: string, method = 'POST') => {
      const response = await fetch(`${engine.url}/caps/check`, { method, headers: { 'content-type': 'application/json' }, ...(method === 'POST' ? { body } : {}) });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    for (const quantity of ['1', '2']) {
      const viaCli = JSON.parse((await cli(['caps', 'check', '--contract', 'ctr-acme-2026', '--metric', 'resolutions', '--quantity', quantity, '--json'])).stdout) as Record<string, unknown>;
      const viaHttp = await post(JSON.stringify({ contractId: 'ctr-acme-2026', metric: 'resolutions', quantity }));
      expect(viaHttp.status).toBe(200);
      expect(viaHttp.body).toEqual(viaCli);
    }
    expect((await post(JSON.stringify({ contractId: 'ctr-acme-2026', metric: 'resolutions', quantity: '2' }))).body).toMatchObject({ allowed: false });
    expect(await post('{')).toMatchObject({ status: 400, body: { code: 'invalid_json' } });
    expect(await post(JSON.stringify({ contractId: 'ctr-acme-2026', metric: 'resolutions' }))).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
    expect(await post(JSON.stringify({ contractId: 'ctr-acme-2026', metric: 'nothing-here', quantity: '1' }))).toMatchObject({ status: 400, body: { code: 'metric_not_priced' } });
    expect(await post(JSON.stringify({ contractId: 'ctr-nobody', metric: 'resolutions', quantity: '1' }))).toMatchObject({ status: 404, body: { code: 'contract_not_found' } });
    // Only POST is routed; the engine's server answers 405 for another method on a known path.
    expect((await post('', 'GET')).status).toBe(405);
  }, 120_000);

  it('shows what the caps did: the measured usage, the billable quantity and the spend cap line', async () => {
    // 149 resolutions capped at 100 (all within the 100 included): 450.00 + 0.00 + 5.61 + 40.00 = 495.61, spend-capped at 490.00.
    const file = join(dataDir, 'acme-capped-lower.yaml');
    writeFileSync(file, `${readFileSync(join(SEED_PLANS_DIR, 'acme-contract.yaml'), 'utf8')}\ncaps:\n  - metric: resolutions\n    quantity: "100"\n  - spend: "490.00"\n`, 'utf8');
    expect((await cli(['contracts', 'load', file, '--no-announce'])).code).toBe(0);

    const spend = await cliJson<SpendJson & { preview: { spendCap: { cap: Amount; subtotalBefore: Amount; reduction: Amount } | null } }>(['spend', '--contract', 'ctr-acme-2026']);
    expect(spend.usage.find((row) => row.metric === 'resolutions')?.quantity).toBe('149');
    expect(spend.ratedToDate.subtotal.decimal).toBe('490.00');
    expect(spend.preview.spendCap).toEqual({
      cap: { minor: '49000', decimal: '490.00' },
      subtotalBefore: { minor: '49561', decimal: '495.61' },
      reduction: { minor: '561', decimal: '5.61' },
    });
    expect(spend.preview.lines.find((line) => line.chargeId === 'agent-seats')?.amount.decimal).toBe('34.39');

    const human = await cli(['spend', '--contract', 'ctr-acme-2026']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('Spend cap 490.00: -5.61 (charges before it 495.61 USD)');
    expect(human.stdout).toContain('resolutions: metric cap 100: 100 of the measured 149 billed, 49 over the cap, shown, not billed');
    expect(human.stdout).toContain('agent-seats: spend cap 490.00 (charges before it 495.61): -5.61 on this line');
  }, 120_000);
});

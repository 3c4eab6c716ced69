// Plans and rating wired to the ledger and to users, on the real DynamoDB
// Local: the local engine in process (it stores the example plans and
// contracts at start), outcomes recorded through the ledger service, and the
// CLI run in process exactly as a user runs it.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../../../bin/cli/program';
import type { CliIo } from '../../../../bin/cli/cli-io';
import { startLocalEngine, type LocalEngine } from '../../../../lib/local/local-engine';
import { SEED_PLANS_DIR } from '../../../../lib/local/seed-plans';

class TestClock {
  constructor(private ms: number) {}
  now = () => new Date(this.ms);
  set(iso: string) {
    this.ms = Date.parse(iso);
  }
}

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

interface Amount {
  minor: string;
  decimal: string;
}

interface PreviewJson {
  contractId: string;
  planVersion: number;
  period: { id: string; start: string; end: string };
  usageAsOf: string;
  ratedAt: string;
  lines: Array<{ chargeId: string; quantity: string; amount: Amount; priceSource: string; usageQuery: { reference: string | null; asOf: string | null } | null }>;
  subtotal: Amount;
  commitmentTrueUp: { amount: Amount } | null;
  credits: { applied: Amount; balanceAfter: Amount } | null;
  total: Amount;
}

const SUPPORT_PLAN = join(SEED_PLANS_DIR, 'support-automation.yaml');

describe('plans, contracts, invoice preview and simulation through the CLI', () => {
  const clock = new TestClock(Date.parse('2026-11-20T12:00:00Z'));
  const dataDir = mkdtempSync(join(tmpdir(), 'outcome-engine-plans-'));
  let engine: LocalEngine;
  let sequence = 0;

  async function cli(args: string[]): Promise<CliRun> {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { out: (t) => (stdout += t), err: (t) => (stderr += t), env: {}, now: clock.now };
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

  async function resolvedTickets(customerId: string, prefix: string, count: number, firstAt: string, agents: number): Promise<void> {
    const startMs = Date.parse(firstAt);
    for (let index = 0; index < count; index += 1) {
      await send('Outcome Recorded', {
        outcomeId: `${prefix}-${index}`,
        customerId,
        metric: 'ticket.resolved',
        occurredAt: new Date(startMs + index * 60_000).toISOString(),
        attributes: { agentId: `agent-${index % agents}` },
      });
    }
  }

  function tempFile(name: string, text: string): string {
    const path = join(dataDir, name);
    writeFileSync(path, text, 'utf8');
    return path;
  }

  beforeAll(async () => {
    const suffix = randomUUID().slice(0, 8);
    engine = await startLocalEngine({
      port: 0,
      dynamoDbEndpoint: inject('dynamoDbEndpoint'),
      dataDir,
      inMemory: true,
      writeStateFile: false,
      ledgerTableName: `plans-ledger-${suffix}`,
      engineTableName: `plans-engine-${suffix}`,
      now: clock.now,
    });
  });

  afterAll(async () => {
    await engine?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores the example plans and contracts at start, so a newcomer can preview at once', async () => {
    expect(engine.seededPlans?.plans.ok).toBe(true);
    expect(engine.seededPlans?.contracts.items.map((item) => [item.id, item.status])).toEqual([
      ['ctr-acme-2026', 'created'],
      ['ctr-kaisha-2026', 'created'],
    ]);
    const listed = await cliJson<Array<{ contract: { contractId: string }; revision: number }>>(['contracts', 'list']);
    expect(listed.map((entry) => [entry.contract.contractId, entry.revision])).toEqual([
      ['ctr-acme-2026', 1],
      ['ctr-kaisha-2026', 1],
    ]);
  });

  it('keeps stored plan versions immutable: same content is a no-op, different content is refused by name', async () => {
    const again = await cliJson<{ ok: boolean; items: Array<{ id: string; versions: Array<{ version: number; status: string }> }> }>([
      'plans',
      'load',
      SUPPORT_PLAN,
    ]);
    expect(again.ok).toBe(true);
    expect(again.items[0]?.versions).toEqual([
      { version: 1, status: 'unchanged' },
      { version: 2, status: 'unchanged' },
    ]);

    const changed = tempFile('changed.yaml', readFileSync(SUPPORT_PLAN, 'utf8').replace('amount: "500.00"', 'amount: "600.00"'));
    const refused = await cli(['plans', 'load', changed]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toContain('plan "support-automation" version 1 is already stored with different content');
    expect(refused.stdout).toContain('plan_version_conflict');
    expect(refused.stderr).toContain('1 item(s) were not loaded');

    // The stored version still prices at 500.00 (seen below through the Globex preview).
  });

  it('upserts contracts with a revision and refuses one whose plan is not loaded', async () => {
    const globex = (platform?: string) =>
      [
        'kind: contract',
        'contractId: ctr-globex',
        'customerId: globex',
        'plan: { code: support-automation, version: latest }',
        'termStart: 2026-01-01',
        'termEnd: 2027-01-01',
        'billingPeriod: { cadence: monthly, anchorDay: 1 }',
        'timeZone: UTC',
        'currency: USD',
        ...(platform ? ['priceOverrides:', `  - { chargeId: platform, amount: "${platform}" }`] : []),
      ].join('\n');
    const file = tempFile('globex.yaml', globex());
    const created = await cliJson<{ items: Array<{ id: string; status: string; revision: number }> }>(['contracts', 'load', file]);
    expect(created.items).toEqual([{ kind: 'contract', id: 'ctr-globex', status: 'created', revision: 1 }]);
    const unchanged = await cliJson<{ items: Array<{ status: string; revision: number }> }>(['contracts', 'load', file]);
    expect(unchanged.items[0]).toMatchObject({ status: 'unchanged', revision: 1 });
    const updated = await cliJson<{ items: Array<{ status: string; revision: number }> }>([
      'contracts',
      'load',
      tempFile('globex-2.yaml', globex('480.00')),
    ]);
    expect(updated.items[0]).toMatchObject({ status: 'updated', revision: 2 });
    // Back to list price, revision 3, so the simulation below reads the plan's own fees.
    const reverted = await cliJson<{ items: Array<{ status: string; revision: number }> }>(['contracts', 'load', file]);
    expect(reverted.items[0]).toMatchObject({ status: 'updated', revision: 3 });

    const orphan = tempFile('orphan.yaml', globex().replace('ctr-globex', 'ctr-orphan').replace('code: support-automation', 'code: no-such-plan'));
    const refused = await cli(['contracts', 'load', orphan]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toContain('contract "ctr-orphan" is on plan "no-such-plan", which is not loaded');
  });

  it('previews an invoice from the ledger with exact amounts, and as-of previews are reproducible', async () => {
    // Batch A, recorded at 2026-11-20T12:00Z. Acme's period 2026-11 runs from
    // 2026-11-15 to 2026-12-15, New York midnights (05:00Z).
    await resolvedTickets('acme', 'acme-a', 150, '2026-11-16T12:00:00Z', 3);
    await send('Outcome Recorded', { outcomeId: 'acme-before', customerId: 'acme', metric: 'ticket.resolved', occurredAt: '2026-11-15T04:59:00Z' });
    await send('Outcome Recorded', {
      outcomeId: 'acme-reversed',
      customerId: 'acme',
      metric: 'ticket.resolved',
      occurredAt: '2026-11-16T08:00:00Z',
      attributes: { agentId: 'agent-x' },
    });
    await send('Outcome Reversed', { outcomeId: 'acme-reversed', reason: 'reopened by the customer' });
    const order = (id: string, amount: string) =>
      send('Outcome Recorded', { outcomeId: id, customerId: 'acme', metric: 'order.recovered', occurredAt: '2026-11-17T10:00:00Z', value: { amount, currency: 'USD' } });
    await order('ord-1', '10.00');
    await order('ord-2', '200.40');
    await order('ord-3', '1000'); // never verified: not billable
    await send('Outcome Verified', { outcomeId: 'ord-1' });
    await send('Outcome Verified', { outcomeId: 'ord-2' });
    await resolvedTickets('globex', 'globex-a', 150, '2026-11-02T12:00:00Z', 3);
    const cutoffA = '2026-11-20T12:00:00.000Z';

    const preview = await cliJson<PreviewJson>(['invoice', 'preview', '--contract', 'ctr-acme-2026', '--period', '2026-11', '--as-of', cutoffA]);
    // By hand: platform 450.00 (contract override); 150 resolutions, 100 free, 50 × 1.50 = 75.00;
    // success fee 10.00 → 0.35 raised to 0.50, 200.40 → 5.01 + 0.10 = 5.11: 5.61; 3 agents → one
    // package of 10: 40.00. Subtotal 570.61; per-period commitment 2,000.00 → true-up 1,429.39;
    // 1,000.00 prepaid credits drawn: total 1,000.00.
    expect(preview.period).toMatchObject({ id: '2026-11', start: '2026-11-15T05:00:00.000Z', end: '2026-12-15T05:00:00.000Z' });
    expect(preview.lines.map((line) => [line.chargeId, line.quantity, line.amount.decimal, line.priceSource])).toEqual([
      ['platform', '1', '450.00', 'contract_override'],
      ['resolutions', '150', '75.00', 'plan'],
      ['recovery-success-fee', '210.4', '5.61', 'plan'],
      ['agent-seats', '3', '40.00', 'plan'],
    ]);
    expect(preview.subtotal.decimal).toBe('570.61');
    expect(preview.commitmentTrueUp?.amount.decimal).toBe('1429.39');
    expect(preview.credits?.applied.decimal).toBe('1000.00');
    expect(preview.total).toEqual({ minor: '100000', decimal: '1000.00' });
    expect(preview.usageAsOf).toBe(cutoffA);
    const resolutions = preview.lines.find((line) => line.chargeId === 'resolutions');
    expect(resolutions?.usageQuery?.reference).toBe(
      'ledger usage of metric "ticket.resolved" for customer "acme": billable outcomes that occurred in ' +
        '[2026-11-15T05:00:00.000Z, 2026-12-15T05:00:00.000Z), as recorded up to 2026-11-20T12:00:00.000Z, net of reversals and corrections recorded by then',
    );

    // Batch B, recorded five days later: 50 more resolutions.
    clock.set('2026-11-25T12:00:00Z');
    await resolvedTickets('acme', 'acme-b', 50, '2026-11-24T12:00:00Z', 3);

    const replay = await cliJson<PreviewJson>(['invoice', 'preview', '--contract', 'ctr-acme-2026', '--period', '2026-11', '--as-of', cutoffA]);
    // Everything but the moment of drafting is the same.
    expect({ ...replay, ratedAt: undefined }).toEqual({ ...preview, ratedAt: undefined });
    expect(replay.ratedAt).toBe('2026-11-25T12:00:00.000Z');
    const later = await cliJson<PreviewJson>(['invoice', 'preview', '--contract', 'ctr-acme-2026', '--period', '2026-11']);
    expect(later.lines.find((line) => line.chargeId === 'resolutions')).toMatchObject({ quantity: '200', amount: { decimal: '150.00' } });
    expect(later.subtotal.decimal).toBe('645.61');
    expect(later.usageAsOf).toBe('2026-11-25T12:00:00.000Z');

    const human = await cli(['invoice', 'preview', '--contract', 'ctr-acme-2026', '--period', '2026-11', '--as-of', cutoffA]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/resolutions\s+graduated\s+150\s+75\.00\s+75\.00\s+0\.00\s+plan/);
    expect(human.stdout).toMatch(/total\s+1000\.00 USD/);

    const outside = await cli(['invoice', 'preview', '--contract', 'ctr-acme-2026', '--period', '2027-05']);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/^error: .*2027-05.*\[period_outside_term\]\n$/);

    const missing = await cli(['invoice', 'preview', '--contract', 'ctr-nobody', '--period', '2026-11']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toBe('error: no contract "ctr-nobody" [contract_not_found]\n');
  });

  it('simulates a plan version on recorded history: per contract, total and difference', async () => {
    // Proposal: support-automation version 2 (cheaper tiers, no agent seats, no fixed fee per order).
    // Acme 2026-11 as of batch A: both sides are topped up to the 2,000.00 commitment.
    // Globex 2026-11: current 500.00 + 75.00 + 40.00 = 615.00; proposed 500.00 + 75.00 = 575.00.
    const args = ['simulate', '--plan', SUPPORT_PLAN, '--contracts', 'ctr-acme-2026,ctr-globex', '--from', '2026-11', '--to', '2026-11', '--as-of', '2026-11-20T12:00:00Z'];
    const result = await cliJson<{
      proposed: { planCode: string; version: number };
      contracts: Array<{ contractId: string; periods: number; current: string; proposed: string; difference: string }>;
      totals: Array<{ currency: string; current: string; proposed: string; difference: string; differencePercent: string }>;
    }>(args);
    expect(result.proposed).toEqual({ planCode: 'support-automation', version: 2 });
    expect(result.contracts.map((row) => [row.contractId, row.periods, row.current, row.proposed, row.difference])).toEqual([
      ['ctr-acme-2026', 1, '200000', '200000', '0'],
      ['ctr-globex', 1, '61500', '57500', '-4000'],
    ]);
    expect(result.totals).toEqual([
      expect.objectContaining({ currency: 'USD', current: '261500', proposed: '257500', difference: '-4000', differencePercent: '-1.53' }),
    ]);

    const csv = await cli([...args, '--format', 'csv']);
    expect(csv.code).toBe(0);
    expect(csv.stdout.split('\n')[0]).toContain('contract');
    expect(csv.stdout).toContain('ctr-globex');
    const table = await cli(args);
    expect(table.stdout).toMatch(/TOTAL.*615\.00|TOTAL.*2,?615\.00/);
  });

  it('prices a usage file with a plan file and no store', async () => {
    const examples = join(import.meta.dirname, '..', '..', '..', '..', 'docs', 'examples', 'plans');
    const result = await cliJson<{ lines: Array<{ chargeId: string; amount: Amount }>; total: Amount }>([
      'price',
      '--plan',
      join(examples, 'support-automation.yaml'),
      '--usage',
      join(examples, 'usage-2026-11.json'),
    ]);
    expect(result.lines.map((line) => [line.chargeId, line.amount.decimal])).toEqual([
      ['platform', '500.00'],
      ['resolutions', '1660.80'],
      ['recovery-success-fee', '30.61'],
      ['agent-seats', '80.00'],
    ]);
    expect(result.total).toEqual({ minor: '227141', decimal: '2271.41' });

    const badUsage = tempFile('bad-usage.json', JSON.stringify({ period: { start: '2026-11-01', end: '2026-12-01' }, metrics: [{ ledgerMetric: 'ticket.resolved', count: -1, sumQuantity: '1' }] }));
    const refused = await cli(['price', '--plan', join(examples, 'support-automation.yaml'), '--usage', badUsage]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${badUsage}: metrics[0].count:`);
  });

  it('validates plan files with errors naming the file, the path and the line', async () => {
    const bad = tempFile(
      'bad-plan.yaml',
      [
        'kind: plan',
        'code: broken',
        'name: Broken',
        'currency: USD',
        'versions:',
        '  - version: 1',
        '    effectiveFrom: 2026-01-01',
        '    metrics: []',
        '    charges:',
        '      - id: platform',
        '        name: Platform',
        '        model: flat',
        '        amount: "500.00"',
        '        minimun: "1.00"',
      ].join('\n'),
    );
    const run = await cli(['plans', 'validate', SUPPORT_PLAN, bad]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain(`ok       ${SUPPORT_PLAN} (plan)`);
    expect(run.stderr).toContain(`${bad}: versions[0].charges[0].minimun: unknown field (check the spelling) (line 14)`);

    const json = await cli(['plans', 'validate', bad, '--json']);
    expect(json.code).toBe(2);
    const report = JSON.parse(json.stdout) as { ok: boolean; issues: Array<{ file: string; path: string; code: string; line: number }> };
    expect(report.ok).toBe(false);
    expect(report.issues).toContainEqual(expect.objectContaining({ file: bad, path: 'versions[0].charges[0].minimun', code: 'unknown_field', line: 14 }));

    const ok = await cli(['plans', 'validate', ...['support-automation.yaml', 'acme-contract.yaml'].map((name) => join(SEED_PLANS_DIR, name))]);
    expect(ok.code).toBe(0);
  });
});

// Live spend end to end on one machine: outcomes sent through the local
// PutEvents endpoint are recorded, the ledger's stream (DynamoDB Local's) is
// folded into the rollups, and the spend alerts of the customer's contract
// are published on the local bus, each exactly once per contract, period and
// threshold, even when a reversal takes the usage back below a level and it is
// crossed again.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_PLANS_DIR } from '../../lib/local/seed-plans';
import { busEntry as entry, localEngineHarness } from '../support/local-engine-harness';

const ALERT_TYPES = new Set(['Usage Threshold Reached', 'Spend Threshold Reached', 'Credit Balance Low', 'Cap Reached']);

interface Amount {
  minor: string;
  decimal: string;
}

let engineLogOf: () => string[] = () => [];

async function until<T>(what: string, read: () => T | Promise<T>, done: (value: T) => boolean, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: last saw ${JSON.stringify(value)}; engine log: ${engineLogOf().join(' | ')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('spend alerts through the local engine', () => {
  const nowMs = Date.parse('2026-11-20T12:00:00Z');
  const now = () => new Date(nowMs);
  const engineLog: string[] = [];
  const harness = localEngineHarness({ name: 'spend', now, engine: { inMemory: true, log: (message) => engineLog.push(message) } });
  const { send, cliJson } = harness;
  engineLogOf = () => engineLog;

  const tickets = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, offset) => {
      const index = from + offset;
      return entry('Outcome Recorded', {
        outcomeId: `t-${index}`,
        customerId: 'acme',
        metric: 'ticket.resolved',
        occurredAt: new Date(Date.parse('2026-11-16T12:00:00Z') + index * 60_000).toISOString(),
        attributes: { agentId: `agent-${index % 3}` },
      });
    });

  const alerts = () => harness.busEnvelopes.filter((event) => ALERT_TYPES.has(event['detail-type']));
  const fired = () => alerts().map((event) => `${event['detail-type']} ${(event.detail as { thresholdId: string }).thresholdId}`).sort();

  beforeAll(async () => {
    await harness.start();
    // Acme's example contract with alerts and a cap on resolutions.
    const contract = `${readFileSync(join(SEED_PLANS_DIR, 'acme-contract.yaml'), 'utf8')}
alerts:
  usage:
    - metric: resolutions
      levels: [120, 150, 170]
  spend:
    - amount: "500.00"
    - percentOfCommitment: "25"
  creditBalanceBelow: "100.00"
caps:
  - metric: resolutions
    quantity: "160"
`;
    const file = harness.writeDataFile('acme-with-alerts.yaml', contract);
    const loaded = await harness.cli(['contracts', 'load', file, '--no-announce']);
    expect(loaded.stderr).toBe('');
    expect(loaded.code).toBe(0);
  }, 120_000);

  afterAll(() => harness.stop());

  it('publishes each threshold once, not again after a reversal and a second crossing, and spend equals preview', async () => {
    // 100 resolutions: 100 are included, so spend is 450.00 + 40.00 (3 agents) = 490.00, under every level but the credits:
    // the draft's commitment true-up draws all 1,000.00 of prepaid credits, leaving 0.00 < 100.00.
    await send(tickets(0, 100));
    await until('Credit Balance Low', fired, (seen) => seen.includes('Credit Balance Low credits:100.00'));

    // 60 more in one go: two usage levels, both spend levels and the cap at once.
    await send(tickets(100, 160));
    const expected = [
      'Cap Reached cap:metric:resolutions',
      'Credit Balance Low credits:100.00',
      'Spend Threshold Reached spend:amount:500.00',
      'Spend Threshold Reached spend:percent:25',
      'Usage Threshold Reached usage:resolutions:120',
      'Usage Threshold Reached usage:resolutions:150',
    ];
    await until('the crossing alerts', fired, (seen) => expected.every((name) => seen.includes(name)));

    // Reversals take usage back to 140, new outcomes to 160 again, then 10 more cross 170: only 170 is new.
    await send(Array.from({ length: 20 }, (_, index) => entry('Outcome Reversed', { outcomeId: `t-${index}`, reason: 'reopened' })));
    await send(tickets(160, 180));
    await send(tickets(180, 190));
    await until('the 170 level', fired, (seen) => seen.includes('Usage Threshold Reached usage:resolutions:170'));
    expect(fired()).toEqual([...expected, 'Usage Threshold Reached usage:resolutions:170'].sort());

    const spend170 = alerts().find((event) => (event.detail as { thresholdId: string }).thresholdId === 'usage:resolutions:170');
    expect(spend170).toMatchObject({ source: 'outcome-engine', detail: { schemaVersion: 1, contractId: 'ctr-acme-2026', customerId: 'acme', periodId: '2026-11', metric: 'resolutions', level: '170', quantity: '170' } });
    const spendAmount = alerts().find((event) => (event.detail as { thresholdId: string }).thresholdId === 'spend:amount:500.00');
    expect(spendAmount?.detail).toMatchObject({ currency: 'USD', level: '500.00', percentOfCommitment: null });
    // Fired by the stream batch that crossed it: at least the level, at most the 580.00 of 160 resolutions.
    const firedAt = BigInt((spendAmount?.detail as { amount: string }).amount.replace('.', ''));
    expect(firedAt >= 50_000n && firedAt <= 58_000n).toBe(true);

    const spend = await cliJson<{ preview: { total: Amount; lines: unknown[] }; ratedToDate: { subtotal: Amount } }>(['spend', '--contract', 'ctr-acme-2026']);
    const preview = await cliJson<{ total: Amount; lines: unknown[]; subtotal: Amount }>(['invoice', 'preview', '--contract', 'ctr-acme-2026', '--period', '2026-11']);
    expect(spend.preview.lines).toEqual(preview.lines);
    expect(spend.ratedToDate.subtotal).toEqual(preview.subtotal);
    // 170 resolutions measured, capped at 160: 60 × 1.50 = 90.00 + 450.00 + 40.00 (uncapped it would be 595.00).
    expect(preview.subtotal.decimal).toBe('580.00');
  }, 300_000);
});

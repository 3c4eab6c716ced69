// Renewal risk end to end on the local engine's clock: a contract is stored,
// its checkpoints are scheduled (180/120/90/60/30 days before term end; 180 has passed when it is stored), outcomes
// arrive below target through the real PutEvents path, and `clock advance`
// walks the term: a task appears at 120 days, escalates at 90, and resolves at
// 60 once the customer recovers. The CLI drives and reads all of it in-process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../bin/cli/program';
import type { CliIo } from '../../bin/cli/cli-io';
import type { RenewalTask } from '../../lambdas/application/risk/ports';
import type { RenewalRiskAssessment } from '../../lambdas/domain/risk/assess-renewal-risk';
import { busEntry, localEngineHarness } from '../support/local-engine-harness';
import { riskContract } from '../support/risk-test-kit';

const CONTRACT = 'ctr-e2e-risk';
const TASK_ID = `${CONTRACT}#2026-01-01#120d`;

interface ClockView {
  now: string;
  pendingChecks: { scheduleName: string; fireAt: string; contractId: string; checkpointDays: number }[];
  fired?: { scheduleName: string; result?: { outcome: string; tier?: string; action?: string; taskId?: string } }[];
}

describe('renewal risk on the local clock', () => {
  const start = Date.parse('2026-08-30T00:00:00Z');
  const harness = localEngineHarness({
    name: 'risk',
    // Frozen: only `clock advance` moves time, so every check runs at its exact checkpoint.
    now: () => new Date(start),
    cliNow: () => harness.engine.clock.now(),
    engine: { backdatingWindowDays: 400, billing: false, renewalRisk: { tickIntervalMs: 0 } },
  });
  const { cli, cliJson, busEnvelopes: announced } = harness;

  async function record(quantities: Record<string, string>): Promise<void> {
    await harness.send(
      Object.entries(quantities).map(([occurredAt, quantity]) =>
        busEntry('Outcome Recorded', { outcomeId: `e2e-${occurredAt}`, customerId: 'acme', metric: 'energy.saved', occurredAt, quantity }, 'com.example.energy'),
      ),
    );
    expect(await harness.engine.deadLetters()).toEqual([]);
  }

  const myTasks = (all = false) => cliJson<RenewalTask[]>(['tasks', 'list', '--contract', CONTRACT, ...(all ? ['--all'] : [])]);
  const riskEvents = () => announced.filter((e) => e['detail-type'].startsWith('Renewal Risk') && (e.detail as { contractId?: string }).contractId === CONTRACT);

  beforeAll(async () => {
    await harness.start();
    await harness.loadCatalog({ contracts: [riskContract({ contractId: CONTRACT })] });
  }, 60_000);

  afterAll(() => harness.stop());

  it('walks a term: scheduled, task created, escalated, resolved by an improvement', async () => {
    // The stored contract is picked up and its four checkpoints scheduled.
    const shown = await cliJson<ClockView>(['clock', 'show']);
    expect(shown.now).toBe('2026-08-30T00:00:00.000Z');
    expect(shown.pendingChecks.filter((c) => c.contractId === CONTRACT).map((c) => [c.checkpointDays, c.fireAt])).toEqual([
      [120, '2026-09-03T09:00:00.000Z'],
      [90, '2026-10-03T09:00:00.000Z'],
      [60, '2026-11-02T09:00:00.000Z'],
      [30, '2026-12-02T09:00:00.000Z'],
    ]);

    // Six good months, then a summer drop well below the 1,000 a month target.
    await record({
      '2026-01-20T10:00:00Z': '1000',
      '2026-02-20T10:00:00Z': '1000',
      '2026-03-20T10:00:00Z': '1000',
      '2026-04-20T10:00:00Z': '1000',
      '2026-05-20T10:00:00Z': '1000',
      '2026-06-20T10:00:00Z': '1000',
      '2026-07-20T10:00:00Z': '600',
      '2026-08-29T10:00:00Z': '400',
    });

    // Checkpoint 1 (120 days): a task appears.
    const first = await cliJson<ClockView>(['clock', 'advance', '5d']);
    expect(first.now).toBe('2026-09-04T00:00:00.000Z');
    expect(first.fired?.find((f) => f.scheduleName === `rr.${CONTRACT}.2026-01-01.120d`)?.result).toMatchObject({ outcome: 'checked', tier: 'at_risk', action: 'create', taskId: TASK_ID });
    const created = await myTasks();
    expect(created.map((t) => [t.id, t.status, t.tier, t.owner])).toEqual([[TASK_ID, 'open', 'at_risk', 'renewals-queue']]);
    const listed = await cli(['tasks', 'list', '--contract', CONTRACT]);
    expect(listed.stdout).toContain(TASK_ID);
    expect(listed.stdout).toContain('usage_drop_investigation');

    const acked = await cliJson<RenewalTask>(['tasks', 'ack', TASK_ID, '--by', 'dana']);
    expect(acked).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'dana' });

    // September is worse still; checkpoint 2 (90 days) escalates the same task.
    await cliJson<ClockView>(['clock', 'advance', '--to', '2026-09-21T00:00:00Z']);
    await record({ '2026-09-20T10:00:00Z': '200' });
    const second = await cliJson<ClockView>(['clock', 'advance', '13d']);
    expect(second.fired?.find((f) => f.scheduleName === `rr.${CONTRACT}.2026-01-01.90d`)?.result).toMatchObject({ tier: 'critical', action: 'escalate', taskId: TASK_ID });
    const escalated = await myTasks();
    expect(escalated.map((t) => [t.id, t.status, t.tier, t.escalations.length])).toEqual([[TASK_ID, 'acknowledged', 'critical', 1]]);

    // A strong October; checkpoint 3 (60 days) clears the risk and resolves the task.
    await cliJson<ClockView>(['clock', 'advance', '--to', '2026-11-01T00:00:00Z']);
    await record({ '2026-10-31T10:00:00Z': '3000' });
    const third = await cliJson<ClockView>(['clock', 'advance', '3d']);
    expect(third.fired?.find((f) => f.scheduleName === `rr.${CONTRACT}.2026-01-01.60d`)?.result).toMatchObject({ tier: 'healthy', action: 'resolve' });
    expect(await myTasks()).toEqual([]);
    const [resolved] = await myTasks(true);
    expect(resolved).toMatchObject({ id: TASK_ID, status: 'resolved', resolution: { kind: 'risk_cleared', checkpointDays: 60 } });
    expect(third.pendingChecks.filter((c) => c.contractId === CONTRACT).map((c) => c.checkpointDays)).toEqual([30]);

    await harness.engine.drain();
    expect(riskEvents().map((e) => e['detail-type'])).toEqual(['Renewal Risk Task Created', 'Renewal Risk Escalated', 'Renewal Risk Resolved']);
    expect(riskEvents().every((e) => e.source === 'outcome-engine')).toBe(true);
  }, 180_000);

  it('assesses on demand with risk check, as of now or a past moment', async () => {
    const now = await cliJson<RenewalRiskAssessment>(['risk', 'check', '--contract', CONTRACT]);
    expect(now).toMatchObject({ contractId: CONTRACT, tier: 'healthy', assessedAt: '2026-11-04T00:00:00.000Z' });
    const past = await cliJson<RenewalRiskAssessment>(['risk', 'check', '--contract', CONTRACT, '--as-of', '2026-10-03T09:00:00Z']);
    expect(past.tier).toBe('critical');
    const text = await cli(['risk', 'check', '--contract', CONTRACT]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/tier\s+healthy/);
    expect(text.stdout).toContain('outcome_attainment');
    const missing = await cli(['risk', 'check', '--contract', 'nope']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('contract "nope" is not stored [contract_not_found]');
  });

  it('a CLI on the wall clock takes the engine clock when it reads the running engine', async () => {
    // Only --data-dir: the connection, and the clock, come from the engine's state files.
    const assessedAt = async (followLocalEngineClock: boolean): Promise<number> => {
      let stdout = '';
      let stderr = '';
      const io: CliIo = { out: (t) => (stdout += t), err: (t) => (stderr += t), env: {}, now: () => new Date(), followLocalEngineClock };
      const code = await runCli(['--data-dir', harness.dataDir, 'risk', 'check', '--contract', CONTRACT, '--json'], io);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      return Date.parse((JSON.parse(stdout) as RenewalRiskAssessment).assessedAt);
    };
    const engineNow = harness.engine.clock.now().getTime();
    expect(Math.abs((await assessedAt(true)) - engineNow)).toBeLessThan(5_000);
    // Without following, the wall clock: weeks away from the engine's frozen, advanced clock.
    expect(Math.abs((await assessedAt(false)) - engineNow)).toBeGreaterThan(86_400_000);
  });

  it('records the renewal result with tasks resolve and backtests it', async () => {
    const resolved = await cliJson<RenewalTask>(['tasks', 'resolve', TASK_ID, '--result', 'renewed']);
    expect(resolved.status).toBe('resolved');
    const report = await cliJson<{ contracts: number; records: { contractId: string; renewalResult: string; assessments: { tier: string }[] }[] }>(['risk', 'backtest']);
    expect(report.records.find((r) => r.contractId === `${CONTRACT}#2026-01-01`)).toMatchObject({
      renewalResult: 'renewed',
      assessments: [{ tier: 'at_risk' }, { tier: 'critical' }, { tier: 'healthy' }],
    });
    const table = await cli(['risk', 'backtest']);
    expect(table.stdout).toContain('precision (>=)');
    const bad = await cli(['tasks', 'resolve', TASK_ID, '--result', 'maybe']);
    expect(bad.code).not.toBe(0);
    const unknown = await cli(['tasks', 'ack', 'ctr-none#2026-01-01#90d']);
    expect(unknown.code).toBe(3);
  });
});

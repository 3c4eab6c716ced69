// The renewal-risk commands through runCli, on tables in DynamoDB Local:
// `tasks list` filtered by owner and due date, `contracts renewal-result`
// for a term without a task, and `risk backtest` counting it.
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CliIo } from '../../../../../bin/cli/cli-io';
import { runCli } from '../../../../../bin/cli/program';
import { DynamoDbCatalogRepository } from '../../../../../lambdas/adapters/dynamodb/dynamodb-catalog-repository';
import { DynamoDbPlanStore } from '../../../../../lambdas/adapters/dynamodb/plan-store';
import { DynamoDbRenewalTaskStore } from '../../../../../lambdas/adapters/dynamodb/task-store';
import { checkRenewalRisk } from '../../../../../lambdas/application/risk/check-renewal-risk';
import type { RenewalTaskView } from '../../../../../lambdas/application/risk/manage-renewal-tasks';
import type { RenewalTask } from '../../../../../lambdas/application/risk/ports';
import { CatalogInputSchema } from '../../../../../lambdas/domain/ledger/catalog';
import type { Contract } from '../../../../../lambdas/domain/plans/contract-schema';
import { createLedgerTables } from '../../../../../lambdas/adapters/dynamodb/create-tables';
import { LOCAL_CREDENTIALS, LOCAL_DEFAULTS } from '../../../../../lib/local/local-aws';
import { HEALTHY_SPRING, RecordingBus, SETTINGS, ScriptedUsage, TERM_ID, payload, riskContract } from '../../../../support/risk-test-kit';
import { singleRevisionContracts } from '../../../../support/fakes/single-revision-contracts';

describe('renewal-risk commands on DynamoDB Local', () => {
  // The CLI reaches DynamoDB Local with the local engine's credentials and region (one database per key and region).
  const endpoint = inject('dynamoDbEndpoint');
  const client = new DynamoDBClient({ endpoint, region: LOCAL_DEFAULTS.region, credentials: LOCAL_CREDENTIALS });
  const suffix = randomUUID().slice(0, 8);
  const tables = { client, endpoint, ledgerTableName: `risk-cli-ledger-${suffix}`, engineTableName: `risk-cli-engine-${suffix}` };
  const NOW = '2026-09-20T12:00:00.000Z';

  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { out: (t) => (stdout += t), err: (t) => (stderr += t), env: {}, now: () => new Date(NOW) };
    const connection = ['--endpoint', tables.endpoint, '--ledger-table', tables.ledgerTableName, '--engine-table', tables.engineTableName, '--region', LOCAL_DEFAULTS.region];
    const code = await runCli([...connection, ...args], io);
    return { code, stdout, stderr };
  }
  async function cliJson<T>(args: string[]): Promise<T> {
    const result = await cli([...args, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as T;
  }
  const ids = (tasks: readonly RenewalTask[]) => tasks.map((task) => task.id);

  beforeAll(async () => {
    await createLedgerTables(client, tables);
    const plans = new DynamoDbPlanStore({ client: tables.client, tableName: tables.engineTableName });
    const tasks = new DynamoDbRenewalTaskStore({ client: tables.client, tableName: tables.engineTableName });
    await new DynamoDbCatalogRepository({ client: tables.client, tableName: tables.engineTableName }).writeCatalog(
      CatalogInputSchema.parse({ customers: [{ customerId: 'c-dana', name: 'Dana Ltd' }] }),
    );
    const drop = new ScriptedUsage();
    drop.set({ ...HEALTHY_SPRING, '2026-07-01': '600', '2026-08-01': '400' }, '2026-08-20T10:00:00Z');
    const healthy = new ScriptedUsage();
    healthy.set({ ...HEALTHY_SPRING, '2026-07-01': '1000', '2026-08-01': '1000' }, '2026-08-30T10:00:00Z');
    // dana's task is due 2026-09-08, the queue's too, sam's (checked a week later, critical by then: due in 2 days) 2026-09-12; ctr-cli-ok has none.
    const setups: { contract: Contract; usage: ScriptedUsage; at: string }[] = [
      { contract: riskContract({ contractId: 'ctr-cli-dana', customerId: 'c-dana', csmOwner: 'dana' }), usage: drop, at: '2026-09-03T09:00:00.000Z' },
      { contract: riskContract({ contractId: 'ctr-cli-queue', customerId: 'c-queue' }), usage: drop, at: '2026-09-03T09:00:00.000Z' },
      { contract: riskContract({ contractId: 'ctr-cli-sam', customerId: 'c-sam', csmOwner: 'sam' }), usage: drop, at: '2026-09-10T09:00:00.000Z' },
      { contract: riskContract({ contractId: 'ctr-cli-ok', customerId: 'c-ok', csmOwner: 'dana' }), usage: healthy, at: '2026-09-03T09:00:00.000Z' },
    ];
    for (const { contract, usage, at } of setups) {
      await plans.putContract(contract, new Date('2026-01-01T00:00:00Z'));
      const result = await checkRenewalRisk(
        { contracts: singleRevisionContracts(() => contract), tasks, events: new RecordingBus(), usage, settings: SETTINGS, clock: () => new Date(at) },
        payload(120, contract.contractId),
      );
      expect(result.outcome).toBe('checked');
    }
  });
  afterAll(async () => {
    for (const TableName of [tables.ledgerTableName, tables.engineTableName]) await client.send(new DeleteTableCommand({ TableName })).catch(() => undefined);
    client.destroy();
  });

  it('lists tasks by owner', async () => {
    expect(ids(await cliJson<RenewalTask[]>(['tasks', 'list', '--owner', 'dana']))).toEqual([`ctr-cli-dana#${TERM_ID}#120d`]);
    expect(ids(await cliJson<RenewalTask[]>(['tasks', 'list', '--owner', 'nobody']))).toEqual([]);
    const text = await cli(['tasks', 'list', '--owner', 'renewals-queue']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`ctr-cli-queue#${TERM_ID}#120d`);
    expect(text.stdout).not.toContain('ctr-cli-dana');
    expect(text.stdout).not.toContain('ctr-cli-sam');
  });

  it('lists the customer, latest tier, revenue at risk and the whole top reason', async () => {
    const text = await cli(['tasks', 'list', '--owner', 'dana']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Dana Ltd (c-dana)');
    expect(text.stdout).toMatch(/TIER\s+REVENUE AT RISK/);
    const [task] = await cliJson<RenewalTaskView[]>(['tasks', 'list', '--owner', 'dana']);
    const top = task?.reasons[0]?.message ?? '';
    expect(top.length).toBeGreaterThan(60);
    // Wrapped, never cut: every word of the top reason is there, and no ellipsis.
    const reasonBlock = text.stdout.slice(text.stdout.indexOf('top reasons:'));
    expect(reasonBlock.replace(/\s+/g, ' ')).toContain(top);
    expect(text.stdout).not.toContain('…');
    expect(task).toMatchObject({ customerName: 'Dana Ltd', history: [{ kind: 'created', checkpointDays: 120 }] });
  });

  it('shows one task whole: reasons, score table, value, revenue at risk and history', async () => {
    const id = `ctr-cli-dana#${TERM_ID}#120d`;
    const task = await cliJson<RenewalTaskView>(['tasks', 'show', '--task', id]);
    expect(task).toMatchObject({ id, customerName: 'Dana Ltd', tier: 'at_risk', history: [{ kind: 'created', tier: 'at_risk' }] });
    expect(task.scoreTable?.map((row) => row.signal)).toContain('outcome_attainment');
    const points = (task.scoreTable ?? []).reduce((sum, row) => sum + Number(row.contribution), 0);
    expect(Math.abs(points - task.score)).toBeLessThanOrEqual(1);

    const text = await cli(['tasks', 'show', '--task', id]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^customer\s+Dana Ltd \(c-dana\)$/m);
    expect(text.stdout).toMatch(/SIGNAL\s+VALUE\s+THRESHOLD\s+WEIGHT\s+POINTS/);
    expect(text.stdout).toContain('created at the 120-day checkpoint: at_risk');
    expect(text.stdout).toContain(task.valueSummary.sentence);
    for (const reason of task.reasons) expect(text.stdout.replace(/\s+/g, ' ')).toContain(reason.message);

    const missing = await cli(['tasks', 'show', '--task', 'nope#2026-01-01#90d']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('[task_not_found]');
  });

  it('lists tasks due strictly before a local date, earliest first, and with an owner', async () => {
    const all = await cliJson<RenewalTask[]>(['tasks', 'list']);
    expect(all.map((task) => [task.id, task.dueDate])).toEqual([
      [`ctr-cli-dana#${TERM_ID}#120d`, '2026-09-08'],
      [`ctr-cli-queue#${TERM_ID}#120d`, '2026-09-08'],
      [`ctr-cli-sam#${TERM_ID}#120d`, '2026-09-12'],
    ]);
    expect(ids(await cliJson<RenewalTask[]>(['tasks', 'list', '--due-before', '2026-09-09']))).toEqual([
      `ctr-cli-dana#${TERM_ID}#120d`,
      `ctr-cli-queue#${TERM_ID}#120d`,
    ]);
    expect(ids(await cliJson<RenewalTask[]>(['tasks', 'list', '--due-before', '2026-09-08']))).toEqual([]);
    expect(ids(await cliJson<RenewalTask[]>(['tasks', 'list', '--owner', 'sam', '--due-before', '2026-09-13']))).toEqual([`ctr-cli-sam#${TERM_ID}#120d`]);
    expect(ids(await cliJson<RenewalTask[]>(['tasks', 'list', '--owner', 'sam', '--due-before', '2026-09-12']))).toEqual([]);
    const bad = await cli(['tasks', 'list', '--due-before', '09/09/2026']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('dueBefore: expected a real calendar date YYYY-MM-DD');
  });

  it('records the renewal result of a term without a task, and the backtest counts it', async () => {
    const recorded = await cliJson<{ status: string; record: { termId: string; result: string } }>([
      'contracts', 'renewal-result', '--contract', 'ctr-cli-ok', '--result', 'churned', '--by', 'dana',
    ]);
    expect(recorded).toMatchObject({ status: 'recorded', record: { termId: TERM_ID, result: 'churned', recordedBy: 'dana', recordedAt: NOW } });
    const again = await cli(['contracts', 'renewal-result', '--contract', 'ctr-cli-ok', '--term', TERM_ID, '--result', 'churned']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/result\s+churned \(unchanged\)/);

    const report = await cliJson<{ contracts: number; lost: number; rows: { tier: string; contracts: number; lost: number }[] }>(['risk', 'backtest']);
    expect(report).toMatchObject({ contracts: 1, lost: 1 });
    expect(report.rows[0]).toMatchObject({ tier: 'healthy', contracts: 1, lost: 1 });

    const unknownTerm = await cli(['contracts', 'renewal-result', '--contract', 'ctr-cli-ok', '--term', '2020-01-01', '--result', 'renewed']);
    expect(unknownTerm.code).toBe(3);
    expect(unknownTerm.stderr).toContain('[term_not_found]');
    const unknownContract = await cli(['contracts', 'renewal-result', '--contract', 'nope', '--result', 'renewed']);
    expect(unknownContract.code).toBe(3);
    const badResult = await cli(['contracts', 'renewal-result', '--contract', 'ctr-cli-ok', '--result', 'maybe']);
    expect(badResult.code).not.toBe(0);
    expect(badResult.stderr).toContain('renewed, churned, downsized');
  });
});

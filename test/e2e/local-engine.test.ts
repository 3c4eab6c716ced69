// The local engine as a program: what it records for the CLI, what it keeps
// across a restart, and the `npx outcome-engine` entry point against it.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { engineStatePath } from '../../lib/local/engine-state';
import { LOCAL_CREDENTIALS } from '../../lib/local/local-aws';
import { startLocalEngine, type LocalEngine, type LocalEngineOptions } from '../../lib/local/local-engine';
import { QueueJournal } from '../../lib/local/queue-journal';

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '..', '..');
const clock = () => new Date('2026-11-20T12:00:00Z');

const outcomeEntry = (outcomeId: string, busName = 'outcome-engine') => ({
  EventBusName: busName,
  Source: 'com.example.support',
  DetailType: 'Outcome Recorded',
  Detail: JSON.stringify({ outcomeId, customerId: 'acme', metric: 'ticket.resolved', occurredAt: '2026-11-20T11:00:00Z' }),
});

describe('the local engine', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'outcome-engine-local-'));
  const suffix = randomUUID().slice(0, 8);
  const tables = { ledgerTableName: `local-ledger-${suffix}`, engineTableName: `local-engine-${suffix}` };
  const engines: LocalEngine[] = [];
  const clients: { destroy(): void }[] = [];
  let endpoint: string;

  const start = async (options: Partial<LocalEngineOptions> = {}) => {
    const engine = await startLocalEngine({ port: 0, dynamoDbEndpoint: endpoint, dataDir, now: clock, ...tables, ...options });
    engines.push(engine);
    return engine;
  };
  const producerFor = (engine: LocalEngine) => {
    const client = new EventBridgeClient({ endpoint: engine.url, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
    clients.push(client);
    return client;
  };

  beforeAll(() => {
    endpoint = inject('dynamoDbEndpoint');
    // The throttling below is intended; keep its warnings out of the test output.
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'ERROR');
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    for (const engine of engines.splice(0)) await engine.stop();
  });

  afterAll(() => {
    vi.unstubAllEnvs();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('records where it runs for the CLI, and `node bin/outcome-engine.js` finds it there', async () => {
    const engine = await start();
    const state = JSON.parse(readFileSync(engineStatePath(dataDir), 'utf8')) as Record<string, unknown>;
    expect(state).toMatchObject({ pid: process.pid, url: engine.url, dynamoDbEndpoint: endpoint, ...tables });
    expect(engine.seededCatalog).toEqual({ metrics: 5, customers: 3 });
    expect(engine.seedPlans.contracts.map((c) => c.contractId).sort()).toEqual(['ctr-acme-2026', 'ctr-kaisha-2026']);

    await producerFor(engine).send(new PutEventsCommand({ Entries: [outcomeEntry('o-cli')] }));
    // The drain control route, for tests running out of process.
    const drained = await fetch(`${engine.url}/_local/drain`, { method: 'POST' });
    expect(await drained.json()).toEqual({ drained: true });

    const { stdout, stderr } = await run(
      process.execPath,
      [join(repoRoot, 'bin', 'outcome-engine.js'), '--data-dir', dataDir, 'outcome', 'o-cli', '--as-of', '2026-11-20T12:00:00Z', '--json'],
      { cwd: repoRoot },
    );
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toMatchObject({ outcomeId: 'o-cli', status: 'counted', customerId: 'acme', recordedAt: '2026-11-20T12:00:00.000Z' });

    await engine.stop();
    expect(existsSync(engineStatePath(dataDir))).toBe(false);
  });

  it('exits non-zero with a clear message when no engine is running', async () => {
    const emptyDir = mkdtempSync(join(tmpdir(), 'outcome-engine-none-'));
    try {
      const failure = await run(process.execPath, [join(repoRoot, 'bin', 'outcome-engine.js'), '--data-dir', emptyDir, 'outcome', 'o-1'], {
        cwd: repoRoot,
      }).then(
        () => undefined,
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
      expect(failure?.code).toBe(1);
      expect(failure?.stdout).toBe('');
      expect(failure?.stderr).toContain('No local engine is running');
      expect(failure?.stderr).toContain('npm start');
    } finally {
      rmSync(emptyDir, { recursive: true, force: true });
    }
  });

  it('keeps messages still queued at a clean stop and delivers them after the restart', async () => {
    // Given writes fail, so the message waits for a (long) retry when the engine stops
    const throttled = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    clients.push(throttled);
    let firstAttempt: () => void = () => undefined;
    const attempted = new Promise<void>((resolveAttempt) => {
      firstAttempt = resolveAttempt;
    });
    throttled.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutItemCommand' && (args.input as { TableName?: string }).TableName === tables.ledgerTableName) {
          firstAttempt();
          throw new ProvisionedThroughputExceededException({ message: 'throttled', $metadata: {} });
        }
        return next(args);
      },
      { step: 'initialize', name: 'throttleLedgerWrites' },
    );
    const first = await start({ dynamoDbClient: throttled, queue: { retryDelayMs: () => 60_000 } });
    await producerFor(first).send(new PutEventsCommand({ Entries: [outcomeEntry('o-survivor')] }));
    await attempted;
    // stop() lets the failed invocation finish; the message waiting for its retry stays in the queue's journal
    await first.stop();
    const journalPath = join(dataDir, 'queues', 'Outcomes.jsonl');
    const stopped = await QueueJournal.open({ filePath: journalPath });
    await stopped.journal.close();
    expect(stopped.pending.map((message) => message.receiveCount)).toEqual([1]);

    // When the engine starts again with DynamoDB healthy
    const second = await start();
    await second.drain();

    // Then the message was delivered once more, on its second receive, and recorded
    expect(await second.ledgerService.getOutcome('o-survivor')).toMatchObject({ status: 'counted' });
    expect(await second.deadLetters()).toEqual([]);
    await second.stop();
    const drained = await QueueJournal.open({ filePath: journalPath });
    await drained.journal.close();
    expect(drained.pending).toEqual([]);
  });

  it('accepts events for another bus without routing them, as EventBridge does, and says so', async () => {
    const warnings: string[] = [];
    const engine = await start({ log: (message) => warnings.push(message) });
    const output = await producerFor(engine).send(new PutEventsCommand({ Entries: [outcomeEntry('o-default-bus', 'default')] }));
    expect(output.FailedEntryCount).toBe(0);
    await engine.drain();
    expect(await engine.ledgerService.getOutcome('o-default-bus')).toBeUndefined();
    expect(warnings.join('\n')).toContain('events for bus "default" are accepted but not routed');
  });

  it('fails to start, cleaning up, when its port is taken', async () => {
    const engine = await start();
    const port = Number(new URL(engine.url).port);
    await expect(startLocalEngine({ port, dynamoDbEndpoint: endpoint, dataDir: join(dataDir, 'other'), ...tables, writeStateFile: false })).rejects.toThrow(
      /EADDRINUSE/,
    );
  });
});

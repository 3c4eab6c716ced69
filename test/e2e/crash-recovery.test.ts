// The persistent local engine killed with SIGKILL at random moments while
// producers send: every outcome a PutEvents call acknowledged (an EventId came
// back) is in the ledger exactly once after the last restart, without any
// resend; resending everything afterwards changes nothing.
//
// The engine runs as `npm start` does, as a child process leading its own
// process group, so killing the group kills DynamoDB Local's JVM with it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, describe, expect, it } from 'vitest';
import { KEY } from '../../lambdas/adapters/dynamodb/ledger-items';
import { freePort } from '../../lib/local/dynamodb-local';
import { engineStatePath, LocalEngineStateSchema, RunningEngineStateSchema } from '../../lib/local/engine-state';
import { LOCAL_CREDENTIALS } from '../../lib/local/local-aws';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');
const KILLS = 5;
const PRODUCERS = 4;
const BATCH = 10;

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

function isGroupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

class EngineProcess {
  readonly output: string[] = [];
  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {}

  /** Spawns `tsx bin/local-engine.ts` as the leader of its own process group. */
  static spawn(dataDir: string, port = 0): EngineProcess {
    const child = spawn(tsx, ['bin/local-engine.ts', '--data-dir', dataDir, '--port', String(port)], {
      cwd: repoRoot,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    const engine = new EngineProcess(child, `http://127.0.0.1:${port}`);
    child.stdout?.on('data', (chunk: Buffer) => engine.output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => engine.output.push(chunk.toString()));
    return engine;
  }

  /** Spawns the engine and resolves once its endpoint answers. */
  static async start(dataDir: string): Promise<EngineProcess> {
    const engine = EngineProcess.spawn(dataDir, await freePort());
    const { child } = engine;
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the engine exited (${child.exitCode}) while starting:\n${engine.output.join('')}`);
      const healthy = await fetch(`${engine.url}/_local/health`).then(
        (response) => response.ok,
        () => false,
      );
      // Healthy answers once PutEvents is served; the state file says `running` (tables, region) a little later.
      if (healthy && isRunningState(dataDir, engine.url)) return engine;
      if (Date.now() > deadline) {
        await engine.kill();
        throw new Error(`the engine did not start in time:\n${engine.output.join('')}`);
      }
      await sleep(100);
    }
  }

  /** SIGKILL to the whole group (tsx, the engine, DynamoDB Local's java); resolves once every member is gone. */
  async kill(): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
    const deadline = Date.now() + 30_000;
    while (isGroupAlive(pid)) {
      if (Date.now() > deadline) throw new Error(`process group ${pid} survived SIGKILL`);
      await sleep(20);
    }
  }

  async drain(): Promise<void> {
    const response = await fetch(`${this.url}/_local/drain`, { method: 'POST', signal: AbortSignal.timeout(120_000) });
    expect(response.status).toBe(200);
  }
}

// One time for every outcome, so a resend is an exact duplicate.
const OCCURRED_AT = `${new Date(Date.now() - 60_000).toISOString().slice(0, 19)}Z`;
const entry = (outcomeId: string) => ({
  EventBusName: 'outcome-engine',
  Source: 'com.example.support',
  DetailType: 'Outcome Recorded',
  Detail: JSON.stringify({ outcomeId, customerId: 'acme', metric: 'ticket.resolved', occurredAt: OCCURRED_AT }),
});

/** Sends batches of new outcomes to whichever engine is up; records exactly which ones were acknowledged. */
class Producer {
  readonly acknowledged: string[] = [];
  private next = 0;
  private running = true;
  private client: EventBridgeClient | undefined;
  private url: string | undefined;

  constructor(private readonly id: number) {}

  point(url: string | undefined): void {
    this.url = url;
  }

  stop(): void {
    this.running = false;
  }

  async run(): Promise<void> {
    while (this.running) {
      const url = this.url;
      if (!url) {
        await sleep(50);
        continue;
      }
      const ids = Array.from({ length: BATCH }, () => `crash-${this.id}-${this.next++}`);
      const client = this.clientFor(url);
      try {
        const output = await client.send(new PutEventsCommand({ Entries: ids.map(entry) }));
        output.Entries?.forEach((result, index) => {
          const outcomeId = ids[index];
          if (result.EventId && outcomeId) this.acknowledged.push(outcomeId);
        });
      } catch {
        // Refused, throttled past the retries, or the engine died under the request: not acknowledged.
      }
      // About 100 outcomes/s over all producers, so the last drain stays short on a loaded machine.
      await sleep(400);
    }
    this.client?.destroy();
  }

  private clientFor(url: string): EventBridgeClient {
    if (this.client && this.clientUrl === url) return this.client;
    this.client?.destroy();
    this.clientUrl = url;
    this.client = new EventBridgeClient({
      endpoint: url,
      region: 'us-east-1',
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 2_000, requestTimeout: 15_000 },
    });
    return this.client;
  }

  private clientUrl: string | undefined;
}

/** Whether the data folder's state file says the engine at `url` is running (what the CLI waits for too); a killed engine's stale file names another port. */
function isRunningState(dataDir: string, url: string): boolean {
  try {
    const state = RunningEngineStateSchema.safeParse(JSON.parse(readFileSync(engineStatePath(dataDir), 'utf8')));
    return state.success && state.data.url === url;
  } catch {
    return false;
  }
}

async function recordedOutcomeIds(dataDir: string): Promise<{ recorded: string[]; ledgerItems: number }> {
  const state = LocalEngineStateSchema.parse(JSON.parse(readFileSync(engineStatePath(dataDir), 'utf8')));
  const client = new DynamoDBClient({ endpoint: state.dynamoDbEndpoint, region: state.region, credentials: LOCAL_CREDENTIALS });
  try {
    const recorded: string[] = [];
    let ledgerItems = 0;
    for await (const page of paginateScan({ client }, { TableName: state.ledgerTableName, ConsistentRead: true })) {
      for (const item of page.Items ?? []) {
        ledgerItems += 1;
        // An outcome's recorded entry: partition O#<outcomeId>, sort key O.
        const pk = item[KEY.pk]?.S ?? '';
        if (pk.startsWith('O#') && item[KEY.sk]?.S === 'O') recorded.push(pk.slice(2));
      }
    }
    return { recorded, ledgerItems };
  } finally {
    client.destroy();
  }
}

describe('the persistent local engine killed with SIGKILL', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'outcome-engine-crash-'));
  let engine: EngineProcess | undefined;

  afterAll(async () => {
    await engine?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged outcome, recorded exactly once, through repeated crashes', { timeout: 420_000 }, async () => {
    const producers = Array.from({ length: PRODUCERS }, (_, id) => new Producer(id));
    const running = producers.map((producer) => producer.run());

    let lastStartMs = 10_000;
    for (let kill = 0; kill < KILLS; kill += 1) {
      if (kill % 2 === 1) {
        // Killed while starting: anywhere from DynamoDB Local's start to the journals' replay and compaction.
        const spawned = EngineProcess.spawn(dataDir);
        engine = spawned;
        await sleep(Math.random() * lastStartMs);
        await spawned.kill();
        continue;
      }
      const startedAt = Date.now();
      engine = await EngineProcess.start(dataDir);
      lastStartMs = Date.now() - startedAt;
      for (const producer of producers) producer.point(engine.url);
      // Killed while running: mid-request, mid-flush, mid-delivery.
      await sleep(300 + Math.random() * 1_700);
      await engine.kill();
      for (const producer of producers) producer.point(undefined);
    }
    for (const producer of producers) producer.stop();
    await Promise.all(running);
    const acknowledged = producers.flatMap((producer) => producer.acknowledged);
    expect(acknowledged.length).toBeGreaterThan(0);

    // The last start: no resend, only what the journals kept.
    engine = await EngineProcess.start(dataDir);
    await engine.drain();
    const { recorded, ledgerItems } = await recordedOutcomeIds(dataDir);
    const recordedSet = new Set(recorded);
    expect(recorded.length).toBe(recordedSet.size);
    const lost = acknowledged.filter((outcomeId) => !recordedSet.has(outcomeId));
    expect(lost).toEqual([]);

    // Resending everything acknowledged is all duplicates: the ledger does not change.
    const resend = new EventBridgeClient({ endpoint: engine.url, region: 'us-east-1', credentials: LOCAL_CREDENTIALS, maxAttempts: 10 });
    try {
      for (let start = 0; start < acknowledged.length; start += BATCH) {
        const output = await resend.send(new PutEventsCommand({ Entries: acknowledged.slice(start, start + BATCH).map(entry) }));
        expect(output.FailedEntryCount).toBe(0);
      }
    } finally {
      resend.destroy();
    }
    await engine.drain();
    const after = await recordedOutcomeIds(dataDir);
    expect(after.ledgerItems).toBe(ledgerItems);
    expect(after.recorded.sort()).toEqual([...recorded].sort());
    const deadLetters = (await (await fetch(`${engine.url}/_local/dead-letters`)).json()) as { deadLetters: unknown[] };
    expect(deadLetters.deadLetters).toEqual([]);

    await engine.kill();
    engine = undefined;
  });
});

// `npm start` as a process: what it prints (no INFO or EMF lines unless
// --verbose, each handler's lines under its own function name), and a start
// after a crash (kill -9) that takes the data folder over and stops the
// DynamoDB Local the dead engine left running.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { engineStatePath, isProcessAlive, LocalEngineStateSchema } from '../../lib/local/engine-state';
import { LOCAL_CREDENTIALS } from '../../lib/local/local-aws';

const repoRoot = resolve(import.meta.dirname, '..', '..');

interface EngineProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** The environment of a user's shell: no Powertools settings inherited from the test runner. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('POWERTOOLS_')) delete env[name];
  return env;
}

function startEngineProcess(args: string[]): EngineProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/local-engine.ts', '--port', '0', ...args], { cwd: repoRoot, env: userEnv() });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, output: () => output, exited };
}

async function until(condition: () => boolean, what: () => string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

const running: EngineProcess[] = [];
const folders: string[] = [];

async function startAndWait(args: string[]): Promise<EngineProcess> {
  const engine = startEngineProcess(args);
  running.push(engine);
  let exitCode: number | null | undefined;
  void engine.exited.then((code) => (exitCode = code));
  await until(
    () => engine.output().includes('Ctrl-C stops the engine.') || exitCode !== undefined,
    () => `the engine to start; output so far:\n${engine.output()}`,
  );
  if (exitCode !== undefined) throw new Error(`the engine exited (${exitCode}):\n${engine.output()}`);
  return engine;
}

async function stopEngine(engine: EngineProcess): Promise<void> {
  if (engine.child.exitCode !== null || engine.child.signalCode !== null) return;
  engine.child.kill('SIGINT');
  await engine.exited;
}

afterEach(async () => {
  for (const engine of running.splice(0)) await stopEngine(engine);
});

afterAll(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const folder = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), `outcome-engine-${name}-`));
  folders.push(dir);
  return dir;
};

/** An outcome and a rejected one through PutEvents, then a Stripe webhook with a forged signature. */
async function exercise(dataDir: string): Promise<void> {
  const state = LocalEngineStateSchema.parse(JSON.parse(readFileSync(engineStatePath(dataDir), 'utf8')));
  const producer = new EventBridgeClient({ endpoint: state.url, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  try {
    const occurredAt = new Date(Date.now() - 60_000).toISOString();
    const entry = (outcomeId: string, quantity: string) => ({
      EventBusName: 'outcome-engine',
      Source: 'com.example.support',
      DetailType: 'Outcome Recorded',
      Detail: JSON.stringify({ outcomeId, customerId: 'acme', metric: 'ticket.resolved', occurredAt, quantity }),
    });
    const result = await producer.send(new PutEventsCommand({ Entries: [entry('logged-1', '1'), entry('logged-2', '-1')] }));
    expect(result.FailedEntryCount).toBe(0);
    expect((await fetch(`${state.url}/_local/drain`, { method: 'POST' })).status).toBe(200);
  } finally {
    producer.destroy();
  }
  // Right after the ingest handler ran: the webhook's lines must not carry its name.
  const forged = await fetch(`${state.url}/stripe/webhook`, { method: 'POST', headers: { 'stripe-signature': 't=1,v1=bad' }, body: '{"id":"evt_1"}' });
  expect(forged.status).toBe(400);
}

const jsonLines = (output: string) =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('npm start output', () => {
  it('prints no INFO or EMF metric lines without --verbose, and names the webhook as its own function', async () => {
    const dataDir = folder('quiet');
    const engine = await startAndWait(['--data-dir', dataDir, '--dynamodb-endpoint', inject('dynamoDbEndpoint')]);
    await exercise(dataDir);
    await stopEngine(engine);

    const lines = jsonLines(engine.output());
    expect(lines.filter((line) => line['level'] === 'INFO')).toEqual([]);
    expect(lines.filter((line) => '_aws' in line)).toEqual([]);
    expect(engine.output()).not.toContain('No application metrics to publish');
    const webhook = lines.filter((line) => line['message'] === 'Stripe webhook request rejected');
    expect(webhook).toHaveLength(1);
    expect(webhook[0]).toMatchObject({ level: 'WARN', function_name: 'stripe-webhook', code: 'invalid_signature' });
  }, 240_000);

  it('prints INFO and EMF metric lines with --verbose, each under its own function', async () => {
    const dataDir = folder('verbose');
    const engine = await startAndWait(['--data-dir', dataDir, '--dynamodb-endpoint', inject('dynamoDbEndpoint'), '--verbose']);
    await exercise(dataDir);
    await stopEngine(engine);

    const lines = jsonLines(engine.output());
    const batches = lines.filter((line) => line['message'] === 'Batch ingested');
    expect(batches.length).toBeGreaterThan(0);
    for (const batch of batches) expect(batch).toMatchObject({ level: 'INFO', function_name: 'ingest-outcomes' });
    expect(lines.some((line) => '_aws' in line)).toBe(true);
    expect(lines.filter((line) => line['message'] === 'Stripe webhook request rejected')[0]).toMatchObject({ function_name: 'stripe-webhook' });
  }, 240_000);
});

describe('a start after a crash', () => {
  it("takes the folder over and stops the DynamoDB Local the dead engine left running", async () => {
    const dataDir = folder('crash');
    const crashed = await startAndWait(['--data-dir', dataDir]);
    const stale = LocalEngineStateSchema.parse(JSON.parse(readFileSync(engineStatePath(dataDir), 'utf8')));
    expect(stale.pid).toBe(crashed.child.pid);
    expect(stale.dynamoDbPid).toBeDefined();
    crashed.child.kill('SIGKILL');
    await crashed.exited;
    // Its DynamoDB Local outlives it, holding the folder's database.
    expect(isProcessAlive(stale.dynamoDbPid!)).toBe(true);

    const second = startEngineProcess(['--data-dir', dataDir]);
    running.push(second);
    await until(() => second.output().includes('Ctrl-C stops the engine.'), () => `the second start; output:\n${second.output()}`);
    expect(second.output()).toContain(`taking over the data folder from the engine that started at ${stale.startedAt} (pid ${stale.pid})`);
    expect(second.output()).toContain(`stopping the DynamoDB Local (pid ${stale.dynamoDbPid})`);
    expect(isProcessAlive(stale.dynamoDbPid!)).toBe(false);
    const taken = LocalEngineStateSchema.parse(JSON.parse(readFileSync(engineStatePath(dataDir), 'utf8')));
    expect(taken.pid).toBe(second.child.pid);
    expect(taken.dynamoDbPid).not.toBe(stale.dynamoDbPid);
  }, 240_000);

  it('refuses a second engine on a folder whose engine is alive, before touching it', async () => {
    const dataDir = folder('twice');
    const first = await startAndWait(['--data-dir', dataDir, '--dynamodb-endpoint', inject('dynamoDbEndpoint')]);
    const state = readFileSync(engineStatePath(dataDir), 'utf8');
    const parsed = LocalEngineStateSchema.parse(JSON.parse(state));

    const second = startEngineProcess(['--data-dir', dataDir, '--dynamodb-endpoint', inject('dynamoDbEndpoint')]);
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(
      `Could not start the local engine: another local engine is running on the data folder ${dataDir}: pid ${parsed.pid}, ${parsed.url}, since ${parsed.startedAt}`,
    );
    expect(readFileSync(engineStatePath(dataDir), 'utf8')).toBe(state);
    expect((await fetch(`${parsed.url}/_local/health`)).status).toBe(200);
    await stopEngine(first);
  }, 240_000);
});

// One engine per data folder: engine.json is taken atomically, a live
// holder is named in the refusal, a dead one's lock is taken over (and its
// DynamoDB Local stopped, but only if it really is that java), a damaged one
// is moved aside, and a stop removes only the stopping engine's own file.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  acquireEngineLock,
  EngineAlreadyRunningError,
  engineStatePath,
  isProcessAlive,
  readRunningEngine,
  type LocalEngineState,
} from '../../../../lib/local/engine-state';

const folders: string[] = [];
const children: number[] = [];
const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), 'engine-lock-'));
  folders.push(dir);
  return dir;
};

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

afterEach(() => {
  for (const pid of children.splice(0)) if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the data folder lock', () => {
  it('refuses a second engine on the folder, naming the running one, and leaves its file alone', async () => {
    const dataDir = folder();
    const first = await acquireEngineLock({ dataDir, url: 'http://127.0.0.1:4010', log: () => undefined });
    const before = readFileSync(engineStatePath(dataDir), 'utf8');

    const refused = acquireEngineLock({ dataDir, url: 'http://127.0.0.1:4011', log: () => undefined });
    await expect(refused).rejects.toBeInstanceOf(EngineAlreadyRunningError);
    await expect(refused).rejects.toThrow(`pid ${process.pid}, http://127.0.0.1:4010, since ${first.state.startedAt}`);
    expect(readFileSync(engineStatePath(dataDir), 'utf8')).toBe(before);

    await first.release();
    expect(existsSync(engineStatePath(dataDir))).toBe(false);
  });

  it('records what the engine publishes, and the CLI sees it only once it is running', async () => {
    const dataDir = folder();
    const lock = await acquireEngineLock({ dataDir, url: 'http://127.0.0.1:4010', log: () => undefined });
    expect(await readRunningEngine(dataDir)).toBeUndefined();
    await lock.update({
      status: 'running',
      dynamoDbEndpoint: 'http://127.0.0.1:8000',
      region: 'us-east-1',
      ledgerTableName: 'l',
      engineTableName: 'e',
      eventBusName: 'b',
      clockUrl: 'http://127.0.0.1:9000',
    });
    expect(await readRunningEngine(dataDir)).toMatchObject({ url: 'http://127.0.0.1:4010', clockUrl: 'http://127.0.0.1:9000', status: 'running' });
    // No temporary files are left behind by the atomic writes.
    expect(readdirSync(dataDir)).toEqual(['engine.json']);
    await lock.release();
  });

  it("takes over a dead engine's lock, says so, and leaves a process that is not its DynamoDB Local alone", async () => {
    const dataDir = folder();
    const bystander = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    children.push(bystander.pid!);
    const stale: LocalEngineState = {
      pid: await deadPid(),
      instanceId: 'stale-instance',
      url: 'http://127.0.0.1:4010',
      dataDir,
      startedAt: '2026-11-20T12:00:00.000Z',
      status: 'running',
      // The pid was reused by another process since: it must not be killed.
      dynamoDbPid: bystander.pid!,
    };
    writeFileSync(engineStatePath(dataDir), JSON.stringify(stale));
    const log: string[] = [];

    const lock = await acquireEngineLock({ dataDir, url: 'http://127.0.0.1:4012', log: (message) => log.push(message) });

    expect(log.join('\n')).toContain(`taking over the data folder from the engine that started at 2026-11-20T12:00:00.000Z (pid ${stale.pid})`);
    expect(log.join('\n')).toContain(`process ${bystander.pid} is not this folder's DynamoDB Local any more; left alone`);
    expect(isProcessAlive(bystander.pid!)).toBe(true);
    expect(JSON.parse(readFileSync(engineStatePath(dataDir), 'utf8'))).toMatchObject({ pid: process.pid, url: 'http://127.0.0.1:4012' });
    await lock.release();
  });

  it('takes over a lock of this very process whose engine never stopped', async () => {
    const dataDir = folder();
    writeFileSync(
      engineStatePath(dataDir),
      JSON.stringify({ pid: process.pid, instanceId: 'gone', url: 'u', dataDir, startedAt: '2026-11-20T12:00:00.000Z', status: 'running' }),
    );
    const lock = await acquireEngineLock({ dataDir, url: 'http://127.0.0.1:4013', log: () => undefined });
    expect(lock.state.instanceId).not.toBe('gone');
    await lock.release();
  });

  it('moves a damaged lock aside with a message and starts', async () => {
    const dataDir = folder();
    writeFileSync(engineStatePath(dataDir), '{"pid": 12, "url": ');
    const log: string[] = [];
    const lock = await acquireEngineLock({ dataDir, url: 'http://127.0.0.1:4014', log: (message) => log.push(message) });
    const aside = readdirSync(dataDir).filter((name) => name.startsWith('engine.json.damaged-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dataDir, aside[0]!), 'utf8')).toBe('{"pid": 12, "url": ');
    expect(log.join('\n')).toContain(`was damaged and is moved aside to ${join(dataDir, aside[0]!)}`);
    await lock.release();
  });

  it('removes on release only a file that is still its own', async () => {
    const dataDir = folder();
    const lock = await acquireEngineLock({ dataDir, url: 'http://127.0.0.1:4015', log: () => undefined });
    // Another engine took the folder over meanwhile (as after a crash and a restart).
    const other = { ...lock.state, instanceId: 'the-other-engine', url: 'http://127.0.0.1:4016' };
    writeFileSync(engineStatePath(dataDir), JSON.stringify(other));
    await lock.release();
    expect(JSON.parse(readFileSync(engineStatePath(dataDir), 'utf8'))).toMatchObject({ instanceId: 'the-other-engine' });
  });
});

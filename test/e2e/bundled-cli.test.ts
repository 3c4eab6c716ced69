// The programs as users run them: the bundled CLI (`npx outcome-engine`) and
// the bundled local engine (`npm start`) from dist/, in their own processes.
// The test run's global setup builds dist/ from these sources.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, describe, expect, it } from 'vitest';
import { engineStatePath } from '../../lib/local/engine-state';
import { LOCAL_CREDENTIALS } from '../../lib/local/local-aws';
import { packageRoot } from '../../lib/local/package-root';

const run = promisify(execFile);
const root = packageRoot();
const cli = (args: string[]) => run(process.execPath, [join(root, 'bin', 'outcome-engine.js'), ...args], { cwd: tmpdir() });

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('the bundled command line', () => {
  it('answers --help and --version from dist/, with nothing on stderr', async () => {
    expect(existsSync(join(root, 'dist', 'outcome-engine.js'))).toBe(true);
    const help = await cli(['--help']);
    expect(help.stderr).toBe('');
    expect(help.stdout).toContain('Usage: outcome-engine [options] [command]');
    expect(help.stdout).toContain('contracts');

    // The version is read from package.json, found from the bundle's location.
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const version = await cli(['--version']);
    expect(version.stdout.trim()).toBe(manifest.version);
  });

  it('says how to build it when dist/ is missing', async () => {
    // A copy of the launcher in a package with no dist/ folder.
    const unbuilt = mkdtempSync(join(tmpdir(), 'outcome-engine-unbuilt-'));
    try {
      mkdirSync(join(unbuilt, 'bin'));
      for (const file of ['outcome-engine.js', 'run-bundle.js']) copyFileSync(join(root, 'bin', file), join(unbuilt, 'bin', file));
      const failure = await run(process.execPath, [join(unbuilt, 'bin', 'outcome-engine.js'), '--help']).then(
        () => undefined,
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
      expect(failure?.code).toBe(1);
      expect(failure?.stdout).toBe('');
      expect(failure?.stderr).toContain(`outcome-engine is not built: ${join(unbuilt, 'dist', 'outcome-engine.js')} is missing.`);
      expect(failure?.stderr).toContain('npm run build');
    } finally {
      rmSync(unbuilt, { recursive: true, force: true });
    }
  });
});

describe('the bundled local engine', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'outcome-engine-bundled-'));
  let engine: ChildProcess | undefined;
  let stdout = '';
  let stderr = '';

  afterAll(async () => {
    if (engine && engine.exitCode === null) {
      const exited = new Promise((resolve) => engine?.once('exit', resolve));
      engine.kill('SIGKILL');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts with its own DynamoDB Local and the example catalog, records an outcome the CLI reads back, and stops on SIGTERM', { timeout: 240_000 }, async () => {
    engine = spawn(process.execPath, [join(root, 'bin', 'start-local-engine.js'), '--port', '0', '--in-memory', '--data-dir', dataDir], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    engine.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    engine.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exitCode = new Promise<number | null>((resolve) => engine?.once('exit', (code) => resolve(code)));

    // The JVM behind DynamoDB Local starts slowly on a loaded machine.
    await waitFor(
      'the engine banner',
      () => {
        if (engine?.exitCode !== null) throw new Error(`the engine exited early (${engine?.exitCode}):\n${stderr}`);
        return stdout.includes('outcome-engine local engine is running') ? true : undefined;
      },
      180_000,
    );
    // The example catalog and plans ship beside the sources, not in dist/: found from the package root.
    expect(stdout).toContain('5 metrics, 3 customers loaded from lib/local/seed/catalog.yaml');
    expect(stdout).toContain('2 plans, 2 contracts in lib/local/seed/plans');
    const state = JSON.parse(readFileSync(engineStatePath(dataDir), 'utf8')) as { url: string; eventBusName: string };

    const contracts = await cli(['--data-dir', dataDir, 'contracts', 'list', '--json']);
    expect(contracts.stderr).toBe('');
    const listed = JSON.parse(contracts.stdout) as { contract: { contractId: string } }[];
    expect(listed.map((entry) => entry.contract.contractId).sort()).toEqual(['ctr-acme-2026', 'ctr-kaisha-2026']);

    const producer = new EventBridgeClient({ endpoint: state.url, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
    try {
      const occurredAt = new Date(Date.now() - 60_000).toISOString();
      const sent = await producer.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: state.eventBusName,
              Source: 'com.example.support',
              DetailType: 'Outcome Recorded',
              Detail: JSON.stringify({ outcomeId: 'o-bundled', customerId: 'acme', metric: 'ticket.resolved', occurredAt }),
            },
          ],
        }),
      );
      expect(sent.FailedEntryCount).toBe(0);
    } finally {
      producer.destroy();
    }
    const drained = await fetch(`${state.url}/_local/drain`, { method: 'POST' });
    expect(await drained.json()).toEqual({ drained: true });

    const outcome = await cli(['--data-dir', dataDir, 'outcome', 'o-bundled', '--json']);
    expect(outcome.stderr).toBe('');
    expect(JSON.parse(outcome.stdout)).toMatchObject({ outcomeId: 'o-bundled', customerId: 'acme', status: 'counted' });

    engine.kill('SIGTERM');
    expect(await exitCode).toBe(0);
    expect(existsSync(engineStatePath(dataDir))).toBe(false);
  });
});

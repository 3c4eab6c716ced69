// Loading contracts or plans into tables in AWS without EVENT_BUS_NAME would
// store changes that no schedule ever follows: the CLI refuses before storing
// anything (no AWS call is made), and says how to proceed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../../../bin/cli/cli-io';
import { runCli } from '../../../../bin/cli/program';

const dataDir = mkdtempSync(join(tmpdir(), 'outcome-engine-no-bus-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function cli(args: string[], env: CliIo['env'] = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { out: (t) => (stdout += t), err: (t) => (stderr += t), env, now: () => new Date('2026-06-01T00:00:00Z') };
  // No --endpoint: the tables are in AWS.
  const code = await runCli(['--ledger-table', 'ledger-prod', '--engine-table', 'engine-prod', '--region', 'eu-west-1', '--data-dir', dataDir, ...args], io);
  return { code, stdout, stderr };
}

describe('loading into AWS tables without EVENT_BUS_NAME', () => {
  it.each([
    ['contracts', 'docs/examples/plans/acme-contract.yaml'],
    ['plans', 'lib/local/seed/plans/support-automation.yaml'],
  ])('%s load refuses, storing nothing', async (command, file) => {
    const result = await cli([command, 'load', file]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('nothing was loaded: EVENT_BUS_NAME is not set');
    expect(result.stderr).toContain('--no-announce');
  });

  it('offers --no-announce in the help of both commands', async () => {
    for (const command of ['contracts', 'plans']) {
      const help = await cli([command, 'load', '--help']);
      expect(help.stdout).toMatch(/--no-announce\s+store without announcing 'Contract Changed'/);
    }
  });
});

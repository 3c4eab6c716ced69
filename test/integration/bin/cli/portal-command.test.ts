// `outcome-engine portal link` on the real DynamoDB Local: a link for a
// customer the engine knows (its catalog, or only a contract), and an unknown
// customer refused with exit 3 (not_found) and nothing printed on stdout.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CliIo } from '../../../../bin/cli/cli-io';
import { runCli } from '../../../../bin/cli/program';
import { startLocalEngine, type LocalEngine } from '../../../../lib/local/local-engine';

describe('outcome-engine portal link', () => {
  const now = () => new Date('2026-11-20T12:00:00Z');
  const dataDir = mkdtempSync(join(tmpdir(), 'outcome-engine-portal-link-'));
  let engine: LocalEngine;

  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { out: (t) => (stdout += t), err: (t) => (stderr += t), env: {}, now };
    const code = await runCli(
      ['--endpoint', engine.dynamoDbEndpoint, '--ledger-table', engine.ledgerTableName, '--engine-table', engine.engineTableName, '--region', engine.region, '--data-dir', dataDir, ...args],
      io,
    );
    return { code, stdout, stderr };
  }

  beforeAll(async () => {
    const suffix = randomUUID().slice(0, 8);
    engine = await startLocalEngine({
      port: 0,
      dynamoDbEndpoint: inject('dynamoDbEndpoint'),
      dataDir: join(dataDir, 'engine'),
      inMemory: true,
      writeStateFile: false,
      ledgerTableName: `portal-ledger-${suffix}`,
      engineTableName: `portal-engine-${suffix}`,
      now,
    });
  }, 120_000);

  afterAll(async () => {
    await engine?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints a link for a customer of the catalog', async () => {
    const run = await cli(['portal', 'link', '--customer', 'acme', '--ttl', '1d', '--json']);
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(JSON.parse(run.stdout)).toMatchObject({ customerId: 'acme', expiresAt: '2026-11-21T12:00:00.000Z' });
  });

  it('refuses a customer neither the catalog nor a contract names: exit 3, a clear message, no link', async () => {
    const run = await cli(['portal', 'link', '--customer', 'acme-typo']);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('no customer "acme-typo": neither the catalog nor any contract names it');
    expect(run.stderr).toContain('[customer_not_found]');
  });
});

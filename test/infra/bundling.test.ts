// The one infra test that runs esbuild for real, offline and without Docker,
// on the real handler entries, and then loads the bundle the way Lambda's
// Node.js runtime does (an ES module named index.mjs).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { HANDLER_SETTINGS } from '../../lib/config/handler-settings';
import { CONSOLE_LAMBDA_FUNCTION_COUNT } from '../../lib/constructs/console-hosting';
import type { FunctionName } from '../../lib/routing/routing-table';
import { handlerEntryOrStub, STUB_HANDLER_ENTRY, synthEngine, type SynthesizedEngine } from './support/synth-engine';

let engine: SynthesizedEngine | undefined;
afterAll(() => engine?.cleanUp());

function bundledEntries(outdir: string): string[] {
  return readdirSync(outdir)
    .filter((name) => name.startsWith('asset.') && existsSync(path.join(outdir, name, 'index.mjs')))
    .map((name) => path.join(outdir, name, 'index.mjs'));
}

describe('bundling', () => {
  it('has a real entry file for every deployed function (no stand-in)', () => {
    const stubbed = (Object.keys(HANDLER_SETTINGS) as FunctionName[]).filter(
      (handler) => handlerEntryOrStub(handler) === STUB_HANDLER_ENTRY,
    );
    expect(stubbed).toEqual([]);
  });

  it('bundles every handler with the local esbuild into a self-contained, loadable ESM file', { timeout: 240_000 }, async () => {
    engine = synthEngine({ stage: 'bundled' }, { bundle: true });
    const entries = bundledEntries(engine.outdir);
    // One bundle per function (HANDLER_SETTINGS): ingest, webhook, plans
    // load, period close and its scheduler, renewal check and its scheduler;
    // plus the console API and the portal link key rotation (the console's
    // third function, CDK's BucketDeployment handler, is not bundled here).
    expect(entries).toHaveLength(Object.keys(HANDLER_SETTINGS).length + CONSOLE_LAMBDA_FUNCTION_COUNT - 1);

    for (const entry of entries) {
      const code = readFileSync(entry, 'utf8');
      // The createRequire shim comes first, so CommonJS dependencies can `require`.
      expect(code.startsWith("import { createRequire as __engineCreateRequire } from 'node:module';")).toBe(true);
      // Nothing is left for the runtime to provide, the AWS SDK included.
      expect(code).not.toMatch(/from\s*["']@aws-sdk\//);
      expect(code).not.toMatch(/import\(\s*["']@aws-sdk\//);
      expect(existsSync(`${entry}.map`)).toBe(true);
    }

    // Loaded by plain Node outside the test runner's module transform, as the
    // Lambda runtime would: one process for all bundles (each is
    // self-contained), which keeps the test's time to one Node start. No
    // table, bus or secret is configured: loading must not need them (they
    // are read on the first invocation).
    const probe = [
      'const types = {};',
      ...entries.map((entry) => `types[${JSON.stringify(entry)}] = typeof (await import(${JSON.stringify(pathToFileURL(entry).href)})).handler;`),
      'process.stdout.write(JSON.stringify(types));',
    ].join('\n');
    const handlerTypes = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '--eval', probe], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1' },
        timeout: 120_000,
      }),
    ) as Record<string, string>;
    expect(Object.values(handlerTypes)).toHaveLength(entries.length);
    for (const entry of entries) expect(handlerTypes[entry], entry).toBe('function');
  });
});

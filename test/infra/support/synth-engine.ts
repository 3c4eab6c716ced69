// Builds one stage of the engine in memory for assertions. Bundling is skipped
// (context aws:cdk:bundling-stacks = []) unless asked for, so most infra tests
// never run esbuild.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parseStageConfig, type StageConfig, type StageSettings } from '../../../lib/config/stage-config';
import { HANDLERS_DIR } from '../../../lib/constructs/engine-function';
import type { FunctionName } from '../../../lib/routing/routing-table';
import { createEngineStacks, type EngineStacks, type EngineStacksOptions } from '../../../lib/stacks/engine-app';

/** Entry of a handler whose file has not landed yet (see handlerEntryOrStub). */
export const STUB_HANDLER_ENTRY = path.join(path.dirname(new URL(import.meta.url).pathname), 'stub-handler.ts');

/** A stand-in for the built console (dist/console), so infra tests need no `npm run build`. */
export const CONSOLE_ASSETS_STAND_IN = path.join(path.dirname(new URL(import.meta.url).pathname), 'console-assets');

/** The handler's real entry file, or the stub while that file does not exist. */
export function handlerEntryOrStub(handler: FunctionName): string {
  const entry = path.join(HANDLERS_DIR, `${handler}.ts`);
  return existsSync(entry) ? entry : STUB_HANDLER_ENTRY;
}

export interface SynthesizedEngine extends EngineStacks {
  readonly app: App;
  readonly config: StageConfig;
  readonly outdir: string;
  readonly statefulTemplate: Template;
  readonly statelessTemplate: Template;
  /** Removes the cloud assembly directory. */
  cleanUp(): void;
}

export interface SynthOptions extends EngineStacksOptions {
  /** Run esbuild for real. @default false */
  readonly bundle?: boolean;
}

export function synthEngine(
  settings: StageSettings & { stage?: string } = {},
  options: SynthOptions = {},
): SynthesizedEngine {
  const outdir = mkdtempSync(path.join(tmpdir(), 'outcome-engine-cdk-'));
  const app = new App({
    outdir,
    context: { 'aws:cdk:bundling-stacks': options.bundle === true ? ['**'] : [] },
  });
  const config = parseStageConfig({ stage: 'test', ...settings });
  const stacks = createEngineStacks(app, config, { handlerEntry: handlerEntryOrStub, consoleAssetsDir: CONSOLE_ASSETS_STAND_IN, ...options });
  return {
    ...stacks,
    app,
    config,
    outdir,
    statefulTemplate: Template.fromStack(stacks.stateful),
    statelessTemplate: Template.fromStack(stacks.stateless),
    cleanUp: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

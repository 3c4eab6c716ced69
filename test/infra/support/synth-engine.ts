// Builds one stage of the engine in memory for assertions. Bundling is skipped
// (context aws:cdk:bundling-stacks = []) unless asked for, so most infra tests
// never run esbuild.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parseStageConfig, type StageConfig, type StageSettings } from '../../../lib/config/stage-config';
import { createEngineStacks, type EngineStacks, type EngineStacksOptions } from '../../../lib/stacks/engine-app';

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
  const stacks = createEngineStacks(app, config, options);
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

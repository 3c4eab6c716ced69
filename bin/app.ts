// CDK app entry: `npx cdk synth -c stage=<stage>` / `npx cdk deploy --all -c stage=<stage>`.
// Stage settings come from the `stages` context (see docs/production-stack.md).
import { App } from 'aws-cdk-lib';
import { loadStageConfig } from '../lib/config/stage-config';
import { applyNagChecks, createEngineStacks } from '../lib/stacks/engine-app';

const app = new App();
const config = loadStageConfig((key) => app.node.tryGetContext(key));
createEngineStacks(app, config);
applyNagChecks(app);
app.synth();

// Assembles one stage of the engine: the stateful stack, the stateless stack
// wired to it through props, tags, and the cdk-nag rule packs.
import { Tags, Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { EngineChecks } from '../constructs/engine-nag-pack';
import type { IConstruct } from 'constructs';
import type { StageConfig } from '../config/stage-config';
import { ROUTES, type AlertRoute, type FunctionName, type Route } from '../routing/routing-table';
import { StatefulStack } from './stateful-stack';
import { StatelessStack } from './stateless-stack';

export interface EngineStacks {
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

export interface EngineStacksOptions {
  /** @default ROUTES, the routing table shared with the local engine */
  readonly routes?: readonly Route[];
  /** @default ALERT_ROUTES (reconciliation failures) */
  readonly alerts?: readonly AlertRoute[];
  /** @default lambdas/handlers/<handler>.ts */
  readonly handlerEntry?: (handler: FunctionName) => string;
  /** @default dist/console, written by `npm run build` */
  readonly consoleAssetsDir?: string;
}

/** Stack names for a stage, e.g. OutcomeEngine-prod-Stateful. */
export function stackNames(stage: string): { stateful: string; stateless: string } {
  return { stateful: `OutcomeEngine-${stage}-Stateful`, stateless: `OutcomeEngine-${stage}-Stateless` };
}

export function createEngineStacks(app: App, config: StageConfig, options: EngineStacksOptions = {}): EngineStacks {
  const routes = options.routes ?? ROUTES;
  const names = stackNames(config.stage);
  const env = {
    account: config.account ?? process.env.CDK_DEFAULT_ACCOUNT,
    region: config.region ?? process.env.CDK_DEFAULT_REGION,
  };
  const stateful = new StatefulStack(app, names.stateful, {
    stackName: names.stateful,
    description: `Outcome engine (${config.stage}): ledger and engine tables, event bus, archive, queues`,
    env,
    // Deleting this stack would orphan (tables are retained) rather than
    // destroy data, but it should still take a deliberate extra step.
    terminationProtection: true,
    config,
    routes,
    ...(options.alerts === undefined ? {} : { alerts: options.alerts }),
  });
  const stateless = new StatelessStack(app, names.stateless, {
    stackName: names.stateless,
    description: `Outcome engine (${config.stage}): functions, web console, alarms, dashboard`,
    env,
    config,
    routes,
    stateful,
    ...(options.handlerEntry === undefined ? {} : { handlerEntry: options.handlerEntry }),
    ...(options.consoleAssetsDir === undefined ? {} : { consoleAssetsDir: options.consoleAssetsDir }),
  });
  stateless.addStackDependency(stateful, 'functions read and write the stateful resources');
  for (const stack of [stateful, stateless]) {
    Tags.of(stack).add('project', 'outcome-engine');
    Tags.of(stack).add('stage', config.stage);
  }
  return { stateful, stateless };
}

/**
 * The cdk-nag rule packs the engine must pass: AWS Solutions, Serverless, and
 * the engine's own checks (public Function URLs, which neither pack covers).
 */
export function nagPacks(scope: IConstruct): [AwsSolutionsChecks, ServerlessChecks, EngineChecks] {
  return [
    new AwsSolutionsChecks(scope, { verbose: true }),
    new ServerlessChecks(scope, { verbose: true }),
    new EngineChecks(scope, { verbose: true }),
  ];
}

/**
 * Registers the rule packs as synthesis validation plugins: `cdk synth` and
 * `cdk deploy` then fail on any finding (error or warning) not acknowledged
 * with a reason.
 */
export function applyNagChecks(app: App): void {
  Validations.of(app).addPlugins(...nagPacks(app));
}

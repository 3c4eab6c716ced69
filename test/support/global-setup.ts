// Starts the real DynamoDB Local once for the whole run and hands its endpoint
// to test files through vitest's provide/inject. Also rebuilds the bundled CLI
// and local engine (dist/), so the tests that run them test these sources.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { packageRoot } from '../../lib/local/package-root';
import { startDynamoDbLocal, type RunningDynamoDbLocal } from '../../lib/local/dynamodb-local';

let dynamoDb: RunningDynamoDbLocal | undefined;

/** The supported runtime (package.json engines); see scripts/with-node22. */
const NODE_MAJOR = 22;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < NODE_MAJOR) {
    throw new Error(
      `The tests run on Node ${NODE_MAJOR} or newer (package.json engines); this is Node ${process.versions.node}. ` +
        'Run them with scripts/with-node22, e.g. `scripts/with-node22 npm test`, which fetches Node 22 from the npm registry once.',
    );
  }
  execFileSync(process.execPath, [join(packageRoot(), 'scripts', 'build-cli.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
  dynamoDb = await startDynamoDbLocal();
  project.provide('dynamoDbEndpoint', dynamoDb.endpoint);
  return async () => {
    await dynamoDb?.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
  }
}

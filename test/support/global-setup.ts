// Starts the real DynamoDB Local once for the whole run and hands its endpoint
// to test files through vitest's provide/inject.
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal, type RunningDynamoDbLocal } from '../../lib/local/dynamodb-local';

let dynamoDb: RunningDynamoDbLocal | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
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

// The load-plans Lambda with DynamoDB mocked: storage failures are retried by
// the caller (thrown, never reported as bad input), a stored version with other
// content is a per-item conflict read from the failed write itself, and the
// environment is read on the first invocation.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { parse } from 'yaml';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InfrastructureError } from '../../../../lambdas/application/errors';
import { createLambdaContext } from '../../../../lib/local/lambda-context';
import { SEED_PLANS_DIR } from '../../../../lib/local/seed-plans';

const ddb = mockClient(DynamoDBClient);
const context = () => createLambdaContext({ functionName: 'load-plans', timeoutMs: 30_000, region: 'us-east-1', accountId: '000000000000' });
const plan = parse(readFileSync(join(SEED_PLANS_DIR, 'resolutions-jpy.yaml'), 'utf8')) as Record<string, unknown>;
const [firstVersion] = plan['versions'] as Array<Record<string, unknown>>;
/** What another load stored under version 1: the same version with a different description. */
const storedVersion = { ...firstVersion, description: 'stored earlier with other content' };

async function coldStart() {
  vi.resetModules();
  const module = await import('../../../../lambdas/handlers/load-plans');
  return (event: unknown) => module.handler(event, context());
}

describe('load-plans handler (DynamoDB mocked)', () => {
  afterEach(() => {
    ddb.reset();
    vi.unstubAllEnvs();
  });

  it('throws a retryable InfrastructureError when DynamoDB throttles', async () => {
    vi.stubEnv('ENGINE_TABLE_NAME', 'engine');
    vi.stubEnv('EVENT_BUS_NAME', 'engine-bus');
    ddb.on(QueryCommand).rejects(Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
    const invoke = await coldStart();
    const failure = await invoke({ plans: [plan] }).catch((error: unknown) => error);
    // A fresh module graph per cold start: compare by name, not class identity.
    expect(failure).toMatchObject({ name: InfrastructureError.name, retryable: true, operation: 'DynamoDB Query (plans)' });
  });

  it('reports a stored version with other content as a conflict of that item, from the failed write', async () => {
    vi.stubEnv('ENGINE_TABLE_NAME', 'engine');
    vi.stubEnv('EVENT_BUS_NAME', 'engine-bus');
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(PutItemCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: { contentHash: { S: 'another' }, body: { S: JSON.stringify(storedVersion) } },
      }),
    );
    const invoke = await coldStart();
    const response = await invoke({ plans: [plan] });
    expect(response).toEqual({
      ok: false,
      items: [expect.objectContaining({ kind: 'plan', id: 'resolutions-jpy', status: 'failed', code: 'plan_version_conflict' })],
    });
    // Only the version was attempted: the header is not written after a refused version.
    expect(ddb.commandCalls(PutItemCommand)).toHaveLength(1);
  });

  it('fails the first invocation loudly when ENGINE_TABLE_NAME is missing', async () => {
    vi.stubEnv('ENGINE_TABLE_NAME', '');
    vi.stubEnv('EVENT_BUS_NAME', 'engine-bus');
    const invoke = await coldStart();
    await expect(invoke({ plans: [plan] })).rejects.toThrow(/ENGINE_TABLE_NAME/);
  });

  it('fails the first invocation loudly when EVENT_BUS_NAME is missing (contract changes could not be announced)', async () => {
    vi.stubEnv('ENGINE_TABLE_NAME', 'engine');
    vi.stubEnv('EVENT_BUS_NAME', '');
    const invoke = await coldStart();
    await expect(invoke({ plans: [plan] })).rejects.toThrow(/Missing required environment variable: EVENT_BUS_NAME/);
  });
});

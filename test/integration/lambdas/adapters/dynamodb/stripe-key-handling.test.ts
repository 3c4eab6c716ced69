// The close-period Lambda as deployed takes its Stripe key from Secrets
// Manager (STRIPE_SECRET_ARN; the client is mocked with aws-sdk-client-mock),
// never from the environment, and the key never shows up in what the close
// logs or throws, also when Stripe fails. The emulator accepts only the key
// in the secret, so a close that succeeds proves which key was used.
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createLedgerTables } from '../../../../../lambdas/adapters/dynamodb/create-tables';
import { DynamoDbPlanStore } from '../../../../../lambdas/adapters/dynamodb/plan-store';
import { ContractSchema } from '../../../../../lambdas/domain/plans/contract-schema';
import { PlanSchema } from '../../../../../lambdas/domain/plans/plan-schema';
import { createLambdaContext } from '../../../../../lib/local/lambda-context';
import { validatePutEvents } from '../../../../../lib/local/put-events-request';
import { startPutEventsServer, type RunningPutEventsServer } from '../../../../../lib/local/put-events-server';
import { startStripeEmulator, type RunningStripeEmulator } from '../../../../../lib/local/stripe-emulator';
import { monthlyContract, perUnitPlan } from '../../../../support/billing-fakes';

const SECRET_KEY = `sk_test_${randomUUID().replace(/-/g, '')}`;
const ENV_KEY = `sk_test_${randomUUID().replace(/-/g, '')}`;
const ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:outcome-engine/test/stripe';
const saved = { ...process.env };
const secrets = mockClient(SecretsManagerClient);
const suffix = randomUUID().slice(0, 8);
let emulator: RunningStripeEmulator;
let bus: RunningPutEventsServer;
let dynamoDb: DynamoDBClient;

beforeAll(async () => {
  const endpoint = inject('dynamoDbEndpoint');
  dynamoDb = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const ledgerTableName = `key-ledger-${suffix}`;
  const engineTableName = `key-engine-${suffix}`;
  await createLedgerTables(dynamoDb, { ledgerTableName, engineTableName });
  const plans = new DynamoDbPlanStore({ client: dynamoDb, tableName: engineTableName });
  await plans.putPlan(PlanSchema.parse(perUnitPlan('usd-plan', 'USD', '1.50', '100.00')));
  for (const contractId of ['key-ok', 'key-fail', 'key-refused']) {
    await plans.putContract(ContractSchema.parse(monthlyContract(contractId, 'usd-plan', 'USD')), new Date());
  }
  emulator = await startStripeEmulator({ seed: 'key-handling', apiKeys: [SECRET_KEY] });
  bus = await startPutEventsServer({
    port: 0,
    putEvents: (request) => validatePutEvents(request, { account: '000000000000', region: 'us-east-1', now: () => new Date() }).response,
  });
  Object.assign(process.env, {
    ENGINE_TABLE_NAME: engineTableName,
    LEDGER_TABLE_NAME: ledgerTableName,
    EVENT_BUS_NAME: 'outcome-engine',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: bus.url,
    STRIPE_SECRET_ARN: ARN,
    // Present but to be ignored: with an ARN the key comes from Secrets Manager only.
    STRIPE_API_KEY: ENV_KEY,
    STRIPE_API_HOST: emulator.host,
    STRIPE_API_PORT: String(emulator.port),
    STRIPE_API_PROTOCOL: 'http',
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
  });
});

afterEach(() => {
  secrets.reset();
  emulator.faults.clear();
});

afterAll(async () => {
  process.env = { ...saved };
  await emulator?.stop();
  await bus?.close();
  dynamoDb?.destroy();
});

interface Captured {
  readonly output: string;
  readonly error: unknown;
}

/** Everything a fresh container's close writes to stdout/stderr, and what it throws (as the runtime would log it). */
async function closeInFreshContainer(secretKey: string, contractId: string): Promise<Captured> {
  secrets.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: JSON.stringify({ apiKey: secretKey }) });
  vi.resetModules();
  const { handler } = await import('../../../../../lambdas/handlers/close-period');
  const { logger } = await import('../../../../../lambdas/shared/powertools');
  const chunks: string[] = [];
  const collect = (chunk: string | Uint8Array): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(collect),
    vi.spyOn(process.stderr, 'write').mockImplementation(collect),
    ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void chunks.push(args.map(String).join(' '))),
    ),
  ];
  let error: unknown;
  try {
    const context = createLambdaContext({ functionName: 'close-period', timeoutMs: 60_000, region: 'us-east-1', accountId: '000000000000' });
    await handler({ contractId, periodId: '2026-10' }, context);
  } catch (thrown) {
    error = thrown;
    // What the Lambda runtime would print for a failed invocation, through the engine's logger.
    logger.error('close failed', error as Error);
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return { output: chunks.join('\n'), error };
}

/** The error with its whole cause chain, every own property included. */
function everythingAbout(error: unknown): string {
  const seen = new Set<unknown>();
  const walk = (value: unknown): unknown => {
    if (!value || typeof value !== 'object' || seen.has(value)) return value;
    seen.add(value);
    const own = Object.fromEntries(Object.getOwnPropertyNames(value).map((name) => [name, walk((value as Record<string, unknown>)[name])]));
    return { ...own, cause: walk((value as { cause?: unknown }).cause) };
  };
  return `${String(error)}\n${JSON.stringify(walk(error))}`;
}

describe('close-period and its Stripe key', () => {
  it('uses the key from Secrets Manager (the emulator refuses any other), not the one in the environment', async () => {
    const { output, error } = await closeInFreshContainer(SECRET_KEY, 'key-ok');
    expect(error).toBeUndefined();
    const stripe = new Stripe(SECRET_KEY, { ...emulator.clientOptions });
    const invoices = await stripe.invoices.list({ limit: 100 });
    expect(invoices.data.map((invoice) => invoice.metadata?.['contractId'])).toEqual(['key-ok']);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(output).not.toContain(SECRET_KEY);
    expect(output).not.toContain(ENV_KEY);
  });

  it('keeps the key out of logs and errors when Stripe fails (5xx on every invoice create)', async () => {
    // Stripe-Should-Retry: false, so the close gives up at once instead of backing off for seconds.
    emulator.faults.inject({ status: 503, shouldRetry: false, times: Infinity, path: /^\/v1\/invoices$/, method: 'POST' });
    const { output, error } = await closeInFreshContainer(SECRET_KEY, 'key-fail');
    expect(error).toBeDefined();
    expect(output).toContain('close failed');
    expect(output).not.toContain(SECRET_KEY);
    expect(everythingAbout(error)).not.toContain(SECRET_KEY);
  });

  it('keeps a refused key out of logs and errors (Stripe answers 401)', async () => {
    const refused = `sk_test_${randomUUID().replace(/-/g, '')}`;
    const { output, error } = await closeInFreshContainer(refused, 'key-refused');
    expect(everythingAbout(error)).toMatch(/Invalid API Key/);
    expect(output).toContain('close failed');
    expect(output).not.toContain(refused);
    expect(everythingAbout(error)).not.toContain(refused);
  });
});

// Reaching billing from the CLI: the same composition the close-period Lambda
// uses, pointed at the engine's DynamoDB, its bus, and its Stripe (the local
// engine's emulator from <dataDir>/stripe.json, or STRIPE_API_KEY (alias STRIPE_SECRET_KEY) /
// STRIPE_SECRET_ARN with STRIPE_API_HOST/PORT/PROTOCOL from the environment).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createBillingService, stripeConnectionFromEnv, type BillingService, type StripeConnection } from '../../lambdas/composition/billing-service';
import { stripeApiKeyFromEnv } from '../../lambdas/adapters/stripe/stripe-secrets';
import { LOCAL_CREDENTIALS, LOCAL_ENGINE_CREDENTIALS } from '../../lib/local/local-aws';
import { CliError } from './cli-io';
import type { CommandContext } from './command-context';
import { readRunningEngineForCli, type Connection } from './connection';

async function resolveStripe(env: CommandContext['io']['env'], connection: Connection): Promise<{ stripe: StripeConnection; emulator: boolean }> {
  if (env['STRIPE_SECRET_ARN'] || stripeApiKeyFromEnv(env)) return { stripe: await stripeConnectionFromEnv(env), emulator: false };
  const local = (await readRunningEngineForCli(connection.dataDir))?.stripe;
  if (local?.mode === 'emulator' && local.apiKey) {
    return {
      stripe: { apiKey: local.apiKey, ...(local.host ? { host: local.host } : {}), ...(local.port ? { port: local.port } : {}), ...(local.protocol ? { protocol: local.protocol } : {}) },
      emulator: true,
    };
  }
  throw new CliError(
    'No Stripe is configured: start the local engine (it serves the Stripe emulator), or set STRIPE_API_KEY=sk_test_... ' +
      '(with STRIPE_API_HOST, STRIPE_API_PORT, STRIPE_API_PROTOCOL for an emulator), or STRIPE_SECRET_ARN in AWS',
    'infrastructure',
  );
}

/** A DynamoDB client for the connection's tables (DynamoDB Local's credentials when local); the caller destroys it. */
export function dynamoDbClientFor(connection: Connection): DynamoDBClient {
  const local = connection.dynamoDbEndpoint !== undefined;
  return new DynamoDBClient({ region: connection.region, ...(local ? { endpoint: connection.dynamoDbEndpoint, credentials: LOCAL_CREDENTIALS } : {}) });
}

/** Runs `work` with the billing service of the resolved connection and releases its clients afterwards. */
export function withBilling<T>(context: CommandContext, work: (billing: BillingService, connection: Connection) => Promise<T>): Promise<T> {
  return context.withLedger(async (ledger, connection) => {
    const local = connection.dynamoDbEndpoint !== undefined;
    const dynamoDb = dynamoDbClientFor(connection);
    // Locally the engine's own PutEvents endpoint is the bus, so billing events reach its subscribers.
    const engine = local ? await readRunningEngineForCli(connection.dataDir).catch(() => undefined) : undefined;
    const eventBridge = new EventBridgeClient({
      region: connection.region,
      ...(engine ? { endpoint: engine.url, credentials: LOCAL_ENGINE_CREDENTIALS } : local ? { credentials: LOCAL_CREDENTIALS } : {}),
    });
    try {
      const { stripe, emulator } = await resolveStripe(context.io.env, connection);
      const billing = createBillingService({
        dynamoDb,
        engineTableName: connection.engineTableName,
        ledgerTableName: connection.ledgerTableName,
        ledger: ledger.repository,
        eventBridge,
        eventBusName: connection.eventBusName,
        stripe,
        ignoreContractStripeCustomerIds: emulator,
        finalizeInvoices: context.io.env['FINALIZE_INVOICES'] !== 'false',
        now: context.io.now,
      });
      return await work(billing, connection);
    } finally {
      dynamoDb.destroy();
      eventBridge.destroy();
    }
  });
}

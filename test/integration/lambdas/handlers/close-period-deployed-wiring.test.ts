// The close-period Lambda as deployed: configuration from the environment
// only (tables, bus, Stripe key and endpoint), against DynamoDB Local, the
// Stripe emulator and a PutEvents endpoint standing in for EventBridge.
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { handler } from '../../../../lambdas/handlers/close-period';
import { createLedgerTables } from '../../../../lambdas/adapters/dynamodb/create-tables';
import { DynamoDbPlanStore } from '../../../../lambdas/adapters/dynamodb/plan-store';
import { createLedgerService } from '../../../../lambdas/composition/ledger-service';
import { ContractSchema } from '../../../../lambdas/domain/plans/contract-schema';
import { PlanSchema } from '../../../../lambdas/domain/plans/plan-schema';
import { startPutEventsServer, type RunningPutEventsServer } from '../../../../lib/local/put-events-server';
import { validatePutEvents } from '../../../../lib/local/put-events-request';
import { startStripeEmulator, type RunningStripeEmulator } from '../../../../lib/local/stripe-emulator';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { perUnitPlan, monthlyContract } from '../../../support/billing-fakes';

const context = {} as Context;
const saved = { ...process.env };
const published: { detailType: string; detail: Record<string, unknown> }[] = [];
let emulator: RunningStripeEmulator;
let bus: RunningPutEventsServer;
let dynamoDb: DynamoDBClient;
const suffix = randomUUID().slice(0, 8);
const ledgerTableName = `close-wiring-ledger-${suffix}`;
const engineTableName = `close-wiring-engine-${suffix}`;

beforeAll(async () => {
  const endpoint = inject('dynamoDbEndpoint');
  dynamoDb = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await createLedgerTables(dynamoDb, { ledgerTableName, engineTableName });
  emulator = await startStripeEmulator({ seed: 'close-wiring' });
  bus = await startPutEventsServer({
    port: 0,
    putEvents: (request) => {
      const outcome = validatePutEvents(request, { account: '000000000000', region: 'us-east-1', now: () => new Date() });
      for (const { envelope } of outcome.accepted) {
        const raw = envelope as unknown as { 'detail-type': string; detail: Record<string, unknown> };
        published.push({ detailType: raw['detail-type'], detail: raw.detail });
      }
      return outcome.response;
    },
  });

  const store = new DynamoDbPlanStore({ client: dynamoDb, tableName: engineTableName });
  await store.putPlan(PlanSchema.parse(perUnitPlan('kwd-plan', 'KWD', '0.125', '10.500')));
  await store.putContract(ContractSchema.parse(monthlyContract('kw-1', 'kwd-plan', 'KWD', 'Asia/Kuwait')), new Date());
  // Three outcomes in Kuwait's October (UTC+3), recorded through the ledger's own write path.
  const ledger = createLedgerService({
    dynamoDb,
    ledgerTableName,
    engineTableName,
    eventBridge: new EventBridgeClient({ endpoint: bus.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    eventBusName: 'outcome-engine',
    now: () => new Date('2026-11-01T00:00:00Z'),
  });
  await ledger.loadCatalog({
    metrics: [{ code: 'ticket.resolved', name: 'Resolved ticket', unit: 'resolution', aggregation: 'count', billable: { when: 'immediately' } }],
    customers: [{ customerId: 'customer-kw-1', name: 'Kuwait Trading' }],
  });
  for (const [index, occurredAt] of ['2026-10-05T10:00:00Z', '2026-10-12T10:00:00Z', '2026-10-31T20:59:59Z', '2026-10-31T21:00:00Z'].entries()) {
    const result = await ledger.ingestMessage({
      messageId: `m-${index}`,
      body: JSON.stringify({
        version: '0',
        id: `e-${index}`,
        'detail-type': 'Outcome Recorded',
        source: 'com.example.support',
        account: '000000000000',
        time: occurredAt,
        region: 'us-east-1',
        resources: [],
        detail: { outcomeId: `kw-${index}`, customerId: 'customer-kw-1', metric: 'ticket.resolved', occurredAt },
      }),
    });
    expect(result.status).toBe('recorded');
  }

  Object.assign(process.env, {
    ENGINE_TABLE_NAME: engineTableName,
    LEDGER_TABLE_NAME: ledgerTableName,
    EVENT_BUS_NAME: 'outcome-engine',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: bus.url,
    STRIPE_API_KEY: emulator.apiKey,
    STRIPE_API_HOST: emulator.host,
    STRIPE_API_PORT: String(emulator.port),
    STRIPE_API_PROTOCOL: 'http',
  });
  delete process.env['STRIPE_SECRET_ARN'];
});

afterAll(async () => {
  process.env = { ...saved };
  await emulator?.stop();
  await bus?.close();
  dynamoDb?.destroy();
});

describe('close-period Lambda wiring', () => {
  it('closes a KWD period (three decimals) at local period end + 24 h, exactly, once', async () => {
    const response = await handler({ contractId: 'kw-1', periodId: '2026-10' }, context);
    if (response.outcome !== 'closed') throw new Error(`expected a close, got ${JSON.stringify(response)}`);
    // Kuwait's October ends 2026-10-31T21:00Z; the outcome at 21:00Z belongs to November.
    expect(response).toMatchObject({ cutoff: '2026-11-01T21:00:00.000Z', status: 'reconciled', matched: true, recordCreated: true });
    // 10.500 KWD + 3 x 0.125 = 10.875 KWD = 10875 fils
    expect(response.engineTotal).toBe('10875');
    const stripe = new Stripe(emulator.apiKey, { ...emulator.clientOptions });
    expect((await stripe.invoices.retrieve(response.stripeInvoiceId)).total).toBe(10875);
    expect(published.filter((e) => e.detailType === 'Invoice Issued').map((e) => e.detail['engineTotal'])).toEqual(['10875']);

    const again = await handler({ contractId: 'kw-1', periodId: '2026-10' }, context);
    expect(again).toMatchObject({ stripeInvoiceId: response.stripeInvoiceId, recordCreated: false, itemsCreated: 0 });
    const invoices = await stripe.invoices.list({ limit: 100 });
    expect(invoices.data.filter((invoice) => invoice.metadata?.['contractId'] === 'kw-1')).toHaveLength(1);
  });
});

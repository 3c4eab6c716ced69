// How the invoice store files a payment signal, against a mocked DynamoDB: the
// webhook's role may only write (PutItem/UpdateItem), so filing must never read.
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDbInvoiceStore } from '../../../../../lambdas/adapters/dynamodb/invoice-store';
import type { PaymentSignal } from '../../../../../lambdas/application/billing/ports';

const dynamo = mockClient(DynamoDBClient);
afterEach(() => dynamo.reset());

function signal(overrides: Partial<PaymentSignal>): PaymentSignal {
  return {
    stripeEventId: 'evt_1',
    type: 'invoice.payment_failed',
    occurredAt: '2026-08-01T12:00:00.000Z',
    receivedAt: '2026-08-01T12:00:01.000Z',
    livemode: false,
    stripeObjectId: 'in_1',
    stripeInvoiceId: 'in_1',
    stripeCustomerId: 'cus_1',
    contractId: 'ctr-1',
    periodId: '2026-07',
    currency: 'usd',
    total: '100',
    amountDue: '100',
    amountPaid: '0',
    attemptCount: 1,
    status: 'open',
    ...overrides,
  };
}

async function filedKeys(input: PaymentSignal): Promise<Record<string, unknown>> {
  dynamo.on(PutItemCommand).resolves({});
  await new DynamoDbInvoiceStore(new DynamoDBClient({ region: 'local' }), 'engine').putPaymentSignal(input);
  const calls = dynamo.calls();
  expect(calls).toHaveLength(1);
  const put = dynamo.commandCalls(PutItemCommand)[0];
  if (!put) throw new Error('no PutItem');
  const item = unmarshall(put.args[0].input.Item ?? {});
  return { gsi1pk: item['gsi1pk'], gsi1sk: item['gsi1sk'], contractId: item['contractId'] };
}

describe('DynamoDbInvoiceStore.putPaymentSignal filing', () => {
  it('files a signal whose metadata names the contract under the contract, by time', async () => {
    expect(await filedKeys(signal({}))).toEqual({
      gsi1pk: 'PAYMENT_SIGNAL#ctr-1',
      gsi1sk: '2026-08-01T12:00:00.000Z#evt_1',
      contractId: 'ctr-1',
    });
  });

  it('files a credit note without metadata under its Stripe invoice, with one write and no read', async () => {
    const note = signal({ stripeEventId: 'evt_2', type: 'credit_note.created', stripeObjectId: 'cn_1', contractId: null, periodId: null });
    expect(await filedKeys(note)).toEqual({
      gsi1pk: 'STRIPE_INVOICE_SIGNAL#in_1',
      gsi1sk: '2026-08-01T12:00:00.000Z#evt_2',
      contractId: undefined,
    });
  });

  it('leaves a signal with neither contract nor invoice out of the index', async () => {
    expect(await filedKeys(signal({ stripeEventId: 'evt_3', contractId: null, stripeInvoiceId: null }))).toEqual({
      gsi1pk: undefined,
      gsi1sk: undefined,
      contractId: undefined,
    });
  });
});

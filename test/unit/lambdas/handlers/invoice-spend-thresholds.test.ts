import type { SQSEvent } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BillingGateway, PushInvoiceRequest, PushInvoiceResult } from '../../../../lambdas/application/billing/ports';
import { createInvoiceSpendThresholdsHandler, customerIdOf, type InvoiceSpendThresholdsDeps } from '../../../../lambdas/handlers/invoice-spend-thresholds';
import { FakeContracts, FakeLedger, RecordingPublisher, monthlyContract, perUnitPlan } from '../../../support/billing-fakes';
import { InMemoryInvoiceStore } from '../../../support/fakes/in-memory-invoice-store';
import { inMemoryDefinitionCatalog } from '../../../support/fakes/in-memory-definition-catalog';

class FakeGateway implements BillingGateway {
  readonly pushes: PushInvoiceRequest[] = [];
  failures = 0;
  async createCustomer() {
    return 'cus_test1';
  }
  async findCustomer() {
    return undefined;
  }
  async pushInvoice(request: PushInvoiceRequest): Promise<PushInvoiceResult> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('Stripe unavailable');
    }
    this.pushes.push(request);
    const id = `in_${this.pushes.length}`;
    await request.onInvoiceCreated?.(id);
    return { stripeInvoiceId: id, status: 'open', currency: request.record.currency.toLowerCase(), total: request.record.total, lineCount: request.record.lines.length, itemsCreated: request.record.lines.length, itemsFound: 0 };
  }
  async retrieveInvoiceTotals(): Promise<never> {
    throw new Error('not used');
  }
  async createCreditNote(): Promise<never> {
    throw new Error('not used');
  }
}

let ledger: FakeLedger;
let gateway: FakeGateway;
let invoices: InMemoryInvoiceStore;
let deps: InvoiceSpendThresholdsDeps;

beforeEach(() => {
  const contracts = new FakeContracts();
  contracts.addPlan(perUnitPlan('usd-plan', 'USD', '10.00', '0.00'));
  contracts.addContract({ ...monthlyContract('c-acme', 'usd-plan', 'USD'), customerId: 'acme', thresholdInvoicing: { amount: '100.00' } });
  ledger = new FakeLedger();
  gateway = new FakeGateway();
  invoices = new InMemoryInvoiceStore();
  deps = {
    contracts,
    usage: ledger,
    definitions: inMemoryDefinitionCatalog(),
    invoices,
    billing: gateway,
    events: new RecordingPublisher(),
    clock: () => new Date('2026-11-20T12:00:00Z'),
    finalizeInvoices: true,
    directory: { contractIdsOfCustomer: async (customerId) => (customerId === 'acme' ? ['c-acme'] : []) },
  };
});

function request(messageId: string, customerId: string): SQSEvent['Records'][number] {
  const body = JSON.stringify({
    version: '0',
    id: `evt-${messageId}`,
    source: 'outcome-engine',
    'detail-type': 'Threshold Invoicing Requested',
    detail: { schemaVersion: 1, customerId, requestedAt: '2026-11-20T11:59:59.000Z' },
  });
  return { messageId, body } as SQSEvent['Records'][number];
}

const resolved = (count: number) =>
  ledger.add({ contractId: 'c-acme', ledgerMetric: 'ticket.resolved', occurredAt: '2026-11-10T00:00:00Z', recordedAt: '2026-11-10T00:00:00Z' }, count);

describe('invoice-spend-thresholds handler', () => {
  it('issues one threshold invoice for a customer announced several times in a batch, and nothing more on a redelivery', async () => {
    resolved(12);
    const handler = createInvoiceSpendThresholdsHandler(async () => deps);
    expect(await handler({ Records: [request('m-1', 'acme'), request('m-2', 'acme')] })).toEqual({ batchItemFailures: [] });
    expect(gateway.pushes).toHaveLength(1);
    expect(gateway.pushes[0]?.record).toMatchObject({ contractId: 'c-acme', total: 12_000n });
    expect(await handler({ Records: [request('m-1', 'acme')] })).toEqual({ batchItemFailures: [] });
    expect(gateway.pushes).toHaveLength(1);
  });

  it('issues nothing below the threshold, and for customers without threshold invoicing', async () => {
    resolved(9);
    const handler = createInvoiceSpendThresholdsHandler(async () => deps);
    expect(await handler({ Records: [request('m-1', 'acme'), request('m-2', 'globex')] })).toEqual({ batchItemFailures: [] });
    expect(gateway.pushes).toEqual([]);
  });

  it('fails the records of a customer whose evaluation failed, so SQS delivers them again; the retry issues the invoice once', async () => {
    resolved(12);
    gateway.failures = 1;
    const handler = createInvoiceSpendThresholdsHandler(async () => deps);
    expect(await handler({ Records: [request('m-1', 'acme'), request('m-2', 'globex'), request('m-3', 'acme')] })).toEqual({
      batchItemFailures: [{ itemIdentifier: 'm-1' }, { itemIdentifier: 'm-3' }],
    });
    expect(await handler({ Records: [request('m-1', 'acme'), request('m-3', 'acme')] })).toEqual({ batchItemFailures: [] });
    expect(gateway.pushes).toHaveLength(1);
    expect([...invoices.records.keys()].filter((key) => key.startsWith('c-acme|'))).toHaveLength(1);
  });

  it('fails a message that is not the engine\'s request (kept in the DLQ), and still evaluates the others', async () => {
    resolved(12);
    const forged = { messageId: 'm-x', body: JSON.stringify({ source: 'com.example', 'detail-type': 'Threshold Invoicing Requested', detail: { schemaVersion: 1, customerId: 'acme', requestedAt: 'x' } }) };
    const handler = createInvoiceSpendThresholdsHandler(async () => deps);
    expect(await handler({ Records: [forged as SQSEvent['Records'][number], { messageId: 'm-y', body: '{' } as SQSEvent['Records'][number], request('m-1', 'acme')] })).toEqual({
      batchItemFailures: [{ itemIdentifier: 'm-x' }, { itemIdentifier: 'm-y' }],
    });
    expect(gateway.pushes).toHaveLength(1);
    expect(() => customerIdOf({ body: '{' })).toThrow('not JSON');
  });
});

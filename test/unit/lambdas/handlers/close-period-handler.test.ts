import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Context } from 'aws-lambda';
import type { BillingGateway, PushInvoiceRequest, PushInvoiceResult } from '../../../../lambdas/application/billing/ports';
import { ClosePeriodInputError, createClosePeriodHandler, handler, type ClosePeriodDeps } from '../../../../lambdas/handlers/close-period';
import { InMemoryInvoiceStore } from '../../../support/fakes/in-memory-invoice-store';
import { FakeContracts, FakeLedger, RecordingPublisher, monthlyContract, perUnitPlan } from '../../../support/billing-fakes';
import { inMemoryDefinitionCatalog } from '../../../support/fakes/in-memory-definition-catalog';

class FakeGateway implements BillingGateway {
  readonly pushes: PushInvoiceRequest[] = [];
  failNext: Error | undefined;
  async createCustomer() {
    return 'cus_test1';
  }
  async findCustomer() {
    return undefined;
  }
  async pushInvoice(request: PushInvoiceRequest): Promise<PushInvoiceResult> {
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
    this.pushes.push(request);
    await request.onInvoiceCreated?.('in_test1');
    return { stripeInvoiceId: 'in_test1', status: 'open', currency: request.record.currency.toLowerCase(), total: request.record.total, lineCount: request.record.lines.length, itemsCreated: request.record.lines.length, itemsFound: 0 };
  }
  async retrieveInvoiceTotals(): Promise<never> {
    throw new Error('not used');
  }
  async createCreditNote(): Promise<never> {
    throw new Error('not used');
  }
}

let store: InMemoryInvoiceStore;
let gateway: FakeGateway;
let ledger: FakeLedger;
let deps: ClosePeriodDeps;

beforeEach(() => {
  const contracts = new FakeContracts();
  contracts.addPlan(perUnitPlan('usd-plan', 'USD', '1.50', '100.00'));
  contracts.addContract(monthlyContract('c-1', 'usd-plan', 'USD', 'Asia/Tokyo'));
  ledger = new FakeLedger();
  store = new InMemoryInvoiceStore();
  gateway = new FakeGateway();
  deps = {
    contracts,
    usage: ledger,
    definitions: inMemoryDefinitionCatalog(),
    invoices: store,
    billing: gateway,
    events: new RecordingPublisher(),
    clock: () => new Date('2026-12-03T00:00:00Z'),
    finalizeInvoices: true,
    graceHours: 24,
  };
});

describe('close-period handler', () => {
  it('closes at period end in the contract zone + grace: an outcome recorded after the cutoff is not billed', async () => {
    // Tokyo's November ends 2026-11-30T15:00Z; the cutoff is 24 h later.
    ledger.add({ contractId: 'c-1', ledgerMetric: 'ticket.resolved', occurredAt: '2026-11-20T00:00:00Z', recordedAt: '2026-11-20T00:00:00Z' }, 4);
    ledger.add({ contractId: 'c-1', ledgerMetric: 'ticket.resolved', occurredAt: '2026-11-30T10:00:00Z', recordedAt: '2026-12-01T14:59:59Z' }, 1);
    ledger.add({ contractId: 'c-1', ledgerMetric: 'ticket.resolved', occurredAt: '2026-11-30T10:00:00Z', recordedAt: '2026-12-01T15:00:01Z' }, 10);
    const close = createClosePeriodHandler(async () => deps);
    const response = await close({ contractId: 'c-1', periodId: '2026-11' });
    expect(response).toMatchObject({
      contractId: 'c-1',
      periodId: '2026-11',
      cutoff: '2026-12-01T15:00:00.000Z',
      status: 'reconciled',
      stripeInvoiceId: 'in_test1',
      engineTotal: '10750', // 100.00 + 5 x 1.50
      stripeTotal: '10750',
      matched: true,
      recordCreated: true,
    });
    expect(store.records.get('c-1|2026-11')?.cutoff).toBe('2026-12-01T15:00:00.000Z');
  });

  it('is idempotent: a repeated invocation pushes nothing again', async () => {
    const close = createClosePeriodHandler(async () => deps);
    await close({ contractId: 'c-1', periodId: '2026-11' });
    const again = await close({ contractId: 'c-1', periodId: '2026-11' });
    expect(gateway.pushes).toHaveLength(1);
    expect(again).toMatchObject({ recordCreated: false, itemsCreated: 0, status: 'reconciled' });
  });

  it('throws on a failure so Scheduler retries, and the retry finishes the same record', async () => {
    const close = createClosePeriodHandler(async () => deps);
    gateway.failNext = Object.assign(new Error('Stripe answered 503'), { name: 'StripeAPIError' });
    await expect(close({ contractId: 'c-1', periodId: '2026-11' })).rejects.toThrow('Stripe answered 503');
    const retried = await close({ contractId: 'c-1', periodId: '2026-11' });
    expect(retried).toMatchObject({ recordCreated: false, status: 'reconciled' });
    expect(gateway.pushes).toHaveLength(1);
  });

  it('throws for an unknown contract (dead-lettered after the retries, never a silent success)', async () => {
    const close = createClosePeriodHandler(async () => deps);
    await expect(close({ contractId: 'nope', periodId: '2026-11' })).rejects.toMatchObject({ name: 'BillingNotFoundError', code: 'contract_not_found' });
  });

  it.each([
    [{}, /contractId/],
    [{ contractId: 'c-1' }, /periodId/],
    [{ contractId: 'c-1', periodId: 'November' }, /period id/],
    [{ contractId: 'c-1', periodId: '2026-11', extra: 1 }, /extra/],
    ['{"contractId":"c-1"}', /object/],
  ])('rejects %j with a specific error before touching anything', async (event, message) => {
    const resolveDeps = vi.fn(async () => deps);
    const close = createClosePeriodHandler(resolveDeps);
    const failure = await close(event).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ClosePeriodInputError);
    expect((failure as ClosePeriodInputError).code).toBe('invalid_close_request');
    expect((failure as Error).message).toMatch(message);
    expect(resolveDeps).not.toHaveBeenCalled();
  });
});

describe('close-period handler: deployed wiring', () => {
  const secrets = mockClient(SecretsManagerClient);
  const saved = { ...process.env };
  const context = {} as Context;

  afterEach(() => {
    secrets.reset();
    process.env = { ...saved };
  });

  it('names every missing environment variable', async () => {
    for (const name of ['ENGINE_TABLE_NAME', 'LEDGER_TABLE_NAME', 'EVENT_BUS_NAME']) delete process.env[name];
    await expect(handler({ contractId: 'c-1', periodId: '2026-11' }, context)).rejects.toThrow(/ENGINE_TABLE_NAME.*LEDGER_TABLE_NAME.*EVENT_BUS_NAME|EVENT_BUS_NAME/);
  });

  it('reads the Stripe key from Secrets Manager and never echoes a bad secret', async () => {
    Object.assign(process.env, { ENGINE_TABLE_NAME: 'e', LEDGER_TABLE_NAME: 'l', EVENT_BUS_NAME: 'b', STRIPE_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:stripe' });
    delete process.env['STRIPE_API_KEY'];
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ apiKey: 'not-a-key-SECRETVALUE' }) });
    const failure = (await handler({ contractId: 'c-1', periodId: '2026-11' }, context).catch((error: unknown) => error)) as Error;
    expect(failure.name).toBe('StripeConfigError');
    expect(failure.message).not.toContain('SECRETVALUE');
    expect(secrets.commandCalls(GetSecretValueCommand)[0]?.args[0].input.SecretId).toBe('arn:aws:secretsmanager:us-east-1:1:secret:stripe');
  });
});

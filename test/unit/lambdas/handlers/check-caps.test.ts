import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { InfrastructureError } from '../../../../lambdas/application/errors';
import type { ReportSpendDeps } from '../../../../lambdas/application/plans/report-spend';
import { createCheckCapsHandler } from '../../../../lambdas/handlers/check-caps';
import { FakeContracts, FakeLedger, monthlyContract, perUnitPlan } from '../../../support/billing-fakes';
import { InMemoryInvoiceStore } from '../../../support/fakes/in-memory-invoice-store';
import { inMemoryDefinitionCatalog } from '../../../support/fakes/in-memory-definition-catalog';

let ledger: FakeLedger;
let deps: ReportSpendDeps;

beforeEach(() => {
  const contracts = new FakeContracts();
  contracts.addPlan(perUnitPlan('usd-plan', 'USD', '1.50', '100.00'));
  contracts.addContract({ ...monthlyContract('c-capped', 'usd-plan', 'USD'), caps: [{ metric: 'resolutions', quantity: '10' }, { spend: '120.00' }] });
  contracts.addContract(monthlyContract('c-free', 'usd-plan', 'USD'));
  ledger = new FakeLedger();
  ledger.add({ contractId: 'c-capped', ledgerMetric: 'ticket.resolved', occurredAt: '2026-11-10T00:00:00Z', recordedAt: '2026-11-10T00:00:00Z' }, 4);
  deps = { contracts, usage: ledger, definitions: inMemoryDefinitionCatalog(), invoices: new InMemoryInvoiceStore(), now: () => new Date('2026-11-20T12:00:00Z') };
});

function request(body: unknown, options: { method?: string; base64?: boolean } = {}): APIGatewayProxyEventV2 {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    requestContext: { http: { method: options.method ?? 'POST' } },
    body: options.base64 ? Buffer.from(text, 'utf8').toString('base64') : text,
    isBase64Encoded: options.base64 ?? false,
    headers: { 'content-type': 'application/json' },
  } as unknown as APIGatewayProxyEventV2;
}

async function call(event: APIGatewayProxyEventV2, withDeps: ReportSpendDeps = deps): Promise<{ status: number | undefined; body: Record<string, unknown> }> {
  const answer = (await createCheckCapsHandler(async () => withDeps)(event)) as APIGatewayProxyStructuredResultV2;
  expect(answer.headers).toEqual({ 'content-type': 'application/json' });
  return { status: answer.statusCode, body: JSON.parse(answer.body ?? 'null') as Record<string, unknown> };
}

describe('check-caps handler', () => {
  it('allows what stays within the metric cap, with the figures and the caps', async () => {
    const { status, body } = await call(request({ contractId: 'c-capped', metric: 'resolutions', quantity: '6' }));
    expect(status).toBe(200);
    expect(body).toEqual({
      allowed: true,
      contractId: 'c-capped',
      periodId: '2026-11',
      metric: 'resolutions',
      requested: '6',
      usedToDate: '4',
      metricCap: { cap: '10', remaining: '6' },
      // 100.00 + 4 x 1.50
      spendCap: { cap: '120.00', spentToDate: '106.00', currency: 'USD' },
      reason: null,
      asOf: '2026-11-20T12:00:00.000Z',
    });
  });

  it('refuses (200, allowed false, the reason) what would pass the cap; a base64 body is decoded', async () => {
    const { status, body } = await call(request({ contractId: 'c-capped', metric: 'resolutions', quantity: '6.5' }, { base64: true }));
    expect(status).toBe(200);
    expect(body).toMatchObject({ allowed: false, usedToDate: '4', reason: 'resolutions is capped at 10 this period: 4 used, 6 left' });
  });

  it('allows anything for a contract without caps', async () => {
    const { status, body } = await call(request({ contractId: 'c-free', metric: 'resolutions', quantity: '1000000' }));
    expect(status).toBe(200);
    expect(body).toMatchObject({ allowed: true, metricCap: null, spendCap: null });
  });

  it.each([
    ['no body', request(''), 'missing_body'],
    ['a body that is not JSON', request('{"contractId":'), 'invalid_json'],
    ['a negative quantity', request({ contractId: 'c-capped', metric: 'resolutions', quantity: '-1' }), 'invalid_request'],
    ['a quantity that is not a decimal', request({ contractId: 'c-capped', metric: 'resolutions', quantity: 'ten' }), 'invalid_request'],
    ['a missing metric', request({ contractId: 'c-capped', quantity: '1' }), 'invalid_request'],
    ['an unknown field', request({ contractId: 'c-capped', metric: 'resolutions', quantity: '1', customerId: 'x' }), 'invalid_request'],
  ])('answers 400 with a code for %s, without reading anything', async (_case, event, code) => {
    const unreadable = { ...deps, contracts: { getContract: () => Promise.reject(new Error('read')), getPlan: () => Promise.reject(new Error('read')) } };
    const { status, body } = await call(event, unreadable);
    expect(status).toBe(400);
    expect(body).toMatchObject({ code, retryable: false });
    expect(typeof body['message']).toBe('string');
  });

  it('names the field of an invalid request', async () => {
    const { body } = await call(request({ contractId: 'c-capped', metric: 'resolutions', quantity: '-1' }));
    expect(body['issues']).toEqual([{ path: 'quantity', message: expect.stringContaining('non-negative quantity') as unknown }]);
  });

  it('answers 400 metric_not_priced for a metric no charge of the plan prices', async () => {
    const { status, body } = await call(request({ contractId: 'c-capped', metric: 'tickets', quantity: '1' }));
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: 'metric_not_priced', retryable: false, message: expect.stringContaining('priced metrics: "resolutions"') as unknown });
  });

  it('answers 404 contract_not_found for an unknown contract', async () => {
    const { status, body } = await call(request({ contractId: 'c-nobody', metric: 'resolutions', quantity: '1' }));
    expect(status).toBe(404);
    expect(body).toEqual({ code: 'contract_not_found', message: 'no contract "c-nobody"', retryable: false });
  });

  it('answers 405 to anything but POST', async () => {
    const { status, body } = await call(request({ contractId: 'c-capped', metric: 'resolutions', quantity: '1' }, { method: 'GET' }));
    expect(status).toBe(405);
    expect(body).toMatchObject({ code: 'method_not_allowed' });
  });

  it('answers 503 retryable when storage fails, never 4xx', async () => {
    const failing = {
      ...deps,
      usage: { readPeriodUsage: () => Promise.reject(new InfrastructureError('throttled', { operation: 'DynamoDB Query', cause: new Error('ThrottlingException') })) },
    };
    const { status, body } = await call(request({ contractId: 'c-capped', metric: 'resolutions', quantity: '1' }), failing);
    expect(status).toBe(503);
    expect(body).toMatchObject({ code: 'infrastructure_unavailable', retryable: true });
  });

  it('throws an untyped failure, so Lambda answers 5xx and counts the error', async () => {
    const broken = { ...deps, usage: { readPeriodUsage: () => Promise.reject(new TypeError('a bug')) } };
    await expect(createCheckCapsHandler(async () => broken)(request({ contractId: 'c-capped', metric: 'resolutions', quantity: '1' }))).rejects.toThrow('a bug');
  });
});

// Live spend through the console router: finance's view of a contract's open
// period (the figures of `spend`, every alert and cap level with when it
// fired, each cap as `caps check` answers it, the period's threshold
// invoices), and the portal's view of the same for the link's own customer
// only: fired alerts, never the seller's other levels, and another
// customer's contract a 404 exactly like a missing one.
import { describe, expect, it } from 'vitest';
import { createPortalLink } from '../../../../../lambdas/application/console/console-routes';
import type { FiredAlert } from '../../../../../lambdas/application/plans/ports';
import { previewInvoice } from '../../../../../lambdas/application/plans/preview-invoice';
import type { InvoiceRecord } from '../../../../../lambdas/domain/invoicing/invoice-record';
import { serializeDraftInvoice } from '../../../../../lambdas/domain/rating/draft-invoice';
import { createConsoleApiHandler } from '../../../../../lambdas/handlers/console-api';
import { FakeContracts, FakeLedger, monthlyContract, perUnitPlan } from '../../../../support/billing-fakes';
import { ACME_CONTRACT, ACME_INVOICE, apiEvent, consoleFixture, GLOBEX_CONTRACT, NOW, STAFF_TOKEN } from '../../../../support/console-fixture';
import type { InMemoryInvoiceStore } from '../../../../support/fakes/in-memory-invoice-store';
import { inMemoryDefinitionCatalog } from '../../../../support/fakes/in-memory-definition-catalog';

const FIRED_AT = '2026-09-03T10:00:00.000Z';

/** The console fixture with live spend wired: a plan with alerts, acme's contract with caps and threshold invoicing, four resolutions this period. */
function spendFixture() {
  const fixture = consoleFixture();
  const contracts = new FakeContracts();
  const plan = perUnitPlan('support', 'USD', '1.50', '100.00') as { versions: Record<string, unknown>[] };
  plan.versions[0] = { ...plan.versions[0], alerts: { usage: [{ metric: 'resolutions', levels: ['2', '10'] }], spend: [{ amount: '100.00' }] } };
  contracts.addPlan(plan);
  for (const [contractId, customerId] of [
    [ACME_CONTRACT, 'acme'],
    [GLOBEX_CONTRACT, 'globex'],
  ] as const) {
    contracts.addContract({
      ...monthlyContract(contractId, 'support', 'USD'),
      customerId,
      commitment: { trueUp: 'per_period', amountPerPeriod: '200.00' },
      caps: [{ metric: 'resolutions', quantity: '3' }, { spend: '500.00' }],
      thresholdInvoicing: { amount: '1000.00' },
    } as never);
  }
  const usage = new FakeLedger();
  usage.add({ contractId: ACME_CONTRACT, ledgerMetric: 'ticket.resolved', occurredAt: '2026-09-02T10:00:00Z', recordedAt: '2026-09-02T10:00:01Z' }, 4);
  usage.add({ contractId: GLOBEX_CONTRACT, ledgerMetric: 'ticket.resolved', occurredAt: '2026-09-02T10:00:00Z', recordedAt: '2026-09-02T10:00:01Z' }, 9);
  const marker = (contractId: string, thresholdId: string, published = true): FiredAlert => ({
    contractId,
    periodId: '2026-09',
    thresholdId,
    detailType: thresholdId.startsWith('cap') ? 'Cap Reached' : 'Usage Threshold Reached',
    detail: {},
    firedAt: FIRED_AT,
    published,
  });
  const markers = [
    marker(ACME_CONTRACT, 'usage:resolutions:2'),
    marker(ACME_CONTRACT, 'cap:metric:resolutions', false),
    // A level since removed from the plan: still listed for finance, marked as no longer set.
    marker(ACME_CONTRACT, 'usage:resolutions:1'),
    marker(GLOBEX_CONTRACT, 'usage:resolutions:2'),
  ];
  const invoices = fixture.service.stores.invoices as InMemoryInvoiceStore;
  // A threshold invoice issued earlier in the period billed 3.00 of the resolutions line.
  const july = [...invoices.records.values()].find((record) => record.invoiceRecordId === ACME_INVOICE) as InvoiceRecord;
  void invoices.putRecord({
    ...july,
    invoiceRecordId: `oe:${ACME_CONTRACT}:2026-09-threshold-1:r1`,
    periodId: '2026-09-threshold-1',
    thresholdOf: { periodId: '2026-09', sequence: 1, thresholdAmount: 100_000n, spendToDate: 300n },
  } as InvoiceRecord);
  const spend = { contracts, usage, invoices, definitions: inMemoryDefinitionCatalog(), fired: { listFired: async (contractId: string, periodId: string) => markers.filter((m) => m.contractId === contractId && m.periodId === periodId) } };
  const service = { ...fixture.service, extensions: { ...fixture.service.extensions, spend } };
  return { service, contracts, usage, invoices };
}

async function call(service: ReturnType<typeof spendFixture>['service'], ...args: Parameters<typeof apiEvent>) {
  const result = await createConsoleApiHandler(() => service)(apiEvent(...args));
  return { status: result.statusCode ?? 0, body: JSON.parse(result.body ?? 'null') as any };
}

describe('live spend: finance', () => {
  it("shows the open period as `spend` reports it, with the draft's lines equal to invoice preview's", async () => {
    const { service, contracts, usage, invoices } = spendFixture();
    const answer = await call(service, 'GET', `/api/contracts/${ACME_CONTRACT}/spend`, { token: STAFF_TOKEN });
    expect(answer.status).toBe(200);
    const view = answer.body;
    expect(view).toMatchObject({ contractId: ACME_CONTRACT, customerId: 'acme', open: true, periodId: '2026-09', asOf: NOW.toISOString() });
    expect(view.spend.usage).toEqual([{ chargeId: 'resolutions', metric: 'resolutions', quantity: '4' }]);
    // 4 resolutions measured, 3 billed: the metric cap of 3 applies in rating (1.50 off).
    expect(view.spend.ratedToDate.subtotal).toEqual({ minor: '10450', decimal: '104.50' });
    expect(view.spend.commitment).toMatchObject({ trueUp: 'per_period', committed: { decimal: '200.00' }, burned: { decimal: '104.50' }, remaining: { decimal: '95.50' }, burnedPercent: '52.25' });
    expect(view.spend.forecast.rule).toContain('linear');
    const preview = serializeDraftInvoice(await previewInvoice({ contracts, usage, invoices, definitions: inMemoryDefinitionCatalog(), now: () => NOW }, { contractId: ACME_CONTRACT, periodId: '2026-09', asOf: NOW }));
    expect(view.spend.preview.lines).toEqual(JSON.parse(JSON.stringify(preview.lines)));
    expect(view.spend.preview.total).toEqual(preview.total);
  });

  it('lists every alert and cap level with whether it is reached now and when it fired', async () => {
    const { service } = spendFixture();
    const view = (await call(service, 'GET', `/api/contracts/${ACME_CONTRACT}/spend`, { token: STAFF_TOKEN })).body;
    expect(view.alerts.map((a: any) => [a.thresholdId, a.configured, a.reachedNow, a.firedAt, a.published])).toEqual([
      ['usage:resolutions:2', true, true, FIRED_AT, true],
      ['usage:resolutions:10', true, false, null, null],
      ['spend:amount:100.00', true, true, null, null],
      ['cap:metric:resolutions', true, true, FIRED_AT, false],
      ['cap:spend', true, false, null, null],
      ['usage:resolutions:1', false, false, FIRED_AT, true],
    ]);
    expect(view.alerts[0].description).toBe('resolutions at 2');
  });

  it('answers each cap as `caps check` does: the metric cap refuses one more, the spend cap still allows', async () => {
    const { service } = spendFixture();
    const view = (await call(service, 'GET', `/api/contracts/${ACME_CONTRACT}/spend`, { token: STAFF_TOKEN })).body;
    expect(view.caps).toEqual([
      {
        thresholdId: 'cap:metric:resolutions',
        kind: 'metric',
        metric: 'resolutions',
        cap: '3',
        usedToDate: '4',
        remaining: '0',
        currency: null,
        allowsMore: false,
        reason: 'resolutions is capped at 3 this period: 4 used, 0 left',
      },
      { thresholdId: 'cap:spend', kind: 'spend', metric: null, cap: '500.00', usedToDate: '104.50', remaining: '395.50', currency: 'USD', allowsMore: true, reason: null },
    ]);
  });

  it("lists the period's threshold invoices and what no threshold invoice billed yet", async () => {
    const { service } = spendFixture();
    const view = (await call(service, 'GET', `/api/contracts/${ACME_CONTRACT}/spend`, { token: STAFF_TOKEN })).body;
    expect(view.thresholdInvoicing).toEqual({
      threshold: { minor: '100000', decimal: '1000.00' },
      invoices: [{ invoiceRecordId: `oe:${ACME_CONTRACT}:2026-09-threshold-1:r1`, sequence: 1, total: { minor: '300', decimal: '3.00' }, status: null }],
      billed: { minor: '300', decimal: '3.00' },
      unbilled: { minor: '10150', decimal: '101.50' },
    });
  });

  it('says when no period is open, and refuses a bad query or an unknown contract', async () => {
    const { service, contracts } = spendFixture();
    contracts.addContract({ ...monthlyContract('ctr-ended', 'support', 'USD'), customerId: 'acme', termStart: '2025-01-01', termEnd: '2026-01-01' } as never);
    const ended = await call(service, 'GET', '/api/contracts/ctr-ended/spend', { token: STAFF_TOKEN });
    expect(ended.body).toMatchObject({ contractId: 'ctr-ended', open: false });
    expect(ended.body.message).toContain('no period of the term 2025-01-01 – 2026-01-01 is open');
    const query = await call(service, 'GET', `/api/contracts/${ACME_CONTRACT}/spend`, { token: STAFF_TOKEN, query: { asOf: 'now' } });
    expect([query.status, query.body.message]).toEqual([400, 'invalid query: Unrecognized key: "asOf"']);
    expect((await call(service, 'GET', '/api/contracts/ctr-nope/spend', { token: STAFF_TOKEN })).status).toBe(404);
  });

  it('is a 404 naming the capability when live spend is not wired', async () => {
    const fixture = consoleFixture();
    const answer = await call(fixture.service as never, 'GET', `/api/contracts/${ACME_CONTRACT}/spend`, { token: STAFF_TOKEN });
    expect([answer.status, answer.body.message]).toEqual([404, 'no capability "live spend"']);
  });
});

describe('live spend: portal', () => {
  it("shows the customer its own spend, caps and fired alerts only, and another customer's contract as a 404", async () => {
    const { service } = spendFixture();
    const link = (await createPortalLink({ keyring: service.keyring, now: () => NOW }, { customerId: 'acme', ttlSeconds: 3600 })).token;
    const own = await call(service, 'GET', `/api/portal/contracts/${ACME_CONTRACT}/spend`, { token: link });
    expect(own.status).toBe(200);
    expect(own.body.spend.commitment.burned.decimal).toBe('104.50');
    expect(own.body.caps.map((cap: any) => [cap.thresholdId, cap.allowsMore])).toEqual([
      ['cap:metric:resolutions', false],
      ['cap:spend', true],
    ]);
    // Only what fired for it: levels that never fired are the seller's settings.
    expect(own.body.alerts.map((a: any) => a.thresholdId)).toEqual(['usage:resolutions:2', 'cap:metric:resolutions', 'usage:resolutions:1']);
    expect(JSON.stringify(own.body)).not.toContain('globex');

    for (const contractId of [GLOBEX_CONTRACT, 'ctr-nope']) {
      const other = await call(service, 'GET', `/api/portal/contracts/${contractId}/spend`, { token: link });
      expect([other.status, other.body.code, Object.keys(other.body).sort()], contractId).toEqual([404, 'not_found', ['code', 'message', 'retryable']]);
      expect(other.body.message).toBe(`no contract "${contractId}"`);
    }
  });

  it('refuses a staff token on the portal route and a portal link on the staff route', async () => {
    const { service } = spendFixture();
    const link = (await createPortalLink({ keyring: service.keyring, now: () => NOW }, { customerId: 'acme', ttlSeconds: 3600 })).token;
    expect((await call(service, 'GET', `/api/portal/contracts/${ACME_CONTRACT}/spend`, { token: STAFF_TOKEN })).status).toBe(401);
    expect((await call(service, 'GET', `/api/contracts/${ACME_CONTRACT}/spend`, { token: link })).status).toBe(403);
  });
});

// Contracts that pin a metric's definition version, billed on DynamoDB Local
// and the Stripe emulator: two customers with the same outcomes, one pinned
// to a version billable at once and one to a version billable once verified,
// get different invoices; the statement and `invoice explain` name the pinned
// version; a pin changed after the invoice does not rebill it; disputes take
// the pinned version's window and hold.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCatalogRepository } from '../../../../../lambdas/adapters/dynamodb/dynamodb-catalog-repository';
import { DynamoDbInvoiceStore } from '../../../../../lambdas/adapters/dynamodb/invoice-store';
import { LedgerUsageReader } from '../../../../../lambdas/adapters/dynamodb/ledger-usage-reader';
import { DynamoDbPlanStore } from '../../../../../lambdas/adapters/dynamodb/plan-store';
import { StripeBillingGateway } from '../../../../../lambdas/adapters/stripe/stripe-billing-gateway';
import { closeContractPeriod, type BillingDeps } from '../../../../../lambdas/application/billing/close-contract-period';
import { correctInvoicedPeriod } from '../../../../../lambdas/application/billing/correct-invoiced-period';
import { explainInvoice } from '../../../../../lambdas/application/billing/explain-invoice';
import { streamOutcomeStatement, type StatementPart } from '../../../../../lambdas/application/billing/stream-outcome-statement';
import { previewInvoice } from '../../../../../lambdas/application/plans/preview-invoice';
import { statementSourceOfDraft, statementSourceOfRecord, type StatementRow } from '../../../../../lambdas/domain/invoicing/outcome-statement';
import { ContractSchema } from '../../../../../lambdas/domain/plans/contract-schema';
import { PlanSchema } from '../../../../../lambdas/domain/plans/plan-schema';
import { startStripeEmulator, type RunningStripeEmulator } from '../../../../../lib/local/stripe-emulator';
import { RecordingPublisher, monthlyContract, perUnitPlan } from '../../../../support/billing-fakes';
import { createLedgerKit, recorded, verified, type LedgerKit } from '../../../../support/ledger-test-kit';

const CATALOG = {
  metrics: [
    {
      code: 'ticket.resolved',
      name: 'Resolved ticket',
      unit: 'resolution',
      aggregation: 'count' as const,
      definitions: [
        {
          version: 1,
          effectiveFrom: '2026-01-01T00:00:00Z',
          counts: 'A ticket the agent closed.',
          billable: { when: 'immediately' as const },
          dispute: { windowDays: 30, whileOpen: 'bill' as const },
        },
        {
          version: 2,
          effectiveFrom: '2026-10-01T00:00:00Z',
          counts: 'A ticket the agent closed that the customer confirmed.',
          billable: { when: 'verified' as const },
          dispute: { windowDays: 5, whileOpen: 'hold' as const },
        },
      ],
    },
  ],
  customers: [
    { customerId: 'acme', name: 'Acme' },
    { customerId: 'globex', name: 'Globex' },
  ],
};

const OCTOBER_CUTOFF = '2026-11-02T00:00:00.000Z';

describe('billing under a contract\'s pinned definition version (DynamoDB Local, Stripe emulator)', () => {
  let kit: LedgerKit;
  let emulator: RunningStripeEmulator;
  let plans: DynamoDbPlanStore;
  let deps: BillingDeps;
  const now = () => new Date('2026-11-02T01:00:00.000Z');

  beforeAll(async () => {
    kit = await createLedgerKit({ start: '2026-10-06T00:00:00Z', catalog: CATALOG });
    emulator = await startStripeEmulator({ seed: 'pinned-definitions' });
    const stripe = new Stripe(emulator.apiKey, { ...emulator.clientOptions, maxNetworkRetries: 2 });
    const { client, engineTableName } = kit.tables;
    plans = new DynamoDbPlanStore({ client, tableName: engineTableName });
    await plans.putPlan(PlanSchema.parse(perUnitPlan('usd-plan', 'USD', '1.50', '100.00')));
    // The same plan and the same outcomes; only the pinned definition version differs.
    const contract = (contractId: string, customerId: string, version: number) =>
      ContractSchema.parse({ ...monthlyContract(contractId, 'usd-plan', 'USD'), customerId, definitionVersions: { 'ticket.resolved': version } });
    await plans.putContract(contract('acme-at-once', 'acme', 1), now());
    await plans.putContract(contract('globex-verified', 'globex', 2), now());
    // Six outcomes each, all recorded under version 2 (in force since October); two of each verified.
    for (const customerId of ['acme', 'globex']) {
      for (let index = 1; index <= 6; index += 1) {
        await kit.service.ingestMessage(recorded({ outcomeId: `${customerId}-${index}`, customerId, metric: 'ticket.resolved', occurredAt: '2026-10-05T09:00:00Z' }));
      }
      for (const index of [1, 2]) await kit.service.ingestMessage(verified({ outcomeId: `${customerId}-${index}` }));
    }
    deps = {
      contracts: plans,
      usage: new LedgerUsageReader({ ledger: kit.service.repository }),
      invoices: new DynamoDbInvoiceStore(client, engineTableName),
      billing: new StripeBillingGateway({ stripe, apiKey: emulator.apiKey, retries: 3, minTimeoutMs: 5, maxTimeoutMs: 20 }),
      events: new RecordingPublisher(),
      clock: now,
      finalizeInvoices: true,
      definitions: new DynamoDbCatalogRepository({ client, tableName: engineTableName }),
    };
  });

  afterAll(async () => {
    await emulator?.stop();
    await kit?.destroy();
  });

  async function statementOf(source: Parameters<typeof streamOutcomeStatement>[1]): Promise<{ rows: StatementRow[]; versions: readonly number[] }> {
    const rows: StatementRow[] = [];
    let versions: readonly number[] = [];
    for await (const part of streamOutcomeStatement({ ledger: kit.service.repository }, source, now().getTime()) as AsyncIterable<StatementPart>) {
      if (part.kind === 'row') rows.push(part.row);
      else if (part.total.lineId === 'resolutions') versions = part.total.definitionVersions;
    }
    // The usage index is sharded: rows come in no particular order.
    return { rows: rows.sort((a, b) => (a.outcomeId < b.outcomeId ? -1 : 1)), versions };
  }

  it('bills the same outcomes differently: at once under version 1, once verified under version 2', async () => {
    const acme = await closeContractPeriod(deps, { contractId: 'acme-at-once', periodId: '2026-10', cutoff: OCTOBER_CUTOFF });
    const globex = await closeContractPeriod(deps, { contractId: 'globex-verified', periodId: '2026-10', cutoff: OCTOBER_CUTOFF });
    expect(acme).toMatchObject({ matched: true, engineTotal: 10_000n + 6n * 150n });
    expect(globex).toMatchObject({ matched: true, engineTotal: 10_000n + 2n * 150n });
    const record = await deps.invoices.getRecord('acme-at-once', '2026-10');
    expect(record?.pinnedDefinitions).toEqual({ 'ticket.resolved': { version: 1, billable: { when: 'immediately' }, dispute: { windowDays: 30, whileOpen: 'bill' } } });
  });

  it('names the pinned version on every statement row and on invoice explain', async () => {
    const acmeRecord = await deps.invoices.getRecord('acme-at-once', '2026-10');
    const globexRecord = await deps.invoices.getRecord('globex-verified', '2026-10');
    if (!acmeRecord || !globexRecord) throw new Error('both periods were invoiced');
    const acme = await statementOf(statementSourceOfRecord(acmeRecord));
    expect(acme.rows.map((row) => [row.outcomeId, row.definitionVersion])).toEqual([1, 2, 3, 4, 5, 6].map((index) => [`acme-${index}`, 1]));
    expect(acme.versions).toEqual([1]);
    const globex = await statementOf(statementSourceOfRecord(globexRecord));
    expect(globex.rows.map((row) => [row.outcomeId, row.definitionVersion])).toEqual([['globex-1', 2], ['globex-2', 2]]);
    expect(globex.versions).toEqual([2]);

    const catalog = await deps.definitions!.readCatalog();
    const explained = await explainInvoice(deps.invoices, { contractId: 'acme-at-once', periodId: '2026-10' }, { metrics: new Map(catalog.metrics.map((metric) => [metric.code, metric])) });
    expect(explained?.lines.find((line) => line.lineId === 'resolutions')?.definitions).toEqual({ versions: [1], pinned: true });
  });

  it('does not rebill an invoiced period when the pin changes; the next period counts under the new pin', async () => {
    await plans.putContract(
      ContractSchema.parse({ ...monthlyContract('acme-at-once', 'usd-plan', 'USD'), customerId: 'acme', definitionVersions: { 'ticket.resolved': 2 } }),
      now(),
    );
    // Re-rated under the new pin, October would credit its four unverified outcomes: it is re-rated under the invoice's pin.
    const correction = await correctInvoicedPeriod(deps, { contractId: 'acme-at-once', periodId: '2026-10', asOf: '2026-11-20T00:00:00Z' });
    expect(correction.correction).toBeNull();
    expect(correction.creditNotes).toEqual([]);

    kit.clock.set('2026-11-06T00:00:00Z');
    for (const index of [7, 8, 9]) {
      await kit.service.ingestMessage(recorded({ outcomeId: `acme-${index}`, customerId: 'acme', metric: 'ticket.resolved', occurredAt: '2026-11-05T09:00:00Z' }));
    }
    await kit.service.ingestMessage(verified({ outcomeId: 'acme-7' }));
    const november = await previewInvoice(
      { contracts: plans, usage: deps.usage, invoices: deps.invoices, definitions: deps.definitions!, now: () => new Date('2026-11-06T01:00:00Z') },
      { contractId: 'acme-at-once', periodId: '2026-11' },
    );
    expect(november.lines.find((line) => line.chargeId === 'resolutions')?.quantity).toBe('1');
    expect(november.pinnedDefinitions?.['ticket.resolved']?.version).toBe(2);
    const statement = await statementOf(statementSourceOfDraft(november, { contractId: 'acme-at-once', customerId: 'acme' }));
    expect(statement.rows.map((row) => [row.outcomeId, row.definitionVersion])).toEqual([['acme-7', 2]]);
  });

  it('opens disputes under the pinned version\'s window and hold', async () => {
    // Pins as loaded now: acme's contract pins version 2 (5 days, hold); put it back on version 1 (30 days, bill).
    await plans.putContract(
      ContractSchema.parse({ ...monthlyContract('acme-at-once', 'usd-plan', 'USD'), customerId: 'acme', definitionVersions: { 'ticket.resolved': 1 } }),
      now(),
    );
    kit.clock.set('2026-10-20T12:00:00Z'); // 15 days after the October outcomes occurred
    const acme = await kit.service.openDispute({ disputeId: 'D-acme', outcomeIds: ['acme-3'], reason: 'reopened', raisedBy: 'finance@acme' });
    expect(acme.opened).toEqual([expect.objectContaining({ outcomeId: 'acme-3', hold: false })]);
    const globex = await kit.service.openDispute({ disputeId: 'D-globex', outcomeIds: ['globex-3'], reason: 'reopened', raisedBy: 'finance@globex' });
    expect(globex.refused).toEqual([
      { outcomeId: 'globex-3', code: 'OUTSIDE_DISPUTE_WINDOW', message: expect.stringContaining("until 2026-10-10T09:00:00.000Z (definition version 2, which the customer's contract pins)") },
    ]);
    kit.clock.set('2026-10-08T12:00:00Z');
    const inWindow = await kit.service.openDispute({ disputeId: 'D-globex-2', outcomeIds: ['globex-4'], reason: 'reopened', raisedBy: 'finance@globex' });
    expect(inWindow.opened).toEqual([expect.objectContaining({ outcomeId: 'globex-4', hold: true })]);
  });
});

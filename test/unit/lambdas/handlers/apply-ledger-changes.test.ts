import { describe, expect, it } from 'vitest';
import { toLedgerItem } from '../../../../lambdas/adapters/dynamodb/ledger-items';
import type { RollupBatch, RollupStore } from '../../../../lambdas/application/usage/ports';
import type { LedgerEntry, RecordedEntry } from '../../../../lambdas/domain/ledger/ledger-entries';
import { createApplyLedgerChangesHandler, LedgerStreamEventError } from '../../../../lambdas/handlers/apply-ledger-changes';
import type { FiredAlertStore } from '../../../../lambdas/application/plans/ports';
import { FakeContracts, FakeLedger, RecordingPublisher, monthlyContract, perUnitPlan } from '../../../support/billing-fakes';
import { inMemoryDefinitionCatalog } from '../../../support/fakes/in-memory-definition-catalog';
import { InMemoryInvoiceStore } from '../../../support/fakes/in-memory-invoice-store';

const OCCURRED = Date.parse('2026-11-10T10:05:00Z');
const original: RecordedEntry = {
  kind: 'recorded', outcomeId: 'o-1', customerId: 'acme', metric: 'ticket.resolved', occurredAtMs: OCCURRED, recordedAtMs: OCCURRED + 60_000,
  quantity: '2', value: undefined, attributesJson: undefined, billableRule: { when: 'immediately' }, attributed: true,
};
const reversal: LedgerEntry = { kind: 'reversed', outcomeId: 'o-1', customerId: 'acme', metric: 'ticket.resolved', occurredAtMs: OCCURRED, recordedAtMs: OCCURRED + 3_600_000, reason: 'refund' };

const record = (entry: LedgerEntry, sequence: string, eventName = 'INSERT') => ({
  eventName,
  eventSourceARN: 'arn:aws:dynamodb:us-east-1:1:table/ledger/stream/x',
  dynamodb: { SequenceNumber: sequence, NewImage: toLedgerItem(entry) },
});

function fakeStore(options: { fail?: boolean } = {}) {
  const batches: RollupBatch[] = [];
  const store: RollupStore = {
    applyBatch: async (batch) => {
      if (options.fail) throw new Error('DynamoDB unavailable');
      batches.push(batch);
      return { applied: true };
    },
    readAppliedEntries: async () => new Map(),
    readCells: async () => [],
    recordedDayCellsFromMs: async () => undefined,
    replaceCells: async () => ({ written: 0 }),
  };
  return { store, batches };
}

describe('apply-ledger-changes handler', () => {
  it('applies a batch once under an id of its stream and sequence range, one change per cell', async () => {
    const { store, batches } = fakeStore();
    const handler = createApplyLedgerChangesHandler(async () => ({ rollups: store, ledger: { getOutcomeEntries: async () => [original, reversal] } }));
    const response = await handler({ Records: [record(original, '100'), record(reversal, '101'), record(original, '102', 'MODIFY')] });
    expect(response).toEqual({ batchItemFailures: [] });
    expect(batches).toHaveLength(1);
    expect(batches[0]?.batchId).toBe('arn:aws:dynamodb:us-east-1:1:table/ledger/stream/x#100#102');
    // The original adds in its recorded bucket; the reversal, an hour later, takes it back in its own; each in its quarter hour and its day of occurrence.
    expect(
      batches[0]?.changes.map((change) => [new Date(change.key.occurredBucketMs).toISOString(), new Date(change.key.recordedBucketMs).toISOString(), change.fields.get('a.n')]),
    ).toEqual([
      ['2026-11-10T10:00:00.000Z', '2026-11-10T10:00:00.000Z', 1n],
      ['2026-11-10T10:00:00.000Z', '2026-11-10T11:00:00.000Z', -1n],
      ['2026-11-10T00:00:00.000Z', '2026-11-10T10:00:00.000Z', 1n],
      ['2026-11-10T00:00:00.000Z', '2026-11-10T11:00:00.000Z', -1n],
    ]);
    expect(batches[0]?.appliedEntries).toEqual(new Map([['o-1', ['recorded', 'reversed']]]));
  });

  it('reports the first record as failed when storage fails, so Lambda retries the batch from there', async () => {
    const { store } = fakeStore({ fail: true });
    const handler = createApplyLedgerChangesHandler(async () => ({ rollups: store, ledger: { getOutcomeEntries: async () => [] } }));
    expect(await handler({ Records: [record(original, '200'), record(original, '201')] })).toEqual({ batchItemFailures: [{ itemIdentifier: '200' }] });
  });

  it('announces each touched customer with threshold invoicing once per run, also on a retry of an applied batch, and fails the batch when the bus refuses', async () => {
    const contracts = new FakeContracts();
    contracts.addPlan(perUnitPlan('usd-plan', 'USD', '1.50', '100.00'));
    contracts.addContract({ ...monthlyContract('c-acme', 'usd-plan', 'USD'), customerId: 'acme', thresholdInvoicing: { amount: '500.00' } });
    const events = new RecordingPublisher();
    let busDown = false;
    const thresholdInvoicing = {
      directory: { contractIdsOfCustomer: async (customerId: string) => (customerId === 'acme' ? ['c-acme'] : []) },
      contracts,
      events: { publish: async (published: Parameters<RecordingPublisher['publish']>[0]) => (busDown ? Promise.reject(new Error('PutEvents throttled')) : events.publish(published)) },
      now: () => new Date('2026-11-10T12:00:00Z'),
    };
    let applied = false;
    const store: RollupStore = { ...fakeStore().store, applyBatch: async () => ({ applied: !applied && (applied = true) }) };
    const handler = createApplyLedgerChangesHandler(async () => ({ rollups: store, ledger: { getOutcomeEntries: async () => [original] }, thresholdInvoicing }));
    const other = { ...original, outcomeId: 'o-2', customerId: 'globex' };
    busDown = true;
    expect(await handler({ Records: [record(original, '300'), record(other, '301')] })).toEqual({ batchItemFailures: [{ itemIdentifier: '300' }] });
    expect(events.published).toEqual([]);
    busDown = false;
    // The retry finds the batch applied and announces what the failed run owed.
    expect(await handler({ Records: [record(original, '300'), record(other, '301')] })).toEqual({ batchItemFailures: [] });
    expect(events.published).toEqual([
      { detailType: 'Threshold Invoicing Requested', detail: { schemaVersion: 1, customerId: 'acme', requestedAt: '2026-11-10T12:00:00.000Z' } },
    ]);
  });

  it('reads each contract and plan once per batch for the alerts, the spend they rate and the announcement together', async () => {
    const contracts = new FakeContracts();
    contracts.addPlan(perUnitPlan('usd-plan', 'USD', '1.50', '100.00'));
    contracts.addContract({ ...monthlyContract('c-acme', 'usd-plan', 'USD'), customerId: 'acme', thresholdInvoicing: { amount: '500.00' }, caps: [{ spend: '900.00' }] });
    const reads: string[] = [];
    const counting = {
      getContract: async (contractId: string) => (reads.push(`contract:${contractId}`), contracts.getContract(contractId)),
      getPlan: async (planCode: string) => (reads.push(`plan:${planCode}`), contracts.getPlan(planCode)),
    };
    const directory = { contractIdsOfCustomer: async (customerId: string) => (customerId === 'acme' ? ['c-acme'] : []) };
    const now = () => new Date('2026-11-10T12:00:00Z');
    const events = new RecordingPublisher();
    const fired: FiredAlertStore = { claim: async () => true, listUnpublished: async () => [], listFired: async () => [], markPublished: async () => undefined };
    const spendAlerts = { contracts: counting, usage: new FakeLedger(), invoices: new InMemoryInvoiceStore(), definitions: inMemoryDefinitionCatalog(), now, directory, fired, events };
    const thresholdInvoicing = { directory, contracts: counting, events, now };
    const { store } = fakeStore();
    const handler = createApplyLedgerChangesHandler(async () => ({ rollups: store, ledger: { getOutcomeEntries: async () => [original] }, spendAlerts, thresholdInvoicing }));
    const second = { ...original, outcomeId: 'o-2' };
    expect(await handler({ Records: [record(original, '400'), record(second, '401')] })).toEqual({ batchItemFailures: [] });
    expect(reads.filter((read) => read === 'contract:c-acme')).toHaveLength(1);
    expect(reads.filter((read) => read === 'plan:usd-plan')).toHaveLength(1);
    expect(events.published.map((event) => event.detailType)).toEqual(['Threshold Invoicing Requested']);
    // The next batch reads again: a contract changed between batches is never stale.
    await handler({ Records: [record(original, '402')] });
    expect(reads.filter((read) => read === 'contract:c-acme')).toHaveLength(2);
  });

  it('refuses an event that is not a stream event, naming what is wrong', async () => {
    const { store } = fakeStore();
    const handler = createApplyLedgerChangesHandler(async () => ({ rollups: store, ledger: { getOutcomeEntries: async () => [] } }));
    await expect(handler({ records: [] })).rejects.toThrow(LedgerStreamEventError);
  });
});

// Items written by releases whose sort keys did not start with the item kind
// (INVOICE#<period>#..., TERM#<term>#...) are invisible to the kind-prefixed
// queries until migrateEngineSortKeys moves them; the move keeps every
// attribute, lets a newer item under the current key win, and is idempotent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTable } from '../../../../../lambdas/adapters/dynamodb/dynamo-table';
import { currentSortKeyOf, migrateEngineSortKeys } from '../../../../../lambdas/adapters/dynamodb/engine-sort-key-migration';
import { DynamoDbInvoiceStore } from '../../../../../lambdas/adapters/dynamodb/invoice-store';
import { DynamoDbRenewalTaskStore } from '../../../../../lambdas/adapters/dynamodb/task-store';
import { correction, invoiceRecord } from '../../../../support/contracts/invoice-store-contract';
import { task } from '../../../../support/contracts/renewal-task-store-contract';
import { createTestTables, type TestTables } from '../../../../support/dynamodb';

const FORMER_KEYS: ReadonlyArray<[string, string]> = [
  ['INVOICE#2026-11#RECORD', 'INVOICE_RECORD#2026-11'],
  ['INVOICE#2026-11#STATUS', 'INVOICE_STATUS#2026-11'],
  ['INVOICE#2026-11-adjustment-000001#RECORD', 'INVOICE_RECORD#2026-11-adjustment-000001'],
  ['INVOICE#2026-11#CORRECTION#000002', 'INVOICE_CORRECTION#2026-11#000002'],
  ['TERM#2026#TASK#99909', 'TASK#2026#99909'],
  ['TERM#2026#ASSESSMENT#99909', 'ASSESSMENT#2026#99909'],
  ['TERM#2026#RESULT', 'RESULT#2026'],
];

describe('current sort key of a former one', () => {
  it('maps each former layout to the kind-first key, and leaves current keys alone', () => {
    for (const [former, current] of FORMER_KEYS) expect(currentSortKeyOf(former), former).toBe(current);
    for (const [, current] of FORMER_KEYS) expect(currentSortKeyOf(current), current).toBeUndefined();
    expect(currentSortKeyOf('INVOICE#odd')).toBeUndefined();
  });
});

describe('migrateEngineSortKeys (DynamoDB Local)', () => {
  let tables: TestTables;
  let table: DynamoTable;

  beforeAll(async () => {
    tables = await createTestTables('sort-key-migration');
    table = new DynamoTable({ client: tables.client, tableName: tables.engineTableName });
  });
  afterAll(async () => tables?.destroy());

  /** Rewrites every item of a partition under its former sort key, as an older release stored it. */
  async function storeUnderFormerKeys(partition: string): Promise<void> {
    for (const item of await table.query({ partition }, 'test items')) {
      const [former] = FORMER_KEYS.find(([, current]) => current === item['sk']) ?? [];
      if (former === undefined) throw new Error(`no former key for ${String(item['sk'])}`);
      await table.put({ ...item, sk: former }, 'test former item');
      await table.delete({ pk: partition, sk: String(item['sk']) }, 'test current item');
    }
  }

  it('moves invoice records, statuses, corrections, tasks, assessments and results so the stores read them again', async () => {
    const invoices = new DynamoDbInvoiceStore(tables.client, tables.engineTableName);
    const risk = new DynamoDbRenewalTaskStore({ client: tables.client, tableName: tables.engineTableName });
    const record = invoiceRecord();
    await invoices.putRecord(record);
    await invoices.putRecord(invoiceRecord({ periodId: '2026-11-adjustment-000001', adjustmentOf: { periodId: '2026-11', correctionId: 'oe:c-1:2026-11:c1' } }));
    await invoices.setStatus({ contractId: 'c-1', periodId: '2026-11', invoiceRecordId: record.invoiceRecordId, status: 'pushed', stripeInvoiceId: 'in_1', updatedAt: '2026-12-01T02:00:00.000Z' });
    await invoices.putCorrection(correction(2));
    const renewalTask = task({ contractId: 'c-9', checkpointDays: 90 });
    await risk.createTask(renewalTask);
    const assessment = { contractId: 'c-9', termId: '2026', checkpointDays: 90, assessedAt: '2026-10-15T12:00:00.000Z', tier: 'at_risk' as const, score: 52, staleData: false };
    await risk.putAssessment(assessment);
    const result = { contractId: 'c-9', termId: '2026', termEnd: '2027-01-01', timeZone: 'UTC', result: 'renewed' as const, recordedAt: '2027-01-02T00:00:00.000Z' };
    await risk.putRenewalResult(result as never);
    const before = {
      records: await invoices.listRecords('c-1'),
      status: await invoices.getStatus('c-1', '2026-11'),
      corrections: await invoices.listCorrections('c-1'),
      tasks: await risk.listTasks({ contractId: 'c-9' }),
      assessments: await risk.listAssessments('c-9'),
      result: await risk.getRenewalResult('c-9', '2026'),
    };
    expect(before.records).toHaveLength(1);
    expect(before.corrections).toHaveLength(1);
    expect(before.tasks).toHaveLength(1);

    await storeUnderFormerKeys('CONTRACT#c-1');
    await storeUnderFormerKeys('RENEWAL#c-9');
    expect(await invoices.listRecords('c-1')).toEqual([]);
    expect(await risk.listTasks({ contractId: 'c-9' })).toEqual([]);

    expect(await migrateEngineSortKeys({ client: tables.client, tableName: tables.engineTableName })).toEqual({ moved: 7, supersededByNewer: 0 });
    expect({
      records: await invoices.listRecords('c-1'),
      status: await invoices.getStatus('c-1', '2026-11'),
      corrections: await invoices.listCorrections('c-1'),
      tasks: await risk.listTasks({ contractId: 'c-9' }),
      assessments: await risk.listAssessments('c-9'),
      result: await risk.getRenewalResult('c-9', '2026'),
    }).toEqual(before);
    expect(await invoices.hasStripeInvoices('c-1')).toBe(true);
    expect(await risk.getTask(renewalTask.id)).toEqual(renewalTask);

    // Nothing is left under a former key, so a second run moves nothing.
    expect(await table.scanSortKeyPrefixes(['INVOICE#', 'TERM#'], 'test leftovers')).toEqual([]);
    expect(await migrateEngineSortKeys({ client: tables.client, tableName: tables.engineTableName })).toEqual({ moved: 0, supersededByNewer: 0 });
  });

  it('keeps an item written under the current key since the upgrade and drops the older copy', async () => {
    const invoices = new DynamoDbInvoiceStore(tables.client, tables.engineTableName);
    const record = invoiceRecord({ contractId: 'c-2', invoiceRecordId: 'oe:c-2:2026-11:r1' });
    await invoices.setStatus({ contractId: 'c-2', periodId: '2026-11', invoiceRecordId: record.invoiceRecordId, status: 'pushing', updatedAt: '2026-12-01T01:00:00.000Z' });
    await storeUnderFormerKeys('CONTRACT#c-2');
    await invoices.setStatus({ contractId: 'c-2', periodId: '2026-11', invoiceRecordId: record.invoiceRecordId, status: 'pushed', stripeInvoiceId: 'in_2', updatedAt: '2026-12-01T03:00:00.000Z' });

    expect(await migrateEngineSortKeys({ client: tables.client, tableName: tables.engineTableName })).toEqual({ moved: 0, supersededByNewer: 1 });
    expect(await invoices.getStatus('c-2', '2026-11')).toMatchObject({ status: 'pushed', stripeInvoiceId: 'in_2' });
    expect(await table.query({ partition: 'CONTRACT#c-2' }, 'test items')).toHaveLength(1);
  });
});

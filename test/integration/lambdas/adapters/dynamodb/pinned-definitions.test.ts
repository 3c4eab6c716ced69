// Contracts that pin a metric's definition version, loaded through the
// load-plans Lambda against DynamoDB Local: a version the catalog holds is
// stored, one it does not is refused with the metric and the versions named.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCatalogRepository } from '../../../../../lambdas/adapters/dynamodb/dynamodb-catalog-repository';
import { DynamoDbPlanStore } from '../../../../../lambdas/adapters/dynamodb/plan-store';
import { catalogDefinitionVersions } from '../../../../../lambdas/composition/plans-service';
import { CatalogInputSchema } from '../../../../../lambdas/domain/ledger/catalog';
import { createLoadPlansHandler, type LoadPlansResponse } from '../../../../../lambdas/handlers/load-plans';
import { createLambdaContext } from '../../../../../lib/local/lambda-context';
import { SEED_PLANS_DIR } from '../../../../../lib/local/seed-plans';
import { createTestTables, type TestTables } from '../../../../support/dynamodb';

const seed = (name: string) => parse(readFileSync(join(SEED_PLANS_DIR, name), 'utf8')) as Record<string, unknown>;
const context = () => createLambdaContext({ functionName: 'load-plans', timeoutMs: 30_000, region: 'us-east-1', accountId: '000000000000' });

describe('contracts pinning definition versions (DynamoDB Local)', () => {
  let tables: TestTables;
  let store: DynamoDbPlanStore;
  let invoke: (event: unknown) => Promise<LoadPlansResponse>;

  beforeAll(async () => {
    tables = await createTestTables('pinned-definitions');
    store = new DynamoDbPlanStore({ client: tables.client, tableName: tables.engineTableName });
    const catalog = new DynamoDbCatalogRepository({ client: tables.client, tableName: tables.engineTableName });
    await catalog.writeCatalog(
      CatalogInputSchema.parse({
        metrics: [
          {
            code: 'ticket.resolved',
            name: 'Resolved ticket',
            unit: 'resolution',
            aggregation: 'count',
            definitions: [
              { version: 1, effectiveFrom: '2026-01-01T00:00:00Z', counts: 'A ticket closed by the agent.' },
              { version: 2, effectiveFrom: '2026-06-01T00:00:00Z', counts: 'A ticket closed by the agent and not reopened.' },
            ],
          },
          { code: 'order.recovered', name: 'Recovered order', unit: 'order', aggregation: 'value' },
        ],
      }),
    );
    // A fresh catalog read per invocation, as each Lambda container would.
    const handler = createLoadPlansHandler({
      store: () => store,
      definitions: () => catalogDefinitionVersions(catalog),
      now: () => new Date('2026-11-20T12:00:00Z'),
    });
    invoke = (event) => handler(event, context());
    const plans = await invoke({ plans: [seed('support-automation.yaml')], contracts: [] });
    expect(plans.ok).toBe(true);
  });

  afterAll(async () => {
    await tables?.destroy();
  });

  it('stores a contract whose pinned versions exist, implicit version 1 included', async () => {
    const contract = { ...seed('acme-contract.yaml'), definitionVersions: { 'ticket.resolved': 1, 'order.recovered': 1 } };
    const response = await invoke({ plans: [], contracts: [contract] });
    if (!('items' in response)) throw new Error('expected items');
    expect(response.items).toEqual([expect.objectContaining({ kind: 'contract', status: 'created' })]);
    expect((await store.getContract(String(seed('acme-contract.yaml')['contractId'])))?.definitionVersions).toEqual({ 'ticket.resolved': 1, 'order.recovered': 1 });
  });

  it('refuses a pinned version the catalog does not hold, and a metric it does not know', async () => {
    const contract = { ...seed('acme-contract.yaml'), contractId: 'acme-pinned-3', definitionVersions: { 'ticket.resolved': 3, 'lead.qualified': 1 } };
    const response = await invoke({ plans: [], contracts: [contract] });
    expect(response.ok).toBe(false);
    if (!('items' in response)) throw new Error('expected items');
    const item = response.items[0] as { status: string; code: string; message: string };
    expect(item).toMatchObject({ status: 'failed', code: 'contract_invalid_for_plan' });
    expect(item.message).toContain('definitionVersions.ticket.resolved: metric "ticket.resolved" has no definition version 3 (versions: 1, 2)');
    expect(item.message).toContain('definitionVersions.lead.qualified: metric "lead.qualified" is not in the catalog');
    expect(await store.getContract('acme-pinned-3')).toBeUndefined();
  });
});

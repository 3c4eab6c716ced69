// The load-plans Lambda against the real DynamoDB Local: per-item results,
// immutable plan versions, contracts checked against their stored plan.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbPlanStore } from '../../../../lambdas/adapters/dynamodb/plan-store';
import { createLoadPlansHandler, type LoadPlansResponse } from '../../../../lambdas/handlers/load-plans';
import { createLambdaContext } from '../../../../lib/local/lambda-context';
import { SEED_PLANS_DIR } from '../../../../lib/local/seed-plans';
import { createTestTables, type TestTables } from '../../../support/dynamodb';

const seed = (name: string) => parse(readFileSync(join(SEED_PLANS_DIR, name), 'utf8')) as Record<string, unknown>;
const context = () => createLambdaContext({ functionName: 'load-plans', timeoutMs: 30_000, region: 'us-east-1', accountId: '000000000000' });

describe('load-plans handler', () => {
  let tables: TestTables;
  let store: DynamoDbPlanStore;
  let invoke: (event: unknown) => Promise<LoadPlansResponse>;

  beforeAll(async () => {
    tables = await createTestTables('load-plans');
    store = new DynamoDbPlanStore({ client: tables.client, tableName: tables.engineTableName });
    const handler = createLoadPlansHandler({ store: () => store, now: () => new Date('2026-11-20T12:00:00Z') });
    invoke = (event) => handler(event, context());
  });

  afterAll(async () => {
    await tables?.destroy();
  });

  it('stores valid items and reports each invalid one by path, losing nothing accepted', async () => {
    const { kind: _kind, ...plan } = seed('support-automation.yaml');
    const broken = { code: 'broken', name: 'Broken', currency: 'USD', versions: [{ version: 1, effectiveFrom: '2026-01-01', metrics: [], charges: [{ id: 'x', name: 'X', model: 'tiered' }] }] };
    const response = await invoke({ plans: [plan, broken], contracts: [seed('acme-contract.yaml')] });
    expect(response.ok).toBe(false);
    if (!('items' in response)) throw new Error('expected items');
    expect(response.items).toContainEqual(
      expect.objectContaining({ kind: 'plan', index: 1, id: 'broken', status: 'invalid', issues: [expect.objectContaining({ path: 'plans[1].versions[0].charges[0].model' })] }),
    );
    expect(response.items).toContainEqual({
      kind: 'plan',
      id: 'support-automation',
      status: 'loaded',
      versions: [
        { version: 1, status: 'created' },
        { version: 2, status: 'created' },
      ],
    });
    expect(response.items).toContainEqual({ kind: 'contract', id: 'ctr-acme-2026', status: 'created', revision: 1 });
    expect((await store.getContract('ctr-acme-2026'))?.customerId).toBe('acme');
    expect((await store.getPlan('support-automation'))?.versions.map((version) => version.version)).toEqual([1, 2]);
  });

  it('refuses a changed plan version by name and a contract whose plan is missing', async () => {
    const plan = seed('support-automation.yaml');
    const versions = plan['versions'] as Array<Record<string, unknown>>;
    const changed = { ...plan, versions: [{ ...versions[0], description: 'rewritten' }] };
    const response = await invoke({ plans: [changed], contracts: [seed('tokyo-contract.yaml')] });
    expect(response).toEqual({
      ok: false,
      items: [
        expect.objectContaining({ kind: 'plan', id: 'support-automation', status: 'failed', code: 'plan_version_conflict', message: expect.stringContaining('plan "support-automation" version 1 is already stored with different content') }),
        expect.objectContaining({ kind: 'contract', id: 'ctr-kaisha-2026', status: 'failed', code: 'plan_not_found' }),
      ],
    });
  });

  it('refuses versions that would not fit the stored ones and a change of currency', async () => {
    const plan = seed('support-automation.yaml');
    const versions = plan['versions'] as Array<Record<string, unknown>>;
    const early = await invoke({ plans: [{ ...plan, versions: [{ ...versions[1], version: 3, effectiveFrom: '2026-06-01' }] }] });
    expect(early).toMatchObject({ ok: false, items: [{ code: 'plan_versions_inconsistent' }] });
    const yen = seed('resolutions-jpy.yaml');
    const moved = await invoke({ plans: [{ ...yen, code: 'support-automation' }] });
    expect(moved).toMatchObject({ ok: false, items: [{ code: 'plan_currency_conflict' }] });
    expect((await store.getPlan('support-automation'))?.versions).toHaveLength(2);
  });

  it('answers a malformed request with a machine code', async () => {
    const response = await invoke({ plans: 'everything' });
    expect(response).toMatchObject({ ok: false, error: { code: 'invalid_request', message: expect.stringContaining('plans') } });
  });
});

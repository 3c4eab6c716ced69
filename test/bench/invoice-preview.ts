// Part of `npm run bench:rating`: the time of `invoice preview` for one
// contract whose period holds 100,000 outcomes, on DynamoDB Local (in memory).
// The ledger is seeded with BatchWriteItem straight into the ledger table,
// using the ledger's own item mapping, so seeding is fast; the preview then
// runs the real path: contract and plan from the engine table, every usage
// partition of the period queried, outcomes netted as of the cutoff,
// aggregated and rated.
import { performance } from 'node:perf_hooks';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BatchWriteItemCommand, DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createLedgerTables } from '../../lambdas/adapters/dynamodb/create-tables';
import { toLedgerItem } from '../../lambdas/adapters/dynamodb/ledger-items';
import { LedgerUsageReader } from '../../lambdas/adapters/dynamodb/ledger-usage-reader';
import { DynamoDbPlanStore } from '../../lambdas/adapters/dynamodb/plan-store';
import { mapWithConcurrency } from '../../lambdas/shared/map-with-concurrency';
import { loadContracts, loadPlans } from '../../lambdas/application/plans/load-plans';
import { previewInvoice } from '../../lambdas/application/plans/preview-invoice';
import { createLedgerService } from '../../lambdas/composition/ledger-service';
import type { LedgerEntry } from '../../lambdas/domain/ledger/ledger-entries';
import { loadContractSource, loadPlanSource } from '../../lambdas/domain/plans';
import { formatMinorUnits } from '../../lambdas/domain/money';
import { startDynamoDbLocal } from '../../lib/local/dynamodb-local';
import { LOCAL_CREDENTIALS } from '../../lib/local/local-aws';
import { SEED_PLANS_DIR } from '../../lib/local/seed-plans';
import { inMemoryDefinitionCatalog } from '../support/fakes/in-memory-definition-catalog';

const OUTCOMES = Number(process.env.BENCH_PREVIEW_OUTCOMES ?? 100_000);
/** One in ten outcomes is a recovered order with a value (the percentage charge's per-outcome path). */
const ORDER_EVERY = 10;
const RUNS = Number(process.env.BENCH_PREVIEW_RUNS ?? 3);
const LEDGER_TABLE = 'bench-preview-ledger';
const ENGINE_TABLE = 'bench-preview-engine';
// Acme's period 2026-11 runs 2026-11-15 .. 2026-12-15, New York midnights.
const PERIOD_START_MS = Date.parse('2026-11-15T05:00:00Z');
const PERIOD_MS = Date.parse('2026-12-15T05:00:00Z') - PERIOD_START_MS;
const RECORDED_AT_MS = Date.parse('2026-12-15T06:00:00Z');
const AS_OF = new Date('2026-12-15T07:00:00Z');

function entriesFor(index: number): LedgerEntry[] {
  const occurredAtMs = PERIOD_START_MS + Math.floor((index * PERIOD_MS) / OUTCOMES);
  const order = index % ORDER_EVERY === 0;
  const outcomeId = `${order ? 'ord' : 'tkt'}-${index}`;
  const base = { outcomeId, customerId: 'acme', occurredAtMs, recordedAtMs: RECORDED_AT_MS + (index % 1000) };
  if (!order) {
    return [
      {
        ...base,
        kind: 'recorded',
        metric: 'ticket.resolved',
        quantity: '1',
        value: undefined,
        attributesJson: JSON.stringify({ agentId: `agent-${index % 40}` }),
        billableRule: { when: 'immediately' },
        attributed: true,
      },
    ];
  }
  const amount = `${(index % 2000) + 1}.${String(index % 100).padStart(2, '0')}`;
  return [
    {
      ...base,
      kind: 'recorded',
      metric: 'order.recovered',
      quantity: '1',
      value: { amount, currency: 'USD' },
      attributesJson: undefined,
      billableRule: { when: 'verified' },
      attributed: true,
    },
    { ...base, kind: 'verified', metric: 'order.recovered', recordedAtMs: base.recordedAtMs + 1, verifiedAtMs: undefined },
  ];
}

async function writeBatch(client: DynamoDBClient, requests: WriteRequest[]): Promise<void> {
  let pending = requests;
  for (let attempt = 0; pending.length > 0; attempt += 1) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** attempt)));
    const output = await client.send(new BatchWriteItemCommand({ RequestItems: { [LEDGER_TABLE]: pending } }));
    pending = output.UnprocessedItems?.[LEDGER_TABLE] ?? [];
  }
}

async function seedLedger(client: DynamoDBClient): Promise<number> {
  const requests: WriteRequest[] = [];
  for (let index = 0; index < OUTCOMES; index += 1) {
    for (const entry of entriesFor(index)) requests.push({ PutRequest: { Item: toLedgerItem(entry) } });
  }
  const batches: WriteRequest[][] = [];
  for (let start = 0; start < requests.length; start += 25) batches.push(requests.slice(start, start + 25));
  await mapWithConcurrency(batches, 16, (batch) => writeBatch(client, batch));
  return requests.length;
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);
const perSecond = (count: number, ms: number) => Math.round((count * 1000) / ms).toLocaleString('en-US');

async function main(): Promise<void> {
  const dynamoDbLocal = await startDynamoDbLocal();
  const client = new DynamoDBClient({ endpoint: dynamoDbLocal.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  const eventBridge = new EventBridgeClient({ region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  try {
    await createLedgerTables(client, { ledgerTableName: LEDGER_TABLE, engineTableName: ENGINE_TABLE });
    const store = new DynamoDbPlanStore({ client, tableName: ENGINE_TABLE });
    const read = (name: string) => readFile(join(SEED_PLANS_DIR, name), 'utf8').then((text) => ({ path: name, text }));
    await loadPlans({ store }, [loadPlanSource(await read('support-automation.yaml'))]);
    await loadContracts({ store, now: () => AS_OF }, [loadContractSource(await read('acme-contract.yaml'))]);

    const seedStart = performance.now();
    const items = await seedLedger(client);
    const seedMs = performance.now() - seedStart;
    console.log(`seeded ${items.toLocaleString('en-US')} ledger items (${OUTCOMES.toLocaleString('en-US')} outcomes) in ${seconds(seedMs)} s with BatchWriteItem`);

    const ledger = createLedgerService({ dynamoDb: client, eventBridge, eventBusName: 'bench', ledgerTableName: LEDGER_TABLE, engineTableName: ENGINE_TABLE });
    const usage = new LedgerUsageReader({ ledger: ledger.repository });
    const timings: number[] = [];
    let total = '';
    for (let run = 0; run < RUNS; run += 1) {
      const start = performance.now();
      const draft = await previewInvoice(
        { contracts: store, usage, definitions: inMemoryDefinitionCatalog(), now: () => AS_OF },
        { contractId: 'ctr-acme-2026', periodId: '2026-11', asOf: AS_OF },
      );
      timings.push(performance.now() - start);
      total = `${formatMinorUnits(draft.total, draft.currency)} ${draft.currency}, ${draft.lines.length} lines, resolutions ${draft.lines.find((line) => line.chargeId === 'resolutions')?.quantity ?? '?'}`;
    }
    const first = timings[0] ?? 0;
    const best = Math.min(...timings);
    console.log(`invoice preview, one contract, ${OUTCOMES.toLocaleString('en-US')} outcomes in its period (DynamoDB Local, in memory):`);
    console.log(`  first run  ${seconds(first)} s  ${perSecond(OUTCOMES, first)} outcomes/s`);
    console.log(`  best of ${RUNS}  ${seconds(best)} s  ${perSecond(OUTCOMES, best)} outcomes/s`);
    console.log(`  draft      ${total}`);
  } finally {
    client.destroy();
    eventBridge.destroy();
    await dynamoDbLocal.stop();
  }
}

await main();

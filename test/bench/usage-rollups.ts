// `npm run bench:usage`: invoice preview through the usage rollups against
// the raw scan, on one DynamoDB Local, at 10,000 and 100,000 outcomes in a
// contract's period; the rollups' added write units per outcome at 100 and
// 1 outcome(s) per second for one customer; ingest throughput with the
// stream reader running and without. Prints figures; asserts only that both
// paths price the very same invoice.
import { performance } from 'node:perf_hooks';
import { BatchWriteItemCommand, DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { createLedgerTables } from '../../lambdas/adapters/dynamodb/create-tables';
import { toLedgerItem } from '../../lambdas/adapters/dynamodb/ledger-items';
import { DynamoDbRollupProgress, DynamoDbRollupStore } from '../../lambdas/adapters/dynamodb/rollup-store';
import { mapWithConcurrency } from '../../lambdas/shared/map-with-concurrency';
import { loadContracts, loadPlans } from '../../lambdas/application/plans/load-plans';
import { previewInvoice } from '../../lambdas/application/plans/preview-invoice';
import { applyLedgerChanges } from '../../lambdas/application/usage/apply-ledger-changes';
import { DynamoDbPlanStore } from '../../lambdas/adapters/dynamodb/plan-store';
import { createLedgerService } from '../../lambdas/composition/ledger-service';
import { createUsageRollupService } from '../../lambdas/composition/usage-rollup-service';
import type { LedgerEntry } from '../../lambdas/domain/ledger/ledger-entries';
import { loadContractSource, loadPlanSource } from '../../lambdas/domain/plans';
import { formatMinorUnits } from '../../lambdas/domain/money';
import { startDynamoDbLocal } from '../../lib/local/dynamodb-local';
import { LOCAL_CREDENTIALS } from '../../lib/local/local-aws';
import { LedgerStreamReader } from '../../lib/local/ledger-stream-reader';
import { createApplyLedgerChangesHandler } from '../../lambdas/handlers/apply-ledger-changes';
import { inMemoryDefinitionCatalog } from '../support/fakes/in-memory-definition-catalog';

const RUNS = Number(process.env.BENCH_USAGE_RUNS ?? 3);
const SIZES = [10_000, 100_000];
const LEDGER_TABLE = 'bench-usage-ledger';
const ENGINE_TABLE = 'bench-usage-engine';
// The period 2026-11 of a contract billed in Kolkata time (+05:30): it runs
// from 2026-10-31T18:30Z, a boundary only 15-minute buckets keep.
const PERIOD_START_MS = Date.parse('2026-10-31T18:30:00Z');
const PERIOD_END_MS = Date.parse('2026-11-30T18:30:00Z');
const AS_OF = new Date('2026-12-01T12:00:00Z');
const ORDER_EVERY = 10;

const PLAN = `
kind: plan
code: usage-bench
name: Usage bench
currency: USD
versions:
  - version: 1
    effectiveFrom: 2026-01-01
    metrics:
      - code: resolutions
        ledgerMetric: ticket.resolved
        aggregation: count
      - code: recovered-value
        ledgerMetric: order.recovered
        aggregation: sum_value
    charges:
      - id: platform
        name: Platform fee
        model: flat
        amount: "500.00"
      - id: resolutions
        name: Resolved tickets
        model: graduated
        metric: resolutions
        tiers:
          - upTo: 1000
            unitPrice: "1.50"
          - unitPrice: "0.90"
      - id: recovered
        name: Recovered value
        model: graduated
        metric: recovered-value
        tiers:
          - unitPrice: "0.025"
`;

const contract = (customerId: string) => `
kind: contract
contractId: ctr-${customerId}
customerId: ${customerId}
plan:
  code: usage-bench
  version: latest
termStart: 2026-01-01
termEnd: 2027-01-01
billingPeriod:
  cadence: monthly
  anchorDay: 1
timeZone: Asia/Kolkata
currency: USD
`;

/** Outcomes spread over the period, each recorded a minute after it occurred; one in ten a valued order. */
function entriesFor(customerId: string, count: number): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  for (let index = 0; index < count; index += 1) {
    const occurredAtMs = PERIOD_START_MS + Math.floor((index * (PERIOD_END_MS - PERIOD_START_MS)) / count);
    const order = index % ORDER_EVERY === 0;
    entries.push({
      kind: 'recorded',
      outcomeId: `${customerId}-${index}`,
      customerId,
      metric: order ? 'order.recovered' : 'ticket.resolved',
      occurredAtMs,
      recordedAtMs: occurredAtMs + 60_000,
      quantity: '1',
      value: order ? { amount: `${(index % 2000) + 1}.${String(index % 100).padStart(2, '0')}`, currency: 'USD' } : undefined,
      attributesJson: undefined,
      billableRule: { when: 'immediately' },
      attributed: true,
    });
  }
  return entries;
}

async function seed(client: DynamoDBClient, entries: readonly LedgerEntry[]): Promise<void> {
  const batches: WriteRequest[][] = [];
  for (let start = 0; start < entries.length; start += 25) {
    batches.push(entries.slice(start, start + 25).map((entry) => ({ PutRequest: { Item: toLedgerItem(entry) } })));
  }
  await mapWithConcurrency(batches, 16, async (requests) => {
    let pending = requests;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** attempt)));
      const output = await client.send(new BatchWriteItemCommand({ RequestItems: { [LEDGER_TABLE]: pending } }));
      pending = output.UnprocessedItems?.[LEDGER_TABLE] ?? [];
    }
  });
}

const ms = (value: number) => `${value.toFixed(value < 100 ? 1 : 0)} ms`;
const best = (values: number[]) => Math.min(...values);

async function main(): Promise<void> {
  // The handler's metrics are for CloudWatch, not this output.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const dynamoDbLocal = await startDynamoDbLocal();
  const client = new DynamoDBClient({ endpoint: dynamoDbLocal.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  const eventBridge = new EventBridgeClient({ region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  // The ledger publishes rejections only; none happen here, so the bus is a no-op.
  eventBridge.send = (async () => ({ FailedEntryCount: 0, Entries: [] })) as unknown as typeof eventBridge.send;
  void PutEventsCommand;
  try {
    await createLedgerTables(client, { ledgerTableName: LEDGER_TABLE, engineTableName: ENGINE_TABLE });
    const store = new DynamoDbPlanStore({ client, tableName: ENGINE_TABLE });
    await loadPlans({ store }, [loadPlanSource({ path: 'usage-bench.yaml', text: PLAN })]);
    await loadContracts({ store, now: () => AS_OF }, SIZES.map((size) => loadContractSource({ path: `c${size}.yaml`, text: contract(`c${size}`) })));
    const ledger = createLedgerService({ dynamoDb: client, eventBridge, eventBusName: 'bench', ledgerTableName: LEDGER_TABLE, engineTableName: ENGINE_TABLE, now: () => AS_OF });
    const rollups = createUsageRollupService({ dynamoDb: client, engineTableName: ENGINE_TABLE, ledgerTableName: LEDGER_TABLE, ledger: ledger.repository, progress: { kind: 'stored' } });
    const handler = createApplyLedgerChangesHandler(async () => ({ rollups: rollups.store, ledger: rollups.ledger }));
    const reader = new LedgerStreamReader({
      dynamoDb: client,
      ledgerTableName: LEDGER_TABLE,
      apply: (event) => handler(event),
      progress: new DynamoDbRollupProgress({ client, tableName: ENGINE_TABLE }),
      now: () => AS_OF,
    });

    for (const size of SIZES) {
      const seedStart = performance.now();
      await seed(client, entriesFor(`c${size}`, size));
      const seeded = performance.now() - seedStart;
      const applyStart = performance.now();
      const applied = await reader.drain();
      const applyMs = performance.now() - applyStart;
      console.log(`c${size}: seeded ${size.toLocaleString('en-US')} outcomes in ${ms(seeded)}; stream reader applied ${applied.toLocaleString('en-US')} records in ${ms(applyMs)} (${Math.round((applied * 1000) / applyMs).toLocaleString('en-US')}/s)`);
    }

    console.log(`\ninvoice preview of one contract-period (DynamoDB Local, in memory), best of ${RUNS}:`);
    const results: Record<string, { raw: number; rollups: number }> = {};
    for (const size of SIZES) {
      const timings = { raw: [] as number[], rollups: [] as number[] };
      const totals = new Set<string>();
      for (let run = 0; run < RUNS; run += 1) {
        for (const path of ['raw', 'rollups'] as const) {
          const start = performance.now();
          const draft = await previewInvoice(
            { contracts: store, usage: path === 'raw' ? rollups.raw : rollups.reader, definitions: inMemoryDefinitionCatalog(), now: () => AS_OF },
            { contractId: `ctr-c${size}`, periodId: '2026-11', asOf: AS_OF },
          );
          timings[path].push(performance.now() - start);
          totals.add(JSON.stringify(draft.lines.map((line) => [line.chargeId, line.quantity, String(line.amount)])) + formatMinorUnits(draft.total, draft.currency));
        }
      }
      if (totals.size !== 1) throw new Error(`the rollups priced c${size} differently from the raw scan: ${[...totals].join(' vs ')}`);
      results[size] = { raw: best(timings.raw), rollups: best(timings.rollups) };
      console.log(`  ${size.toLocaleString('en-US').padStart(7)} outcomes  raw scan ${ms(best(timings.raw)).padStart(9)}   through rollups ${ms(best(timings.rollups)).padStart(8)}   ${(best(timings.raw) / best(timings.rollups)).toFixed(0)}x faster   (same invoice)`);
    }
    const small = results[SIZES[0] as number];
    const large = results[SIZES[1] as number];
    if (small && large) console.log(`  through rollups, 100,000 vs 10,000 outcomes: ${(large.rollups / small.rollups).toFixed(2)}x the time`);

    console.log('\nrollup write units per outcome, one customer, Lambda batching window 5 s:');
    for (const rate of [100, 1]) {
      const meter = new DynamoDbRollupStore({ client, tableName: ENGINE_TABLE });
      const perBatch = rate * 5;
      const batches = Math.max(20, Math.ceil(3000 / perBatch));
      const startMs = Date.parse('2026-11-10T00:00:00Z');
      let outcomes = 0;
      let transactionItems = 0;
      const counting = {
        readAppliedEntries: meter.readAppliedEntries.bind(meter),
        readCells: meter.readCells.bind(meter),
        replaceCells: meter.replaceCells.bind(meter),
        applyBatch: async (batch: Parameters<typeof meter.applyBatch>[0]) => {
          // Cells plus adjusted outcomes, and a marker per chunk of 99.
          const items = batch.changes.length + batch.appliedEntries.size;
          transactionItems += items + Math.ceil(items / 99);
          return meter.applyBatch(batch);
        },
      };
      for (let batch = 0; batch < batches; batch += 1) {
        const changes = Array.from({ length: perBatch }, (_, index) => {
          const n = batch * perBatch + index;
          const recordedAtMs = startMs + Math.floor((n * 1000) / rate);
          const entry: LedgerEntry = {
            kind: 'recorded', outcomeId: `rate${rate}-${n}`, customerId: `rate${rate}`, metric: 'ticket.resolved',
            occurredAtMs: recordedAtMs - 2000, recordedAtMs, quantity: '1', value: undefined, attributesJson: undefined,
            billableRule: { when: 'immediately' }, attributed: true,
          };
          return { sequence: String(n), entry };
        });
        outcomes += changes.length;
        await applyLedgerChanges({ rollups: counting, ledger: rollups.ledger }, `rate${rate}#${batch}`, changes);
      }
      const reported = meter.capacity.snapshot().writeUnits;
      // AWS bills TransactWriteItems 2 write units per item of up to 1 KB (cells and markers are far below 1 KB).
      const billed = 2 * transactionItems;
      console.log(
        `  ${String(rate).padStart(3)} outcome(s)/s: ${(billed / outcomes).toFixed(4)} write units per outcome as AWS bills transactions (${billed} units, ${transactionItems} items for ${outcomes.toLocaleString('en-US')} outcomes); DynamoDB Local reported ${(reported / outcomes).toFixed(4)}`,
      );
    }

    console.log('\ningest throughput through the real ingest path (20,000 outcomes, 16 at a time), stream reader off and on:');
    const ingest = async (label: string) => {
      const start = performance.now();
      await mapWithConcurrency(Array.from({ length: 20_000 }, (_, index) => index), 16, (index) =>
        ledger.ingestMessage({
          messageId: `${label}-${index}`,
          body: JSON.stringify({
            version: '0', id: `${label}-${index}`, 'detail-type': 'Outcome Recorded', source: 'bench', account: '0', time: AS_OF.toISOString(), region: 'us-east-1', resources: [],
            detail: { outcomeId: `${label}-${index}`, customerId: 'acme', metric: 'ticket.resolved', occurredAt: new Date(AS_OF.getTime() - 60_000).toISOString() },
          }),
        }),
      );
      return 20_000 / ((performance.now() - start) / 1000);
    };
    await ledger.loadCatalog({ metrics: [{ code: 'ticket.resolved', name: 'Resolved ticket', unit: 'resolution', aggregation: 'count' }], customers: [{ customerId: 'acme', name: 'Acme' }] });
    const off = await ingest('off');
    await reader.drain();
    await reader.start();
    const on = await ingest('on');
    await reader.stop();
    console.log(`  off ${Math.round(off).toLocaleString('en-US')} outcomes/s, on ${Math.round(on).toLocaleString('en-US')} outcomes/s: ${(on / off).toFixed(2)}x`);
  } finally {
    client.destroy();
    eventBridge.destroy();
    await dynamoDbLocal.stop();
  }
}

await main();

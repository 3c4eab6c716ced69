// `npm run bench:usage`: every figure of the usage rollups' targets, in one
// run on one DynamoDB Local:
//   - `invoice preview` and `spend` of one contract-period at 10,000 and
//     100,000 outcomes, through the rollups and through the raw scan (best of
//     BENCH_USAGE_RUNS), with where the rollup path's time goes;
//   - target: through the rollups at least 50x faster than the raw scan at
//     100,000 outcomes, and at most 1.5x slower at 100,000 than at 10,000;
//   - the rollups' added DynamoDB write units per outcome when one customer
//     sends 100 outcomes a second (target at most 0.1) and 1 a second;
//   - ingest throughput through bench:ingest's path (real EventBridge client
//     -> PutEvents endpoint -> bus -> queue -> handler -> ledger) with the
//     usage rollups on (the ledger's stream read by the local stream reader,
//     as under `npm start`) against off (target at least 0.9x).
// Every figure is printed with PASS or FAIL against its target; both paths
// must price the very same invoice and spend, or the run fails.
//
// Settings (environment): BENCH_USAGE_RUNS (5), BENCH_USAGE_SIZES
// (10000,100000), BENCH_USAGE_PARTS (queries,writes,ingest: which figures
// to measure), BENCH_USAGE_INGEST_OUTCOMES (20000 per setting),
// BENCH_USAGE_INGEST_ROUNDS (4, and at least one per 2,500 outcomes; off and
// on alternate, round by round).
import './ingest-environment';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BatchWriteItemCommand, DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createLedgerTables } from '../../lambdas/adapters/dynamodb/create-tables';
import { toLedgerItem } from '../../lambdas/adapters/dynamodb/ledger-items';
import { DynamoDbRollupProgress, DynamoDbRollupStore } from '../../lambdas/adapters/dynamodb/rollup-store';
import { mapWithConcurrency } from '../../lambdas/shared/map-with-concurrency';
import { loadContracts, loadPlans } from '../../lambdas/application/plans/load-plans';
import { previewInvoice } from '../../lambdas/application/plans/preview-invoice';
import { reportSpend } from '../../lambdas/application/plans/report-spend';
import type { ContractReader, UsageReader } from '../../lambdas/application/billing/ports';
import { applyLedgerChanges } from '../../lambdas/application/usage/apply-ledger-changes';
import type { RollupLedger, RollupProgress, RollupStore, UsageWindowReader } from '../../lambdas/application/usage/ports';
import { RollupUsageReader } from '../../lambdas/application/usage/read-usage-through-rollups';
import { DynamoDbPlanStore } from '../../lambdas/adapters/dynamodb/plan-store';
import { createLedgerService } from '../../lambdas/composition/ledger-service';
import { createUsageRollupService } from '../../lambdas/composition/usage-rollup-service';
import type { LedgerEntry } from '../../lambdas/domain/ledger/ledger-entries';
import { loadContractSource, loadPlanSource } from '../../lambdas/domain/plans';
import { formatMinorUnits } from '../../lambdas/domain/money';
import { startDynamoDbLocal } from '../../lib/local/dynamodb-local';
import { LOCAL_CREDENTIALS } from '../../lib/local/local-aws';
import { startLocalEngine, type LocalEngine } from '../../lib/local/local-engine';
import { LedgerStreamReader } from '../../lib/local/ledger-stream-reader';
import { createApplyLedgerChangesHandler } from '../../lambdas/handlers/apply-ledger-changes';
import { inMemoryDefinitionCatalog } from '../support/fakes/in-memory-definition-catalog';
import { ProducerThread } from './ingest-producer-thread';
import { CUSTOMERS, NOW as INGEST_NOW } from './ingest-workload';

const settings = {
  runs: Number(process.env.BENCH_USAGE_RUNS ?? 5),
  sizes: (process.env.BENCH_USAGE_SIZES ?? '10000,100000').split(',').map(Number),
  ingestOutcomes: Number(process.env.BENCH_USAGE_INGEST_OUTCOMES ?? 20_000),
  ingestRounds: 0,
  parts: new Set((process.env.BENCH_USAGE_PARTS ?? 'queries,writes,ingest').split(',').map((part) => part.trim())),
};
// Rounds of at most 2,500 outcomes: a larger burst outgrows the engine's queue backlog (5,000) and the bus throttles it.
settings.ingestRounds = Math.max(Number(process.env.BENCH_USAGE_INGEST_ROUNDS ?? 4), Math.ceil(settings.ingestOutcomes / 2500));
const TARGETS = { speedup: 50, growth: 1.5, writeUnitsPerOutcome: 0.1, ingestRatio: 0.9 };
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
const verdict = (pass: boolean) => (pass ? 'PASS' : 'FAIL');
const count = (value: number) => value.toLocaleString('en-US');
/** `spend` reports the period open at its cutoff: half an hour before 2026-11 ends (Kolkata time). */
const SPEND_AS_OF = new Date(PERIOD_END_MS - 30 * 60_000);

/** Time spent in each port the rollup path calls; calls overlap, so these are sums of call durations, not wall time. */
class PhaseTimes {
  private readonly totals = new Map<string, { ms: number; calls: number }>();

  add(phase: string, elapsedMs: number): void {
    const total = this.totals.get(phase) ?? { ms: 0, calls: 0 };
    total.ms += elapsedMs;
    total.calls += 1;
    this.totals.set(phase, total);
  }

  async time<T>(phase: string, work: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.add(phase, performance.now() - start);
    }
  }

  reset(): void {
    this.totals.clear();
  }

  describe(): string {
    return [...this.totals].map(([phase, total]) => `${phase} ${ms(total.ms)} in ${total.calls}`).join(', ');
  }
}

function timedContracts(contracts: ContractReader, phases: PhaseTimes): ContractReader {
  return {
    getContract: (contractId) => phases.time('contract', () => contracts.getContract(contractId)),
    getPlan: (planCode) => phases.time('plan', () => contracts.getPlan(planCode)),
  };
}

/** The service's rollup reader, with each port it calls timed. */
function timedRollupReader(parts: { store: RollupStore; progress: RollupProgress; ledger: RollupLedger; raw: UsageWindowReader }, phases: PhaseTimes): RollupUsageReader {
  return new RollupUsageReader({
    rollups: {
      readCells: (query) => phases.time('sealed-cell reads', () => parts.store.readCells(query)),
      recordedDayCellsFromMs: () => phases.time('cell layout', () => parts.store.recordedDayCellsFromMs()),
      bucketStartCountsFromMs: () => phases.time('cell layout', () => parts.store.bucketStartCountsFromMs?.() ?? Promise.resolve(undefined)),
    },
    progress: {
      sealedBeforeMs: () => phases.time('seal', () => parts.progress.sealedBeforeMs()),
      ...(parts.progress.lastDrain
        ? {
            lastDrain: async () => {
              const drain = await phases.time('seal', () => parts.progress.lastDrain?.() ?? Promise.resolve(undefined));
              return (
                drain && {
                  ...drain,
                  checkNothingWrittenSince: () => {
                    const answer = phases.time('stream check (started with the cell reads)', async () => drain.checkNothingWrittenSince());
                    return async () => phases.time('stream check, answer after the cell reads', async () => (await answer)());
                  },
                }
              );
            },
          }
        : {}),
    },
    ledger: {
      getOutcomeEntries: (outcomeId) => phases.time('tail outcome reads', () => parts.ledger.getOutcomeEntries(outcomeId)),
      streamUsageEntries: (query) => ({
        async *[Symbol.asyncIterator]() {
          const start = performance.now();
          for await (const page of parts.ledger.streamUsageEntries(query)) yield page;
          phases.add(query.recordedFromMs === undefined ? 'raw reads' : 'tail queries', performance.now() - start);
        },
      }),
    },
    raw: parts.raw,
  });
}

/** A draft's lines and total, or a spend report, as text: both paths must give the very same. */
const fingerprint = (value: unknown) => JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item));

async function measureQueries(context: {
  store: DynamoDbPlanStore;
  raw: UsageReader;
  rollups: RollupUsageReader;
  phases: PhaseTimes;
}): Promise<Record<'preview' | 'spend', Record<number, { raw: number; rollups: number }>>> {
  const results: Record<'preview' | 'spend', Record<number, { raw: number; rollups: number }>> = { preview: {}, spend: {} };
  const contracts = timedContracts(context.store, context.phases);
  const queries = {
    preview: async (size: number, usage: UsageReader) => {
      const draft = await previewInvoice({ contracts, usage, definitions: inMemoryDefinitionCatalog(), now: () => AS_OF }, { contractId: `ctr-c${size}`, periodId: '2026-11', asOf: AS_OF });
      return fingerprint(draft.lines.map((line) => [line.chargeId, line.quantity, String(line.amount)])) + formatMinorUnits(draft.total, draft.currency);
    },
    spend: async (size: number, usage: UsageReader) => fingerprint(await reportSpend({ contracts, usage, definitions: inMemoryDefinitionCatalog(), now: () => SPEND_AS_OF }, { contractId: `ctr-c${size}`, asOf: SPEND_AS_OF })),
  };
  for (const [name, query] of Object.entries(queries) as [keyof typeof queries, (typeof queries)[keyof typeof queries]][]) {
    console.log(`\n${name === 'preview' ? 'invoice preview of 2026-11 as of 2026-12-01T12:00Z' : `spend of 2026-11 as of ${SPEND_AS_OF.toISOString()}`}, best of ${settings.runs}:`);
    for (const size of settings.sizes) {
      const timings = { raw: [] as number[], rollups: [] as number[] };
      const answers = new Set<string>();
      let phasesOfBest = '';
      for (let run = 0; run < settings.runs; run += 1) {
        for (const path of ['raw', 'rollups'] as const) {
          context.phases.reset();
          const start = performance.now();
          answers.add(await query(size, path === 'raw' ? context.raw : context.rollups));
          const elapsed = performance.now() - start;
          if (path === 'rollups' && elapsed <= best([elapsed, ...timings.rollups])) phasesOfBest = context.phases.describe();
          timings[path].push(elapsed);
        }
      }
      if (answers.size !== 1) throw new Error(`the rollups answered ${name} of c${size} differently from the raw scan: ${[...answers].join(' vs ')}`);
      const figures = { raw: best(timings.raw), rollups: best(timings.rollups) };
      results[name][size] = figures;
      console.log(`  ${count(size).padStart(7)} outcomes  raw scan ${ms(figures.raw).padStart(9)}   through rollups ${ms(figures.rollups).padStart(8)}   ${(figures.raw / figures.rollups).toFixed(1)}x   (same answer)`);
      console.log(`      rollup path, time in calls: ${phasesOfBest}`);
    }
  }
  return results;
}

async function measureWriteUnits(rollups: { ledger: RollupLedger }, client: DynamoDBClient): Promise<Record<number, number>> {
  console.log('\nrollup write units per outcome, one customer, Lambda batching window 5 s:');
  const perOutcome: Record<number, number> = {};
  for (const rate of [100, 1]) {
    const meter = new DynamoDbRollupStore({ client, tableName: ENGINE_TABLE });
    const perBatch = rate * 5;
    const batches = Math.max(20, Math.ceil(3000 / perBatch));
    const startMs = Date.parse('2026-11-10T00:00:00Z');
    let outcomes = 0;
    let transactionItems = 0;
    const counting: RollupStore = {
      readAppliedEntries: meter.readAppliedEntries.bind(meter),
      readCells: meter.readCells.bind(meter),
      recordedDayCellsFromMs: meter.recordedDayCellsFromMs.bind(meter),
      replaceCells: meter.replaceCells.bind(meter),
      applyBatch: async (batch) => {
        // Cells (a day cell twice: itself and its recorded-first copy) plus adjusted outcomes, and a marker per chunk of 99.
        const dayCells = batch.changes.filter((change) => change.key.occurredSpanMs !== undefined && change.key.recordedSpanMs === undefined).length;
        const items = batch.changes.length + dayCells + batch.appliedEntries.size;
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
    perOutcome[rate] = billed / outcomes;
    const target = rate === 100 ? `   target <= ${TARGETS.writeUnitsPerOutcome}: ${verdict(billed / outcomes <= TARGETS.writeUnitsPerOutcome)}` : '';
    console.log(
      `  ${String(rate).padStart(3)} outcome(s)/s: ${(billed / outcomes).toFixed(4)} write units per outcome as AWS bills transactions (${billed} units, ${transactionItems} items for ${count(outcomes)} outcomes; DynamoDB Local reported ${(reported / outcomes).toFixed(4)})${target}`,
    );
  }
  return perOutcome;
}

/** One local engine on the shared DynamoDB Local, as bench:ingest runs it, with the usage rollups on or off. */
async function startIngestEngine(endpoint: string, dataDir: string, usageRollups: boolean): Promise<LocalEngine> {
  const suffix = randomUUID().slice(0, 8);
  return startLocalEngine({
    usageRollups,
    port: 0,
    dynamoDbEndpoint: endpoint,
    dataDir: join(dataDir, `engine-${suffix}`),
    inMemory: true,
    ledgerTableName: `bench-ingest-ledger-${suffix}`,
    engineTableName: `bench-ingest-engine-${suffix}`,
    now: () => INGEST_NOW,
    writeStateFile: false,
    // bench:ingest's defaults: 4 invocations in flight, 10 records each.
    queue: { maxConcurrency: 4 },
    recordConcurrency: 10,
  });
}

/** Every outcome the rollups of this engine have counted (all customers of the workload; they occurred within a day of its clock). */
async function countedByRollups(engine: LocalEngine, client: DynamoDBClient): Promise<bigint> {
  const store = new DynamoDbRollupStore({ client, tableName: engine.engineTableName });
  let total = 0n;
  for (const customerId of CUSTOMERS) {
    const cells = await store.readCells({
      customerId, metric: 'order.recovered', daily: true,
      fromMs: Date.parse('2026-11-01T00:00:00Z'), toMs: Date.parse('2026-12-01T00:00:00Z'),
    });
    for (const cell of cells) total += cell.fields.get('a.n') ?? 0n;
  }
  return total;
}

/**
 * On a DynamoDB Local of its own, as bench:ingest runs: the outcomes seeded
 * above (and their stream records) would otherwise share it with both engines.
 */
async function measureIngest(): Promise<number> {
  const dynamoDbLocal = await startDynamoDbLocal();
  const client = new DynamoDBClient({ endpoint: dynamoDbLocal.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  try {
    return await measureIngestOn(dynamoDbLocal.endpoint, client);
  } finally {
    client.destroy();
    await dynamoDbLocal.stop();
  }
}

async function measureIngestOn(endpoint: string, client: DynamoDBClient): Promise<number> {
  const perRound = Math.ceil(settings.ingestOutcomes / settings.ingestRounds);
  console.log(
    `\ningest throughput, bench:ingest's path (real EventBridge client -> PutEvents endpoint -> bus -> queue -> handler -> ledger, 8 senders, 4 invocations x 10 records in flight), ` +
      `${count(perRound * settings.ingestRounds)} outcomes of ~1 KB per setting in ${settings.ingestRounds} alternating rounds; rollups on = the ledger's stream read by the local stream reader meanwhile:`,
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-usage-ingest-'));
  const producers = ProducerThread.start();
  const engines = { off: await startIngestEngine(endpoint, dataDir, false), on: await startIngestEngine(endpoint, dataDir, true) };
  const seconds = { off: 0, on: 0 };
  const sent = { off: 0, on: 0 };
  let catchUpMs = 0;
  const perRoundRates: string[] = [];
  try {
    for (let round = -1; round < settings.ingestRounds; round += 1) {
      // Round -1 warms both engines up (JIT, connections, tables) and is not counted.
      const outcomes = round < 0 ? 1000 : perRound;
      const rates: Partial<Record<'off' | 'on', number>> = {};
      for (const setting of round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
        const engine = engines[setting];
        await producers.prepare(`${setting}-${round}`, outcomes, 1);
        const start = performance.now();
        const refused = await producers.send(engine.url, 8);
        await engine.drain();
        const elapsed = performance.now() - start;
        if (refused > 0 || (await engine.deadLetters()).length > 0) throw new Error(`ingest round ${round} (${setting}) was not clean: ${refused} refused`);
        sent[setting] += outcomes;
        if (setting === 'on') {
          // The next round starts once the stream reader has caught up, so each round carries its own rollup work.
          const caughtUpStart = performance.now();
          while ((await countedByRollups(engine, client)) < BigInt(sent.on)) await new Promise((resolve) => setTimeout(resolve, 100));
          if (round >= 0) catchUpMs = Math.max(catchUpMs, performance.now() - caughtUpStart);
        }
        if (round >= 0) seconds[setting] += elapsed / 1000;
        rates[setting] = (outcomes * 1000) / elapsed;
      }
      // Whether the rollups slow ingest down as the stream grows: the ratio round by round.
      if (round >= 0) perRoundRates.push(`${count(sent.on)}: ${((rates.on ?? 0) / (rates.off ?? 1)).toFixed(2)}`);
    }
  } finally {
    await producers.stop();
    await engines.off.stop();
    await engines.on.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const counted = perRound * settings.ingestRounds;
  const off = counted / seconds.off;
  const on = counted / seconds.on;
  console.log(`  rollups off ${count(Math.round(off))} outcomes/s, on ${count(Math.round(on))} outcomes/s: ${(on / off).toFixed(2)}x   target >= ${TARGETS.ingestRatio}x: ${verdict(on / off >= TARGETS.ingestRatio)}`);
  console.log(`  the stream reader had applied every round at most ${ms(catchUpMs)} after its last outcome was written`);
  console.log(`  on / off by outcomes in the stream so far: ${perRoundRates.join(', ')}`);
  return on / off;
}

async function main(): Promise<void> {
  const dynamoDbLocal = await startDynamoDbLocal();
  const client = new DynamoDBClient({ endpoint: dynamoDbLocal.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  const eventBridge = new EventBridgeClient({ region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  // The ledger publishes rejections only; none happen here, so the bus is a no-op.
  eventBridge.send = (async () => ({ FailedEntryCount: 0, Entries: [] })) as unknown as typeof eventBridge.send;
  try {
    await createLedgerTables(client, { ledgerTableName: LEDGER_TABLE, engineTableName: ENGINE_TABLE });
    const store = new DynamoDbPlanStore({ client, tableName: ENGINE_TABLE });
    await loadPlans({ store }, [loadPlanSource({ path: 'usage-bench.yaml', text: PLAN })]);
    await loadContracts({ store, now: () => AS_OF }, settings.sizes.map((size) => loadContractSource({ path: `c${size}.yaml`, text: contract(`c${size}`) })));
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
    for (const size of settings.parts.has('queries') ? settings.sizes : []) {
      const seedStart = performance.now();
      await seed(client, entriesFor(`c${size}`, size));
      const seeded = performance.now() - seedStart;
      const applyStart = performance.now();
      const applied = await reader.drain();
      const applyMs = performance.now() - applyStart;
      console.log(`c${size}: seeded ${count(size)} outcomes in ${ms(seeded)}; stream reader applied ${count(applied)} records in ${ms(applyMs)} (${count(Math.round((applied * 1000) / applyMs))}/s)`);
    }
    await reader.stop();

    if (settings.parts.has('queries')) await reportQueries({ store, rollups, ledger });
    if (settings.parts.has('writes')) await measureWriteUnits(rollups, client);
  } finally {
    client.destroy();
    eventBridge.destroy();
    await dynamoDbLocal.stop();
  }
  if (settings.parts.has('ingest')) await measureIngest();
}

async function reportQueries({ store, rollups, ledger }: { store: DynamoDbPlanStore; rollups: ReturnType<typeof createUsageRollupService>; ledger: ReturnType<typeof createLedgerService> }): Promise<void> {
    const phases = new PhaseTimes();
    const results = await measureQueries({
      store,
      raw: rollups.raw,
      rollups: timedRollupReader({ store: rollups.store, progress: rollups.progress, ledger: rollups.ledger, raw: rollups.raw }, phases),
      phases,
    });
    const [small, large] = [Math.min(...settings.sizes), Math.max(...settings.sizes)];
    // Read units as DynamoDB Local reports them (eventually consistent queries, 4 KB a unit, halved).
    const readUnits = async (usage: UsageReader) => {
      const before = rollups.store.capacity.snapshot().readUnits + ledger.consumedCapacity().readUnits;
      await previewInvoice({ contracts: store, usage, definitions: inMemoryDefinitionCatalog(), now: () => AS_OF }, { contractId: `ctr-c${large}`, periodId: '2026-11', asOf: AS_OF });
      return rollups.store.capacity.snapshot().readUnits + ledger.consumedCapacity().readUnits - before;
    };
    console.log(`
read units of one invoice preview at ${count(large)} outcomes: raw scan ${(await readUnits(rollups.raw)).toFixed(1)}, through rollups ${(await readUnits(rollups.reader)).toFixed(1)}`);
    console.log(`\ntargets at ${count(large)} outcomes (rollups at least ${TARGETS.speedup}x faster than the raw scan; at most ${TARGETS.growth}x the time at ${count(small)}):`);
    for (const name of ['preview', 'spend'] as const) {
      const [atSmall, atLarge] = [results[name][small], results[name][large]];
      if (!atSmall || !atLarge) continue;
      const speedup = atLarge.raw / atLarge.rollups;
      const growth = atLarge.rollups / atSmall.rollups;
      console.log(
        `  ${name.padEnd(7)} ${speedup.toFixed(1)}x faster: ${verdict(speedup >= TARGETS.speedup)}   ${growth.toFixed(2)}x the time at ${count(small)}: ${verdict(growth <= TARGETS.growth)}`,
      );
    }
}

await main();

// npm run bench:ingest
// One run, one DynamoDB Local, four figures:
//   (a) accepted outcomes/s through the whole local path: the real EventBridge
//       client -> PutEvents endpoint -> bus -> queue -> Lambda handler -> DynamoDB;
//   (b) raw conditional PutItem/s of the very items the path wrote, into a
//       fresh table of the same design, with the same number of writes in
//       flight (the floor), and the ratio of the two;
//   (c) DynamoDB write units per accepted outcome of ~1 KB (ReturnConsumedCapacity INDEXES);
//   (d) validation + keying throughput per CPU core with storage stubbed;
//   (e) the same path with 'Outcomes Recorded' events of 10 and 50 outcomes:
//       outcomes/s, write units, EventBridge events and SQS requests per
//       outcome, and the resulting $ per million outcomes (ingest-cost-model.ts);
//   then the in-memory and the persistent engine's acknowledged/s and
//   recorded/s, and the persistent floor (ingest-persistent.ts).
//
// The producers run on a worker thread, as the services emitting outcomes
// would run in their own processes; the engine (endpoint, bus, queue,
// handler, ledger) runs on the main thread, as under `npm start`. Path and
// floor alternate in rounds over the same items, so changes in the machine's
// load during the run hit both alike.
//
// Settings (environment): BENCH_OUTCOMES (20000), BENCH_ROUNDS (8),
// BENCH_WRITES_IN_FLIGHT (32), BENCH_BATCHES_IN_FLIGHT (writes / 10),
// BENCH_SENDERS (8), BENCH_WARMUP (2000), BENCH_STUB_OUTCOMES (100000),
// BENCH_BATCH_SIZES (10,50; empty skips (e)), BENCH_BATCH_OUTCOMES (10000).
import './ingest-environment';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  DynamoDBClient,
  PutItemCommand,
  type AttributeValue,
  type ConsumedCapacity,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createLedgerService } from '../../lambdas/composition/ledger-service';
import { createLedgerTables } from '../../lambdas/adapters/dynamodb/create-tables';
import { startDynamoDbLocal } from '../../lib/local/dynamodb-local';
import { LOCAL_CREDENTIALS } from '../../lib/local/local-aws';
import { startLocalEngine, type LocalEngine } from '../../lib/local/local-engine';
import { costPerMillionOutcomes, measureTransport, type RoutedEvent, type TransportMeasure } from './ingest-cost-model';
import { ProducerThread } from './ingest-producer-thread';
import { measurePersistentIngest, persistentIngestSettings } from './ingest-persistent';
import { measureStubbedInFreshProcess } from './ingest-stubbed';
import { NOW, outcomeDetail, runConcurrently } from './ingest-workload';

const settings = {
  outcomes: Number(process.env.BENCH_OUTCOMES ?? 20_000),
  writesInFlight: Number(process.env.BENCH_WRITES_IN_FLIGHT ?? 32),
  senders: Number(process.env.BENCH_SENDERS ?? 8),
  warmup: Number(process.env.BENCH_WARMUP ?? 2_000),
  stubOutcomes: Number(process.env.BENCH_STUB_OUTCOMES ?? 100_000),
  rounds: Number(process.env.BENCH_ROUNDS ?? 8),
  batchSizes: (process.env.BENCH_BATCH_SIZES ?? '10,50')
    .split(',')
    .filter((size) => size.trim() !== '')
    .map(Number),
  batchOutcomes: Number(process.env.BENCH_BATCH_OUTCOMES ?? 10_000),
  /** Handler invocations in flight, each writing its batch's records concurrently. */
  batchesInFlight: 0,
};
settings.batchesInFlight = Number(process.env.BENCH_BATCHES_IN_FLIGHT ?? Math.ceil(settings.writesInFlight / 10));
const RECORDS_PER_BATCH = 10;

type Item = Record<string, AttributeValue>;

/** Time-weighted count of requests in flight, to compare how busy each run keeps DynamoDB. */
class InFlightGauge {
  private inFlight = 0;
  private area = 0;
  private since = performance.now();
  private startedAt = performance.now();

  enter(): void {
    this.advance();
    this.inFlight += 1;
  }

  leave(): void {
    this.advance();
    this.inFlight -= 1;
  }

  reset(): void {
    this.area = 0;
    this.since = this.startedAt = performance.now();
  }

  average(): number {
    this.advance();
    const elapsed = this.since - this.startedAt;
    return elapsed > 0 ? this.area / elapsed : 0;
  }

  private advance(): void {
    const now = performance.now();
    this.area += this.inFlight * (now - this.since);
    this.since = now;
  }
}

/** A DynamoDB Local client that measures ledger writes in flight and can capture the items written. */
function instrumentedClient(
  endpoint: string,
  ledgerTable: () => string,
  gauge: InFlightGauge,
  sink?: { items: Item[]; capture: boolean },
): DynamoDBClient {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { TableName?: string; Item?: Item };
      const isLedgerWrite = context.commandName === 'PutItemCommand' && input.TableName === ledgerTable();
      if (!isLedgerWrite) return next(args);
      if (sink?.capture && input.Item) sink.items.push(input.Item);
      gauge.enter();
      try {
        return await next(args);
      } finally {
        gauge.leave();
      }
    },
    { step: 'initialize', name: 'measureLedgerWrites' },
  );
  return client;
}

interface Measured {
  seconds: number;
  /** Seconds the main thread's event loop (the engine's) was busy. */
  busySeconds: number;
  count: number;
}

const addMeasured = (total: Measured, part: Measured): Measured => ({
  seconds: total.seconds + part.seconds,
  busySeconds: total.busySeconds + part.busySeconds,
  count: total.count + part.count,
});

async function timed(count: number, work: () => Promise<void>): Promise<Measured> {
  const loopBefore = performance.eventLoopUtilization();
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  const utilization = performance.eventLoopUtilization(loopBefore).utilization;
  return { seconds, busySeconds: utilization * seconds, count };
}

/** (a) and (e): the local engine in this process, fed by real EventBridge clients. */
class PathRun {
  readonly gauge = new InFlightGauge();
  private readonly sink = { items: [] as Item[], capture: false };
  /** Events the 'Outcomes' rule routed, as the bus saw them: what EventBridge and SQS bill. */
  private routed: RoutedEvent[] = [];

  private readonly producers = ProducerThread.start();

  private constructor(
    private readonly engine: LocalEngine,
    private readonly client: DynamoDBClient,
    /** Outcomes per event: 1 sends 'Outcome Recorded', more sends 'Outcomes Recorded'. */
    private readonly perEvent: number,
  ) {
    engine.subscribe((envelope, delivery) => {
      if (!delivery.routeIds.includes('Outcomes')) return;
      const detail = JSON.stringify(envelope.detail);
      const entryBytes =
        14 +
        Buffer.byteLength(envelope.source) +
        Buffer.byteLength(envelope['detail-type']) +
        Buffer.byteLength(detail) +
        envelope.resources.reduce((sum, resource) => sum + Buffer.byteLength(resource), 0);
      this.routed.push({ entryBytes, bodyBytes: Buffer.byteLength(JSON.stringify(envelope)) });
    });
  }

  static async start(dynamoDbEndpoint: string, dataDir: string, perEvent = 1): Promise<PathRun> {
    const suffix = randomUUID().slice(0, 8);
    const ledgerTableName = `bench-ledger-${suffix}`;
    const gauge = new InFlightGauge();
    const sink = { items: [] as Item[], capture: false };
    const client = instrumentedClient(dynamoDbEndpoint, () => ledgerTableName, gauge, sink);
    const engine = await startLocalEngine({
      // The ingest path alone, as before rollups existed; bench:usage measures ingest with them.
      usageRollups: false,
      port: 0,
      dynamoDbEndpoint,
      dynamoDbClient: client,
      // Each engine locks its data folder: one folder per engine, since (a) still runs while (e) starts its own.
      dataDir: join(dataDir, `engine-${suffix}`),
      // The in-memory engine (no queue journals); ingest-persistent.ts measures the persistent one.
      inMemory: true,
      ledgerTableName,
      engineTableName: `bench-engine-${suffix}`,
      now: () => NOW,
      writeStateFile: false,
      // The same ceiling of writes in flight either way: invocations x records for
      // single events, one invocation x records x 10 items (the ledger's
      // default item concurrency) for batches.
      ...(perEvent <= 1
        ? { queue: { maxConcurrency: settings.batchesInFlight }, recordConcurrency: RECORDS_PER_BATCH }
        : { queue: { maxConcurrency: 1 }, recordConcurrency: settings.batchesInFlight }),
    });
    const run = new PathRun(engine, client, perEvent);
    Object.assign(run, { gauge, sink });
    return run;
  }

  /** Sends `count` new outcomes and waits until the ledger has them all; returns the items written. */
  async run(label: string, count: number): Promise<{ measured: Measured; items: Item[]; routed: RoutedEvent[] }> {
    await this.producers.prepare(label, count, this.perEvent);
    this.sink.items = [];
    this.sink.capture = true;
    this.routed = [];
    const before = this.engine.ledgerService.consumedCapacity().writeRequests;
    let refused = 0;
    const measured = await timed(count, async () => {
      refused = await this.producers.send(this.engine.url, settings.senders);
      await this.engine.drain();
    });
    this.sink.capture = false;
    const written = this.engine.ledgerService.consumedCapacity().writeRequests - before;
    const deadLetters = await this.engine.deadLetters();
    if (refused > 0 || deadLetters.length > 0 || written !== count) {
      throw new Error(`path run ${label} was not clean: ${refused} refused, ${deadLetters.length} dead letters, ${written} writes for ${count} outcomes`);
    }
    return { measured, items: this.sink.items, routed: this.routed };
  }

  capacity() {
    return this.engine.ledgerService.consumedCapacity();
  }

  resetCapacity(): void {
    this.engine.ledgerService.consumedCapacity({ reset: true });
  }

  async stop(): Promise<void> {
    await this.producers.stop();
    await this.engine.stop();
    this.client.destroy();
  }
}

/** (b): the floor: the same items, conditional PutItem, the same writes in flight, a fresh table of the same design. */
class RawRun {
  readonly gauge = new InFlightGauge();
  writeUnits = 0;

  private constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  static async start(dynamoDbEndpoint: string): Promise<RawRun> {
    const suffix = randomUUID().slice(0, 8);
    const tableName = `bench-raw-${suffix}`;
    const gauge = new InFlightGauge();
    const client = instrumentedClient(dynamoDbEndpoint, () => tableName, gauge);
    await createLedgerTables(client, { ledgerTableName: tableName, engineTableName: `bench-raw-engine-${suffix}`, withStream: false });
    const run = new RawRun(client, tableName);
    Object.assign(run, { gauge });
    return run;
  }

  async run(items: readonly Item[]): Promise<Measured> {
    return timed(items.length, () =>
      runConcurrently(items, settings.writesInFlight, async (item) => {
        const output = await this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: item,
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': 'pk' },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            ReturnConsumedCapacity: 'INDEXES',
          }),
        );
        const consumed: ConsumedCapacity | undefined = output.ConsumedCapacity;
        this.writeUnits += consumed?.CapacityUnits ?? 0;
      }),
    );
  }

  stop(): void {
    this.client.destroy();
  }
}

const fmt = (value: number, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

interface Mode {
  label: string;
  measured: Measured;
  writeUnitsPerOutcome: number;
  transport: TransportMeasure;
}

/** (e): the whole path with 'Outcomes Recorded' events of `perEvent` outcomes, on a fresh engine and tables. */
async function measureBatched(dynamoDbEndpoint: string, dataDir: string, perEvent: number): Promise<Mode> {
  process.stdout.write(`(e) ${fmt(settings.batchOutcomes)} outcomes in 'Outcomes Recorded' events of ${perEvent}...\n`);
  const run = await PathRun.start(dynamoDbEndpoint, dataDir, perEvent);
  try {
    if (settings.warmup > 0) await run.run(`warm-x${perEvent}`, settings.warmup);
    run.resetCapacity();
    const { measured, routed } = await run.run(`batch-x${perEvent}`, settings.batchOutcomes);
    const capacity = run.capacity();
    return {
      label: `${perEvent} per event`,
      measured,
      writeUnitsPerOutcome: capacity.writeUnits / capacity.writeRequests,
      transport: measureTransport(routed, measured.count),
    };
  } finally {
    await run.stop();
  }
}

function printModes(modes: readonly Mode[]): void {
  const header = ['(e) outcomes per event', 'outcomes/s', 'WRU/outcome', 'EB events/outcome', 'SQS requests/outcome', 'engine busy µs/outcome', '$/M outcomes', 'without archive'];
  const rows = modes.map((mode) => {
    const { transport } = mode;
    const cost = costPerMillionOutcomes(transport, mode.writeUnitsPerOutcome);
    return [
      mode.label,
      fmt(mode.measured.count / mode.measured.seconds),
      fmt(mode.writeUnitsPerOutcome, 3),
      fmt(transport.eventBridgeEvents / transport.outcomes, 4),
      fmt((transport.sqsSends + transport.sqsReceives + transport.sqsDeletes) / transport.outcomes, 4),
      fmt((mode.measured.busySeconds / mode.measured.count) * 1e6, 1),
      `$${fmt(cost.total, 2)}`,
      `$${fmt(cost.withoutArchive, 2)}`,
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ');
  process.stdout.write(`\n${line(header)}\n${rows.map(line).join('\n')}\n`);
  // The model line by line, ready for docs/cost-model.md.
  for (const mode of modes) {
    const cost = costPerMillionOutcomes(mode.transport, mode.writeUnitsPerOutcome);
    process.stdout.write(`\n$ per million outcomes, ${mode.label} (${fmt(mode.transport.outcomes)} outcomes in ${fmt(mode.transport.events)} events):\n`);
    for (const entry of cost.lines) process.stdout.write(`  ${entry.service.padEnd(26)} ${entry.units.padEnd(62)} $${fmt(entry.dollarsPerMillion, 4)}\n`);
    process.stdout.write(`  ${'total'.padEnd(26)} ${''.padEnd(62)} $${fmt(cost.total, 3)} ($${fmt(cost.withoutArchive, 3)} without the archive)\n`);
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-ingest-'));
  process.stdout.write(
    `bench:ingest  ${fmt(settings.outcomes)} outcomes of ~1 KB in ${settings.rounds} interleaved rounds; ` +
      `${settings.writesInFlight} raw writes in flight vs ${settings.batchesInFlight} handler invocations x ${RECORDS_PER_BATCH} records; ` +
      `${settings.senders} concurrent PutEvents callers; Node ${process.version}, ${availableParallelism()} cores\n`,
  );
  // (d) first, before DynamoDB Local's JVM competes for the cores, and each
  // in a child process that loads the ledger alone, so nothing this process
  // loaded weighs on it (ingest-stubbed.ts).
  process.stdout.write('(d) validation + keying, storage stubbed...\n');
  const stubbed = await measureStubbedInFreshProcess({ outcomes: settings.stubOutcomes });
  const stubbedBatch = await measureStubbedInFreshProcess({ outcomes: settings.stubOutcomes, perEvent: 50 });
  const stubbedTraced = await measureStubbedInFreshProcess({ outcomes: settings.stubOutcomes, withTracer: true });
  process.stdout.write('starting DynamoDB Local (in memory)...\n');
  const dynamoDb = await startDynamoDbLocal();
  const path = await PathRun.start(dynamoDb.endpoint, dataDir);
  const raw = await RawRun.start(dynamoDb.endpoint);
  try {
    // Warm up the JIT on both sides (Node and DynamoDB Local's JVM) and both tables.
    if (settings.warmup > 0) {
      process.stdout.write('warming up...\n');
      const warm = await path.run('warm', settings.warmup);
      await raw.run(warm.items.map((item) => ({ ...item })));
    }
    // Rounds alternate path and floor on the same items, so a change in the
    // machine's load during the run affects both alike.
    path.resetCapacity();
    raw.writeUnits = 0;
    path.gauge.reset();
    raw.gauge.reset();
    let pathTotal: Measured = { seconds: 0, busySeconds: 0, count: 0 };
    let rawTotal: Measured = { seconds: 0, busySeconds: 0, count: 0 };
    const perRound = Math.ceil(settings.outcomes / settings.rounds);
    const pathGauge: number[] = [];
    const rawGauge: number[] = [];
    const singleRouted: RoutedEvent[] = [];
    for (let round = 0; round < settings.rounds; round += 1) {
      const count = Math.min(perRound, settings.outcomes - round * perRound);
      path.gauge.reset();
      const { measured, items, routed } = await path.run(`round-${round}`, count);
      singleRouted.push(...routed);
      pathGauge.push(path.gauge.average());
      pathTotal = addMeasured(pathTotal, measured);
      raw.gauge.reset();
      const floor = await raw.run(items);
      rawTotal = addMeasured(rawTotal, floor);
      rawGauge.push(raw.gauge.average());
      process.stdout.write(
        `  round ${round + 1}/${settings.rounds}: path ${fmt(measured.count / measured.seconds)}/s, floor ${fmt(floor.count / floor.seconds)}/s\n`,
      );
    }

    const capacity = path.capacity();
    const pathRate = pathTotal.count / pathTotal.seconds;
    const rawRate = rawTotal.count / rawTotal.seconds;
    const ratio = rawRate / pathRate;
    const unitsPerOutcome = capacity.writeUnits / capacity.writeRequests;
    const perCore = stubbed.outcomes / stubbed.cpuSeconds;
    const sampleDetailBytes = Buffer.byteLength(JSON.stringify(outcomeDetail('round-0', 12_345)));
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);

    const rows: [string, string, string, string][] = [
      [
        '(a) accepted outcomes/s, whole local path',
        fmt(pathRate),
        '',
        `${fmt(pathTotal.count)} in ${fmt(pathTotal.seconds, 2)} s; ${fmt(mean(pathGauge), 1)} writes in flight on average; engine thread busy ${fmt((100 * pathTotal.busySeconds) / pathTotal.seconds)}%`,
      ],
      [
        '(b) raw conditional PutItem/s (floor)',
        fmt(rawRate),
        '',
        `${fmt(rawTotal.count)} in ${fmt(rawTotal.seconds, 2)} s; ${fmt(mean(rawGauge), 1)} writes in flight on average; writer thread busy ${fmt((100 * rawTotal.busySeconds) / rawTotal.seconds)}%`,
      ],
      ['    ratio floor / path', fmt(ratio, 3), '<= 1.15', ratio <= 1.15 ? 'met' : 'MISSED'],
      [
        '(c) write units per accepted outcome',
        fmt(unitsPerOutcome, 3),
        '<= 2',
        `${unitsPerOutcome <= 2 ? 'met' : 'MISSED'}; ${Object.entries(capacity.writeUnitsByTarget)
          .map(([target, units]) => `${target} ${fmt(units / capacity.writeRequests, 2)}`)
          .join(', ')}; detail JSON ${fmt(sampleDetailBytes)} B; floor items ${fmt(raw.writeUnits / rawTotal.count, 2)}`,
      ],
      [
        '(d) validation + keying, outcomes/s per core',
        fmt(perCore),
        '>= 50,000',
        `${perCore >= 50_000 ? 'met' : 'MISSED'}; ${fmt(stubbed.outcomes)} in ${fmt(stubbed.cpuSeconds, 2)} CPU s (${fmt(stubbed.wallSeconds, 2)} s wall)`,
      ],
      [
        "    the same, 'Outcomes Recorded' of 50",
        fmt(stubbedBatch.outcomes / stubbedBatch.cpuSeconds),
        '',
        `${fmt(stubbedBatch.outcomes)} in ${fmt(stubbedBatch.events)} events, ${fmt(stubbedBatch.cpuSeconds, 2)} CPU s`,
      ],
      [
        '    the same, X-Ray SDK loaded (as in Lambda)',
        fmt(stubbedTraced.outcomes / stubbedTraced.cpuSeconds),
        '',
        `${fmt(stubbedTraced.outcomes)} in ${fmt(stubbedTraced.cpuSeconds, 2)} CPU s; its async hook runs on every promise`,
      ],
    ];
    const widths = [0, 1, 2].map((column) =>
      Math.max(...rows.map((row) => row[column]?.length ?? 0), ['figure', 'value', 'target'][column]?.length ?? 0),
    );
    const line = (cells: readonly string[]) =>
      `${(cells[0] ?? '').padEnd(widths[0] ?? 0)}  ${(cells[1] ?? '').padStart(widths[1] ?? 0)}  ${(cells[2] ?? '').padEnd(widths[2] ?? 0)}  ${cells[3] ?? ''}`.trimEnd();
    process.stdout.write(`\n${line(['figure', 'value', 'target', 'notes'])}\n${rows.map(line).join('\n')}\n`);

    const modes: Mode[] = [
      {
        label: 'single events',
        measured: pathTotal,
        writeUnitsPerOutcome: unitsPerOutcome,
        transport: measureTransport(singleRouted, pathTotal.count),
      },
    ];
    for (const perEvent of settings.batchSizes) modes.push(await measureBatched(dynamoDb.endpoint, dataDir, perEvent));
    printModes(modes);
    await measurePersistentIngest(persistentIngestSettings(), dynamoDb.endpoint);
  } finally {
    await path.stop();
    raw.stop();
    await dynamoDb.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();

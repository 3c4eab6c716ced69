// The persistent part of `npm run bench:ingest`: the engine as `npm start`
// runs it by default (DynamoDB Local on disk with -dbPath, every PutEvents
// acknowledged only once journaled and flushed) against the in-memory engine
// (`--in-memory`: DynamoDB Local in memory, no journal), and against its floor:
// raw conditional PutItems of the very items the path wrote, on the same
// persistent DynamoDB Local. For each engine it prints acknowledged/s (until
// the last PutEvents call was answered) and recorded/s (until the queue is
// drained into the ledger); path and floor alternate in rounds so the
// machine's load hits both alike.
//
// Run alone with `npx tsx test/bench/ingest-persistent.ts`. Settings
// (environment): BENCH_PERSISTENT_OUTCOMES (4000; 0 skips it),
// BENCH_PERSISTENT_ROUNDS (4), BENCH_SENDERS (8), BENCH_WRITES_IN_FLIGHT (32).
// A round stays below the engine's backlog bound (5,000 messages), so no call
// is throttled and acknowledged/s is the endpoint's own pace.
import './ingest-environment';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { createLedgerTables } from '../../lambdas/adapters/dynamodb/create-tables';
import { startDynamoDbLocal } from '../../lib/local/dynamodb-local';
import { LOCAL_CREDENTIALS } from '../../lib/local/local-aws';
import { startLocalEngine, type LocalEngine } from '../../lib/local/local-engine';
import { ProducerThread } from './ingest-producer-thread';
import { NOW, runConcurrently } from './ingest-workload';

type Item = Record<string, AttributeValue>;

export interface PersistentIngestSettings {
  outcomes: number;
  rounds: number;
  senders: number;
  /** Raw writes in flight for the floor; the engine runs writesInFlight / 10 invocations of 10 records. */
  writesInFlight: number;
}

export function persistentIngestSettings(env: NodeJS.ProcessEnv = process.env): PersistentIngestSettings {
  return {
    outcomes: Number(env.BENCH_PERSISTENT_OUTCOMES ?? 4_000),
    rounds: Number(env.BENCH_PERSISTENT_ROUNDS ?? 4),
    senders: Number(env.BENCH_SENDERS ?? 8),
    writesInFlight: Number(env.BENCH_WRITES_IN_FLIGHT ?? 32),
  };
}

interface Totals {
  count: number;
  acknowledgedSeconds: number;
  recordedSeconds: number;
}

const fmt = (value: number, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** An engine on `dynamoDbEndpoint` whose ledger writes are captured, for the floor to replay. */
class EngineRun {
  private readonly captured: Item[] = [];
  private capture = false;

  private constructor(
    private readonly engine: LocalEngine,
    private readonly client: DynamoDBClient,
    private readonly producers: ProducerThread,
  ) {}

  static async start(options: { dynamoDbEndpoint: string; dataDir: string; persistent: boolean; writesInFlight: number }): Promise<EngineRun> {
    const suffix = randomUUID().slice(0, 8);
    const ledgerTableName = `bench-ledger-${suffix}`;
    const client = new DynamoDBClient({ endpoint: options.dynamoDbEndpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
    let run: EngineRun | undefined;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { TableName?: string; Item?: Item };
        if (run?.capture && context.commandName === 'PutItemCommand' && input.TableName === ledgerTableName && input.Item) run.captured.push(input.Item);
        return next(args);
      },
      { step: 'initialize', name: 'captureLedgerWrites' },
    );
    const engine = await startLocalEngine({
      // The ingest path alone, as before rollups existed; bench:usage measures ingest with them.
      usageRollups: false,
      port: 0,
      dynamoDbEndpoint: options.dynamoDbEndpoint,
      dynamoDbClient: client,
      dataDir: options.dataDir,
      // The journals are what the persistent engine adds; inMemory turns them off.
      inMemory: !options.persistent,
      ledgerTableName,
      engineTableName: `bench-engine-${suffix}`,
      now: () => NOW,
      writeStateFile: false,
      billing: false,
      renewalRisk: false,
      queue: { maxConcurrency: Math.ceil(options.writesInFlight / 10) },
      recordConcurrency: 10,
    });
    run = new EngineRun(engine, client, ProducerThread.start());
    return run;
  }

  /** Sends `count` new outcomes; returns when the last call was answered and when the ledger had them all. */
  async round(label: string, count: number, senders: number): Promise<{ totals: Totals; items: Item[] }> {
    await this.producers.prepare(label, count, 1);
    this.captured.length = 0;
    this.capture = true;
    const started = performance.now();
    const refused = await this.producers.send(this.engine.url, senders);
    const acknowledged = performance.now();
    await this.engine.drain();
    const recorded = performance.now();
    this.capture = false;
    const deadLetters = await this.engine.deadLetters();
    // A write the ledger retried (a timeout on a loaded machine) is captured twice: the floor writes each item once.
    const items = [...new Map(this.captured.splice(0).map((item) => [`${item.pk?.S}/${item.sk?.S}`, item])).values()];
    if (refused > 0 || deadLetters.length > 0 || items.length < count) {
      throw new Error(`${label} was not clean: ${refused} refused, ${deadLetters.length} dead letters, ${items.length} items for ${count} outcomes`);
    }
    return {
      totals: { count, acknowledgedSeconds: (acknowledged - started) / 1000, recordedSeconds: (recorded - started) / 1000 },
      items,
    };
  }

  async stop(): Promise<void> {
    await this.producers.stop();
    await this.engine.stop();
    this.client.destroy();
  }
}

/** The floor: the path's items as conditional PutItems into a fresh table of the same design. */
async function rawFloor(client: DynamoDBClient, tableName: string, items: readonly Item[], writesInFlight: number): Promise<number> {
  const started = performance.now();
  await runConcurrently(items, writesInFlight, async (item) => {
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': 'pk' },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        ReturnConsumedCapacity: 'INDEXES',
      }),
    );
  });
  return (performance.now() - started) / 1000;
}

const add = (total: Totals, part: Totals): Totals => ({
  count: total.count + part.count,
  acknowledgedSeconds: total.acknowledgedSeconds + part.acknowledgedSeconds,
  recordedSeconds: total.recordedSeconds + part.recordedSeconds,
});

/**
 * Measures both engines and the persistent floor, and prints their figures.
 * `inMemoryDynamoDbEndpoint` is a DynamoDB Local started with -inMemory.
 */
export async function measurePersistentIngest(settings: PersistentIngestSettings, inMemoryDynamoDbEndpoint: string): Promise<void> {
  if (settings.outcomes <= 0) return;
  const dir = mkdtempSync(join(tmpdir(), 'bench-ingest-persistent-'));
  const write = (text: string) => process.stdout.write(text);
  write(`\npersistent engine: ${fmt(settings.outcomes)} outcomes in ${settings.rounds} rounds; starting DynamoDB Local with -dbPath...\n`);
  const dynamoDb = await startDynamoDbLocal({ dbPath: join(dir, 'dynamodb') });
  const rawClient = new DynamoDBClient({ endpoint: dynamoDb.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  const rawTable = `bench-raw-${randomUUID().slice(0, 8)}`;
  const memory = await EngineRun.start({ dynamoDbEndpoint: inMemoryDynamoDbEndpoint, dataDir: join(dir, 'memory'), persistent: false, writesInFlight: settings.writesInFlight });
  const disk = await EngineRun.start({ dynamoDbEndpoint: dynamoDb.endpoint, dataDir: join(dir, 'disk'), persistent: true, writesInFlight: settings.writesInFlight });
  try {
    await createLedgerTables(rawClient, { ledgerTableName: rawTable, engineTableName: `${rawTable}-engine`, withStream: false });
    const warmup = Math.min(500, settings.outcomes);
    await memory.round('persistent-warm-memory', warmup, settings.senders);
    const warm = await disk.round('persistent-warm-disk', warmup, settings.senders);
    await rawFloor(rawClient, rawTable, warm.items, settings.writesInFlight);

    let memoryTotals: Totals = { count: 0, acknowledgedSeconds: 0, recordedSeconds: 0 };
    let diskTotals: Totals = { count: 0, acknowledgedSeconds: 0, recordedSeconds: 0 };
    let floorSeconds = 0;
    const perRound = Math.ceil(settings.outcomes / settings.rounds);
    for (let round = 0; round < settings.rounds; round += 1) {
      const count = Math.min(perRound, settings.outcomes - round * perRound);
      if (count <= 0) break;
      const inMemory = await memory.round(`persistent-memory-${round}`, count, settings.senders);
      memoryTotals = add(memoryTotals, inMemory.totals);
      const onDisk = await disk.round(`persistent-disk-${round}`, count, settings.senders);
      diskTotals = add(diskTotals, onDisk.totals);
      const floor = await rawFloor(rawClient, rawTable, onDisk.items, settings.writesInFlight);
      floorSeconds += floor;
      write(
        `  round ${round + 1}/${settings.rounds}: in-memory ${fmt(count / inMemory.totals.acknowledgedSeconds)} ack/s ${fmt(count / inMemory.totals.recordedSeconds)} rec/s; ` +
          `persistent ${fmt(count / onDisk.totals.acknowledgedSeconds)} ack/s ${fmt(count / onDisk.totals.recordedSeconds)} rec/s; floor ${fmt(count / floor)}/s\n`,
      );
    }
    const floorRate = diskTotals.count / floorSeconds;
    const diskRecorded = diskTotals.count / diskTotals.recordedSeconds;
    const ratio = floorRate / diskRecorded;
    const rows: [string, string, string][] = [
      ['in-memory engine (--in-memory)', fmt(memoryTotals.count / memoryTotals.acknowledgedSeconds), fmt(memoryTotals.count / memoryTotals.recordedSeconds)],
      ['persistent engine (journal + -dbPath)', fmt(diskTotals.count / diskTotals.acknowledgedSeconds), fmt(diskRecorded)],
      ['persistent floor: raw conditional PutItem', '', fmt(floorRate)],
    ];
    write(`\n${'engine'.padEnd(42)}  ${'acknowledged/s'.padStart(14)}  ${'recorded/s'.padStart(10)}\n`);
    for (const [label, acknowledged, recorded] of rows) write(`${label.padEnd(42)}  ${acknowledged.padStart(14)}  ${recorded.padStart(10)}\n`);
    write(`${'persistent ratio floor / path (recorded)'.padEnd(42)}  ${''.padStart(14)}  ${fmt(ratio, 3).padStart(10)}  target <= 1.15: ${ratio <= 1.15 ? 'met' : 'MISSED'}\n`);
  } finally {
    await memory.stop();
    await disk.stop();
    rawClient.destroy();
    await dynamoDb.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const inMemory = await startDynamoDbLocal();
  try {
    await measurePersistentIngest(persistentIngestSettings(), inMemory.endpoint);
  } finally {
    await inMemory.stop();
  }
}

// Figure (d) of bench:ingest: the ledger's own work per message (catalog
// cache, validation, keying, item mapping, SDK command) with DynamoDB and
// EventBridge replaced by instant stubs, measured in CPU time so the figure is
// per core whatever else the machine runs. Runs on its own too, for profiling:
//   node --cpu-prof --import tsx test/bench/ingest-stubbed.ts
// Settings (environment): BENCH_STUB_OUTCOMES (100000), BENCH_STUB_BATCH (1:
// single events; N: 'Outcomes Recorded' events of N outcomes),
// BENCH_STUB_WITH_TRACER (1: load the handlers' Powertools module first, whose
// X-Ray SDK installs an async hook), BENCH_STUB_REPORT (json: one JSON line).
//
// bench:ingest runs it in a child process of its own (measureStubbedInFreshProcess),
// so nothing the benchmark's process loaded weighs on it. The Powertools
// Tracer's aws-xray-sdk-core enables an async_hooks hook (cls-hooked) on
// import that runs on every promise and halves this figure; the handlers now
// load it only when tracing is on (lambdas/shared/powertools.ts), so
// BENCH_STUB_WITH_TRACER=1 shows whether anything loads it again.
import './ingest-environment';
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DynamoDBClient, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createLedgerService, outcomeResultsOf } from '../../lambdas/composition/ledger-service';
import { LOCAL_CREDENTIALS } from '../../lib/local/local-aws';
import { CUSTOMERS, NOW, outcomeDetail } from './ingest-workload';

type Item = Record<string, AttributeValue>;

export interface StubbedMeasure {
  outcomes: number;
  /** Events (SQS bodies) the outcomes travelled in. */
  events: number;
  cpuSeconds: number;
  wallSeconds: number;
}

function eventBody(label: string, index: number, detailType: string, detail: unknown): string {
  return JSON.stringify({
    version: '0',
    id: `${label}-event-${index}`,
    'detail-type': detailType,
    source: 'com.example.bench',
    account: '000000000000',
    time: '2026-11-20T11:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
  });
}

/** Bodies carrying `count` outcomes, one per event or `perEvent` per 'Outcomes Recorded' event. */
export function stubBodies(label: string, count: number, perEvent: number): string[] {
  const bodies: string[] = [];
  if (perEvent <= 1) {
    for (let index = 0; index < count; index += 1) bodies.push(eventBody(label, index, 'Outcome Recorded', outcomeDetail(label, index)));
    return bodies;
  }
  for (let start = 0; start < count; start += perEvent) {
    const outcomes = Array.from({ length: Math.min(perEvent, count - start) }, (_, offset) => outcomeDetail(label, start + offset));
    bodies.push(eventBody(label, start, 'Outcomes Recorded', { schemaVersion: 1, outcomes }));
  }
  return bodies;
}

/** (d): validation + keying per CPU core, storage stubbed. */
export async function measureStubbed(options: { outcomes: number; perEvent?: number }): Promise<StubbedMeasure> {
  const perEvent = options.perEvent ?? 1;
  const stored = new Map<string, Item>();
  const dynamoDb = new DynamoDBClient({ region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  // Replaces the whole SDK call: a PutItem is "stored" at once, a Query returns the catalog.
  (dynamoDb as unknown as { send: (command: { input: Record<string, unknown>; constructor: { name: string } }) => Promise<unknown> }).send =
    async (command) => {
      if (command.constructor.name === 'PutItemCommand') {
        const item = command.input.Item as Item;
        if (command.input.TableName === 'engine') stored.set(`${item.pk?.S}/${item.sk?.S}`, item);
        return {};
      }
      if (command.constructor.name === 'QueryCommand') return { Items: [...stored.values()] };
      throw new Error(`unexpected ${command.constructor.name} in the stubbed benchmark`);
    };
  const eventBridge = new EventBridgeClient({ region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  eventBridge.send = (async () => ({ FailedEntryCount: 0, Entries: [] })) as unknown as typeof eventBridge.send;
  const service = createLedgerService({
    dynamoDb,
    eventBridge,
    eventBusName: 'bench',
    ledgerTableName: 'ledger',
    engineTableName: 'engine',
    now: () => NOW,
  });
  await service.loadCatalog({
    metrics: [{ code: 'order.recovered', name: 'Recovered order', unit: 'order', aggregation: 'value', billable: { when: 'verified' } }],
    customers: CUSTOMERS.map((customerId) => ({ customerId, name: customerId })),
  });
  const warm = stubBodies(`warm-${perEvent}`, Math.min(5_000, options.outcomes), perEvent);
  // Warm up, then measure CPU time: figures per core, whatever else the machine runs.
  for (let index = 0; index < warm.length; index += 1) {
    await service.ingestMessage({ body: warm[index] as string, messageId: `warm-${index}` });
  }
  // Bodies are made a slice at a time, outside the measured time: a function
  // holds one SQS batch, not 100,000 bodies, and a heap full of them would
  // make every garbage collection during the measurement slower.
  let outcomes = 0;
  let events = 0;
  let cpuMicros = 0;
  let wallMs = 0;
  const slice = 10_000;
  for (let start = 0; start < options.outcomes; start += slice) {
    const bodies = stubBodies(`stub-${perEvent}-${start}`, Math.min(slice, options.outcomes - start), perEvent);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    for (let index = 0; index < bodies.length; index += 1) {
      const results = outcomeResultsOf(await service.ingestMessage({ body: bodies[index] as string, messageId: `m-${start}-${index}` }));
      for (const result of results) {
        if (result.status !== 'recorded') throw new Error(`stubbed ingest did not record: ${JSON.stringify(result)}`);
      }
      outcomes += results.length;
    }
    wallMs += performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    cpuMicros += cpu.user + cpu.system;
    events += bodies.length;
  }
  return { outcomes, events, cpuSeconds: cpuMicros / 1e6, wallSeconds: wallMs / 1000 };
}

/**
 * measureStubbed in a new Node process that loads the ledger and nothing
 * else, so what earlier code in the caller loaded (the X-Ray SDK's async hook
 * above all) or left on its heap does not weigh on the figure. `withTracer`
 * loads the handlers' observability module first, as every Lambda does.
 */
export async function measureStubbedInFreshProcess(options: { outcomes: number; perEvent?: number; withTracer?: boolean }): Promise<StubbedMeasure> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: {
      ...process.env,
      BENCH_STUB_OUTCOMES: String(options.outcomes),
      BENCH_STUB_BATCH: String(options.perEvent ?? 1),
      BENCH_STUB_WITH_TRACER: options.withTracer ? '1' : '0',
      BENCH_STUB_REPORT: 'json',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const code = await new Promise<number | null>((resolve, reject) => child.once('error', reject).once('close', resolve));
  if (code !== 0) throw new Error(`the stubbed benchmark's process exited with ${code}`);
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as StubbedMeasure;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  if (process.env.BENCH_STUB_WITH_TRACER === '1') await import('../../lambdas/shared/powertools');
  const measured = await measureStubbed({
    outcomes: Number(process.env.BENCH_STUB_OUTCOMES ?? 100_000),
    perEvent: Number(process.env.BENCH_STUB_BATCH ?? 1),
  });
  if (process.env.BENCH_STUB_REPORT === 'json') {
    process.stdout.write(`${JSON.stringify(measured)}\n`);
  } else {
    const perCore = Math.round(measured.outcomes / measured.cpuSeconds);
    process.stdout.write(
      `(d) validation + keying: ${perCore.toLocaleString('en-US')} outcomes/s per core ` +
        `(${measured.outcomes} outcomes in ${measured.events} events, ${measured.cpuSeconds.toFixed(2)} CPU s, ${measured.wallSeconds.toFixed(2)} s wall)\n`,
    );
  }
}

// What a PutEvents acknowledgement promises on the persistent local engine:
// the entry is in its queue's journal on disk before the EventId is answered;
// a stopping engine answers a retryable error instead; a queue over its
// backlog bound answers EventBridge's throttling error, which the real SDK
// client retries with backoff until the queue has room again.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type EventBridgeClientConfig } from '@aws-sdk/client-eventbridge';
import type { FinalizeHandler, FinalizeHandlerArguments, MetadataBearer } from '@smithy/types';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../lib/local/local-aws';
import { startLocalEngine, type LocalEngine, type LocalEngineOptions } from '../../lib/local/local-engine';

const clock = () => new Date('2026-11-20T12:00:00Z');
const WRITES = new Set(['PutItemCommand', 'TransactWriteItemsCommand', 'UpdateItemCommand', 'BatchWriteItemCommand']);

const outcomeEntry = (outcomeId: string) => ({
  EventBusName: 'outcome-engine',
  Source: 'com.example.support',
  DetailType: 'Outcome Recorded',
  Detail: JSON.stringify({ outcomeId, customerId: 'acme', metric: 'ticket.resolved', occurredAt: '2026-11-20T11:00:00Z' }),
});

/** Holds DynamoDB writes while closed: the handler's invocations stay in flight and the queue's backlog stays put. */
class WriteGate {
  private open = true;
  private release: () => void = () => undefined;
  private opened: Promise<void> = Promise.resolve();
  writesHeld = 0;

  close(): void {
    this.open = false;
    this.opened = new Promise((resolve) => {
      this.release = resolve;
    });
  }

  reopen(): void {
    this.open = true;
    this.release();
  }

  client(endpoint: string): DynamoDBClient {
    const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (!this.open && WRITES.has(context.commandName ?? '')) {
          this.writesHeld += 1;
          await this.opened;
        }
        return next(args);
      },
      { step: 'initialize', name: 'holdWrites' },
    );
    return client;
  }
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('durable acknowledgement on the persistent local engine', () => {
  const suffix = randomUUID().slice(0, 8);
  const tables = { ledgerTableName: `durable-ledger-${suffix}`, engineTableName: `durable-engine-${suffix}` };
  const dirs: string[] = [];
  const engines: LocalEngine[] = [];
  const clients: { destroy(): void }[] = [];
  let endpoint: string;
  let gate: WriteGate;

  const start = async (dataDir: string, options: Partial<LocalEngineOptions> = {}) => {
    const engine = await startLocalEngine({
      port: 0,
      dynamoDbEndpoint: endpoint,
      dynamoDbClient: gate.client(endpoint),
      dataDir,
      now: clock,
      billing: false,
      renewalRisk: false,
      ...tables,
      ...options,
    });
    engines.push(engine);
    return engine;
  };
  const producerFor = (engine: LocalEngine, config: Partial<EventBridgeClientConfig> = {}) => {
    const client = new EventBridgeClient({ endpoint: engine.url, region: 'us-east-1', credentials: LOCAL_CREDENTIALS, ...config });
    clients.push(client);
    return client;
  };
  const newDataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'outcome-engine-durable-'));
    dirs.push(dir);
    return dir;
  };

  beforeAll(() => {
    endpoint = inject('dynamoDbEndpoint');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'ERROR');
  });

  afterEach(async () => {
    gate.reopen();
    for (const client of clients.splice(0)) client.destroy();
    for (const engine of engines.splice(0)) await engine.stop();
  });

  afterAll(() => {
    vi.unstubAllEnvs();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  beforeAll(() => {
    gate = new WriteGate();
  });

  it('has an acknowledged entry in the queue journal on disk before the handler could record it', async () => {
    const dataDir = newDataDir();
    const first = await start(dataDir);
    gate.close();

    const output = await producerFor(first).send(new PutEventsCommand({ Entries: [outcomeEntry('o-durable')] }));
    expect(output.FailedEntryCount).toBe(0);
    // Acknowledged while the handler cannot have recorded it: the journal already has it.
    const journal = readFileSync(join(dataDir, 'queues', 'Outcomes.jsonl'), 'utf8');
    expect(journal).toContain('o-durable');
    expect(journal).toContain(output.Entries?.[0]?.EventId ?? 'no EventId');

    await waitFor(() => gate.writesHeld > 0, 'the handler tries to record it');
    const stopping = first.stop();
    gate.reopen();
    await stopping;

    const second = await start(dataDir);
    await second.drain();
    expect(await second.ledgerService.getOutcome('o-durable')).toMatchObject({ status: 'counted' });
  });

  it('answers a retryable InternalException, never an EventId, once the stopping engine stopped its queues', async () => {
    const dataDir = newDataDir();
    const engine = await start(dataDir);
    const producer = producerFor(engine, { maxAttempts: 1 });
    gate.close();
    await producer.send(new PutEventsCommand({ Entries: [outcomeEntry('o-before-stop')] }));
    // An invocation in flight keeps the endpoint open while the engine stops.
    await waitFor(() => gate.writesHeld > 0, 'the handler holds an invocation in flight');
    const stopping = engine.stop();

    // Until the queues stop, an entry is still journaled and acknowledged; from then on, refused.
    const acknowledged: string[] = [];
    const answers: unknown[] = [];
    for (let i = 0; ; i += 1) {
      const outcomeId = `o-during-stop-${i}`;
      const answer = await producer.send(new PutEventsCommand({ Entries: [outcomeEntry(outcomeId)] })).catch((error: unknown) => error);
      if (!(answer instanceof Error)) {
        acknowledged.push(outcomeId);
        expect(acknowledged.length).toBeLessThan(500);
        continue;
      }
      answers.push(answer);
      if (answers.length === 3) break;
    }
    for (const refused of answers) expect(refused).toMatchObject({ name: 'InternalException', $metadata: { httpStatusCode: 500 } });
    const journal = readFileSync(join(dataDir, 'queues', 'Outcomes.jsonl'), 'utf8');
    for (const outcomeId of acknowledged) expect(journal).toContain(`${outcomeId}\\"`);
    expect(journal).not.toContain(`o-during-stop-${acknowledged.length}\\"`);

    gate.reopen();
    await stopping;
  });

  it('answers a retryable InternalException, never an EventId, when the journal cannot be flushed', async () => {
    const dataDir = newDataDir();
    const engine = await start(dataDir);
    const producer = producerFor(engine, { maxAttempts: 1 });
    const handlePrototype = Object.getPrototypeOf(await open(join(dataDir, 'queues', 'Outcomes.jsonl'), 'r').then(async (handle) => (await handle.close(), handle))) as FileHandle;
    const failing = vi.spyOn(handlePrototype, 'datasync').mockRejectedValue(Object.assign(new Error('input/output error'), { code: 'EIO' }));
    try {
      const refused = await producer.send(new PutEventsCommand({ Entries: [outcomeEntry('o-not-durable')] })).catch((error: unknown) => error);
      expect(refused).toMatchObject({ name: 'InternalException', $metadata: { httpStatusCode: 500 } });
    } finally {
      failing.mockRestore();
    }
    // Once the disk is back the same call is acknowledged.
    const output = await producer.send(new PutEventsCommand({ Entries: [outcomeEntry('o-not-durable')] }));
    expect(output.FailedEntryCount).toBe(0);
    await engine.drain();
    expect(await engine.ledgerService.getOutcome('o-not-durable')).toMatchObject({ status: 'counted' });
  });

  it('throttles PutEvents with ThrottlingException while a queue is over its backlog bound, and the SDK retries it', async () => {
    const engine = await start(newDataDir(), { queue: { maxBacklog: 2 } });
    gate.close();
    const once = producerFor(engine, { maxAttempts: 1 });
    await once.send(new PutEventsCommand({ Entries: [outcomeEntry('o-backlog-1')] }));
    await once.send(new PutEventsCommand({ Entries: [outcomeEntry('o-backlog-2')] }));

    const throttled = await once.send(new PutEventsCommand({ Entries: [outcomeEntry('o-throttled')] })).then(
      (output) => output,
      (error: unknown) => error,
    );
    expect(throttled).toMatchObject({ name: 'ThrottlingException', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });

    // The real client with its standard retry strategy: the first attempt is
    // throttled, room is made, and a later attempt is acknowledged.
    const attempts: string[] = [];
    const retrying = producerFor(engine, { maxAttempts: 10 });
    // Inside the retry middleware: it sees every attempt, each with its deserialized error.
    retrying.middlewareStack.addRelativeTo(
      (next: FinalizeHandler<object, MetadataBearer>) => async (args: FinalizeHandlerArguments<object>) => {
        try {
          const result = await next(args);
          attempts.push('ok');
          return result;
        } catch (error) {
          attempts.push((error as Error).name);
          if ((error as Error).name === 'ThrottlingException') gate.reopen();
          throw error;
        }
      },
      { relation: 'after', toMiddleware: 'retryMiddleware', name: 'countAttempts' },
    );
    const output = await retrying.send(new PutEventsCommand({ Entries: [outcomeEntry('o-after-backoff')] }));
    expect(output.FailedEntryCount).toBe(0);
    expect(attempts[0]).toBe('ThrottlingException');
    expect(attempts.at(-1)).toBe('ok');
    expect(output.$metadata.attempts).toBe(attempts.length);

    await engine.drain();
    expect(await engine.ledgerService.getOutcome('o-after-backoff')).toMatchObject({ status: 'counted' });
    expect(await engine.ledgerService.getOutcome('o-throttled')).toBeUndefined();
  });
});

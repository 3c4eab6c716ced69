// When DynamoDB throttles, an outcome is retried, and after its last retry it
// lands in the dead-letter queue: never in the rejected-outcomes store, never
// lost. Once DynamoDB is back, redriving the dead letter records it.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { runCli } from '../../bin/cli/program';
import { LOCAL_CREDENTIALS } from '../../lib/local/local-aws';
import { startLocalEngine, type LocalEngine } from '../../lib/local/local-engine';

const WRITES = new Set(['PutItemCommand', 'TransactWriteItemsCommand', 'UpdateItemCommand', 'BatchWriteItemCommand']);

/** A real DynamoDB Local client whose writes fail with throttling while `throttling.on` is set. */
function throttledClient(endpoint: string, throttling: { on: boolean; attempts: number }): DynamoDBClient {
  // One attempt per call: the queue's redelivery is the retry under test.
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      // Only the ledger's writes: the usage rollups' stream reader shares the client and notes its progress in the engine table.
      const table = (args.input as { TableName?: string }).TableName ?? '';
      if (throttling.on && WRITES.has(context.commandName ?? '') && table.includes('-ledger-')) {
        throttling.attempts += 1;
        throw new ProvisionedThroughputExceededException({ message: 'The level of configured provisioned throughput for the table was exceeded', $metadata: { httpStatusCode: 400 } });
      }
      return next(args);
    },
    { step: 'initialize', name: 'injectThrottling' },
  );
  return client;
}

describe('an infrastructure failure during ingest', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'outcome-engine-dlq-'));
  const throttling = { on: false, attempts: 0 };
  let engine: LocalEngine;
  let dynamoDb: DynamoDBClient;
  let producer: EventBridgeClient;
  const clock = () => new Date('2026-11-20T12:00:00Z');

  beforeAll(async () => {
    // The throttling is intended; keep the handler's warnings out of the test output.
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'ERROR');
    const endpoint = inject('dynamoDbEndpoint');
    dynamoDb = throttledClient(endpoint, throttling);
    const suffix = randomUUID().slice(0, 8);
    engine = await startLocalEngine({
      port: 0,
      dynamoDbEndpoint: endpoint,
      dynamoDbClient: dynamoDb,
      dataDir,
      ledgerTableName: `dlq-ledger-${suffix}`,
      engineTableName: `dlq-engine-${suffix}`,
      now: clock,
      queue: { maxReceiveCount: 3, retryDelayMs: () => 5 },
    });
    producer = new EventBridgeClient({ endpoint: engine.url, region: 'us-east-1', credentials: { accessKeyId: 'p', secretAccessKey: 'p' } });
  });

  afterAll(async () => {
    producer?.destroy();
    await engine?.stop();
    dynamoDb?.destroy();
    vi.unstubAllEnvs();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is retried up to maxReceiveCount, then dead-lettered, never rejected; a redrive records it', async () => {
    // Given DynamoDB throttles every write
    throttling.on = true;
    const detail = { outcomeId: 'o-throttled', customerId: 'acme', metric: 'ticket.resolved', occurredAt: '2026-11-20T11:00:00Z' };

    // When a producer sends an outcome
    const sent = await producer.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: 'outcome-engine', Source: 'com.example.support', DetailType: 'Outcome Recorded', Detail: JSON.stringify(detail) }],
      }),
    );
    expect(sent.FailedEntryCount).toBe(0);
    await engine.drain();

    // Then it was attempted once per receive and now waits in the dead-letter queue
    expect(throttling.attempts).toBe(3);
    const letters = await engine.deadLetters();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ queue: 'Outcomes', receiveCount: 3 });
    expect(JSON.parse(letters[0]?.body ?? '{}')).toMatchObject({ 'detail-type': 'Outcome Recorded', detail });

    // ... and it is neither recorded nor rejected
    throttling.on = false;
    expect(await engine.ledgerService.getOutcome('o-throttled')).toBeUndefined();
    const rejected = await engine.ledgerService.listRejected({ from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-12-01T00:00:00Z') });
    expect(rejected.items).toEqual([]);

    // The CLI lists the dead letter
    let stdout = '';
    const code = await runCli(['--data-dir', dataDir, 'dead-letters'], { out: (t) => (stdout += t), err: () => undefined, env: {}, now: clock });
    expect(code).toBe(0);
    expect(stdout).toMatch(/Outcomes\s+\S+\s+3\s+o-throttled/);

    // When DynamoDB is back and the dead letter is redriven, the outcome is recorded once
    const result = await engine.ledgerService.ingestMessage({ body: letters[0]?.body ?? '', messageId: letters[0]?.messageId ?? '' });
    expect(result).toMatchObject({ status: 'recorded', outcomeId: 'o-throttled' });
    expect(await engine.ledgerService.getOutcome('o-throttled')).toMatchObject({ status: 'counted' });
  });
});

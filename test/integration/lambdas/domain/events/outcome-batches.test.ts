// 'Outcomes Recorded' on the real DynamoDB Local: a batch of 50 costs what 50
// single outcomes cost in DynamoDB, a redelivery adds nothing, and a bad item
// is stored on its own, resendable alone once its cause is fixed.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProvisionedThroughputExceededException, ScanCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import {
  InfrastructureError,
  createLedgerService,
  outcomeResultsOf,
  type IngestMessageResult,
} from '../../../../../lambdas/composition/ledger-service';
import { batchOutcomes } from '../../../../../lambdas/domain/events/outcome-batches';
import { LOCAL_CREDENTIALS } from '../../../../../lib/local/local-aws';
import { startLocalEngine } from '../../../../../lib/local/local-engine';
import { createTestDynamoDbClient } from '../../../../support/dynamodb';
import { NOVEMBER, createLedgerKit, message, type LedgerKit } from '../../../../support/ledger-test-kit';

function outcome(index: number, overrides: Record<string, unknown> = {}) {
  // About 1 KB of detail, like the cost benchmark's outcomes.
  const attributes = Object.fromEntries(
    Array.from({ length: 10 }, (_, attribute) => [`attribute-${attribute}`, `value-${index}-${'x'.repeat(40)}`]),
  );
  return {
    outcomeId: `batched-${index}-${'k'.repeat(40)}`,
    customerId: 'acme',
    metric: 'order.recovered',
    value: { amount: '19.90', currency: 'USD' },
    occurredAt: '2026-11-15T09:30:00+01:00',
    attributes,
    ...overrides,
  };
}

const statuses = (result: IngestMessageResult) => outcomeResultsOf(result).map((entry) => entry.status);

describe('Outcomes Recorded on DynamoDB Local', () => {
  let kit: LedgerKit;
  beforeAll(async () => {
    kit = await createLedgerKit();
  });
  afterAll(async () => {
    await kit.destroy();
  });

  /** Ledger entries, without the hourly freshness mark the ingest path keeps beside them. */
  const ledgerItemCount = async () => {
    const output = await kit.tables.client.send(
      new ScanCommand({
        TableName: kit.tables.ledgerTableName,
        Select: 'COUNT',
        FilterExpression: 'pk <> :mark',
        ExpressionAttributeValues: { ':mark': { S: 'F#LEDGER' } },
      }),
    );
    return output.Count ?? 0;
  };

  it('records a batch of 50 with one write per outcome, and a redelivery adds no item', async () => {
    const outcomes = Array.from({ length: 50 }, (_, index) => outcome(index));
    const delivery = message('Outcomes Recorded', { schemaVersion: 1, outcomes });
    expect(Buffer.byteLength(delivery.body)).toBeLessThan(64 * 1024);
    kit.service.consumedCapacity({ reset: true });

    const first = await kit.service.ingestMessage(delivery);

    expect(statuses(first)).toEqual(Array.from({ length: 50 }, () => 'recorded'));
    const capacity = kit.service.consumedCapacity({ reset: true });
    expect(capacity.writeRequests).toBe(50);
    expect(capacity.readRequests).toBe(0);
    expect(capacity.writeUnitsByTarget).toEqual({ table: 50, 'index:usage': 50 });
    expect(await ledgerItemCount()).toBe(50);

    // SQS redelivers the same message (e.g. after a later item's write timed out).
    const again = await kit.service.ingestMessage(delivery);

    expect(statuses(again)).toEqual(Array.from({ length: 50 }, () => 'duplicate'));
    expect(await ledgerItemCount()).toBe(50);
    expect(kit.service.consumedCapacity().readRequests).toBe(0);
    const usage = await kit.service.getUsage({ customerId: 'acme', metric: 'order.recovered', ...NOVEMBER });
    expect(usage.count).toBe(50);
    expect(kit.publishedRejections()).toEqual([]);
  });

  it('fails the whole message when one item cannot be written; the redelivery records the rest, none twice', async () => {
    // The ledger's own client, on the same tables, whose write of one outcome is throttled while `throttle` is set.
    const throttle = { outcomeId: outcome(207).outcomeId, on: true };
    // Thrown before the SDK's retry step: one failed attempt, as after the SDK's own retries ran out.
    const client = createTestDynamoDbClient();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const item = (args.input as { Item?: Record<string, { S?: string }> }).Item;
        if (throttle.on && context.commandName === 'PutItemCommand' && item?.pk?.S === `O#${throttle.outcomeId}`) {
          throw new ProvisionedThroughputExceededException({ message: 'throughput exceeded', $metadata: { httpStatusCode: 400 } });
        }
        return next(args);
      },
      { step: 'initialize', name: 'throttleOneOutcome' },
    );
    const bus = new EventBridgeClient({ region: 'local', credentials: LOCAL_CREDENTIALS });
    const ledger = createLedgerService({
      dynamoDb: client,
      ledgerTableName: kit.tables.ledgerTableName,
      engineTableName: kit.tables.engineTableName,
      eventBridge: bus,
      eventBusName: 'outcome-engine-test',
      now: kit.clock.now,
    });
    try {
      const outcomes = Array.from({ length: 20 }, (_, index) => outcome(200 + index));
      const delivery = message('Outcomes Recorded', { outcomes });
      const before = await ledgerItemCount();

      await expect(ledger.ingestMessage(delivery)).rejects.toBeInstanceOf(InfrastructureError);
      const afterFailure = await ledgerItemCount();
      expect(afterFailure - before).toBeLessThan(20);

      throttle.on = false;
      const redelivered = await ledger.ingestMessage(delivery);

      const results = outcomeResultsOf(redelivered);
      expect(results.filter((entry) => entry.status === 'duplicate')).toHaveLength(afterFailure - before);
      expect(results.filter((entry) => entry.status === 'recorded')).toHaveLength(20 - (afterFailure - before));
      expect(await ledgerItemCount()).toBe(before + 20);
      expect(kit.publishedRejections()).toEqual([]);
    } finally {
      client.destroy();
      bus.destroy();
    }
  });

  it('stores a bad item as its own rejection naming the event and index; resent alone after the fix, it is recorded', async () => {
    const outcomes = [outcome(100), outcome(101, { metric: 'order.returned' }), outcome(102, { quantity: 'lots' })];
    const delivery = message('Outcomes Recorded', { outcomes });
    const eventId = (JSON.parse(delivery.body) as { id: string }).id;

    const result = await kit.service.ingestMessage(delivery);

    expect(outcomeResultsOf(result).map((entry) => (entry.status === 'rejected' ? entry.code : entry.status))).toEqual([
      'recorded',
      'UNKNOWN_METRIC',
      'INVALID_QUANTITY',
    ]);
    const { items } = await kit.service.listRejected({ from: new Date('2026-11-15T00:00:00Z'), to: new Date('2026-11-16T00:00:00Z') });
    const unknownMetric = items.find((item) => item.code === 'UNKNOWN_METRIC');
    expect(unknownMetric).toMatchObject({
      outcomeId: outcome(101).outcomeId,
      customerId: 'acme',
      detailType: 'Outcomes Recorded',
      messageId: delivery.messageId,
      truncated: false,
    });
    expect(unknownMetric?.message).toMatch(new RegExp(`^outcomes\\[1\\] of event "${eventId}": metric "order.returned"`));
    expect(kit.publishedRejections().map((detail) => detail.code).sort()).toEqual(['INVALID_QUANTITY', 'UNKNOWN_METRIC']);

    await kit.service.loadCatalog({ metrics: [{ code: 'order.returned', name: 'Returned order', unit: 'order', aggregation: 'count' }] });
    const resent = await kit.service.ingestMessage({ body: unknownMetric?.rawBody ?? '', messageId: 'replay-1' });
    expect(resent).toEqual({ status: 'recorded', outcomeId: outcome(101).outcomeId, kind: 'recorded' });
  });
});

describe('Outcomes Recorded through the local engine', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'outcome-batches-local-'));
  const suffix = randomUUID().slice(0, 8);

  beforeAll(() => {
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'ERROR');
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('routes a batch from a real EventBridge client to the ledger', async () => {
    const engine = await startLocalEngine({
      port: 0,
      dynamoDbEndpoint: inject('dynamoDbEndpoint'),
      dataDir,
      ledgerTableName: `batch-ledger-${suffix}`,
      engineTableName: `batch-engine-${suffix}`,
      now: () => new Date('2026-11-20T12:00:00Z'),
      writeStateFile: false,
    });
    const producer = new EventBridgeClient({ endpoint: engine.url, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
    try {
      const outcomes = Array.from({ length: 30 }, (_, index) => ({
        outcomeId: `local-batch-${index}`,
        customerId: 'acme',
        metric: 'ticket.resolved',
        occurredAt: '2026-11-20T11:00:00Z',
      }));
      const entries = batchOutcomes(outcomes, { maxOutcomes: 20 }).map((detail) => ({
        EventBusName: 'outcome-engine',
        Source: 'com.example.support',
        DetailType: 'Outcomes Recorded',
        Detail: JSON.stringify(detail),
      }));
      expect(entries).toHaveLength(2);

      const sent = await producer.send(new PutEventsCommand({ Entries: entries }));
      await engine.drain();

      expect(sent.FailedEntryCount).toBe(0);
      expect(await engine.deadLetters()).toEqual([]);
      for (const index of [0, 19, 20, 29]) {
        expect(await engine.ledgerService.getOutcome(`local-batch-${index}`)).toMatchObject({ customerId: 'acme' });
      }
    } finally {
      producer.destroy();
      await engine.stop();
    }
  });
});

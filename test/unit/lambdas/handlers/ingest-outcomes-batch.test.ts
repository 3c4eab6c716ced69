// The ingest Lambda handler with 'Outcomes Recorded' records, against mocked
// AWS clients: per-outcome results and metrics, and which records SQS is told
// to redeliver when one item cannot be stored.
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  ProvisionedThroughputExceededException,
  QueryCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLambdaContext } from '../../../../lib/local/lambda-context';

const ddb = mockClient(DynamoDBClient);
const eventBridge = mockClient(EventBridgeClient);

const LEDGER_TABLE = 'ledger-batch-test';
const ENGINE_TABLE = 'engine-batch-test';

const CATALOG_ITEMS: Record<string, AttributeValue>[] = [
  {
    pk: { S: 'CATALOG' },
    sk: { S: 'METRIC#ticket.resolved' },
    data: { S: JSON.stringify({ code: 'ticket.resolved', name: 'Resolved ticket', unit: 'resolution', aggregation: 'count', billable: { when: 'immediately' } }) },
  },
  { pk: { S: 'CATALOG' }, sk: { S: 'CUSTOMER#acme' }, data: { S: JSON.stringify({ customerId: 'acme', name: 'Acme' }) } },
];

let sequence = 0;
function sqsRecord(detail: unknown, detailType: string): SQSRecord {
  sequence += 1;
  return {
    messageId: `batch-message-${sequence}`,
    receiptHandle: `receipt-${sequence}`,
    body: JSON.stringify({
      version: '0',
      id: `batch-event-${sequence}`,
      'detail-type': detailType,
      source: 'com.example.support',
      account: '123456789012',
      time: new Date().toISOString(),
      region: 'us-east-1',
      resources: [],
      detail,
    }),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: '123456789012',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:outcomes',
    awsRegion: 'us-east-1',
  };
}

// One instant for every outcome, so a resend is byte for byte the same content.
const OCCURRED_AT = new Date(Date.now() - 60_000).toISOString();
const outcome = (outcomeId: string, extra: Record<string, unknown> = {}) => ({
  outcomeId,
  customerId: 'acme',
  metric: 'ticket.resolved',
  occurredAt: OCCURRED_AT,
  ...extra,
});
const batchRecord = (outcomes: unknown[]) => sqsRecord({ schemaVersion: 1, outcomes }, 'Outcomes Recorded');

async function coldStart() {
  vi.resetModules();
  const handlerModule = await import('../../../../lambdas/handlers/ingest-outcomes');
  const { metrics, logger } = await import('../../../../lambdas/shared/powertools');
  const addMetric = vi.spyOn(metrics, 'addMetric');
  const singleMetric = vi.spyOn(metrics, 'singleMetric');
  const invoke = (records: SQSRecord[]) =>
    handlerModule.handler(
      { Records: records } as SQSEvent,
      createLambdaContext({ functionName: 'ingest-outcomes', timeoutMs: 30_000, region: 'us-east-1', accountId: '123456789012' }),
    ) as Promise<SQSBatchResponse>;
  return { invoke, addMetric, singleMetric, handlerModule, logger };
}

const ledgerWrites = () =>
  ddb
    .commandCalls(PutItemCommand)
    .filter((call) => call.args[0].input.TableName === LEDGER_TABLE)
    .map((call) => call.args[0].input.Item ?? {});
const isRejectionItem = (item: Record<string, AttributeValue>) => item.pk?.S?.startsWith('RJ#') === true;
const mentions = (item: Record<string, AttributeValue>, text: string) => JSON.stringify(item).includes(text);

beforeEach(() => {
  vi.stubEnv('LEDGER_TABLE_NAME', LEDGER_TABLE);
  vi.stubEnv('ENGINE_TABLE_NAME', ENGINE_TABLE);
  vi.stubEnv('EVENT_BUS_NAME', 'outcome-engine-test');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  ddb.on(QueryCommand, { TableName: ENGINE_TABLE }).resolves({ Items: CATALOG_ITEMS });
  ddb.on(PutItemCommand).resolves({});
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
});

afterEach(() => {
  ddb.reset();
  eventBridge.reset();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('ingest-outcomes handler: Outcomes Recorded', () => {
  it('records, acknowledges and rejects the items of one record on their own, and counts metrics per outcome', async () => {
    const { invoke, addMetric, singleMetric } = await coldStart();
    await invoke([sqsRecord(outcome('o-seen'), 'Outcome Recorded')]);
    const stored = ledgerWrites()[0];
    ddb.on(PutItemCommand, { TableName: LEDGER_TABLE }).callsFake((input: { Item?: Record<string, AttributeValue> }) => {
      if (input.Item && mentions(input.Item, 'o-seen') && !isRejectionItem(input.Item)) {
        throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, Item: stored });
      }
      return {};
    });
    ddb.resetHistory();
    addMetric.mockClear();

    const record = batchRecord([outcome('o-new-1'), outcome('o-seen'), outcome('o-bad', { quantity: '-2' }), outcome('o-new-2')]);
    const response = await invoke([record]);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(addMetric).toHaveBeenCalledWith('OutcomesRecorded', 'Count', 2);
    expect(addMetric).toHaveBeenCalledWith('OutcomesDuplicate', 'Count', 1);
    expect(addMetric).toHaveBeenCalledWith('OutcomesConflict', 'Count', 0);
    expect(addMetric).toHaveBeenCalledWith('IngestFailures', 'Count', 0);
    expect(singleMetric).toHaveBeenCalledTimes(1);

    const rejections = ledgerWrites().filter(isRejectionItem);
    expect(rejections).toHaveLength(1);
    expect(mentions(rejections[0] ?? {}, 'INVALID_QUANTITY')).toBe(true);
    const [announcement] = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries ?? [];
    const detail = JSON.parse(announcement?.Detail ?? '{}') as Record<string, unknown>;
    expect(detail).toMatchObject({ code: 'INVALID_QUANTITY', outcomeId: 'o-bad', rawDetailType: 'Outcomes Recorded' });
    expect(detail.message).toMatch(/^outcomes\[2\] of event "batch-event-\d+": quantity must not be negative/);
  });

  it('fails exactly the record with an item that cannot be stored; the other records succeed', async () => {
    const { invoke, addMetric } = await coldStart();
    ddb.on(PutItemCommand, { TableName: LEDGER_TABLE }).callsFake((input: { Item?: Record<string, AttributeValue> }) => {
      if (input.Item && mentions(input.Item, 'o-throttled')) {
        throw new ProvisionedThroughputExceededException({ message: 'Rate of requests exceeds the allowed throughput', $metadata: {} });
      }
      return {};
    });
    const fine = batchRecord([outcome('o-fine-1'), outcome('o-fine-2')]);
    const failing = batchRecord([outcome('o-ok-a'), outcome('o-throttled'), outcome('o-ok-b')]);
    const single = sqsRecord(outcome('o-single'), 'Outcome Recorded');

    const response = await invoke([fine, failing, single]);

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: failing.messageId }] });
    expect(ledgerWrites().filter(isRejectionItem)).toEqual([]);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
    expect(addMetric).toHaveBeenCalledWith('IngestFailures', 'Count', 1);
    expect(addMetric).toHaveBeenCalledWith('OutcomesRecorded', 'Count', 3);
  });

  it('logs each rejected item by event id, index, code and rejection id, never its payload', async () => {
    const { invoke, logger } = await coldStart();
    const logged: unknown[][] = [];
    for (const method of ['debug', 'info', 'warn', 'error'] as const) {
      vi.spyOn(logger, method).mockImplementation((...args: unknown[]) => {
        logged.push(args);
      });
    }
    const record = batchRecord([outcome('o-fine', { attributes: { note: 'PAYLOAD-MARKER' } }), outcome('o-bad', { quantity: '-1', attributes: { note: 'PAYLOAD-MARKER' } })]);
    await invoke([record]);
    const rejected = logged.find(([message]) => message === 'Outcome rejected and stored');
    expect(rejected?.[1]).toMatchObject({ messageId: record.messageId, eventId: expect.stringMatching(/^batch-event-/), itemIndex: 1, code: 'INVALID_QUANTITY' });
    expect(JSON.stringify(logged)).not.toContain('PAYLOAD-MARKER');
  });

  it('stores a batch that is not a batch at all as one rejection', async () => {
    const { invoke, singleMetric } = await coldStart();
    const response = await invoke([sqsRecord({ outcomes: [] }, 'Outcomes Recorded')]);
    expect(response).toEqual({ batchItemFailures: [] });
    const rejections = ledgerWrites().filter(isRejectionItem);
    expect(rejections).toHaveLength(1);
    expect(mentions(rejections[0] ?? {}, 'outcomes must hold at least one outcome')).toBe(true);
    expect(singleMetric).toHaveBeenCalledTimes(1);
  });
});

describe('ordering with Outcomes Recorded records', () => {
  it('needs no ordering for new outcomes, single or batched', async () => {
    const { needsOrdering } = await import('../../../../lambdas/handlers/ingest-outcomes');
    expect(needsOrdering([batchRecord([outcome('a')]), sqsRecord(outcome('b'), 'Outcome Recorded'), batchRecord([outcome('c')])])).toBe(false);
    expect(needsOrdering([batchRecord([outcome('a')]), sqsRecord({ outcomeId: 'a', reason: 'x' }, 'Outcome Reversed')])).toBe(true);
  });

  it('keeps a reversal behind the batch holding its outcome, and fails it too when that batch fails', async () => {
    const { invoke } = await coldStart();
    ddb.on(PutItemCommand, { TableName: LEDGER_TABLE }).callsFake((input: { Item?: Record<string, AttributeValue> }) => {
      if (input.Item && mentions(input.Item, 'o-held')) throw new ProvisionedThroughputExceededException({ message: 'throttled', $metadata: {} });
      return {};
    });
    const batch = batchRecord([outcome('o-other'), outcome('o-held')]);
    const reversal = sqsRecord({ outcomeId: 'o-held', reason: 'ticket reopened' }, 'Outcome Reversed');

    // The queue delivered the reversal first; it still waits for the batch holding its outcome.
    const response = await invoke([reversal, batch]);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: reversal.messageId }, { itemIdentifier: batch.messageId }]);
    // Not attempted: no read of the outcome, no rejection for an "unknown" outcome.
    expect(ddb.commandCalls(QueryCommand).filter((call) => call.args[0].input.TableName === LEDGER_TABLE)).toEqual([]);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
    const { outcomeKeysOf } = await import('../../../../lambdas/handlers/ingest-outcomes');
    expect(outcomeKeysOf(batch)).toEqual([`message:${batch.messageId}`, 'outcome:o-other', 'outcome:o-held']);
    expect(outcomeKeysOf(reversal)).toBe('outcome:o-held');
  });
});

// The ingest Lambda handler against mocked AWS clients: what each kind of
// record does to DynamoDB and EventBridge, and which records SQS is told to
// redeliver.
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

const LEDGER_TABLE = 'ledger-test';
const ENGINE_TABLE = 'engine-test';

const catalogItem = (sk: string, data: unknown): Record<string, AttributeValue> => ({
  pk: { S: 'CATALOG' },
  sk: { S: sk },
  data: { S: JSON.stringify(data) },
});

const CATALOG_ITEMS = [
  catalogItem('METRIC#ticket.resolved', {
    code: 'ticket.resolved',
    name: 'Resolved ticket',
    unit: 'resolution',
    aggregation: 'count',
    billable: { when: 'immediately' },
  }),
  catalogItem('CUSTOMER#acme', { customerId: 'acme', name: 'Acme' }),
];

let sequence = 0;
function sqsRecord(detail: unknown, detailType = 'Outcome Recorded'): SQSRecord {
  sequence += 1;
  return {
    messageId: `message-${sequence}`,
    receiptHandle: `receipt-${sequence}`,
    body: JSON.stringify({
      version: '0',
      id: `event-${sequence}`,
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

const recent = () => new Date(Date.now() - 60_000).toISOString();
const outcome = (outcomeId: string, extra: Record<string, unknown> = {}) => ({
  outcomeId,
  customerId: 'acme',
  metric: 'ticket.resolved',
  occurredAt: recent(),
  ...extra,
});

/** A fresh container: the handler module and its singletons loaded anew. */
async function coldStart() {
  vi.resetModules();
  const handlerModule = await import('../../../../lambdas/handlers/ingest-outcomes');
  const { metrics, logger } = await import('../../../../lambdas/shared/powertools');
  const addMetric = vi.spyOn(metrics, 'addMetric');
  const invoke = (records: SQSRecord[]) =>
    handlerModule.handler(
      { Records: records } as SQSEvent,
      createLambdaContext({ functionName: 'ingest-outcomes', timeoutMs: 30_000, region: 'us-east-1', accountId: '123456789012' }),
    ) as Promise<SQSBatchResponse>;
  return { invoke, addMetric, logger, metrics };
}

const isFreshnessMark = (call: { args: [{ input: { Item?: Record<string, { S?: string }> } }] }) => call.args[0].input.Item?.['pk']?.S === 'F#LEDGER';
/** The items written to a table, without the ledger's hourly freshness mark (lambdas/adapters/dynamodb/ledger-freshness-store.ts). */
const putItemsTo = (table: string) =>
  ddb.commandCalls(PutItemCommand).filter((call) => call.args[0].input.TableName === table && !isFreshnessMark(call));
const freshnessMarks = () => ddb.commandCalls(PutItemCommand).filter(isFreshnessMark);

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

describe('ingest-outcomes handler', () => {
  it('records a valid outcome with one conditional write and reports no failure', async () => {
    // Prepare
    const { invoke, addMetric } = await coldStart();
    // Act
    const response = await invoke([sqsRecord(outcome('o-recorded'))]);
    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const writes = putItemsTo(LEDGER_TABLE);
    expect(writes).toHaveLength(1);
    expect(writes[0]?.args[0].input).toMatchObject({
      ConditionExpression: 'attribute_not_exists(#pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(JSON.stringify(writes[0]?.args[0].input.Item)).toContain('o-recorded');
    // Besides the outcome, the container's first record of the hour marks the ledger's freshness, once.
    expect(freshnessMarks()).toHaveLength(1);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
    expect(addMetric).toHaveBeenCalledWith('OutcomesRecorded', 'Count', 1);
    expect(addMetric).toHaveBeenCalledWith('IngestFailures', 'Count', 0);
  });

  it('acknowledges an exact resend as a duplicate: no failure, nothing stored as rejected', async () => {
    const { invoke, addMetric } = await coldStart();
    const detail = outcome('o-duplicate');
    await invoke([sqsRecord(detail)]);
    const storedItem = putItemsTo(LEDGER_TABLE)[0]?.args[0].input.Item;
    ddb.on(PutItemCommand, { TableName: LEDGER_TABLE }).rejects(
      new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, Item: storedItem }),
    );
    addMetric.mockClear();

    const response = await invoke([sqsRecord(detail)]);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(addMetric).toHaveBeenCalledWith('OutcomesDuplicate', 'Count', 1);
    expect(addMetric).toHaveBeenCalledWith('OutcomesRecorded', 'Count', 0);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('stores bad input as a rejection, announces it, and still reports success to SQS', async () => {
    const { invoke, metrics } = await coldStart();
    const singleMetric = vi.spyOn(metrics, 'singleMetric');

    const response = await invoke([sqsRecord(outcome('o-negative', { quantity: '-3' }))]);

    expect(response).toEqual({ batchItemFailures: [] });
    const writes = putItemsTo(LEDGER_TABLE);
    expect(writes).toHaveLength(1);
    const rejectionItem = JSON.stringify(writes[0]?.args[0].input.Item);
    expect(rejectionItem).toContain('INVALID_QUANTITY');
    expect(rejectionItem).toContain('o-negative');
    const announcements = eventBridge.commandCalls(PutEventsCommand);
    expect(announcements).toHaveLength(1);
    const [entry] = announcements[0]?.args[0].input.Entries ?? [];
    expect(entry).toMatchObject({ Source: 'outcome-engine', DetailType: 'Outcome Rejected', EventBusName: 'outcome-engine-test' });
    expect(JSON.parse(entry?.Detail ?? '{}')).toMatchObject({ code: 'INVALID_QUANTITY', outcomeId: 'o-negative' });
    expect(singleMetric).toHaveBeenCalledTimes(1);
  });

  it('stores a body that is not even JSON as a rejection', async () => {
    const { invoke } = await coldStart();
    const record = { ...sqsRecord({}), body: '{not json' };
    const response = await invoke([record]);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(JSON.stringify(putItemsTo(LEDGER_TABLE)[0]?.args[0].input.Item)).toContain('MALFORMED_JSON');
  });

  it('fails exactly the throttled record so SQS redelivers it, never storing it as rejected', async () => {
    const { invoke, addMetric } = await coldStart();
    ddb.on(PutItemCommand, { TableName: LEDGER_TABLE }).callsFake((input: { Item?: unknown }) => {
      if (JSON.stringify(input.Item).includes('o-throttled')) {
        throw new ProvisionedThroughputExceededException({ message: 'Rate of requests exceeds the allowed throughput', $metadata: {} });
      }
      return {};
    });
    const ok1 = sqsRecord(outcome('o-fine-1'));
    const throttled = sqsRecord(outcome('o-throttled'));
    const ok2 = sqsRecord(outcome('o-fine-2'));

    const response = await invoke([ok1, throttled, ok2]);

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: throttled.messageId }] });
    const written = putItemsTo(LEDGER_TABLE).map((call) => JSON.stringify(call.args[0].input.Item));
    expect(written.filter((item) => item.includes('RJ#'))).toEqual([]);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
    expect(addMetric).toHaveBeenCalledWith('IngestFailures', 'Count', 1);
    expect(addMetric).toHaveBeenCalledWith('OutcomesRecorded', 'Count', 2);
  });

  it('fails a record whose rejection could not be announced, so the announcement is retried', async () => {
    const { invoke } = await coldStart();
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }] });
    const record = sqsRecord(outcome('o-unknown-metric', { metric: 'no.such.metric' }));
    const response = await invoke([record]);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
  });

  it('keeps a reversal behind its original in the same batch, and fails it too when the original fails', async () => {
    const { invoke } = await coldStart();
    ddb.on(PutItemCommand, { TableName: LEDGER_TABLE }).rejects(
      new ProvisionedThroughputExceededException({ message: 'throttled', $metadata: {} }),
    );
    const original = sqsRecord(outcome('o-pair'));
    const reversal = sqsRecord({ outcomeId: 'o-pair', reason: 'ticket reopened' }, 'Outcome Reversed');
    const response = await invoke([original, reversal]);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: original.messageId }, { itemIdentifier: reversal.messageId }]);
    // The reversal was never attempted: no read of the outcome, no rejection for an "unknown" outcome.
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('never logs the payload', async () => {
    const { invoke, logger } = await coldStart();
    const calls: unknown[] = [];
    for (const method of ['debug', 'info', 'warn', 'error'] as const) {
      vi.spyOn(logger, method).mockImplementation((...args: unknown[]) => {
        calls.push(args);
      });
    }
    ddb.on(PutItemCommand, { TableName: LEDGER_TABLE }).callsFake((input: { Item?: unknown }) => {
      if (JSON.stringify(input.Item).includes('o-secret-2')) throw new ProvisionedThroughputExceededException({ message: 'x', $metadata: {} });
      return {};
    });
    await invoke([
      sqsRecord(outcome('o-secret-1', { attributes: { note: 'PAYLOAD-MARKER' } })),
      sqsRecord(outcome('o-secret-2', { attributes: { note: 'PAYLOAD-MARKER' } })),
      sqsRecord(outcome('o-secret-3', { quantity: '-1', attributes: { note: 'PAYLOAD-MARKER' } })),
    ]);
    expect(calls.length).toBeGreaterThan(0);
    const logged = JSON.stringify(calls, (_key, value: unknown) => (value instanceof Error ? { message: value.message } : value));
    expect(logged).not.toContain('PAYLOAD-MARKER');
  });

  it('fails the first invocation loudly when its configuration is missing', async () => {
    vi.stubEnv('LEDGER_TABLE_NAME', '');
    const { invoke } = await coldStart();
    await expect(invoke([sqsRecord(outcome('o-1'))])).rejects.toThrow(/LEDGER_TABLE_NAME/);
  });
});

describe('ordering inside a batch', () => {
  it('orders by outcome only when the batch holds an adjustment', async () => {
    const { needsOrdering, outcomeKeyOf } = await import('../../../../lambdas/handlers/ingest-outcomes');
    const recordedA = sqsRecord(outcome('o-a'));
    const recordedB = sqsRecord(outcome('o-b'));
    const reversal = sqsRecord({ outcomeId: 'o-a', reason: 'reopened' }, 'Outcome Reversed');
    expect(needsOrdering([recordedA, recordedB])).toBe(false);
    expect(needsOrdering([recordedA, reversal])).toBe(true);
    // Bodies not in EventBridge's compact form are ordered, to be safe.
    expect(needsOrdering([recordedA, { ...recordedB, body: JSON.stringify(JSON.parse(recordedB.body), null, 2) }])).toBe(true);
    expect(outcomeKeyOf(recordedA)).toBe(outcomeKeyOf(reversal));
    expect(outcomeKeyOf(recordedA)).not.toBe(outcomeKeyOf(recordedB));
    expect(outcomeKeyOf({ ...recordedA, body: '{not json' })).toBe(`message:${recordedA.messageId}`);
  });
});

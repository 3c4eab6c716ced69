import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  InternalServerError,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  QueryCommand,
  RequestLimitExceeded,
  ResourceNotFoundException,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { InfrastructureError } from '../../../../../lambdas/application/errors';
import { DynamoDbLedgerRepository } from '../../../../../lambdas/adapters/dynamodb/dynamodb-ledger-repository';
import { toLedgerItem } from '../../../../../lambdas/adapters/dynamodb/ledger-items';
import { createLedgerService } from '../../../../../lambdas/composition/ledger-service';
import type { RecordedEntry } from '../../../../../lambdas/domain/ledger/ledger-entries';
import { envelope, validDetail } from '../../../../support/ledger-fixtures';

const dynamoDb = mockClient(DynamoDBClient);
const eventBridge = mockClient(EventBridgeClient);

afterEach(() => {
  dynamoDb.reset();
  eventBridge.reset();
});

const entry: RecordedEntry = {
  kind: 'recorded',
  outcomeId: 'o-1',
  customerId: 'acme',
  metric: 'ticket.resolved',
  occurredAtMs: Date.parse('2026-11-15T09:00:00Z'),
  recordedAtMs: Date.parse('2026-11-15T12:00:00Z'),
  quantity: '1',
  value: undefined,
  attributesJson: undefined,
  billableRule: { when: 'immediately' },
  attributed: true,
};

const metadata = { $metadata: {} };

function repository() {
  return new DynamoDbLedgerRepository({ client: new DynamoDBClient({ region: 'local' }), tableName: 'ledger' });
}

describe('DynamoDbLedgerRepository.putEntry', () => {
  it('claims the key with one conditional put that returns the old item on failure', async () => {
    dynamoDb.on(PutItemCommand).resolves({ ConsumedCapacity: { TableName: 'ledger', CapacityUnits: 2, Table: { CapacityUnits: 1 }, GlobalSecondaryIndexes: { usage: { CapacityUnits: 1 } } } });
    const repo = repository();
    expect(await repo.putEntry(entry)).toEqual({ status: 'created' });
    const input = dynamoDb.commandCalls(PutItemCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      TableName: 'ledger',
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': 'pk' },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      ReturnConsumedCapacity: 'INDEXES',
    });
    expect(input?.Item).toEqual(toLedgerItem(entry));
    expect(repo.capacity.snapshot()).toMatchObject({ writeRequests: 1, writeUnits: 2, writeUnitsByTarget: { table: 1, 'index:usage': 1 } });
  });

  it('turns ConditionalCheckFailed into "exists" with the stored entry, without reading', async () => {
    const stored = { ...entry, quantity: '5' };
    dynamoDb.on(PutItemCommand).rejects(new ConditionalCheckFailedException({ message: 'taken', ...metadata, Item: toLedgerItem(stored) }));
    expect(await repository().putEntry(entry)).toEqual({ status: 'exists', existing: stored });
    expect(dynamoDb.commandCalls(GetItemCommand)).toHaveLength(0);
  });

  it('reads the stored item when the failed condition did not return it', async () => {
    dynamoDb.on(PutItemCommand).rejects(new ConditionalCheckFailedException({ message: 'taken', ...metadata }));
    dynamoDb.on(GetItemCommand).resolves({ Item: toLedgerItem(entry) });
    expect(await repository().putEntry(entry)).toEqual({ status: 'exists', existing: entry });
    expect(dynamoDb.commandCalls(GetItemCommand)[0]?.args[0].input).toMatchObject({ ConsistentRead: true });
  });

  const transient: [string, Error][] = [
    ['ProvisionedThroughputExceeded', new ProvisionedThroughputExceededException({ message: 'slow down', ...metadata })],
    ['Throttling', new ThrottlingException({ message: 'throttled', ...metadata })],
    ['RequestLimitExceeded', new RequestLimitExceeded({ message: 'limit', ...metadata })],
    ['InternalServerError (500)', new InternalServerError({ message: 'oops', $metadata: { httpStatusCode: 500 } })],
    ['503 without a known name', Object.assign(new Error('unavailable'), { name: 'SomethingNew', $metadata: { httpStatusCode: 503 } })],
    ['network reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
  ];

  it.each(transient)('maps %s to a retryable InfrastructureError keeping the cause', async (_name, error) => {
    dynamoDb.on(PutItemCommand).rejects(error);
    const failure = await repository().putEntry(entry).catch((caught: unknown) => caught);
    expect(failure).toBeInstanceOf(InfrastructureError);
    expect(failure).toMatchObject({ retryable: true, operation: 'DynamoDB PutItem (ledger entry)', cause: error });
  });

  it('maps configuration errors to a non-retryable InfrastructureError', async () => {
    dynamoDb.on(PutItemCommand).rejects(new ResourceNotFoundException({ message: 'no such table', $metadata: { httpStatusCode: 400 } }));
    await expect(repository().putEntry(entry)).rejects.toMatchObject({ name: 'InfrastructureError', retryable: false });
  });

  it('maps failures of reads the same way', async () => {
    dynamoDb.on(QueryCommand).rejects(new ProvisionedThroughputExceededException({ message: 'slow down', ...metadata }));
    await expect(repository().getOutcomeEntries('o-1')).rejects.toMatchObject({ name: 'InfrastructureError', retryable: true });
    const stream = repository().streamUsageEntries({ customerId: 'acme', metric: 'm', fromMs: 0, toMs: 86_400_000, asOfMs: 1 });
    await expect(async () => {
      for await (const page of stream) void page;
    }).rejects.toMatchObject({ name: 'InfrastructureError', retryable: true });
  });
});

describe('ledger service on a throttled DynamoDB', () => {
  it('throws InfrastructureError from ingestMessage (so the edge retries) and stores no rejection', async () => {
    const catalogItems = [
      { pk: { S: 'CATALOG' }, sk: { S: 'METRIC#ticket.resolved' }, data: { S: JSON.stringify({ code: 'ticket.resolved', name: 'R', unit: 'r', aggregation: 'count', billable: { when: 'immediately' } }) } },
    ];
    dynamoDb.on(QueryCommand).resolves({ Items: catalogItems });
    dynamoDb.on(PutItemCommand).rejects(new ProvisionedThroughputExceededException({ message: 'slow down', ...metadata }));
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    const service = createLedgerService({
      dynamoDb: new DynamoDBClient({ region: 'local' }),
      eventBridge: new EventBridgeClient({ region: 'local' }),
      eventBusName: 'bus',
      ledgerTableName: 'ledger',
      engineTableName: 'engine',
      now: () => new Date('2026-11-15T12:00:00Z'),
    });
    await expect(service.ingestMessage({ body: envelope(validDetail), messageId: 'm-1' })).rejects.toBeInstanceOf(InfrastructureError);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
    // The only write attempted was the outcome itself (no rejection item).
    const writes = dynamoDb.commandCalls(PutItemCommand).map((call) => call.args[0].input.Item?.pk?.S);
    expect(new Set(writes)).toEqual(new Set(['O#ticket-4711-resolution']));
  });
});

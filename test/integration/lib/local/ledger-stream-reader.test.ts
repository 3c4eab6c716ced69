// The local stream reader on DynamoDB Local's real stream of a ledger table:
// how it cuts the stream into batches, where a poll stops, and how an
// interrupted batch is read again. The batches go to a recording apply
// function (the rollups themselves are checked in the usage-rollups tests).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LEDGER_TABLE } from '../../../../lambdas/adapters/dynamodb/table-design';
import { LedgerStreamBatchError, LedgerStreamReader, type LedgerStreamReaderOptions } from '../../../../lib/local/ledger-stream-reader';
import { createTestTables, type TestTables } from '../../../support/dynamodb';

interface StreamRecord {
  readonly eventSourceARN: string;
  readonly dynamodb: { readonly SequenceNumber: string; readonly Keys: Record<string, { S: string }> };
}

describe('LedgerStreamReader on DynamoDB Local', () => {
  let tables: TestTables;
  let dataDir: string;
  let written = 0;
  const readers: LedgerStreamReader[] = [];

  /** Writes `count` ledger items (anything the stream carries will do: the apply function only records). */
  async function writeItems(count: number): Promise<void> {
    for (let start = 0; start < count; start += 25) {
      const items = Array.from({ length: Math.min(25, count - start) }, () => {
        written += 1;
        return { PutRequest: { Item: { [LEDGER_TABLE.partitionKey]: { S: `O#${String(written).padStart(6, '0')}` }, [LEDGER_TABLE.sortKey]: { S: 'E' } } } };
      });
      const output = await tables.client.send(new BatchWriteItemCommand({ RequestItems: { [tables.ledgerTableName]: items } }));
      expect(output.UnprocessedItems?.[tables.ledgerTableName] ?? []).toEqual([]);
    }
  }

  function newReader(apply: LedgerStreamReaderOptions['apply'], options: Partial<LedgerStreamReaderOptions> = {}) {
    const seals: number[] = [];
    const reader = new LedgerStreamReader({
      dynamoDb: tables.client,
      ledgerTableName: tables.ledgerTableName,
      apply,
      progress: { advance: async (sealedBeforeMs) => void seals.push(sealedBeforeMs) },
      now: () => new Date('2026-11-20T12:00:00Z'),
      checkpointPath: join(dataDir, 'ledger-stream.json'),
      ...options,
    });
    readers.push(reader);
    return { reader, seals };
  }

  /** An apply function that records each batch's records. */
  function recording(): { batches: StreamRecord[][]; apply: LedgerStreamReaderOptions['apply'] } {
    const batches: StreamRecord[][] = [];
    return {
      batches,
      apply: async (event): Promise<DynamoDBBatchResponse> => {
        batches.push(event.Records as StreamRecord[]);
        return { batchItemFailures: [] };
      },
    };
  }

  const keysOf = (batch: readonly StreamRecord[]) => batch.map((record) => record.dynamodb.Keys[LEDGER_TABLE.partitionKey]?.S);
  const itemKeys = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => `O#${String(from + index).padStart(6, '0')}`);

  beforeEach(async () => {
    tables = await createTestTables('stream-reader');
    dataDir = await mkdtemp(join(tmpdir(), 'stream-reader-'));
    written = 0;
  });

  afterEach(async () => {
    await Promise.all(readers.splice(0).map((reader) => reader.stop()));
    await tables.destroy();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('applies what the shard holds as one batch, past GetRecords\' 1,000 records a call, and seals after it', async () => {
    await writeItems(2_500);
    const { batches, apply } = recording();
    const { reader, seals } = newReader(apply);
    expect(await reader.drain()).toBe(2_500);
    expect(batches.map((batch) => batch.length)).toEqual([2_500]);
    expect(keysOf(batches[0] ?? [])).toEqual(itemKeys(1, 2_500));
    // Read to its end in that one pass: sealed an ingest bound (a minute) before the pass, on its quarter hour.
    expect(seals).toEqual([Date.parse('2026-11-20T11:45:00Z')]);
  }, 120_000);

  it('cuts a longer stream at the most records a batch may hold', async () => {
    await writeItems(2_500);
    const { batches, apply } = recording();
    const { reader } = newReader(apply, { maxRecordsPerBatch: 1_500 });
    expect(await reader.drain()).toBe(2_500);
    expect(batches.map((batch) => batch.length)).toEqual([1_500, 1_000]);
    expect(batches.flatMap(keysOf)).toEqual(itemKeys(1, 2_500));
  }, 120_000);

  it('leaves records written while a batch is applied to the next poll instead of chasing the tail', async () => {
    await writeItems(30);
    const batches: StreamRecord[][] = [];
    const { reader } = newReader(async (event) => {
      batches.push(event.Records as StreamRecord[]);
      // Ingest goes on meanwhile.
      if (batches.length === 1) await writeItems(10);
      return { batchItemFailures: [] };
    });
    expect(await reader.drain()).toBe(30);
    expect(batches.map((batch) => batch.length)).toEqual([30]);
    expect(await reader.drain()).toBe(10);
    expect(keysOf(batches[1] ?? [])).toEqual(itemKeys(31, 40));
    expect(await reader.drain()).toBe(0);
  }, 120_000);

  it('reads a batch whose application threw again on the next poll, from its first record', async () => {
    await writeItems(1_200);
    const batches: StreamRecord[][] = [];
    const { reader } = newReader(async (event) => {
      batches.push(event.Records as StreamRecord[]);
      if (batches.length === 1) throw new Error('DynamoDB Local went away');
      return { batchItemFailures: [] };
    });
    await expect(reader.drain()).rejects.toThrow('DynamoDB Local went away');
    expect(await reader.drain()).toBe(1_200);
    expect(batches.map((batch) => batch.length)).toEqual([1_200, 1_200]);
    expect(keysOf(batches[1] ?? [])).toEqual(itemKeys(1, 1_200));
  }, 120_000);

  it('reads an interrupted batch of several GetRecords calls again exactly, then goes on after it', async () => {
    await writeItems(1_500);
    const failing = newReader(async () => ({ batchItemFailures: [{ itemIdentifier: 'first' }] }));
    await expect(failing.reader.drain()).rejects.toBeInstanceOf(LedgerStreamBatchError);
    await failing.reader.stop();
    const checkpoint = JSON.parse(await readFile(join(dataDir, 'ledger-stream.json'), 'utf8')) as { shards: Record<string, { inFlight?: { first: string; last: string } }> };
    const [inFlight] = Object.values(checkpoint.shards).map((shard) => shard.inFlight);
    expect(inFlight).toBeDefined();

    await writeItems(20);
    const { batches, apply } = recording();
    const { reader } = newReader(apply);
    expect(await reader.drain()).toBe(1_520);
    // The same range (so the same batch id, which the rollups apply once), then the rest.
    expect(batches.map((batch) => batch.length)).toEqual([1_500, 20]);
    expect([batches[0]?.[0]?.dynamodb.SequenceNumber, batches[0]?.at(-1)?.dynamodb.SequenceNumber]).toEqual([inFlight?.first, inFlight?.last]);
    expect(batches.flatMap(keysOf)).toEqual(itemKeys(1, 1_520));
  }, 120_000);
});

// The benchmark's workload, shared by the main thread and the producer thread:
// outcomes of ~1 KB and the producers that send them with the real
// EventBridge client.
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { LOCAL_CREDENTIALS } from '../../lib/local/local-aws';

export const NOW = new Date('2026-11-20T12:00:00Z');
export const CUSTOMERS = ['acme', 'kaisha', 'globex'];

/** An outcome detail of ~1 KB of JSON, unique per label and index. */
export function outcomeDetail(label: string, index: number): Record<string, unknown> {
  const attributes = Object.fromEntries(
    Array.from({ length: 10 }, (_, attribute) => [`attribute-${attribute}`, `value-${index}-${'x'.repeat(40)}`]),
  );
  return {
    outcomeId: `${label}-${index}-${'k'.repeat(48)}`,
    customerId: CUSTOMERS[index % CUSTOMERS.length],
    metric: 'order.recovered',
    quantity: '1',
    value: { amount: '1234.56', currency: 'USD' },
    occurredAt: new Date(NOW.getTime() - 3_600_000 - index * 1000).toISOString(),
    attributes,
  };
}

/** PutEvents calls of 10 entries each (EventBridge's maximum). */
export function entriesFor(label: string, count: number): PutEventsRequestEntry[][] {
  const batches: PutEventsRequestEntry[][] = [];
  for (let start = 0; start < count; start += 10) {
    batches.push(
      Array.from({ length: Math.min(10, count - start) }, (_, offset) => ({
        EventBusName: 'outcome-engine',
        Source: 'com.example.bench',
        DetailType: 'Outcome Recorded',
        Detail: JSON.stringify(outcomeDetail(label, start + offset)),
      })),
    );
  }
  return batches;
}

export async function runConcurrently<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await work(item);
      }
    }),
  );
}

/** Sends every batch with `senders` concurrent callers; returns how many entries the bus refused. */
export async function sendAll(url: string, batches: readonly PutEventsRequestEntry[][], senders: number): Promise<number> {
  const clients = Array.from({ length: senders }, () => new EventBridgeClient({ endpoint: url, region: 'us-east-1', credentials: LOCAL_CREDENTIALS }));
  let failed = 0;
  let clientIndex = 0;
  try {
    await runConcurrently(
      batches.map((entries) => ({ entries, client: clients[clientIndex++ % clients.length] as EventBridgeClient })),
      senders,
      async ({ entries, client }) => {
        const output = await client.send(new PutEventsCommand({ Entries: entries }));
        failed += output.FailedEntryCount ?? 0;
      },
    );
  } finally {
    for (const client of clients) client.destroy();
  }
  return failed;
}

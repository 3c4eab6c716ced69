// The benchmark's workload, shared by the main thread and the producer thread:
// outcomes of ~1 KB and the producers that send them with the real
// EventBridge client.
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { PUT_EVENTS_MAX_BYTES, batchOutcomes } from '../../lambdas/domain/events/outcome-batches';
import type { OutcomeRecordedDetailInput } from '../../lambdas/domain/ledger/outcome-events';
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

const entry = (detailType: string, detail: unknown): PutEventsRequestEntry => ({
  EventBusName: 'outcome-engine',
  Source: 'com.example.bench',
  DetailType: detailType,
  Detail: JSON.stringify(detail),
});

/**
 * PutEvents calls carrying `count` outcomes: one 'Outcome Recorded' entry per
 * outcome, or (perEvent > 1) 'Outcomes Recorded' entries of `perEvent`
 * outcomes each. A call takes at most 10 entries and, as EventBridge
 * requires, less than 256 KB of them together.
 */
export function entriesFor(label: string, count: number, perEvent = 1): PutEventsRequestEntry[][] {
  const outcomes = Array.from({ length: count }, (_, index) => outcomeDetail(label, index));
  const entries =
    perEvent <= 1
      ? outcomes.map((detail) => entry('Outcome Recorded', detail))
      : batchOutcomes(outcomes as OutcomeRecordedDetailInput[], { maxOutcomes: perEvent }).map((detail) => entry('Outcomes Recorded', detail));
  const calls: PutEventsRequestEntry[][] = [];
  let call: PutEventsRequestEntry[] = [];
  let callBytes = 0;
  for (const next of entries) {
    // EventBridge's entry size: Source, DetailType and Detail in UTF-8 (no Time or Resources here).
    const size = Buffer.byteLength(next.Source ?? '') + Buffer.byteLength(next.DetailType ?? '') + Buffer.byteLength(next.Detail ?? '');
    if (call.length === 10 || callBytes + size >= PUT_EVENTS_MAX_BYTES) {
      calls.push(call);
      call = [];
      callBytes = 0;
    }
    call.push(next);
    callBytes += size;
  }
  if (call.length > 0) calls.push(call);
  return calls;
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

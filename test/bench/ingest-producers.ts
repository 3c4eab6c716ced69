// The producers of the ingest benchmark, on their own thread as the services
// that emit outcomes would be in their own processes: they prepare their
// PutEvents calls, then send them when told and report what the bus refused.
import { parentPort } from 'node:worker_threads';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { entriesFor, sendAll } from './ingest-workload';

export type ProducerRequest =
  | { kind: 'prepare'; label: string; count: number; perEvent: number }
  | { kind: 'send'; url: string; senders: number };
export type ProducerReply = { kind: 'prepared' } | { kind: 'sent'; refused: number } | { kind: 'failed'; message: string };

let prepared: PutEventsRequestEntry[][] = [];

parentPort?.on('message', (request: ProducerRequest) => {
  const reply = (message: ProducerReply) => parentPort?.postMessage(message);
  if (request.kind === 'prepare') {
    prepared = entriesFor(request.label, request.count, request.perEvent);
    reply({ kind: 'prepared' });
    return;
  }
  sendAll(request.url, prepared, request.senders).then(
    (refused) => reply({ kind: 'sent', refused }),
    (error: unknown) => reply({ kind: 'failed', message: error instanceof Error ? error.message : String(error) }),
  );
});

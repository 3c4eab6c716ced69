// The producer thread of the ingest benchmarks: prepares and sends PutEvents
// calls with the real EventBridge client (ingest-producers.ts), off the
// engine's thread, as the services emitting outcomes would be in their own processes.
import { Worker } from 'node:worker_threads';
import type { ProducerReply, ProducerRequest } from './ingest-producers';

/** The producer thread: prepares and sends PutEvents calls with the real EventBridge client. */
export class ProducerThread {
  private constructor(private readonly worker: Worker) {}

  static start(): ProducerThread {
    // Workers do not inherit tsx's loader: register it in the worker before importing the TypeScript entry.
    const entry = new URL('./ingest-producers.ts', import.meta.url).href;
    const tsx = import.meta.resolve('tsx/esm/api');
    const worker = new Worker(
      `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`,
      { eval: true },
    );
    return new ProducerThread(worker);
  }

  private ask(request: ProducerRequest): Promise<ProducerReply> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.worker.once('error', onError);
      this.worker.once('message', (reply: ProducerReply) => {
        this.worker.off('error', onError);
        if (reply.kind === 'failed') reject(new Error(`producer thread: ${reply.message}`));
        else resolve(reply);
      });
      this.worker.postMessage(request);
    });
  }

  async prepare(label: string, count: number, perEvent: number): Promise<void> {
    await this.ask({ kind: 'prepare', label, count, perEvent });
  }

  async send(url: string, senders: number): Promise<number> {
    const reply = await this.ask({ kind: 'send', url, senders });
    return reply.kind === 'sent' ? reply.refused : 0;
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}


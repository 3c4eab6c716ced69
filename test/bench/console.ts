// `npm run bench:console`: how fast each console and portal view gets its
// data from the local engine. Starts an in-memory engine with the example
// catalog, plans and contracts, records a month of outcomes for acme, closes
// a period into an invoice, then times every API call a view makes (the
// renewal board, a contract's progress chart, finance's lists, an invoice
// explained and a line's outcomes, a contract's live spend, the portal
// overview and its per-contract chart and spend) and the page itself.
// Prints the median, fastest and slowest over BENCH_RUNS calls each, after one
// untimed call. The goal: every view shows its data within 1 s.
//
// Knobs (environment):
//   BENCH_RUNS=20   timed calls of each route
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { z } from 'zod';
import { runCli } from '../../bin/cli/program';
import type { CliIo } from '../../bin/cli/cli-io';
import { LOCAL_CREDENTIALS } from '../../lib/local/local-aws';
import { startLocalEngine } from '../../lib/local/local-engine';

const { BENCH_RUNS: runs } = z.object({ BENCH_RUNS: z.coerce.number().int().min(1).default(20) }).parse(process.env);
const dataDir = mkdtempSync(join(tmpdir(), 'bench-console-'));
const start = Date.parse('2026-11-26T00:00:00Z');
const engine = await startLocalEngine({ port: 0, inMemory: true, dataDir, now: () => new Date(start), backdatingWindowDays: 400, renewalRisk: { tickIntervalMs: 0 }, billing: { closeCheckIntervalMs: 0 }, console: { port: 0 } });
try {
  const local = engine.console;
  if (!local) throw new Error('the engine serves no console');
  const producer = new EventBridgeClient({ endpoint: engine.url, region: engine.region, credentials: LOCAL_CREDENTIALS });
  for (let batch = 0; batch < 20; batch++) {
    const entries = Array.from({ length: 10 }, (_, index) => ({
      EventBusName: engine.eventBusName,
      Source: 'com.example.support',
      DetailType: 'Outcome Recorded',
      Detail: JSON.stringify({ outcomeId: `bench-${batch}-${index}`, customerId: 'acme', metric: 'ticket.resolved', occurredAt: `2026-11-${String(16 + (index % 10)).padStart(2, '0')}T10:00:00Z` }),
    }));
    await producer.send(new PutEventsCommand({ Entries: entries }));
  }
  producer.destroy();
  await engine.drain();
  let stdout = '';
  const io: CliIo = { out: (t) => (stdout += t), err: () => undefined, env: {}, now: () => engine.clock.now() };
  const base = ['--endpoint', engine.dynamoDbEndpoint, '--ledger-table', engine.ledgerTableName, '--engine-table', engine.engineTableName, '--region', engine.region, '--data-dir', dataDir];
  // Past the end of acme's November period (2026-11-15 .. 2026-12-15) and its close grace, then closed.
  await runCli([...base, 'clock', 'advance', '--to', '2026-12-17T00:00:00Z'], io);
  await runCli([...base, 'period', 'close', '--period', '2026-11', '--contract', 'ctr-acme-2026', '--json'], io);
  stdout = '';
  await runCli([...base, 'portal', 'link', '--customer', 'acme', '--json'], io);
  const link = (JSON.parse(stdout) as { token: string }).token;

  const staff = { authorization: `Bearer ${local.staffToken}` };
  const invoices = (await (await fetch(`${local.url}api/invoices?contractId=ctr-acme-2026`, { headers: staff })).json()) as { invoiceRecordId: string; periodId: string }[];
  const invoiceId = invoices.find((invoice) => invoice.periodId === '2026-11')?.invoiceRecordId;
  if (!invoiceId) throw new Error(`no November invoice for ctr-acme-2026: ${JSON.stringify(invoices)}`);
  const portal = { authorization: `Bearer ${link}` };
  const enc = encodeURIComponent;
  const routes: [string, string, Record<string, string>][] = [
    ['console page', '', {}],
    ['renewal board: tasks', 'api/tasks', staff],
    ['renewal board: a contract chart', 'api/contracts/ctr-acme-2026/progress', staff],
    ['finance: contracts', 'api/contracts', staff],
    ['finance: invoices', 'api/invoices', staff],
    ['finance: rejected', 'api/rejected', staff],
    ['invoice explained', `api/invoices/${enc(invoiceId)}`, staff],
    ['invoice line outcomes', `api/invoices/${enc(invoiceId)}/lines/resolutions/outcomes`, staff],
    ['finance: a contract live spend', 'api/contracts/ctr-acme-2026/spend', staff],
    ['portal overview', 'api/portal/overview', portal],
    ['portal: a contract chart', 'api/portal/contracts/ctr-acme-2026/progress', portal],
    ['portal: a contract live spend', 'api/portal/contracts/ctr-acme-2026/spend', portal],
  ];
  const rows: string[] = [];
  for (const [label, path, headers] of routes) {
    const call = async () => {
      const response = await fetch(`${local.url}${path}`, { headers });
      if (!response.ok) throw new Error(`${label}: ${response.status} ${await response.text()}`);
      await response.arrayBuffer();
    };
    await call();
    const millis: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await call();
      millis.push(performance.now() - started);
    }
    millis.sort((a, b) => a - b);
    const median = millis[Math.floor(millis.length / 2)] ?? 0;
    rows.push(`${label.padEnd(34)} median ${median.toFixed(1).padStart(7)} ms   fastest ${millis[0]?.toFixed(1).padStart(7)} ms   slowest ${millis.at(-1)?.toFixed(1).padStart(7)} ms`);
  }
  process.stdout.write(`console API on the local engine (DynamoDB Local), ${runs} calls each, load average ${loadavg()[0]?.toFixed(1)}:\n${rows.join('\n')}\n`);
} finally {
  await engine.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

// `npm run bench:close`: closes one billing period for 2,000 contracts
// against the Stripe emulator held to Stripe's test-mode limit (25 requests/s,
// Stripe's 429 `rate_limit` error above it), with faults injected (500s
// before and after processing, 503s on finalize, dropped connections after
// the invoice was created, slow responses), and a crash: the first run is
// killed (SIGKILL) partway through, then the close is run again as an
// operator would, until every contract is closed. Then it counts what Stripe
// holds: duplicates (must be 0) and whether every invoice total equals the
// engine's total and the total expected from the seeded outcomes.
//
// Knobs (environment):
//   BENCH_CONTRACTS=2000    contracts to close (e.g. 100 for a quick smoke run)
//   BENCH_CONCURRENCY=16    contracts closed at once per run
//   BENCH_RATE=25           the emulator's requests/s limit (Stripe test mode: 25)
//   BENCH_FAULTS=1          0 turns injected faults off (the rate limit stays)
//   BENCH_CRASH_AT=0.4      kill the first run once this share of contracts is issued; 0: no crash
//   BENCH_MAX_RUNS=4        re-runs allowed after the crash before giving up
//   BENCH_SEED=bench-close  the emulator's seed (which requests the faults hit)
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import Stripe from 'stripe';
import { z } from 'zod';
import { createLedgerTables } from '../../lambdas/adapters/dynamodb/create-tables';
import { DynamoDbInvoiceStore } from '../../lambdas/adapters/dynamodb/invoice-store';
import { DynamoDbPlanStore } from '../../lambdas/adapters/dynamodb/plan-store';
import { startDynamoDbLocal } from '../../lib/local/dynamodb-local';
import { LOCAL_CREDENTIALS } from '../../lib/local/local-aws';
import { startStripeEmulator, type FaultController, type RunningStripeEmulator } from '../../lib/local/stripe-emulator';
import { mapWithConcurrency } from '../../lambdas/shared/map-with-concurrency';
import {
  BENCH_ENGINE_TABLE,
  BENCH_LEDGER_TABLE,
  BENCH_PERIOD_ID,
  benchContracts,
  expectedTotal,
  seedLedger,
  seedPlansAndContracts,
  type BenchContract,
} from './close-fixture';
import { CloseRunMessageSchema, type CloseRunDone, type CloseRunEnv } from './close-run';

const KnobsSchema = z.object({
  BENCH_CONTRACTS: z.coerce.number().int().min(1).default(2000),
  BENCH_CONCURRENCY: z.coerce.number().int().min(1).default(16),
  BENCH_RATE: z.coerce.number().positive().default(25),
  BENCH_FAULTS: z.enum(['0', '1']).default('1'),
  BENCH_CRASH_AT: z.coerce.number().min(0).max(0.95).default(0.4),
  BENCH_MAX_RUNS: z.coerce.number().int().min(1).default(4),
  BENCH_SEED: z.string().min(1).default('bench-close'),
});
type Knobs = z.infer<typeof KnobsSchema>;

const WORKER = fileURLToPath(new URL('./close-run.ts', import.meta.url));

/** The faults of a bad day at Stripe, drawn from the emulator's seeded random source. */
function armFaults(faults: FaultController): void {
  // Failed before anything happened: a plain retry fixes it.
  faults.inject({ status: 500, probability: 0.01, times: Infinity, method: 'POST' });
  // Done, then answered 500 and saved against the key (Stripe-Should-Retry: false): only a lookup by metadata finds the work.
  faults.inject({ status: 500, phase: 'after', shouldRetry: false, probability: 0.005, times: Infinity, path: /^\/v1\/invoiceitems$/, method: 'POST' });
  faults.inject({ status: 503, probability: 0.03, times: Infinity, path: /\/finalize$/, method: 'POST' });
  // The invoice exists but the answer never arrives.
  faults.dropConnection({ phase: 'after', probability: 0.005, times: Infinity, path: /^\/v1\/invoices$/, method: 'POST' });
  faults.delay({ ms: 1500, probability: 0.02, times: Infinity });
}

interface RunOutcome {
  readonly run: number;
  readonly crashed: boolean;
  readonly elapsedMs: number;
  readonly issuedBeforeCrash?: number;
  /** Retries the gateway made, as last reported (a killed run reports every half second). */
  readonly retries: number;
  readonly done?: CloseRunDone;
}

function runClose(run: number, env: CloseRunEnv, crashAtIssued: number | undefined): Promise<RunOutcome> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: {
      ...process.env,
      ...Object.fromEntries(Object.entries(env).map(([name, value]) => [name, String(value)])),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let done: CloseRunDone | undefined;
  let issued = 0;
  let retries = 0;
  let crashed = false;
  let lastPrint = performance.now();
  createInterface({ input: child.stdout }).on('line', (line) => {
    const parsed = CloseRunMessageSchema.safeParse(JSON.parse(line));
    if (!parsed.success) return;
    const message = parsed.data;
    if (message.type === 'done') {
      done = message;
      return;
    }
    issued = message.issued;
    retries = message.retries;
    if (performance.now() - lastPrint > 15_000) {
      lastPrint = performance.now();
      console.log(`  run ${run}: ${issued} issued, ${message.calls} Stripe calls, ${message.retries} retries, ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
    if (crashAtIssued !== undefined && !crashed && issued >= crashAtIssued) {
      crashed = true;
      // No cleanup, no flush: whatever was in flight stays half done in Stripe and DynamoDB.
      child.kill('SIGKILL');
    }
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const elapsedMs = performance.now() - started;
      if (crashed) return resolve({ run, crashed, elapsedMs, issuedBeforeCrash: issued, retries });
      if (!done) return reject(new Error(`close run ${run} exited (${signal ?? code}) without a result`));
      resolve({ run, crashed, elapsedMs, retries: done.retries, done });
    });
  });
}

interface StripeAudit {
  customers: number;
  invoices: number;
  items: number;
  duplicateCustomers: number;
  duplicateInvoices: number;
  duplicateItems: number;
  strayItems: number;
  reconciled: number;
  mismatches: string[];
}

function duplicatesBy<T>(things: readonly T[], key: (thing: T) => string | undefined): number {
  const counts = new Map<string, number>();
  for (const thing of things) {
    const name = key(thing);
    if (name !== undefined) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts.values()].reduce((sum, count) => sum + (count - 1), 0);
}

/** Every page of a list (autoPagingToArray stops at 10,000). */
async function collect<T>(list: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const thing of list) all.push(thing);
  return all;
}

/** Everything the emulator holds, read through the SDK once the limit is lifted, against the engine's records. */
async function auditStripe(emulator: RunningStripeEmulator, dynamoDb: DynamoDBClient, contracts: readonly BenchContract[]): Promise<StripeAudit> {
  emulator.faults.clear();
  const stripe = new Stripe(emulator.apiKey, { ...emulator.clientOptions, maxNetworkRetries: 2 });
  const [customers, invoices, items] = await Promise.all([
    collect(stripe.customers.list({ limit: 100 })),
    collect(stripe.invoices.list({ limit: 100 })),
    collect(stripe.invoiceItems.list({ limit: 100 })),
  ]);
  const invoiceByRecord = new Map(invoices.map((invoice) => [invoice.metadata?.['invoiceRecordId'] ?? '', invoice]));
  const store = new DynamoDbInvoiceStore(dynamoDb, BENCH_ENGINE_TABLE);
  const mismatches: string[] = [];
  let reconciled = 0;
  await mapWithConcurrency(contracts, 16, async (contract) => {
    const [record, status] = await Promise.all([store.getRecord(contract.contractId, BENCH_PERIOD_ID), store.getStatus(contract.contractId, BENCH_PERIOD_ID)]);
    const invoice = record ? invoiceByRecord.get(record.invoiceRecordId) : undefined;
    const expected = expectedTotal(contract);
    const problem = !record
      ? 'no invoice record'
      : !invoice
        ? 'no Stripe invoice'
        : record.total !== expected
          ? `engine total ${record.total} != expected ${expected}`
          : BigInt(invoice.total) !== record.total
            ? `Stripe total ${invoice.total} != engine total ${record.total}`
            : invoice.currency !== contract.currency.currency.toLowerCase()
              ? `currency ${invoice.currency}`
              : invoice.status !== 'open'
                ? `Stripe status ${invoice.status}`
                : status?.status !== 'reconciled'
                  ? `engine status ${status?.status ?? 'missing'}`
                  : undefined;
    if (problem) mismatches.push(`${contract.contractId}: ${problem}`);
    else reconciled += 1;
  });
  return {
    customers: customers.length,
    invoices: invoices.length,
    items: items.length,
    duplicateCustomers: duplicatesBy(customers, (customer) => customer.metadata?.['customerId']),
    duplicateInvoices: duplicatesBy(invoices, (invoice) => invoice.metadata?.['invoiceRecordId']),
    duplicateItems: duplicatesBy(items, (item) => `${item.metadata?.['invoiceRecordId'] ?? ''}/${item.metadata?.['lineId'] ?? ''}`),
    // An item left pending (no invoice) would be billed on the customer's next invoice by Stripe.
    strayItems: items.filter((item) => !item.invoice).length,
    reconciled,
    mismatches,
  };
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);

async function main(knobs: Knobs): Promise<boolean> {
  const contracts = benchContracts(knobs.BENCH_CONTRACTS);
  const dynamoDbLocal = await startDynamoDbLocal();
  const dynamoDb = new DynamoDBClient({ endpoint: dynamoDbLocal.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  let emulator: RunningStripeEmulator | undefined;
  try {
    const seedStart = performance.now();
    await createLedgerTables(dynamoDb, { ledgerTableName: BENCH_LEDGER_TABLE, engineTableName: BENCH_ENGINE_TABLE });
    await seedPlansAndContracts(new DynamoDbPlanStore({ client: dynamoDb, tableName: BENCH_ENGINE_TABLE }), contracts);
    const ledgerItems = await seedLedger(dynamoDb, contracts);
    console.log(
      `seeded ${contracts.length} contracts (USD/JPY/KWD) and ${ledgerItems.toLocaleString('en-US')} ledger entries in ${seconds(performance.now() - seedStart)} s (DynamoDB Local)`,
    );

    emulator = await startStripeEmulator({
      seed: knobs.BENCH_SEED,
      rateLimit: { perSecond: knobs.BENCH_RATE },
      ...(knobs.BENCH_FAULTS === '1' ? { faults: armFaults } : {}),
    });
    console.log(
      `Stripe emulator at ${emulator.url}: ${knobs.BENCH_RATE} requests/s limit, faults ${knobs.BENCH_FAULTS === '1' ? 'on' : 'off'}; closing ${BENCH_PERIOD_ID}, ${knobs.BENCH_CONCURRENCY} contracts at a time`,
    );
    const env: CloseRunEnv = {
      BENCH_DYNAMODB_ENDPOINT: dynamoDbLocal.endpoint,
      BENCH_STRIPE_HOST: emulator.host,
      BENCH_STRIPE_PORT: emulator.port,
      BENCH_STRIPE_KEY: emulator.apiKey,
      BENCH_CONTRACTS: contracts.length,
      BENCH_CONCURRENCY: knobs.BENCH_CONCURRENCY,
    };

    const runs: RunOutcome[] = [];
    const crashAt = knobs.BENCH_CRASH_AT > 0 ? Math.max(1, Math.floor(contracts.length * knobs.BENCH_CRASH_AT)) : undefined;
    for (let run = 1; run <= knobs.BENCH_MAX_RUNS + (crashAt ? 1 : 0); run += 1) {
      const outcome = await runClose(run, env, run === 1 ? crashAt : undefined);
      runs.push(outcome);
      if (outcome.crashed) {
        console.log(`  run ${run}: killed (SIGKILL) after ${outcome.issuedBeforeCrash} of ${contracts.length} invoices issued, at ${seconds(outcome.elapsedMs)} s`);
        continue;
      }
      const done = outcome.done as CloseRunDone;
      console.log(
        `  run ${run}: ${done.closed} closed (${done.reconciled} reconciled), ${done.failed.length} failed, ${done.calls} Stripe calls, ${done.retries} retries, ${seconds(outcome.elapsedMs)} s`,
      );
      if (done.recordsFound > 0) {
        console.log(`    resumed: ${done.recordsFound} records from the earlier run reused (not re-rated), ${done.resumedWithItems} of them still needed invoice items`);
      }
      for (const failure of done.failed.slice(0, 5)) console.log(`    failed ${failure.contractId}: ${failure.message}`);
      if (done.failed.length === 0) break;
    }
    const last = runs.at(-1)?.done;
    const elapsedMs = runs.reduce((sum, run) => sum + run.elapsedMs, 0);
    const stats = emulator.faults.stats();
    const injected5xx = Object.entries(stats.errors)
      .filter(([status]) => Number(status) >= 500)
      .reduce((sum, [, count]) => sum + count, 0);
    const engineRetries = runs.reduce((sum, run) => sum + run.retries, 0);
    const audit = await auditStripe(emulator, dynamoDb, contracts);
    const duplicates = audit.duplicateCustomers + audit.duplicateInvoices + audit.duplicateItems;
    const allReconciled = audit.reconciled === contracts.length && (last?.failed.length ?? 1) === 0;

    console.log('');
    console.log(`period close, ${contracts.length.toLocaleString('en-US')} contracts, Stripe emulator at ${knobs.BENCH_RATE} requests/s with faults ${knobs.BENCH_FAULTS === '1' ? 'on' : 'off'}:`);
    console.log(`  contracts             ${contracts.length}`);
    console.log(`  runs                  ${runs.length} (${runs.filter((run) => run.crashed).length} killed midway, then re-run)`);
    console.log(`  elapsed               ${seconds(elapsedMs)} s (all runs)`);
    console.log(`  contracts/s           ${((contracts.length * 1000) / elapsedMs).toFixed(2)}`);
    console.log(`  Stripe requests       ${stats.requests} (${(stats.requests / contracts.length).toFixed(2)} per contract, ${((stats.requests * 1000) / elapsedMs).toFixed(1)}/s)`);
    console.log(`  429 answered          ${stats.rateLimited + (stats.errors['429'] ?? 0)} (rate limit)`);
    console.log(`  5xx answered          ${injected5xx} (injected), dropped connections ${stats.drops}, slow responses ${stats.delays}`);
    console.log(`  engine retries        ${engineRetries} (all runs; after 429, 5xx and connection errors)`);
    console.log(`  Stripe objects        ${audit.customers} customers, ${audit.invoices} invoices, ${audit.items} invoice items`);
    console.log(`  duplicates            ${duplicates} (customers ${audit.duplicateCustomers}, invoices ${audit.duplicateInvoices}, items ${audit.duplicateItems}); stray items ${audit.strayItems}`);
    console.log(`  reconciled            ${allReconciled ? 'yes' : 'NO'}: ${audit.reconciled}/${contracts.length} Stripe total == engine total == expected`);
    for (const mismatch of audit.mismatches.slice(0, 10)) console.log(`    ${mismatch}`);
    return allReconciled && duplicates === 0 && audit.strayItems === 0;
  } finally {
    await emulator?.stop();
    dynamoDb.destroy();
    await dynamoDbLocal.stop();
  }
}

const ok = await main(KnobsSchema.parse(process.env));
process.exitCode = ok ? 0 : 1;

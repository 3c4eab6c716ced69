// One run of the period close for `npm run bench:close`, in its own process
// so the orchestrator can kill it midway (SIGKILL, no cleanup) the way a
// Lambda timeout or a crashed operator shell would. It runs the engine's own
// wiring (createBillingService → closePeriodForAll) with the real stripe SDK
// against the emulator the orchestrator started, and reports on stdout as
// JSON lines: `progress` every half second, `done` at the end.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { z } from 'zod';
import { closePeriodForAll } from '../../lambdas/application/billing/close-contract-period';
import { BILLING_DETAIL_TYPES } from '../../lambdas/application/billing/ports';
import type { EventPublisher, OutboundEvent } from '../../lambdas/application/ports';
import { createBillingService } from '../../lambdas/composition/billing-service';
import { LOCAL_CREDENTIALS } from '../../lib/local/local-aws';
import { BENCH_CUTOFF, BENCH_ENGINE_TABLE, BENCH_LEDGER_TABLE, BENCH_NOW, BENCH_PERIOD_ID, benchContracts } from './close-fixture';

export const CloseRunEnvSchema = z.object({
  BENCH_DYNAMODB_ENDPOINT: z.url(),
  BENCH_STRIPE_HOST: z.string().min(1),
  BENCH_STRIPE_PORT: z.coerce.number().int().min(1).max(65_535),
  BENCH_STRIPE_KEY: z.string().regex(/^sk_test_/),
  BENCH_CONTRACTS: z.coerce.number().int().min(1),
  BENCH_CONCURRENCY: z.coerce.number().int().min(1),
});
export type CloseRunEnv = z.infer<typeof CloseRunEnvSchema>;

const ProgressSchema = z.object({ type: z.literal('progress'), issued: z.number(), calls: z.number(), retries: z.number() });
const DoneSchema = z.object({
  type: z.literal('done'),
  elapsedMs: z.number(),
  closed: z.number(),
  reconciled: z.number(),
  /** Contracts whose invoice record an earlier (killed) run had already stored: resumed, not re-rated. */
  recordsFound: z.number(),
  /** Of those, the ones this run still had to add invoice items to. */
  resumedWithItems: z.number(),
  failed: z.array(z.object({ contractId: z.string(), message: z.string() })),
  issued: z.number(),
  reconciliationFailedEvents: z.number(),
  calls: z.number(),
  retries: z.number(),
});
export const CloseRunMessageSchema = z.discriminatedUnion('type', [ProgressSchema, DoneSchema]);
export type CloseRunMessage = z.infer<typeof CloseRunMessageSchema>;
export type CloseRunDone = z.infer<typeof DoneSchema>;

/** Counts billing events instead of putting them on a bus: the bench has none. */
class CountingPublisher implements EventPublisher {
  readonly counts = new Map<string, number>();
  async publish(events: readonly OutboundEvent[]): Promise<void> {
    for (const event of events) this.counts.set(event.detailType, (this.counts.get(event.detailType) ?? 0) + 1);
  }
  count(detailType: string): number {
    return this.counts.get(detailType) ?? 0;
  }
}

function report(message: CloseRunMessage): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function main(): Promise<void> {
  const env = CloseRunEnvSchema.parse(process.env);
  const dynamoDb = new DynamoDBClient({ endpoint: env.BENCH_DYNAMODB_ENDPOINT, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  const eventBridge = new EventBridgeClient({ region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  const service = createBillingService({
    dynamoDb,
    engineTableName: BENCH_ENGINE_TABLE,
    ledgerTableName: BENCH_LEDGER_TABLE,
    eventBridge,
    eventBusName: 'bench-close',
    stripe: { apiKey: env.BENCH_STRIPE_KEY, host: env.BENCH_STRIPE_HOST, port: env.BENCH_STRIPE_PORT, protocol: 'http' },
    ignoreContractStripeCustomerIds: true,
    finalizeInvoices: true,
    now: () => BENCH_NOW,
  });
  const events = new CountingPublisher();
  const { stats } = service.gateway.policy;
  const ticker = setInterval(
    () => report({ type: 'progress', issued: events.count(BILLING_DETAIL_TYPES.invoiceIssued), calls: stats.calls, retries: stats.retries }),
    500,
  );
  const started = performance.now();
  try {
    const result = await closePeriodForAll(
      { ...service.deps, events },
      {
        contractIds: benchContracts(env.BENCH_CONTRACTS).map((contract) => contract.contractId),
        periodId: BENCH_PERIOD_ID,
        cutoff: BENCH_CUTOFF,
        concurrency: env.BENCH_CONCURRENCY,
      },
    );
    report({
      type: 'done',
      elapsedMs: performance.now() - started,
      closed: result.closed.length,
      reconciled: result.closed.filter((closed) => closed.matched).length,
      recordsFound: result.closed.filter((closed) => !closed.recordCreated).length,
      resumedWithItems: result.closed.filter((closed) => !closed.recordCreated && closed.itemsCreated > 0).length,
      failed: result.failed.map(({ contractId, error }) => ({ contractId, message: `${error.name}: ${error.message}` })),
      issued: events.count(BILLING_DETAIL_TYPES.invoiceIssued),
      reconciliationFailedEvents: events.count(BILLING_DETAIL_TYPES.invoiceReconciliationFailed),
      calls: stats.calls,
      retries: stats.retries,
    });
  } finally {
    clearInterval(ticker);
    dynamoDb.destroy();
    eventBridge.destroy();
  }
}

// Only when started as a process; the orchestrator imports the schemas.
if (process.argv[1]?.endsWith('close-run.ts')) await main();

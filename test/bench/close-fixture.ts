// The data set of `npm run bench:close`, shared by the orchestrator
// (test/bench/close.ts) and each close run (test/bench/close-run.ts):
// N monthly contracts in three currencies (USD 2 decimals, JPY 0, KWD 3) and
// three time zones, each with its own customer and a known number of
// resolutions in October 2026. The expected invoice total of every contract
// is computed here from the counts alone, independently of the engine, so
// the benchmark can check engine total == Stripe total == expected.
import { BatchWriteItemCommand, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { toLedgerItem } from '../../lambdas/adapters/dynamodb/ledger-items';
import type { DynamoDbPlanStore } from '../../lambdas/adapters/dynamodb/plan-store';
import { mapWithConcurrency } from '../../lambdas/shared/map-with-concurrency';
import type { LedgerEntry } from '../../lambdas/domain/ledger/ledger-entries';
import { ContractSchema } from '../../lambdas/domain/plans/contract-schema';
import { PlanSchema } from '../../lambdas/domain/plans/plan-schema';

export const BENCH_PERIOD_ID = '2026-10';
/** After every zone's October end plus the default 24 h grace (Tokyo ends first, New York last). */
export const BENCH_CUTOFF = '2026-11-03T00:00:00.000Z';
export const BENCH_NOW = new Date('2026-11-03T00:05:00.000Z');
export const BENCH_LEDGER_TABLE = 'bench-close-ledger';
export const BENCH_ENGINE_TABLE = 'bench-close-engine';

interface BenchCurrency {
  readonly currency: 'USD' | 'JPY' | 'KWD';
  readonly planCode: string;
  readonly timeZone: string;
  /** Decimal strings as finance writes them in a plan. */
  readonly baseFee: string;
  readonly unitPrice: string;
  /** The same prices in minor units, for the independent expected total. */
  readonly baseFeeMinor: bigint;
  readonly unitPriceMinor: bigint;
}

const CURRENCIES: readonly BenchCurrency[] = [
  { currency: 'USD', planCode: 'bench-usd', timeZone: 'America/New_York', baseFee: '100.00', unitPrice: '1.50', baseFeeMinor: 10_000n, unitPriceMinor: 150n },
  { currency: 'JPY', planCode: 'bench-jpy', timeZone: 'Asia/Tokyo', baseFee: '50000', unitPrice: '120', baseFeeMinor: 50_000n, unitPriceMinor: 120n },
  { currency: 'KWD', planCode: 'bench-kwd', timeZone: 'Asia/Kuwait', baseFee: '10.500', unitPrice: '0.125', baseFeeMinor: 10_500n, unitPriceMinor: 125n },
];

export interface BenchContract {
  readonly contractId: string;
  readonly customerId: string;
  readonly currency: BenchCurrency;
  /** Resolutions in the period recorded before the cutoff (billed). */
  readonly billedOutcomes: number;
  /** Resolutions in the period recorded after the cutoff (must not be billed). */
  readonly lateOutcomes: number;
}

export function benchContracts(count: number): BenchContract[] {
  return Array.from({ length: count }, (_, index) => {
    const currency = CURRENCIES[index % CURRENCIES.length] as BenchCurrency;
    const id = String(index).padStart(5, '0');
    return {
      contractId: `bench-ctr-${id}`,
      customerId: `bench-customer-${id}`,
      currency,
      billedOutcomes: 1 + ((index * 7) % 40),
      lateOutcomes: index % 10 === 0 ? 2 : 0,
    };
  });
}

export function expectedTotal(contract: BenchContract): bigint {
  return contract.currency.baseFeeMinor + BigInt(contract.billedOutcomes) * contract.currency.unitPriceMinor;
}

function benchPlan(currency: BenchCurrency): unknown {
  return {
    kind: 'plan',
    code: currency.planCode,
    name: `Bench ${currency.currency}`,
    currency: currency.currency,
    versions: [
      {
        version: 1,
        effectiveFrom: '2026-01-01',
        metrics: [{ code: 'resolutions', ledgerMetric: 'ticket.resolved', aggregation: 'count' }],
        charges: [
          { id: 'platform', name: 'Platform fee', model: 'flat', amount: currency.baseFee },
          { id: 'resolutions', name: 'Resolutions', model: 'per_unit', metric: 'resolutions', unitPrice: currency.unitPrice },
        ],
      },
    ],
  };
}

export async function seedPlansAndContracts(store: DynamoDbPlanStore, contracts: readonly BenchContract[]): Promise<void> {
  for (const currency of CURRENCIES) await store.putPlan(PlanSchema.parse(benchPlan(currency)));
  await mapWithConcurrency([...contracts], 16, (contract) =>
    store.putContract(
      ContractSchema.parse({
        kind: 'contract',
        contractId: contract.contractId,
        customerId: contract.customerId,
        plan: { code: contract.currency.planCode, version: 1 },
        termStart: '2026-01-01',
        termEnd: '2027-01-01',
        billingPeriod: { cadence: 'monthly', anchorDay: 1 },
        timeZone: contract.currency.timeZone,
        currency: contract.currency.currency,
      }),
      BENCH_NOW,
    ),
  );
}

// Mid-October in UTC is mid-October in every bench zone.
const OCCURRED_FROM_MS = Date.parse('2026-10-10T12:00:00.000Z');
const LATE_RECORDED_MS = Date.parse('2026-11-05T09:00:00.000Z');

function ledgerEntries(contract: BenchContract): LedgerEntry[] {
  const outcome = (index: number, recordedAtMs: number): LedgerEntry => ({
    kind: 'recorded',
    outcomeId: `${contract.contractId}-tkt-${index}`,
    customerId: contract.customerId,
    metric: 'ticket.resolved',
    occurredAtMs: OCCURRED_FROM_MS + index * 60_000,
    recordedAtMs,
    quantity: '1',
    value: undefined,
    attributesJson: undefined,
    billableRule: { when: 'immediately' },
    attributed: true,
  });
  const entries: LedgerEntry[] = [];
  for (let index = 0; index < contract.billedOutcomes; index += 1) entries.push(outcome(index, OCCURRED_FROM_MS + index * 60_000 + 1_000));
  for (let index = 0; index < contract.lateOutcomes; index += 1) entries.push(outcome(contract.billedOutcomes + index, LATE_RECORDED_MS + index));
  return entries;
}

async function writeBatch(client: DynamoDBClient, tableName: string, requests: WriteRequest[]): Promise<void> {
  let pending = requests;
  for (let attempt = 0; pending.length > 0; attempt += 1) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** attempt)));
    const output = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
    pending = output.UnprocessedItems?.[tableName] ?? [];
  }
}

/**
 * Writes the outcomes straight into the ledger table with the ledger's own
 * item mapping (BatchWriteItem): the benchmark measures the close, not ingest.
 */
export async function seedLedger(client: DynamoDBClient, contracts: readonly BenchContract[]): Promise<number> {
  const requests: WriteRequest[] = contracts.flatMap((contract) => ledgerEntries(contract).map((entry) => ({ PutRequest: { Item: toLedgerItem(entry) } })));
  const batches: WriteRequest[][] = [];
  for (let start = 0; start < requests.length; start += 25) batches.push(requests.slice(start, start + 25));
  await mapWithConcurrency(batches, 16, (batch) => writeBatch(client, BENCH_LEDGER_TABLE, batch));
  return requests.length;
}

// npm run bench:rating
// Rates one million ledger outcomes across 10,000 contracts in one process:
// raw outcome entries are aggregated from memory (as the ledger's usage query
// would return them) and every contract's period is rated into a draft
// invoice. Prints outcomes/s and contracts/s for the whole path and per phase.
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PlanSchema, ContractSchema, billingScheduleForContract, planVersionForContract } from '../../lambdas/domain/plans';
import type { Contract, Plan, PlanVersion } from '../../lambdas/domain/plans';
import { periodById } from '../../lambdas/domain/periods';
import {
  UsageAccumulator,
  rateContractPeriod,
  usageRequirementsFor,
  type RatableOutcome,
} from '../../lambdas/domain/rating';

const CONTRACTS = 10_000;
const OUTCOMES = 1_000_000;
const WARM_UP_OUTCOMES = 50_000;

// Collect the generated input's garbage before the clock starts, so the
// figures measure rating, not the set-up's allocations.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const PERIOD_ID = '2026-11';

// Deterministic pseudo-random numbers so runs are comparable.
let seed = 42;
function random(): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
}

const supportPlan = PlanSchema.parse({
  kind: 'plan',
  code: 'support',
  name: 'Support',
  currency: 'USD',
  versions: [
    {
      version: 1,
      effectiveFrom: '2026-01-01',
      metrics: [
        { code: 'resolutions', ledgerMetric: 'ticket.resolved', aggregation: 'count' },
        { code: 'recovered', ledgerMetric: 'order.recovered', aggregation: 'sum_value' },
        { code: 'agents', ledgerMetric: 'ticket.resolved', aggregation: 'unique_count', attribute: 'agentId' },
        { code: 'minutes', ledgerMetric: 'call.handled', aggregation: 'sum_quantity' },
      ],
      charges: [
        { id: 'platform', name: 'Platform', model: 'flat', amount: '500.00' },
        {
          id: 'resolutions',
          name: 'Resolutions',
          model: 'graduated',
          metric: 'resolutions',
          includedUnits: '10',
          tiers: [
            { upTo: '50', unitPrice: '1.50' },
            { upTo: '100', unitPrice: '1.20', flatFee: '5.00' },
            { unitPrice: '0.90' },
          ],
          maximum: '9000.00',
        },
        {
          id: 'success-fee',
          name: 'Success fee',
          model: 'percentage',
          metric: 'recovered',
          percent: '2.5',
          fixedFeePerOutcome: '0.10',
          minimumPerOutcome: '0.50',
          maximumPerOutcome: '25.00',
        },
        { id: 'seats', name: 'Seats', model: 'package', metric: 'agents', packageSize: '5', packagePrice: '40.00' },
        { id: 'minutes', name: 'Minutes', model: 'per_unit', metric: 'minutes', unitPrice: '0.012345' },
      ],
    },
  ],
});

const yenPlan = PlanSchema.parse({
  kind: 'plan',
  code: 'yen',
  name: 'Yen',
  currency: 'JPY',
  versions: [
    {
      version: 1,
      effectiveFrom: '2026-01-01',
      metrics: [{ code: 'resolutions', ledgerMetric: 'ticket.resolved', aggregation: 'count' }],
      charges: [
        { id: 'base', name: 'Base', model: 'flat', amount: '50000' },
        {
          id: 'resolutions',
          name: 'Resolutions',
          model: 'volume',
          metric: 'resolutions',
          tiers: [{ upTo: '50', unitPrice: '120' }, { upTo: '100', unitPrice: '100' }, { unitPrice: '80' }],
        },
      ],
    },
  ],
});

interface BenchContract {
  readonly contract: Contract;
  readonly plan: Plan;
}

function makeContracts(): BenchContract[] {
  const zones = ['America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Sydney', 'UTC'];
  return Array.from({ length: CONTRACTS }, (_, index) => {
    const yen = index % 5 === 4;
    const plan = yen ? yenPlan : supportPlan;
    const contract = ContractSchema.parse({
      kind: 'contract',
      contractId: `ctr-${index}`,
      customerId: `cust-${index}`,
      plan: { code: plan.code, version: 'latest' },
      termStart: '2026-01-01',
      termEnd: '2027-01-01',
      billingPeriod: { cadence: 'monthly', anchorDay: 1 },
      timeZone: zones[index % zones.length],
      currency: plan.currency,
      ...(yen ? {} : { commitment: { trueUp: 'per_period', amountPerPeriod: '1000.00' } }),
      ...(index % 3 === 0 ? { prepaidCredits: { amount: '250.00' } } : {}),
    });
    return { contract, plan };
  });
}

/**
 * The ledger in memory, shaped like its usage index: each customer's outcomes
 * together (customer × metric × month partitions), in recordedAt order, and
 * allocated together as a query's deserialized page would be.
 */
function makeLedger(contracts: readonly BenchContract[], outcomeCount: number): Map<string, RatableOutcome[]> {
  // Uneven volumes: draw each outcome's customer at random, then build lists.
  const counts = new Array<number>(contracts.length).fill(0);
  for (let index = 0; index < outcomeCount; index += 1) {
    const owner = Math.floor(random() * contracts.length);
    counts[owner] = (counts[owner] ?? 0) + 1;
  }
  const start = Date.parse('2026-11-02T00:00:00Z');
  const span = 27 * 86_400_000;
  const quantities = ['1', '2', '3.5', '12.25'];
  const ledger = new Map<string, RatableOutcome[]>();
  let sequence = 0;
  contracts.forEach((entry, contractIndex) => {
    const list: RatableOutcome[] = [];
    for (let index = 0; index < (counts[contractIndex] ?? 0); index += 1) {
      sequence += 1;
      const kind = entry.plan === yenPlan ? 0 : Math.floor(random() * 3);
      // Every outcome has the same property set, as the ledger adapter's mapping produces.
      let metric = 'ticket.resolved';
      let quantity = '1';
      let value: RatableOutcome['value'] = undefined;
      let attributes: RatableOutcome['attributes'] = undefined;
      if (kind === 0) {
        attributes = { agentId: `a${Math.floor(random() * 40)}` };
      } else if (kind === 1) {
        const cents = Math.floor(random() * 200_000);
        metric = 'order.recovered';
        value = { amount: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`, currency: 'USD' };
      } else {
        metric = 'call.handled';
        quantity = quantities[sequence % quantities.length] as string;
      }
      list.push({
        outcomeId: `o-${sequence}`,
        metric,
        quantity,
        value,
        occurredAtMs: start + Math.floor(random() * span),
        billable: random() > 0.02,
        verified: true,
        attributes,
      });
    }
    // The usage index is sorted by recordedAt, which follows occurredAt closely.
    list.sort((a, b) => a.occurredAtMs - b.occurredAtMs);
    ledger.set(entry.contract.customerId, list);
  });
  return ledger;
}

interface Figures {
  readonly outcomes: number;
  readonly contracts: number;
  readonly lines: number;
  readonly prepareSeconds: number;
  readonly aggregateSeconds: number;
  readonly rateSeconds: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly totalMinor: bigint;
}

function run(contracts: readonly BenchContract[], outcomeCount: number): Figures {
  const ledger = makeLedger(contracts, outcomeCount);
  const requirementsByPlan = new Map<Plan, ReturnType<typeof usageRequirementsFor>>();
  for (const plan of [supportPlan, yenPlan]) requirementsByPlan.set(plan, usageRequirementsFor(plan.versions[0] as PlanVersion));

  collectGarbage();
  const cpuStarted = process.cpuUsage();
  const started = performance.now();
  let prepareMs = 0;
  let aggregateMs = 0;
  let rateMs = 0;
  let totalMinor = 0n;
  let lines = 0;
  let outcomes = 0;
  // Period close, contract by contract: find the period in the contract's time
  // zone, aggregate the customer's outcomes in it, rate the draft invoice.
  for (const entry of contracts) {
    const t0 = performance.now();
    const period = periodById(billingScheduleForContract(entry.contract), PERIOD_ID);
    const planVersion = planVersionForContract(entry.plan, entry.contract, period.startDate);
    const accumulator = new UsageAccumulator(requirementsByPlan.get(entry.plan) ?? [], {
      fromMs: Date.parse(period.start),
      toMs: Date.parse(period.end),
    });
    const t1 = performance.now();
    const customerOutcomes = ledger.get(entry.contract.customerId) ?? [];
    for (let index = 0; index < customerOutcomes.length; index += 1) accumulator.add(customerOutcomes[index] as RatableOutcome);
    outcomes += customerOutcomes.length;
    const t2 = performance.now();
    const invoice = rateContractPeriod({
      contract: entry.contract,
      planVersion,
      period,
      usage: { customerId: entry.contract.customerId, metrics: accumulator.toMetricUsages() },
      now: '2026-12-02T00:00:00Z',
      ...(entry.contract.prepaidCredits ? { creditBalance: 25_000n } : {}),
    });
    const t3 = performance.now();
    totalMinor += invoice.total;
    lines += invoice.lines.length;
    prepareMs += t1 - t0;
    aggregateMs += t2 - t1;
    rateMs += t3 - t2;
  }
  const finished = performance.now();
  const cpu = process.cpuUsage(cpuStarted);

  return {
    outcomes,
    contracts: contracts.length,
    lines,
    prepareSeconds: prepareMs / 1000,
    aggregateSeconds: aggregateMs / 1000,
    rateSeconds: rateMs / 1000,
    seconds: (finished - started) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    totalMinor,
  };
}
function report(figures: Figures): void {
  const format = (value: number) => Math.round(value).toLocaleString('en-US');
  const { outcomes, contracts, seconds, cpuSeconds } = figures;
  console.log(
    `rating benchmark: ${format(outcomes)} outcomes, ${format(contracts)} contracts, ${format(figures.lines)} invoice lines (node ${process.version})`,
  );
  console.log(`  periods + accumulators for every contract: ${figures.prepareSeconds.toFixed(3)} s`);
  console.log(
    `  aggregate outcomes: ${figures.aggregateSeconds.toFixed(3)} s  (${format(outcomes / figures.aggregateSeconds)} outcomes/s)`,
  );
  console.log(`  rate contracts:     ${figures.rateSeconds.toFixed(3)} s  (${format(contracts / figures.rateSeconds)} contracts/s)`);
  console.log(
    `  end to end:         ${seconds.toFixed(3)} s  (${format(outcomes / seconds)} outcomes/s, ${format(contracts / seconds)} contracts/s)`,
  );
  // Process CPU time includes V8's parallel GC threads, so it can exceed wall time.
  console.log(`  process CPU time:   ${cpuSeconds.toFixed(3)} s`);
  console.log(
    `  target >= 1,000,000 outcomes/s aggregated and rated on one core: ${outcomes / seconds >= 1_000_000 ? 'met' : 'NOT met'}`,
  );
  console.log(`  checksum: ${figures.totalMinor} minor units invoiced`);
}

const allContracts = makeContracts();
// Warm-up on a slice so the timed run measures optimized code, not the JIT.
run(allContracts.slice(0, 500), WARM_UP_OUTCOMES);
report(run(allContracts, OUTCOMES));

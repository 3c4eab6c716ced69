import type { UsageReader, UsageRequest } from '../../application/billing/ports';
import type { LedgerRepository } from '../../application/ports';
import type { UsageWindowReader, UsageWindowRequest } from '../../application/usage/ports';
import { mapWithConcurrency } from '../../shared/map-with-concurrency';
import type { LedgerEntry } from '../../domain/ledger/ledger-entries';
import { netOutcomes } from '../../domain/ledger/net-outcomes';
import { describeUsageQuery } from '../../domain/ledger/summarize-usage';
import { UsageAccumulator } from '../../domain/rating/aggregate-outcomes';
import type { MetricUsage, PeriodUsage } from '../../domain/rating/usage';
import { requirementsByLedgerMetric, usageWindowBounds, usageWindowOfPeriod, windowUsage } from '../../domain/rating/usage-window';

// Reads a contract period's usage from the ledger for the rating engine: one
// ledger query per ledger metric the plan version reads (customer × metric ×
// [period start, period end) as recorded up to the cutoff), netted for
// reversals and corrections as of the cutoff, then aggregated in one pass by
// the rating engine's accumulator. Several plan metrics on the same ledger
// metric (a count and a unique count, or billable and all) share one query.

export type { UsageWindowReader, UsageWindowRequest } from '../../application/usage/ports';

export interface LedgerUsageReaderDeps {
  /** The ledger's storage port (LedgerService.repository). */
  readonly ledger: Pick<LedgerRepository, 'streamUsageEntries'>;
  /** Ledger metrics queried at the same time. @default 4 */
  readonly concurrency?: number;
}


export class LedgerUsageReader implements UsageReader, UsageWindowReader {
  constructor(private readonly deps: LedgerUsageReaderDeps) {}

  readPeriodUsage(request: UsageRequest): Promise<PeriodUsage> {
    return this.readUsage(usageWindowOfPeriod(request));
  }

  async readUsage(request: UsageWindowRequest): Promise<PeriodUsage> {
    const bounds = usageWindowBounds(request);
    const { fromMs, toMs, asOfMs } = bounds;
    const byMetric = requirementsByLedgerMetric(request.requirements);
    const perMetric = await mapWithConcurrency([...byMetric.entries()], this.deps.concurrency ?? 4, async ([metric, requirements]) => {
      const query = { customerId: request.customerId, metric, fromMs, toMs, asOfMs };
      const entries: LedgerEntry[] = [];
      for await (const page of this.deps.ledger.streamUsageEntries(query)) {
        for (const entry of page) entries.push(entry);
      }
      const withAttributes = requirements.some((requirement) => requirement.uniqueAttributes.length > 0);
      const accumulator = new UsageAccumulator(requirements, { fromMs, toMs });
      // A contract's pinned definition versions decide billability and the version counted under.
      const pinned = request.pinned;
      for (const outcome of netOutcomes(entries, { asOfMs, fromMs, toMs, withAttributes, ...(pinned ? { pinned } : {}) })) accumulator.add(outcome);
      return accumulator.toMetricUsages().map(
        (usage, index): MetricUsage => ({
          ...usage,
          // Plan eligibility and ledger basis are the same three words. Echoed on every invoice line this usage prices: the exact ledger query, re-runnable as of the same cutoff.
          query: describeUsageQuery({ ...query, basis: requirements[index]?.eligibility ?? 'billable' }),
        }),
      );
    });
    return windowUsage(request.customerId, bounds, perMetric.flat());
  }
}

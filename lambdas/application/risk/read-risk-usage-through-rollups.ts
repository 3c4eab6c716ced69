import { fromFixed12 } from '../../domain/ledger/ledger-decimal';
import type { UsageBasis } from '../../domain/ledger/summarize-usage';
import type { RollupTotals } from '../../domain/ledger/usage-rollup';
import type { RiskUsageQuery, RiskUsageReader, RiskUsageSummary } from './ports';

// Renewal-risk usage through the usage rollups, as period close and invoice
// preview read it: a check measures every started period of the term for
// each success target, which the cells answer without scanning the term's
// outcomes. What the cells cannot answer exactly is read by the raw scan, so
// the answer is always the scan's.

/** The rollups' answer for one customer × metric window (RollupUsageReader.totals). */
export interface RiskRollupTotalsReader {
  totals(request: {
    readonly customerId: string;
    readonly metric: string;
    readonly from: Date;
    readonly to: Date;
    readonly asOf: Date;
  }): Promise<Record<UsageBasis, RollupTotals> | undefined>;
}

/**
 * Measured usage and reported values from the rollups, else from `raw`. The
 * last outcomes (for the signal gap) are always the raw ledger's: they are
 * outcomes, not totals.
 */
export function riskUsageThroughRollups(rollups: RiskRollupTotalsReader, raw: RiskUsageReader): RiskUsageReader {
  const summarize = async (query: RiskUsageQuery): Promise<RiskUsageSummary> => {
    const totals = await rollups.totals({ customerId: query.customerId, metric: query.metric, from: query.from, to: query.to, asOf: query.asOf });
    if (!totals) return raw.summarize(query);
    const basis = totals[query.basis];
    return {
      quantity: query.measure === 'count' ? basis.count.toString() : fromFixed12(basis.quantity),
      // As the raw scan lists them: per currency with a counted outcome, sorted by currency.
      values: [...basis.values.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([currency, value]) => ({ amount: fromFixed12(value.amount), currency })),
    };
  };
  return {
    summarize,
    measure: async (query) => (await summarize(query)).quantity,
    outcomes: (query) => raw.outcomes(query),
  };
}

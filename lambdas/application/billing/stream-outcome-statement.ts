import {
  AdjustmentIndex,
  LineMeasure,
  describeLinePricing,
  sameQuantity,
  statementRowOf,
  type StatementLine,
  type StatementLineTotal,
  type StatementRow,
  type StatementSource,
} from '../../domain/invoicing/outcome-statement';
import type { LedgerEntry } from '../../domain/ledger/ledger-entries';
import type { UsageEntriesQuery } from '../ports';

// `outcome-engine invoice statement`: every outcome behind each usage line of
// an invoice, streamed. Each line's ledger query is read twice, page by page:
// first for the adjustments only (few next to outcomes), then for the
// outcomes, each written out as soon as it is netted. So memory grows with the
// adjustments of one line, never with the outcomes of the period.

export interface StatementLedger {
  /** Raw entries page by page (ports.ts LedgerRepository.streamUsageEntries). */
  streamUsageEntries(query: UsageEntriesQuery): AsyncIterable<readonly LedgerEntry[]>;
}

export type StatementPart =
  | { readonly kind: 'row'; readonly row: StatementRow }
  | { readonly kind: 'line'; readonly total: StatementLineTotal };

/**
 * Rows of each usage line (then its total), line by line in invoice order.
 * `nowMs` bounds the second look at the ledger: adjustments recorded after
 * the cutoff and up to now are reported as later reversals and corrections.
 */
export async function* streamOutcomeStatement(
  deps: { readonly ledger: StatementLedger },
  source: StatementSource,
  nowMs: number,
): AsyncGenerator<StatementPart> {
  const cutoffMs = Date.parse(source.cutoff);
  for (const line of source.lines) {
    const query = line.usageQuery;
    if (query === null) {
      yield { kind: 'line', total: totalWithoutUsage(line) };
      continue;
    }
    const entriesQuery: UsageEntriesQuery = {
      customerId: query.customerId ?? source.customerId,
      metric: query.ledgerMetric,
      fromMs: Date.parse(query.from),
      toMs: Date.parse(query.to),
      asOfMs: Math.max(nowMs, cutoffMs),
    };
    const adjustments = new AdjustmentIndex();
    for await (const page of deps.ledger.streamUsageEntries(entriesQuery)) adjustments.add(page);
    const measure = new LineMeasure(query, source.currency);
    const target = { lineId: line.lineId, chargeId: line.chargeId, query };
    for await (const page of deps.ledger.streamUsageEntries({ ...entriesQuery, asOfMs: cutoffMs })) {
      for (const entry of page) {
        if (entry.kind !== 'recorded') continue;
        const counted = statementRowOf(entry, adjustments.of(entry.outcomeId), target, cutoffMs, query.attribute !== null, source.pinnedDefinitions);
        if (counted === undefined) continue;
        measure.add(counted.outcome, counted.row.definitionVersion);
        yield { kind: 'row', row: counted.row };
      }
    }
    const measured = measure.measured();
    yield {
      kind: 'line',
      total: {
        lineId: line.lineId,
        chargeId: line.chargeId,
        metric: line.metric,
        description: line.description,
        outcomes: measure.outcomes,
        measured,
        lineQuantity: line.quantity,
        amount: line.amount,
        definitionVersions: measure.definitionVersions,
        reconciles: sameQuantity(measured, line.quantity),
        pricing: describeLinePricing(line),
      },
    };
  }
}

function totalWithoutUsage(line: StatementLine): StatementLineTotal {
  return {
    lineId: line.lineId,
    chargeId: line.chargeId,
    metric: line.metric,
    description: line.description,
    outcomes: 0,
    measured: null,
    lineQuantity: line.quantity,
    amount: line.amount,
    definitionVersions: [],
    reconciles: true,
    pricing: describeLinePricing(line),
  };
}

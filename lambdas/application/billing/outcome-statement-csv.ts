// An outcome statement as CSV: one line per outcome, then each usage line's
// total. Shared by `invoice statement` and the portal's download, so both
// files read the same.
import type { StatementLineTotal, StatementRow } from '../../domain/invoicing/outcome-statement';
import { csvCell } from '../../domain/rating/simulation-output';
import type { StatementPart } from './stream-outcome-statement';

/** The CSV's columns: outcome rows fill the first part, line totals the last. */
export const STATEMENT_CSV_COLUMNS = [
  'record',
  'line_id',
  'charge_id',
  'metric',
  'outcome_id',
  'occurred_at',
  'recorded_at',
  'quantity',
  'value',
  'value_currency',
  'definition_version',
  'evidence_reference',
  'evidence_sha256',
  'evidence_summary',
  'verified_at',
  'verified_by',
  'later_reversal',
  'disputes',
  'outcomes',
  'line_quantity',
  'line_amount',
  'currency',
  'reconciles',
  'pricing',
] as const;
type Column = (typeof STATEMENT_CSV_COLUMNS)[number];

function csvLine(values: Partial<Record<Column, string>>): string {
  return `${STATEMENT_CSV_COLUMNS.map((column) => csvCell(values[column] ?? '')).join(',')}\r\n`;
}

function describeVerifier(row: StatementRow): string {
  const by = row.verification?.verifiedBy;
  if (!by) return '';
  return [by.kind, by.id, by.method ? `(${by.method})` : undefined].filter(Boolean).join(' ');
}

export function statementRowCsv(row: StatementRow): string {
  return csvLine({
    record: 'outcome',
    line_id: row.lineId,
    charge_id: row.chargeId ?? '',
    metric: row.metric,
    outcome_id: row.outcomeId,
    occurred_at: row.occurredAt,
    recorded_at: row.recordedAt,
    quantity: row.quantity,
    value: row.value?.amount ?? '',
    value_currency: row.value?.currency ?? '',
    definition_version: String(row.definitionVersion),
    evidence_reference: row.evidence?.reference ?? '',
    evidence_sha256: row.evidence?.sha256 ?? '',
    evidence_summary: row.evidence?.summary ?? '',
    verified_at: row.verification?.recordedAt ?? '',
    verified_by: describeVerifier(row),
    later_reversal: row.laterReversal ? `${row.laterReversal.recordedAt}: ${row.laterReversal.reason}` : '',
    disputes: row.disputes,
  });
}

export function statementTotalCsv(total: StatementLineTotal, currency: string): string {
  return csvLine({
    record: 'line_total',
    line_id: total.lineId,
    charge_id: total.chargeId ?? '',
    metric: total.metric ?? '',
    quantity: total.measured ?? '',
    definition_version: total.definitionVersions.join(' '),
    outcomes: String(total.outcomes),
    line_quantity: total.lineQuantity,
    line_amount: total.amount.decimal,
    currency,
    reconciles: total.reconciles ? 'yes' : 'NO',
    pricing: total.pricing,
  });
}

/** The statement's CSV, chunk by chunk as the parts stream: the header first, then a line per part. */
export async function* statementCsv(parts: AsyncIterable<StatementPart>, currency: string): AsyncGenerator<string> {
  yield `${STATEMENT_CSV_COLUMNS.join(',')}\r\n`;
  for await (const part of parts) yield part.kind === 'row' ? statementRowCsv(part.row) : statementTotalCsv(part.total, currency);
}

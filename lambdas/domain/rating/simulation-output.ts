import { formatMinorUnits } from '../money/format-money';
import type { CurrencyCode } from '../money/currencies';
import type { SimulationAmounts, SimulationResult } from './simulate-plan-change';

/** One printable row: every field a string, amounts as exact decimals in major units. */
export interface SimulationOutputRow {
  readonly contractId: string;
  readonly customerId: string;
  readonly currency: string;
  readonly periods: string;
  readonly currentCharges: string;
  readonly currentTrueUp: string;
  readonly current: string;
  readonly proposedCharges: string;
  readonly proposedTrueUp: string;
  readonly proposed: string;
  readonly chargesDifference: string;
  readonly difference: string;
  readonly differencePercent: string;
}

// Charges and the commitment true-up are shown apart from revenue: a
// commitment can make revenue equal while the prices underneath differ.
const COLUMNS: ReadonlyArray<{ key: keyof SimulationOutputRow; title: string; alignRight: boolean }> = [
  { key: 'contractId', title: 'contract', alignRight: false },
  { key: 'customerId', title: 'customer', alignRight: false },
  { key: 'currency', title: 'currency', alignRight: false },
  { key: 'periods', title: 'periods', alignRight: true },
  { key: 'currentCharges', title: 'cur charges', alignRight: true },
  { key: 'currentTrueUp', title: 'cur true-up', alignRight: true },
  { key: 'current', title: 'current', alignRight: true },
  { key: 'proposedCharges', title: 'prop charges', alignRight: true },
  { key: 'proposedTrueUp', title: 'prop true-up', alignRight: true },
  { key: 'proposed', title: 'proposed', alignRight: true },
  { key: 'chargesDifference', title: 'charges diff', alignRight: true },
  { key: 'difference', title: 'difference', alignRight: true },
  { key: 'differencePercent', title: 'diff %', alignRight: true },
];

function signed(minor: bigint, currency: Parameters<typeof formatMinorUnits>[1]): string {
  const text = formatMinorUnits(minor, currency);
  return minor > 0n ? `+${text}` : text;
}

function amountCells(row: SimulationAmounts, currency: CurrencyCode) {
  return {
    currentCharges: formatMinorUnits(row.currentCharges, currency),
    currentTrueUp: formatMinorUnits(row.currentTrueUp, currency),
    current: formatMinorUnits(row.current, currency),
    proposedCharges: formatMinorUnits(row.proposedCharges, currency),
    proposedTrueUp: formatMinorUnits(row.proposedTrueUp, currency),
    proposed: formatMinorUnits(row.proposed, currency),
    chargesDifference: signed(row.chargesDifference, currency),
    difference: signed(row.difference, currency),
  };
}

/** Per-contract rows followed by one TOTAL row per currency. */
export function simulationRows(result: SimulationResult): SimulationOutputRow[] {
  const rows: SimulationOutputRow[] = result.contracts.map((row) => ({
    contractId: row.contractId,
    customerId: row.customerId,
    currency: row.currency,
    periods: String(row.periods),
    ...amountCells(row, row.currency),
    differencePercent: row.differencePercent ?? '',
  }));
  for (const total of result.totals) {
    rows.push({
      contractId: 'TOTAL',
      customerId: `${total.contracts} contract(s)`,
      currency: total.currency,
      periods: '',
      ...amountCells(total, total.currency),
      differencePercent: total.differencePercent ?? '',
    });
  }
  return rows;
}

/** An aligned plain-text table, then skipped contracts and notes. */
export function formatSimulationTable(result: SimulationResult): string {
  const rows = simulationRows(result);
  const widths = COLUMNS.map((column) => Math.max(column.title.length, ...rows.map((row) => row[column.key].length)));
  const renderRow = (cells: readonly string[]) =>
    cells
      .map((cell, index) => {
        const column = COLUMNS[index];
        const width = widths[index] ?? 0;
        return column?.alignRight ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  const lines = [
    `Proposed: ${result.proposed.planCode} version ${result.proposed.version}`,
    renderRow(COLUMNS.map((column) => column.title)),
    renderRow(widths.map((width) => '-'.repeat(width))),
    ...rows.map((row) => renderRow(COLUMNS.map((column) => row[column.key]))),
  ];
  for (const skip of result.skipped) lines.push(`skipped ${skip.contractId}: ${skip.reason} [${skip.code}]`);
  for (const row of result.contracts) for (const note of row.notes) lines.push(`note ${row.contractId}: ${note}`);
  return `${lines.join('\n')}\n`;
}

/** One RFC 4180 CSV field: quoted when it holds a quote, comma or line break. */
export function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** RFC 4180 CSV: a header, per-contract rows, then the TOTAL rows. */
export function formatSimulationCsv(result: SimulationResult): string {
  const header = COLUMNS.map((column) => column.key).join(',');
  const rows = simulationRows(result).map((row) => COLUMNS.map((column) => csvCell(row[column.key])).join(','));
  return `${[header, ...rows].join('\r\n')}\r\n`;
}

/** T with every bigint replaced by its decimal string. */
export type BigintsAsStrings<T> = T extends bigint
  ? string
  : T extends ReadonlyArray<infer Item>
    ? Array<BigintsAsStrings<Item>>
    : T extends object
      ? { [Key in keyof T]: BigintsAsStrings<T[Key]> }
      : T;

export type SerializedSimulation = BigintsAsStrings<SimulationResult>;

/** The result with every amount as a minor-unit string, ready for JSON.stringify. */
export function serializeSimulation(result: SimulationResult): SerializedSimulation {
  return JSON.parse(
    JSON.stringify(result, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)),
  ) as SerializedSimulation;
}

// Plain-text output for humans: aligned columns, no colours (pipes and logs
// stay readable), long cells cut with an ellipsis.

export interface Column<Row> {
  header: string;
  value: (row: Row) => string;
  align?: 'left' | 'right';
  /** Cells longer than this are cut. */
  maxWidth?: number;
}

function fit(text: string, maxWidth: number | undefined): string {
  const oneLine = text.replace(/\s+/g, ' ');
  if (maxWidth === undefined || oneLine.length <= maxWidth) return oneLine;
  return `${oneLine.slice(0, Math.max(0, maxWidth - 1))}…`;
}

export function formatTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): string {
  const cells = rows.map((row) => columns.map((column) => fit(column.value(row), column.maxWidth)));
  const widths = columns.map((column, index) => Math.max(column.header.length, ...cells.map((line) => (line[index] ?? '').length)));
  const render = (line: readonly string[]) =>
    line
      .map((cell, index) => {
        const width = widths[index] ?? 0;
        return columns[index]?.align === 'right' ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [render(columns.map((c) => c.header)), ...cells.map(render)].join('\n') + '\n';
}

/** `label  value` lines with the values aligned. */
export function formatFields(fields: readonly (readonly [string, string])[]): string {
  const width = Math.max(...fields.map(([label]) => label.length));
  return fields.map(([label, value]) => `${label.padEnd(width)}  ${value}`.trimEnd()).join('\n') + '\n';
}

export function isoOrDash(value: Date | string | undefined | null): string {
  if (value === undefined || value === null) return '-';
  return typeof value === 'string' ? value : value.toISOString();
}

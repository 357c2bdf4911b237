/**
 * Text tables with aligned columns, as plain text (for a terminal) or Markdown (for docs), and
 * the number formats the summary uses.
 */

/** A column of a {@link Table}. */
export interface Column {
  /** Header text. */
  header: string;
  /** Alignment of the cells (default `right`, for figures). */
  align?: 'left' | 'right' | undefined;
}

/** A table: columns and rows of already formatted cells. */
export interface Table {
  /** A title printed above the table (optional). */
  title?: string | undefined;
  columns: readonly Column[];
  rows: readonly (readonly string[])[];
}

/** How {@link formatTable} lays a table out. */
export type TableStyle = 'plain' | 'markdown';

/** Display width of a string: its code points (the tables hold no wide characters). */
function width(text: string): number {
  return [...text].length;
}

function pad(text: string, size: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, size - width(text)));
  return align === 'left' ? text + fill : fill + text;
}

/**
 * Lays `table` out with every column as wide as its widest cell. `plain`: columns separated by
 * two spaces, a rule of `-` under the header, no trailing spaces. `markdown`: a GitHub table
 * with alignment markers. A row shorter than the columns gets empty cells; a longer one is an
 * error.
 *
 * @example
 * ```ts
 * formatTable({ columns: [{ header: 'figure', align: 'left' }, { header: 'value' }], rows: [['swarms', '1,428']] });
 * // figure  value
 * // ------  -----
 * // swarms  1,428
 * ```
 */
export function formatTable(table: Table, style: TableStyle = 'plain'): string {
  const columns = table.columns;
  if (columns.length === 0) throw new RangeError('a table needs at least one column');
  const rows = table.rows.map((row, index) => {
    if (row.length > columns.length) {
      throw new RangeError(`row ${index} has ${row.length} cells for ${columns.length} columns`);
    }
    return columns.map((_, column) => row[column] ?? '');
  });
  const widths = columns.map((column, index) =>
    Math.max(
      style === 'markdown' ? 3 : 1,
      width(column.header),
      ...rows.map((row) => width(row[index] as string)),
    ),
  );
  const align = (index: number) => columns[index]?.align ?? 'right';
  const lines: string[] = [];
  if (table.title !== undefined)
    lines.push(style === 'markdown' ? `**${table.title}**\n` : table.title);
  if (style === 'markdown') {
    const line = (cells: readonly string[]) =>
      `| ${cells.map((cell, i) => pad(cell, widths[i] as number, align(i))).join(' | ')} |`;
    lines.push(line(columns.map((column) => column.header)));
    const rules = widths.map((size, i) =>
      align(i) === 'left' ? `:${'-'.repeat(size - 1)}` : `${'-'.repeat(size - 1)}:`,
    );
    lines.push(`| ${rules.join(' | ')} |`);
    for (const row of rows) lines.push(line(row));
  } else {
    const line = (cells: readonly string[]) =>
      cells
        .map((cell, i) => pad(cell, widths[i] as number, align(i)))
        .join('  ')
        .trimEnd();
    lines.push(line(columns.map((column) => column.header)));
    lines.push(widths.map((size) => '-'.repeat(size)).join('  '));
    for (const row of rows) lines.push(line(row));
  }
  return lines.join('\n');
}

/**
 * A number for a table: integers with thousands separators, others with `digits` decimals
 * (default 2, trailing zeros kept so columns line up); `–` for `NaN` or infinities.
 */
export function formatNumber(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return '–';
  if (Number.isInteger(value)) return groupThousands(value.toString());
  const fixed = value.toFixed(digits);
  const [whole = '', fraction] = fixed.split('.');
  return fraction === undefined ? groupThousands(whole) : `${groupThousands(whole)}.${fraction}`;
}

/** A share (0 … 1) as a percentage with `digits` decimals (default 3), e.g. `0.125%`. */
export function formatPercent(share: number, digits = 3): string {
  if (!Number.isFinite(share)) return '–';
  return `${(share * 100).toFixed(digits)}%`;
}

function groupThousands(digits: string): string {
  const negative = digits.startsWith('-');
  const body = negative ? digits.slice(1) : digits;
  const grouped = body.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return negative ? `-${grouped}` : grouped;
}

/**
 * Text tables: every table Murmur's tools print (the simulator's summary, the devnet's node
 * lists) is laid out here by cli-table3, which measures cells by their visible width (colour
 * escapes and wide characters included). Three styles:
 *
 * - `plain`: columns two spaces apart, a rule of `-` under the header (the simulator);
 * - `markdown`: a GitHub table with alignment markers (for docs);
 * - `list`: indented columns two spaces apart, a styled header and no rule (the devnet).
 *
 * No line ends in spaces.
 */
import Table from 'cli-table3';

/** A column of a {@link TableSpec}. */
export interface Column {
  /** Header text. */
  header: string;
  /** Alignment of the cells (default `right`, for figures). */
  align?: 'left' | 'right' | undefined;
}

/** A table: columns and rows of already formatted cells. */
export interface TableSpec {
  /** A title printed above the table (optional). */
  title?: string | undefined;
  columns: readonly Column[];
  rows: readonly (readonly string[])[];
}

/** How {@link formatTable} lays a table out. */
export type TableStyle = 'plain' | 'markdown' | 'list';

/** Options of the `list` style. */
export interface ListOptions {
  /** Put before every line (default two spaces). */
  indent?: string | undefined;
  /** Applied to each header cell (e.g. dim). */
  header?: ((text: string) => string) | undefined;
}

const BORDERLESS = Object.freeze({
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
});

const MARKDOWN = Object.freeze({ ...BORDERLESS, left: '|', right: '|', middle: '|' });

function width(text: string): number {
  return [...text].length;
}

/**
 * Lays `table` out in `style`, every column as wide as its widest cell. A row shorter than the
 * columns gets empty cells; a longer one, or a table without columns, is a `RangeError`.
 *
 * @example
 * ```ts
 * formatTable({ columns: [{ header: 'figure', align: 'left' }, { header: 'value' }], rows: [['swarms', '1,428']] });
 * // figure  value
 * // ------  -----
 * // swarms  1,428
 * ```
 */
export function formatTable(
  table: TableSpec,
  style: TableStyle = 'plain',
  options: ListOptions = {},
): string {
  const { columns } = table;
  if (columns.length === 0) throw new RangeError('a table needs at least one column');
  const rows = table.rows.map((row, index) => {
    if (row.length > columns.length) {
      throw new RangeError(`row ${index} has ${row.length} cells for ${columns.length} columns`);
    }
    return columns.map((_, column) => row[column] ?? '');
  });
  const align = columns.map((column) => column.align ?? 'right');
  const headers = columns.map((column) => column.header);
  const widths = columns.map((column, index) =>
    Math.max(
      style === 'markdown' ? 3 : 1,
      width(column.header),
      ...rows.map((row) => width(row[index] as string)),
    ),
  );
  const markdown = style === 'markdown';
  const layout = new Table({
    chars: markdown
      ? MARKDOWN
      : { ...BORDERLESS, left: style === 'list' ? (options.indent ?? '  ') : '' },
    colAligns: align,
    style: {
      head: [],
      border: [],
      'padding-left': markdown ? 1 : 0,
      'padding-right': markdown ? 1 : 0,
    },
  });
  if (style === 'list') {
    layout.push(headers.map((header) => options.header?.(header) ?? header));
  } else {
    layout.push(headers);
    layout.push(
      widths.map((size, index) => {
        if (!markdown) return '-'.repeat(size);
        return align[index] === 'left' ? `:${'-'.repeat(size - 1)}` : `${'-'.repeat(size - 1)}:`;
      }),
    );
  }
  layout.push(...rows);
  const lines = layout
    .toString()
    .split('\n')
    .map((line) => line.trimEnd());
  if (table.title !== undefined) lines.unshift(markdown ? `**${table.title}**\n` : table.title);
  return lines.join('\n');
}

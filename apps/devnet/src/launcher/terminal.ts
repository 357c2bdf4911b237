/**
 * The launcher's table layout over `@murmur/terminal` (everything else the launcher draws with:
 * colours, visible widths, cutting a line to the terminal's width, is imported from there).
 */
import { formatTable as layoutTable, type Styles } from '@murmur/terminal';

/** Lines of a table whose columns line up on visible text (`@murmur/terminal`'s `list` style). */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  styles: Styles,
  indent = '  ',
): string[] {
  const columns = headers.map((header) => ({ header, align: 'left' as const }));
  return layoutTable({ columns, rows }, 'list', { indent, header: styles.dim }).split('\n');
}

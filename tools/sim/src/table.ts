/**
 * The number formats the summary uses; the tables themselves are `@murmur/terminal`'s
 * (cli-table3): import them from there.
 */

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

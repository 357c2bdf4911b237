/**
 * The arithmetic of the conversation's windowed list (pure, so it is tested without a browser):
 * which rows to render for a scroll position, and the heights of the spacers that stand for the
 * rows left out.
 */

/** The rows to render: `[start, end)`. */
export interface RowWindow {
  start: number;
  end: number;
}

/**
 * The rows that intersect the viewport `[top, top + viewport)` (offsets from the first row's
 * top, px), widened by `overscan` rows on each side. `heights[i]` is row i's height (measured, or
 * an estimate until it is). An empty list gives `{0, 0}`; a position past the end keeps the last
 * rows.
 */
export function rowWindow(
  heights: readonly number[],
  top: number,
  viewport: number,
  overscan: number,
): RowWindow {
  const count = heights.length;
  if (count === 0) return { start: 0, end: 0 };
  const bottom = top + Math.max(0, viewport);
  let offset = 0;
  let first = -1;
  let last = count;
  for (let i = 0; i < count; i++) {
    const height = heights[i] as number;
    if (first === -1 && offset + height > top) first = i;
    if (offset >= bottom) {
      last = i;
      break;
    }
    offset += height;
  }
  if (first === -1) first = count - 1;
  return {
    start: Math.max(0, first - overscan),
    end: Math.min(count, Math.max(last, first + 1) + overscan),
  };
}

/** The heights of the spacers above and below the rendered rows. */
export function spacers(
  heights: readonly number[],
  window: RowWindow,
): { above: number; below: number } {
  let above = 0;
  let below = 0;
  for (let i = 0; i < heights.length; i++) {
    if (i < window.start) above += heights[i] as number;
    else if (i >= window.end) below += heights[i] as number;
  }
  return { above, below };
}

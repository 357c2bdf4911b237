import { describe, expect, it } from 'vitest';
import { rowWindow, spacers } from '../ui/src/row-window.js';

describe("the conversation's windowed list", () => {
  const thousand = Array.from({ length: 1_000 }, (_, i) => (i % 5 === 0 ? 100 : 50));
  const total = thousand.reduce((sum, h) => sum + h, 0);

  it('renders only the rows in view plus the overscan, wherever the list is scrolled', () => {
    // At the bottom of 1,000 rows (a 600 px viewport): the last rows only.
    const bottom = rowWindow(thousand, total - 600, 600, 12);
    expect(bottom.end).toBe(1_000);
    expect(bottom.end - bottom.start).toBeLessThan(40);
    // At the top.
    expect(rowWindow(thousand, 0, 600, 12)).toEqual({ start: 0, end: 22 });
    // In the middle: row 500 starts at 500 / 5 * (100 + 4 * 50) = 30,000 px.
    const middle = rowWindow(thousand, 30_000, 600, 12);
    expect(middle.start).toBe(500 - 12);
    expect(middle.end).toBeLessThanOrEqual(500 + 12 + 13);
    for (const top of [0, 1, 49, 50, 12_345, total - 600, total]) {
      const window = rowWindow(thousand, top, 600, 12);
      // The spacers and the rendered rows add up to the whole list.
      const { above, below } = spacers(thousand, window);
      const rendered = thousand.slice(window.start, window.end).reduce((s, h) => s + h, 0);
      expect(above + rendered + below).toBe(total);
      // Whatever is in view is rendered.
      expect(above).toBeLessThanOrEqual(Math.max(0, top));
      expect(above + rendered).toBeGreaterThanOrEqual(Math.min(total, top + 600));
    }
  });

  it('handles empty lists, short lists and positions outside the list', () => {
    expect(rowWindow([], 0, 600, 12)).toEqual({ start: 0, end: 0 });
    expect(rowWindow([40, 40, 40], 0, 600, 12)).toEqual({ start: 0, end: 3 });
    expect(rowWindow([40, 40, 40], -50, 600, 0)).toEqual({ start: 0, end: 3 });
    expect(rowWindow([40, 40, 40], 10_000, 600, 0)).toEqual({ start: 2, end: 3 });
    expect(rowWindow([40, 40, 40], 45, 0, 0)).toEqual({ start: 1, end: 2 });
  });
});

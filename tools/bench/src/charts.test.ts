import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { devnetStartupChart, figure, latencyChart, tableRows } from './charts.js';

const markdown = readFileSync(
  fileURLToPath(new URL('../../../docs/BENCHMARKS.md', import.meta.url)),
  'utf8',
);

describe('charts of docs/BENCHMARKS.md', () => {
  it('reads numbers from cells', () => {
    expect(figure('**6.89 s**')).toBe(6.89);
    expect(figure('8,217 ms (one message: see below)')).toBe(8217);
    expect(() => figure('n/a')).toThrow(/no number/);
  });

  it('finds the devnet phases and charts every run of each', () => {
    const rows = tableRows(markdown, '## Devnet', '| figure | run 1 | run 2 | run 3 |');
    expect(rows.length).toBeGreaterThanOrEqual(7);
    const svg = devnetStartupChart(markdown);
    expect(svg).toContain('>up → all-ready, 20 nodes</text>');
    expect(svg).toContain('>swarms formed</text>');
    expect(svg).toContain('>target 15 s</text>');
    // One bar per run and phase, each labelled with its value.
    expect(svg.match(/ s<\/text>/g)?.length).toBeGreaterThanOrEqual(rows.length * 3);
    for (const row of rows)
      expect(svg).toContain(`>${figure(row[1] as string).toFixed(2)} s</text>`);
  });

  it('charts p50, p90 and p99 for each poll interval and the devnet', () => {
    const svg = latencyChart(markdown);
    expect(svg).toContain('>client bench, poll 1,500 ms</text>');
    expect(svg).toContain('>devnet, poll 1,500 ms</text>');
    expect(svg).toContain('>p50 target 1,500 ms</text>');
    expect(() => tableRows('# nothing', '## Devnet', '| x')).toThrow(/no "## Devnet" section/);
  });
});

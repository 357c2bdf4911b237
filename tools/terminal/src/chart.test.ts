import { describe, expect, it } from 'vitest';
import {
  barChart,
  groupThousands,
  niceCeiling,
  niceTicks,
  renderPng,
  seriesChart,
} from './chart.js';

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

describe('niceTicks', () => {
  it('uses steps of 1, 2 or 5 times a power of ten', () => {
    expect(niceTicks(0, 12, 6)).toEqual([0, 2, 4, 6, 8, 10, 12]);
    expect(niceTicks(0, 1500, 4)).toEqual([0, 500, 1000, 1500]);
    expect(niceTicks(1, 540, 8)).toEqual([100, 200, 300, 400, 500]);
    expect(niceTicks(5, 5)).toEqual([5]);
  });

  it('niceCeiling rounds up to a tick', () => {
    expect(niceCeiling(149.1, 4)).toBe(150);
    expect(niceCeiling(1428 * 1.05, 4)).toBe(1500);
    expect(niceCeiling(1501, 4)).toBe(2000);
    expect(niceCeiling(0)).toBe(1);
  });

  it('groups thousands', () => {
    expect(groupThousands(1_428_000)).toBe('1,428,000');
    expect(groupThousands(6.89)).toBe('6.89');
  });
});

describe('seriesChart', () => {
  const points = Array.from({ length: 50 }, (_, index) => index + 1);
  const spec = {
    title: 'Swarm sizes & count <test>',
    xLabel: 'block height',
    markers: [{ x: 10, label: 'churn' }],
    panels: [
      {
        label: 'swarm size',
        weight: 2,
        bands: [
          {
            name: 'min–max',
            color: '#cedef2',
            points: points.map((x) => ({ x, low: 4.5, high: 9.5 })),
          },
        ],
        lines: [
          {
            name: 'median',
            color: '#143e82',
            points: points.map((x) => ({ x: x + 0.5, y: x === 20 ? null : 7 })),
          },
        ],
        rules: [{ y: 5, label: 'min 5', color: '#c82828' }],
      },
      {
        label: 'swarms',
        lines: [
          {
            name: 'swarms',
            color: '#d66e14',
            points: points.map((x) => ({ x: x + 0.5, y: 100 + x })),
          },
        ],
      },
    ],
  };

  it('draws bands, lines broken at null, rules, markers and escaped text', () => {
    const svg = seriesChart(spec);
    expect(
      svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="640"'),
    ).toBe(true);
    expect(svg).toContain('Swarm sizes &amp; count &lt;test&gt;');
    expect(svg.match(/<polygon /g)).toHaveLength(1);
    // The median breaks at block 20: two runs; the swarm count one.
    expect(svg.match(/<polyline /g)).toHaveLength(3);
    expect(svg).toContain('stroke="#c82828" stroke-width="1.5" stroke-dasharray="6 4"');
    expect(svg).toContain('>churn</text>');
    expect(svg).toContain('>block height</text>');
  });

  it('renders to a PNG of the SVG size', () => {
    const png = renderPng(seriesChart({ ...spec, width: 600, height: 400 }));
    expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    expect(pngSize(png)).toEqual({ width: 600, height: 400 });
  });

  it('draws only the title when there is nothing to plot', () => {
    const svg = seriesChart({ title: 'empty', xLabel: 'x', panels: [] });
    expect(svg).toContain('>empty</text>');
    expect(svg).not.toContain('<polyline');
  });
});

describe('barChart', () => {
  it('draws one bar per value, the values at their ends, and the rules', () => {
    const svg = barChart({
      title: 'Start-up',
      valueLabel: 'seconds',
      series: [
        { name: 'median', color: '#143e82' },
        { name: 'max', color: '#7ca6db' },
      ],
      groups: [
        { label: 'ledger', values: [0.55, 0.56] },
        { label: 'swarms', values: [4.32, undefined] },
      ],
      format: (value) => `${value.toFixed(2)} s`,
      rules: [{ value: 15, label: 'target 15 s', color: '#c82828' }],
    });
    expect(svg.match(/<rect /g)).toHaveLength(1 + 2 + 3); // background, legend, bars
    expect(svg).toContain('>4.32 s</text>');
    expect(svg).toContain('>target 15 s</text>');
    const png = renderPng(svg);
    expect(pngSize(png).width).toBe(1000);
  });

  it('refuses what is not SVG', () => {
    expect(() => renderPng('not svg')).toThrow(/SVG data parsing failed/);
  });
});

import { renderPng } from '@murmur/terminal';
import { describe, expect, it } from 'vitest';
import { renderSwarmChart, SWARM_CHART_COLORS, type SwarmChartPoint } from './chart.js';

describe('renderSwarmChart', () => {
  const points: SwarmChartPoint[] = Array.from({ length: 50 }, (_, i) => ({
    height: i + 1,
    min: 5,
    p25: 6,
    median: 7,
    p75: 8,
    max: 9,
    swarms: i === 0 ? 0 : 100 + i,
  }));

  it('draws the bands, the median, the swarm count, the minimum and the markers', () => {
    const svg = renderSwarmChart({
      title: 'test',
      points,
      markers: [{ height: 10, label: 'churn' }],
      width: 600,
      height: 400,
    });
    expect(svg).toContain('width="600" height="400"');
    for (const color of Object.values(SWARM_CHART_COLORS)) expect(svg).toContain(color);
    // Two bands (min–max, p25–p75), skipping the block without swarms.
    expect(svg.match(/<polygon /g)).toHaveLength(2);
    expect(svg).toContain('>churn</text>');
    expect(svg).toContain('>min 5</text>');
    const png = renderPng(svg);
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
    expect([view.getUint32(16), view.getUint32(20)]).toEqual([600, 400]);
  });

  it('draws only the title when there are no points', () => {
    const svg = renderSwarmChart({ title: 'empty', points: [], width: 200, height: 100 });
    expect(svg).toContain('>empty</text>');
    expect(svg).not.toContain('<polygon');
  });
});

import { loadCrypto } from '@murmur/crypto';
import { renderPng } from '@murmur/terminal';
import { beforeAll, describe, expect, it } from 'vitest';
import { runScenario, type ScenarioResult } from './scenario.js';
import { scenarioChart } from './scenario-chart.js';
import { formatSummary } from './summary.js';

let result: ScenarioResult;

beforeAll(async () => {
  result = await runScenario(
    {
      nodes: 40,
      blocks: 20,
      churnPercent: 2.5,
      failPercent: 5,
      pubkeys: 5_000,
      params: 'devnet',
      seed: 'summary',
      joinBatch: 10,
    },
    { crypto: await loadCrypto({ backend: 'native' }) },
  );
});

describe('formatSummary', () => {
  it('names the scenario and prints every table with aligned columns', () => {
    const text = formatSummary(result);
    expect(text).toContain('murmur-sim: 40 nodes, churn 2.5% a block, 5% failing, 5,000 pubkeys');
    expect(text).toContain('phases: join 1–4, notice 5–14, churn 15–34');
    for (const heading of [
      'Per block, churn phase (blocks 15–34, 20 blocks)',
      'Per block, join phase (blocks 1–4, 4 blocks)',
      '5,000 random pubkeys over the final swarms (block 34)',
      'Registry',
    ]) {
      expect(text).toContain(heading);
    }
    for (const row of [
      'nodes that changed swarm',
      'pubkeys that changed swarm (of all)',
      'data copied to joining nodes (of stored)',
      'swarms under 5 nodes',
      'failing nodes: deregistered',
    ]) {
      expect(text).toContain(row);
    }
    // Each table's lines are as wide as its rule (right-aligned figures end in the same column).
    const lines = text.split('\n');
    const rule = lines.findIndex((line) => /^-+ {2}-+/.test(line));
    const width = (lines[rule] as string).length;
    expect((lines[rule + 1] as string).length).toBe(width);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('prints Markdown tables when asked', () => {
    const text = formatSummary(result, 'markdown');
    expect(text).toContain('| figure');
    expect(text).toContain('| :---');
    expect(text).toContain('**Registry**');
  });
});

describe('scenarioChart', () => {
  it('renders a 1000 × 640 chart of the run that becomes a small PNG', () => {
    const svg = scenarioChart(result);
    expect(svg).toContain('width="1000" height="640"');
    expect(svg).toContain('murmur-sim: swarm sizes per block');
    const file = renderPng(svg);
    expect(file.length).toBeLessThan(200_000);
    const view = new DataView(file.buffer, file.byteOffset);
    expect([view.getUint32(16), view.getUint32(20)]).toEqual([1000, 640]);
  });
});

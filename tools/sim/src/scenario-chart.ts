/**
 * The chart of a run: {@link renderSwarmChart} fed with a {@link ScenarioResult}'s blocks, the
 * phases marked, and the scenario named in the title.
 */
import { renderSwarmChart } from './chart.js';
import type { ScenarioResult } from './scenario.js';
import { formatNumber } from './table.js';

/** The swarm sizes and swarm count of every block of `result`, as SVG text. */
export function scenarioChart(result: ScenarioResult): string {
  const o = result.options;
  const markers = (['join', 'notice', 'churn'] as const)
    .filter((phase) => result.phases[phase].last >= result.phases[phase].first)
    .map((phase) => ({ height: result.phases[phase].first, label: phase }));
  return renderSwarmChart({
    title: `murmur-sim: swarm sizes per block, ${formatNumber(o.nodes)} nodes`,
    subtitle: `churn ${o.churnPercent}% a block, ${o.failPercent}% failing, ${o.params} parameters, seed ${JSON.stringify(o.seed)}`,
    points: result.blocks.map((block) => ({
      height: block.height,
      min: block.minSize,
      p25: block.p25Size,
      median: block.medianSize,
      p75: block.p75Size,
      max: block.maxSize,
      swarms: block.swarms,
    })),
    markers,
  });
}

/**
 * The chart of a run: {@link renderSwarmChart} fed with a {@link ScenarioResult}'s blocks, the
 * phases marked, and the scenario named in the title.
 */
import { type Raster, renderSwarmChart } from './chart.js';
import type { ScenarioResult } from './scenario.js';
import { formatNumber } from './table.js';

/** Draws the swarm sizes and swarm count of every block of `result`. */
export function scenarioChart(result: ScenarioResult): Raster {
  const o = result.options;
  const markers = (['join', 'notice', 'churn'] as const)
    .filter((phase) => result.phases[phase].last >= result.phases[phase].first)
    .map((phase) => ({ height: result.phases[phase].first, label: phase.toUpperCase() }));
  return renderSwarmChart({
    title: `MURMUR-SIM: SWARM SIZES PER BLOCK, ${formatNumber(o.nodes)} NODES`,
    subtitle: `CHURN ${o.churnPercent}% A BLOCK, ${o.failPercent}% FAILING, ${o.params.toUpperCase()} PARAMETERS, SEED ${JSON.stringify(o.seed)}`,
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

/**
 * @packageDocumentation
 * `@murmur/sim`: the Murmur network simulator. It runs the real `@murmur/registry` state
 * machine (real signed transactions, blocks applied by `applyBlock`) and `@murmur/swarm` on a
 * synthetic network, without any network: thousands of nodes join, a chosen percent churns
 * every block, some stop sending uptime proofs. It measures the swarm size distribution, the
 * nodes and the share of stored data that move per block, and how evenly random pubkeys spread
 * over the swarms; the `murmur-sim` command prints a summary table and can draw a PNG chart.
 *
 * @example
 * ```ts
 * import { formatSummary, runScenario } from '@murmur/sim';
 *
 * const result = await runScenario({
 *   nodes: 1_000, blocks: 100, churnPercent: 0.5, failPercent: 1,
 *   pubkeys: 100_000, params: 'oxen', seed: 'demo',
 * });
 * process.stdout.write(formatSummary(result));
 * ```
 */

export {
  type Column,
  createProgressBar,
  formatDuration,
  formatTable,
  niceCeiling,
  niceTicks,
  type ProgressBar,
  type ProgressBarComponents,
  type ProgressBarInit,
  type ProgressStream,
  renderPng,
  type TableSpec as Table,
  type TableStyle,
} from '@murmur/terminal';
export {
  renderSwarmChart,
  SWARM_CHART_COLORS,
  type SwarmChartInput,
  type SwarmChartPoint,
} from './chart.js';
export { CLI_DEFAULTS, type CommandLine, parseCommandLine, USAGE } from './command-line.js';
export {
  coefficientOfVariation,
  type Distribution,
  distribution,
  mean,
  quantile,
  type SeriesSummary,
  type Spread,
  spread,
  standardDeviation,
  summarizeSeries,
} from './metrics.js';
export { createRandom, type Random, sample } from './random.js';
export {
  type BlockRecord,
  type BlockView,
  nodeAddress,
  type Phase,
  type PhaseRange,
  type PhaseSummary,
  phaseRanges,
  type RegistryOutcome,
  type ResolvedScenarioOptions,
  resolveScenarioOptions,
  runScenario,
  type ScenarioComponents,
  type ScenarioOptions,
  type ScenarioProgress,
  type ScenarioResult,
  type SimulatorCrypto,
  summarizePhase,
} from './scenario.js';
export { scenarioChart } from './scenario-chart.js';
export { createStoredData, type StoredData, type StoredDataUpdate } from './stored-data.js';
export {
  describeScenario,
  formatSummary,
  perBlockTable,
  registryTable,
  spreadTable,
} from './summary.js';
export { formatNumber, formatPercent } from './table.js';

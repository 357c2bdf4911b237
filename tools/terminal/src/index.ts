/**
 * @packageDocumentation
 * `@murmur/terminal`: what Murmur's command-line tools draw, in one place: text styles and
 * widths, tables (cli-table3), progress (cli-progress) and charts (SVG, PNG by resvg).
 */
export {
  type BarChartSpec,
  barChart,
  groupThousands,
  niceCeiling,
  niceTicks,
  renderPng,
  type SeriesBand,
  type SeriesChartSpec,
  type SeriesLine,
  type SeriesPanel,
  seriesChart,
} from './chart.js';
export {
  createProgressBar,
  createStepList,
  formatDuration,
  type ProgressBar,
  type ProgressBarComponents,
  type ProgressBarInit,
  type ProgressStream,
  progressBar,
  type StepEvent,
  type StepList,
  type StepListInit,
  type StepState,
} from './progress.js';
export {
  type Column,
  formatTable,
  type ListOptions,
  type TableSpec,
  type TableStyle,
} from './table.js';
export {
  colorsWanted,
  createStyles,
  formatSeconds,
  padVisible,
  type Styles,
  stripAnsi,
  type TerminalOutput,
  truncateVisible,
  visibleWidth,
} from './text.js';

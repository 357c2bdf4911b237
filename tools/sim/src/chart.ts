/**
 * The swarm-size chart, as SVG (`@murmur/terminal`'s `seriesChart`): the top panel shows, per
 * block, the range of swarm sizes (light band, min to max), the middle half (darker band, p25 to
 * p75) and the median (line), with the minimum swarm size (5) dashed in red; the bottom panel
 * shows the number of swarms. Markers (phase starts) are dashed vertical lines across both
 * panels. `renderPng` (resvg) turns it into a PNG.
 */
import { seriesChart } from '@murmur/terminal';

/** One block of the chart. */
export interface SwarmChartPoint {
  /** Block height (the x axis). */
  height: number;
  /** Swarm size statistics after the block. */
  min: number;
  p25: number;
  median: number;
  p75: number;
  max: number;
  /** Number of swarms after the block. */
  swarms: number;
}

/** What {@link renderSwarmChart} draws. */
export interface SwarmChartInput {
  /** First line at the top. */
  title: string;
  /** Second line (optional). */
  subtitle?: string | undefined;
  /** One point per block, by ascending height. */
  points: readonly SwarmChartPoint[];
  /** Vertical markers (phase starts), each labelled. */
  markers?: readonly { height: number; label: string }[] | undefined;
  /** Image size (default 1000 × 640). */
  width?: number | undefined;
  height?: number | undefined;
}

/** The chart's colours. */
export const SWARM_CHART_COLORS = Object.freeze({
  range: '#cedef2',
  quartiles: '#7ca6db',
  median: '#143e82',
  swarms: '#d66e14',
  minimum: '#c82828',
});

/** The swarm-size chart of `input`, as SVG text. */
export function renderSwarmChart(input: SwarmChartInput): string {
  const withSwarms = input.points.filter((point) => point.swarms > 0);
  // Sizes are whole nodes: a band covers them from half a node below to half a node above.
  const band = (name: string, color: string, low: 'min' | 'p25', high: 'max' | 'p75') => ({
    name,
    color,
    points: withSwarms.map((point) => ({
      x: point.height,
      low: point[low] - 0.5,
      high: point[high] + 0.5,
    })),
  });
  return seriesChart({
    title: input.title,
    subtitle: input.subtitle,
    width: input.width,
    height: input.height,
    xLabel: 'block height',
    markers: (input.markers ?? []).map((marker) => ({ x: marker.height, label: marker.label })),
    panels: [
      {
        label: 'swarm size (nodes)',
        weight: 1.65,
        high: Math.max(12, ...input.points.map((point) => point.max + 1)),
        bands: [
          band('min–max', SWARM_CHART_COLORS.range, 'min', 'max'),
          band('p25–p75', SWARM_CHART_COLORS.quartiles, 'p25', 'p75'),
        ],
        lines: [
          {
            name: 'median',
            color: SWARM_CHART_COLORS.median,
            points: input.points.map((point) => ({
              x: point.height + 0.5,
              y: point.swarms > 0 ? point.median : null,
            })),
          },
        ],
        rules: [{ y: 5, label: 'min 5', color: SWARM_CHART_COLORS.minimum }],
      },
      {
        label: 'number of swarms',
        lines: [
          {
            name: 'swarms',
            color: SWARM_CHART_COLORS.swarms,
            points: input.points.map((point) => ({ x: point.height + 0.5, y: point.swarms })),
          },
        ],
      },
    ],
  });
}

/**
 * The swarm-size chart: a small RGB rasteriser (rectangles, lines, dashed lines, bitmap text)
 * and {@link renderSwarmChart}, which draws swarm sizes per block (min–max and p25–p75 bands,
 * the median line) above the number of swarms per block, with the phases marked.
 */
import { GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, glyph, textWidth } from './font.js';
import type { RgbImage } from './png.js';

/** An RGB colour, each channel 0 … 255. */
export type Rgb = readonly [number, number, number];

/** A drawing surface of `width × height` RGB pixels. Coordinates outside it are clipped. */
export class Raster implements RgbImage {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;

  constructor(width: number, height: number, background: Rgb = [255, 255, 255]) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new RangeError(`a raster needs positive integer dimensions, got ${width} × ${height}`);
    }
    this.width = width;
    this.height = height;
    this.pixels = new Uint8Array(width * height * 3);
    this.fillRect(0, 0, width, height, background);
  }

  /** Colours one pixel (ignored outside the raster). */
  setPixel(x: number, y: number, color: Rgb): void {
    const px = Math.floor(x);
    const py = Math.floor(y);
    if (px < 0 || py < 0 || px >= this.width || py >= this.height) return;
    const offset = (py * this.width + px) * 3;
    this.pixels[offset] = color[0];
    this.pixels[offset + 1] = color[1];
    this.pixels[offset + 2] = color[2];
  }

  /** The colour of one pixel. */
  getPixel(x: number, y: number): Rgb {
    const offset = (y * this.width + x) * 3;
    return [
      this.pixels[offset] as number,
      this.pixels[offset + 1] as number,
      this.pixels[offset + 2] as number,
    ];
  }

  /** Fills the rectangle with corners (x, y) and (x + width, y + height), clipped. */
  fillRect(x: number, y: number, width: number, height: number, color: Rgb): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + width));
    const y1 = Math.min(this.height, Math.round(y + height));
    for (let py = y0; py < y1; py++) {
      for (let px = x0; px < x1; px++) {
        const offset = (py * this.width + px) * 3;
        this.pixels[offset] = color[0];
        this.pixels[offset + 1] = color[1];
        this.pixels[offset + 2] = color[2];
      }
    }
  }

  /**
   * A straight line from (x0, y0) to (x1, y1) (Bresenham), `thickness` pixels wide; with
   * `dash` = [on, off] it is dashed.
   */
  line(
    x0: number,
    y0: number,
    x1: number,
    y1: number,
    color: Rgb,
    options: { thickness?: number; dash?: readonly [number, number] } = {},
  ): void {
    const thickness = Math.max(1, Math.round(options.thickness ?? 1));
    let x = Math.round(x0);
    let y = Math.round(y0);
    const xEnd = Math.round(x1);
    const yEnd = Math.round(y1);
    const dx = Math.abs(xEnd - x);
    const dy = -Math.abs(yEnd - y);
    const sx = x < xEnd ? 1 : -1;
    const sy = y < yEnd ? 1 : -1;
    let error = dx + dy;
    const before = Math.floor((thickness - 1) / 2);
    let step = 0;
    for (;;) {
      const dash = options.dash;
      if (dash === undefined || step % (dash[0] + dash[1]) < dash[0]) {
        this.fillRect(x - before, y - before, thickness, thickness, color);
      }
      if (x === xEnd && y === yEnd) break;
      const doubled = 2 * error;
      if (doubled >= dy) {
        error += dy;
        x += sx;
      }
      if (doubled <= dx) {
        error += dx;
        y += sy;
      }
      step++;
    }
  }

  /**
   * Draws `text` with its top-left corner at (x, y), each font cell `scale` pixels square.
   * Returns the width drawn, in pixels.
   */
  text(x: number, y: number, text: string, color: Rgb, scale = 2): number {
    let cursor = Math.round(x);
    const top = Math.round(y);
    for (const character of text) {
      const rows = glyph(character);
      for (let row = 0; row < GLYPH_HEIGHT; row++) {
        const bits = rows[row] as number;
        for (let column = 0; column < GLYPH_WIDTH; column++) {
          if ((bits >> (GLYPH_WIDTH - 1 - column)) & 1) {
            this.fillRect(cursor + column * scale, top + row * scale, scale, scale, color);
          }
        }
      }
      cursor += GLYPH_ADVANCE * scale;
    }
    return textWidth(text) * scale;
  }
}

/**
 * Ticks for an axis from `low` to `high`: multiples of 1, 2 or 5 × 10^k, about `target` of them.
 */
export function niceTicks(low: number, high: number, target = 6): number[] {
  if (!Number.isFinite(low) || !Number.isFinite(high)) return [];
  if (high <= low) return [low];
  const rough = (high - low) / Math.max(1, target);
  const power = 10 ** Math.floor(Math.log10(rough));
  const step =
    [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= rough) ??
    10 * power;
  const ticks: number[] = [];
  for (let value = Math.ceil(low / step) * step; value <= high + step * 1e-9; value += step) {
    ticks.push(Number(value.toFixed(10)));
  }
  return ticks;
}

/** The smallest tick of {@link niceTicks}' step (for a range from 0 to `value`) that is ≥ `value`. */
export function niceCeiling(value: number, target = 4): number {
  if (!(value > 0)) return 1;
  const ticks = niceTicks(0, value, target);
  const step = ticks.length > 1 ? (ticks[1] as number) - (ticks[0] as number) : value;
  return Math.ceil(value / step - 1e-9) * step;
}

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

const INK: Rgb = [40, 40, 40];
const GRID: Rgb = [228, 228, 228];
const RANGE_BAND: Rgb = [206, 222, 242];
const QUARTILE_BAND: Rgb = [124, 166, 219];
const MEDIAN_LINE: Rgb = [20, 62, 130];
const COUNT_LINE: Rgb = [214, 110, 20];
const LIMIT_LINE: Rgb = [200, 40, 40];
const MARKER_LINE: Rgb = [120, 120, 120];

interface Panel {
  left: number;
  top: number;
  width: number;
  height: number;
  low: number;
  high: number;
}

function panelY(panel: Panel, value: number): number {
  const share = (value - panel.low) / (panel.high - panel.low || 1);
  return panel.top + panel.height - share * panel.height;
}

function drawAxes(
  raster: Raster,
  panel: Panel,
  label: string,
  formatTick: (value: number) => string,
): void {
  for (const tick of niceTicks(panel.low, panel.high, 5)) {
    const y = Math.round(panelY(panel, tick));
    raster.line(panel.left, y, panel.left + panel.width, y, GRID);
    const text = formatTick(tick);
    raster.text(panel.left - 8 - textWidth(text) * 2, y - GLYPH_HEIGHT, text, INK);
  }
  raster.line(panel.left, panel.top, panel.left, panel.top + panel.height, INK);
  raster.line(
    panel.left,
    panel.top + panel.height,
    panel.left + panel.width,
    panel.top + panel.height,
    INK,
  );
  raster.text(panel.left, panel.top - 22, label, INK);
}

function groupThousands(value: number): string {
  return Math.round(value)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * Draws the swarm-size chart: the top panel shows, per block, the range of swarm sizes (light
 * band, min to max), the middle half (darker band, p25 to p75) and the median (line), with the
 * minimum swarm size (5) dashed in red; the bottom panel shows the number of swarms. Markers
 * (phase starts) are dashed vertical lines across both panels.
 */
export function renderSwarmChart(input: SwarmChartInput): Raster {
  const width = input.width ?? 1000;
  const height = input.height ?? 640;
  const raster = new Raster(width, height);
  const points = input.points;
  raster.text(20, 14, input.title, INK);
  if (input.subtitle !== undefined) raster.text(20, 36, input.subtitle, MARKER_LINE);
  if (points.length === 0) return raster;

  const left = 100;
  const plotWidth = width - left - 30;
  const first = (points[0] as SwarmChartPoint).height;
  const last = (points[points.length - 1] as SwarmChartPoint).height;
  const span = Math.max(1, last - first + 1);
  const xOf = (blockHeight: number) => left + ((blockHeight - first) / span) * plotWidth;

  const maxSize = Math.max(...points.map((point) => point.max));
  const sizes: Panel = {
    left,
    top: 90,
    width: plotWidth,
    height: Math.round((height - 90 - 100) * 0.62),
    low: 0,
    high: Math.max(12, maxSize + 1),
  };
  const countTop = sizes.top + sizes.height + 56;
  const maxSwarms = Math.max(1, ...points.map((point) => point.swarms));
  const counts: Panel = {
    left,
    top: countTop,
    width: plotWidth,
    height: height - countTop - 60,
    low: 0,
    high: niceCeiling(maxSwarms * 1.05, 4),
  };

  drawAxes(raster, sizes, 'SWARM SIZE (NODES)', groupThousands);
  // Legend, right-aligned above the size panel.
  const legend: [string, Rgb, 'band' | 'line'][] = [
    ['MIN-MAX', RANGE_BAND, 'band'],
    ['P25-P75', QUARTILE_BAND, 'band'],
    ['MEDIAN', MEDIAN_LINE, 'line'],
  ];
  let legendX =
    left + plotWidth - legend.reduce((sum, [label]) => sum + 28 + textWidth(label) * 2 + 16, 0);
  for (const [label, color, kind] of legend) {
    const y = sizes.top - 22;
    if (kind === 'band') raster.fillRect(legendX, y, 20, 14, color);
    else raster.fillRect(legendX, y + 6, 20, 2, color);
    legendX += 28;
    legendX += raster.text(legendX, y, label, INK) + 16;
  }
  drawAxes(raster, counts, 'NUMBER OF SWARMS', groupThousands);

  // Bands: one column of rectangles per block.
  for (const point of points) {
    if (point.swarms === 0) continue;
    const x0 = Math.floor(xOf(point.height));
    const columnWidth = Math.max(1, Math.ceil(xOf(point.height + 1)) - x0);
    const band = (low: number, high: number, color: Rgb) => {
      const yTop = Math.round(panelY(sizes, high + 0.5));
      const yBottom = Math.round(panelY(sizes, low - 0.5));
      raster.fillRect(x0, yTop, columnWidth, yBottom - yTop, color);
    };
    band(point.min, point.max, RANGE_BAND);
    band(point.p25, point.p75, QUARTILE_BAND);
  }
  // Median and swarm count as lines through the block centres.
  let previous: { x: number; median: number; swarms: number } | undefined;
  for (const point of points) {
    const x = xOf(point.height + 0.5);
    if (previous !== undefined && point.swarms > 0) {
      raster.line(
        previous.x,
        panelY(sizes, previous.median),
        x,
        panelY(sizes, point.median),
        MEDIAN_LINE,
        {
          thickness: 2,
        },
      );
    }
    if (previous !== undefined) {
      raster.line(
        previous.x,
        panelY(counts, previous.swarms),
        x,
        panelY(counts, point.swarms),
        COUNT_LINE,
        {
          thickness: 2,
        },
      );
    }
    previous = point.swarms > 0 ? { x, median: point.median, swarms: point.swarms } : undefined;
  }
  const minimumY = Math.round(panelY(sizes, 5));
  raster.line(left, minimumY, left + plotWidth, minimumY, LIMIT_LINE, { dash: [6, 4] });
  raster.text(left + plotWidth - textWidth('MIN 5') * 2 - 4, minimumY + 4, 'MIN 5', LIMIT_LINE);

  // Marker lines first, then their labels on a white ground; labels of markers close together
  // go on successive rows.
  const markers = input.markers ?? [];
  for (const marker of markers) {
    const x = Math.round(xOf(marker.height));
    raster.line(x, sizes.top, x, counts.top + counts.height, MARKER_LINE, { dash: [4, 4] });
  }
  let labelRow = 0;
  let labelEnd = Number.NEGATIVE_INFINITY;
  for (const marker of markers) {
    const x = Math.round(xOf(marker.height)) + 4;
    const labelWidth = textWidth(marker.label) * 2;
    labelRow = x < labelEnd ? labelRow + 1 : 0;
    labelEnd = x + labelWidth + 8;
    const y = sizes.top + 4 + labelRow * 18;
    raster.fillRect(x - 2, y - 2, labelWidth + 4, GLYPH_HEIGHT * 2 + 4, [255, 255, 255]);
    raster.text(x, y, marker.label, MARKER_LINE);
  }

  // The x axis: block heights under the bottom panel.
  for (const tick of niceTicks(first, last, 8)) {
    const x = Math.round(xOf(tick));
    const text = groupThousands(tick);
    raster.line(x, counts.top + counts.height, x, counts.top + counts.height + 5, INK);
    raster.text(x - textWidth(text), counts.top + counts.height + 10, text, INK);
  }
  const axisLabel = 'BLOCK HEIGHT';
  raster.text(
    left + (plotWidth - textWidth(axisLabel) * 2) / 2,
    counts.top + counts.height + 32,
    axisLabel,
    INK,
  );
  return raster;
}
